import type { Role } from "../store/tokens.ts";

/**
 * Who makes a change. Every change takes one and records it in its audit entry. From the HTTP API it
 * is the person or device named by the API token and the token's role; a process with no token behind
 * it (a feed batch from the import CLI, the demo) names itself and has no role.
 */
export interface Actor {
  name: string;
  role?: Role | undefined;
}

/** How an actor is written in the audit log: `Anna K (staff)`, or the bare name without a role. */
export const actorLabel = (a: Actor): string => (a.role ? `${a.name} (${a.role})` : a.name);
