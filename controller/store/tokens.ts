import { createHash, randomBytes } from "node:crypto";
import type { Role } from "../../schemas/index.ts";
import { mosquittoHash } from "../mqtt/mosquitto-files.ts";
import type { Db } from "./db.ts";
import { dbFaultOf } from "./faults.ts";

export type { Role } from "../../schemas/index.ts";

/** Who a request is from: the token's person or device, and its one role. */
export interface TokenIdentity {
  name: string;
  role: Role;
}

export interface TokenRecord extends TokenIdentity {
  createdAt: number;
  lastUsedAt: number | null;
}

/** An active token with this name exists already (names are what revoke and the audit log use). */
export class TokenNameTaken extends Error {
  constructor(readonly tokenName: string) {
    super(`a token named "${tokenName}" exists already; revoke it first or choose another name`);
  }
}

/** `last_used_at` is written at most this often per token: a write per request would cost an fsync. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * SHA-256 of the token. Tokens made here carry 192 random bits, so a fast hash is enough (as for
 * GitHub's or Stripe's API keys): nobody can walk back from it, and the lookup stays an index probe.
 */
const hash = (token: string) => createHash("sha256").update(token).digest("hex");

/**
 * HTTP bearer tokens. Only a hash of each token is stored, and every request looks its token up here
 * (there is no cache), so a revocation — from the API or from `npm run token` in another process on
 * the same SQLite file — holds from the next request on.
 */
export function tokenStore(db: Db) {
  const sql = db.$client;
  const insert = sql.prepare(
    "INSERT INTO api_tokens (token_hash, name, role, created_at, mosquitto_hash) VALUES (?, ?, ?, ?, ?)",
  );
  const setMosquittoHash = sql.prepare("UPDATE api_tokens SET mosquitto_hash = ? WHERE token_hash = ?");
  const mqttUsers = sql.prepare<[], { name: string; role: Role; hash: string | null }>(
    `SELECT name, role, mosquitto_hash AS hash FROM api_tokens
     WHERE revoked_at IS NULL AND role IN ('bridge', 'ops') ORDER BY name`,
  );
  const find = sql.prepare<[string], TokenIdentity & { lastUsedAt: number | null }>(
    "SELECT name, role, last_used_at AS lastUsedAt FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL",
  );
  const byHash = sql.prepare<[string], { name: string; revokedAt: number | null }>(
    "SELECT name, revoked_at AS revokedAt FROM api_tokens WHERE token_hash = ?",
  );
  const activeByName = sql.prepare<[string], { tokenHash: string; role: Role }>(
    "SELECT token_hash AS tokenHash, role FROM api_tokens WHERE name = ? AND revoked_at IS NULL",
  );
  const reactivate = sql.prepare(
    "UPDATE api_tokens SET name = ?, role = ?, revoked_at = NULL WHERE token_hash = ?",
  );
  const revokeByName = sql.prepare(
    "UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
  );
  const touch = sql.prepare("UPDATE api_tokens SET last_used_at = ? WHERE token_hash = ?");
  const listActive = sql.prepare<[], TokenRecord>(
    `SELECT name, role, created_at AS createdAt, last_used_at AS lastUsedAt FROM api_tokens
     WHERE revoked_at IS NULL ORDER BY name`,
  );
  const oneActive = sql.prepare<[string], TokenRecord>(
    `SELECT name, role, created_at AS createdAt, last_used_at AS lastUsedAt FROM api_tokens
     WHERE name = ? AND revoked_at IS NULL`,
  );
  const countRole = sql.prepare<[string], { n: number }>(
    "SELECT COUNT(*) AS n FROM api_tokens WHERE role = ? AND revoked_at IS NULL",
  );

  const newToken = () => `ss_${randomBytes(24).toString("base64url")}`;
  /**
   * Tokens that may sign in to MQTT (bridges; ops to watch) also get Mosquitto's password entry,
   * made now because the token is never known in the clear again (mosquitto-files.ts).
   */
  const forMosquitto = (token: string, role: Role) =>
    role === "bridge" || role === "ops" ? mosquittoHash(token) : null;

  return {
    /** A new random token for a person or device (returned once, never stored in the clear). */
    create(name: string, role: Role, now: number): string {
      const token = newToken();
      sql
        .transaction(() => {
          if (activeByName.get(name)) throw new TokenNameTaken(name);
          insert.run(hash(token), name, role, now, forMosquitto(token, role));
        })
        .immediate();
      return token;
    },

    /**
     * Make a token chosen outside (SHELFSYNC_ADMIN_TOKEN) active under `name` with `role`: the
     * configuration is authoritative, so a token of that name with another secret (the variable
     * changed) is revoked, and this one is (re)activated even if it was revoked before.
     */
    ensure(token: string, name: string, role: Role, now: number): void {
      const h = hash(token);
      sql
        .transaction(() => {
          const holder = activeByName.get(name);
          if (holder && holder.tokenHash !== h) revokeByName.run(now, name);
          if (byHash.get(h)) {
            reactivate.run(name, role, h);
            setMosquittoHash.run(forMosquitto(token, role), h);
          } else insert.run(h, name, role, now, forMosquitto(token, role));
        })
        .immediate();
    },

    /** Who holds this token, if it is active. Also notes the use (to the minute). */
    identify(token: string, now: number): TokenIdentity | undefined {
      const h = hash(token);
      const row = find.get(h);
      if (!row) return undefined;
      if (row.lastUsedAt === null || now - row.lastUsedAt >= LAST_USED_RESOLUTION_MS) {
        // A note, not the request's purpose: a locked, full or read-only database must not turn every
        // authenticated read into an error (the write routes report the fault themselves).
        try {
          touch.run(now, h);
        } catch (e) {
          if (!dbFaultOf(e)) throw e;
        }
      }
      return { name: row.name, role: row.role };
    },

    /** Revoke the active token of this name; false if there is none. */
    revoke(name: string, now: number): boolean {
      return revokeByName.run(now, name).changes > 0;
    },

    /** Active tokens, by name. */
    list: (): TokenRecord[] => listActive.all(),

    /** The active token of this name (without the secret). */
    get: (name: string): TokenRecord | undefined => oneActive.get(name),

    /**
     * Active tokens that may sign in to MQTT (bridge, ops), with their Mosquitto password entry
     * (null for a token created before the controller kept one: create it anew).
     */
    mqttUsers: () => mqttUsers.all(),

    /** Active tokens with this role. */
    countRole: (role: Role): number => countRole.get(role)?.n ?? 0,
  };
}
export type TokenStore = ReturnType<typeof tokenStore>;
