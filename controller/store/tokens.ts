import { createHash, randomBytes } from "node:crypto";
import type { Db } from "./db.ts";

export const ROLES = ["ops", "manager", "staff", "device"] as const;
export type Role = (typeof ROLES)[number];

export interface TokenIdentity {
  name: string;
  role: Role;
}

const hash = (token: string) => createHash("sha256").update(token).digest("hex");

/** HTTP bearer tokens. Only a SHA-256 of each token is stored. */
export function tokenStore(db: Db) {
  const sql = db.$client;
  const upsert = sql.prepare(
    `INSERT INTO api_tokens (token_hash, name, role, created_at) VALUES (?, ?, ?, ?)
     ON CONFLICT(token_hash) DO UPDATE SET name = excluded.name, role = excluded.role`,
  );
  const find = sql.prepare<[string], TokenIdentity>("SELECT name, role FROM api_tokens WHERE token_hash = ?");
  const countRole = sql.prepare<[string], { n: number }>(
    "SELECT COUNT(*) AS n FROM api_tokens WHERE role = ?",
  );
  return {
    add(token: string, name: string, role: Role, now: number): void {
      upsert.run(hash(token), name, role, now);
    },
    /** A new random token (returned once, never stored in the clear). */
    create(name: string, role: Role, now: number): string {
      const token = `ss_${randomBytes(24).toString("base64url")}`;
      upsert.run(hash(token), name, role, now);
      return token;
    },
    identify: (token: string): TokenIdentity | undefined => find.get(hash(token)),
    hasRole: (role: Role): boolean => (countRole.get(role)?.n ?? 0) > 0,
  };
}
export type TokenStore = ReturnType<typeof tokenStore>;
