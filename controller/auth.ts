import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Logger } from "./log.ts";
import type { Role, TokenStore } from "./store/tokens.ts";

/**
 * Seed the ops-role token: SHELFSYNC_ADMIN_TOKEN when given; otherwise, on the first start (no ops
 * token yet), a random one written to `admin-token` beside the database file (mode 0600), so scripts
 * can call every route and nobody has to invent a weak default.
 */
export function seedAdminToken(
  tokens: TokenStore,
  options: { adminToken?: string | undefined; dbPath: string; now: number; log: Logger },
): void {
  if (options.adminToken) {
    tokens.add(options.adminToken, "admin (SHELFSYNC_ADMIN_TOKEN)", "ops", options.now);
    return;
  }
  if (tokens.hasRole("ops")) return;
  const token = tokens.create("admin (first start)", "ops", options.now);
  if (options.dbPath === ":memory:") {
    options.log.warn("created an ops API token for this in-memory store", { token });
    return;
  }
  const file = join(dirname(options.dbPath), "admin-token");
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  options.log.info(`created an ops API token; it is kept in ${file}`);
}

/** Roles that may decide on held price changes. */
export const APPROVER_ROLES: readonly Role[] = ["ops", "manager"];
