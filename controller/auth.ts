import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Logger } from "./log.ts";
import type { TokenStore } from "./store/tokens.ts";

/** The name SHELFSYNC_ADMIN_TOKEN's token is kept under (and recorded in the audit log as). */
export const ADMIN_TOKEN_NAME = "admin (SHELFSYNC_ADMIN_TOKEN)";
/** The name of the ops token a first start creates when no ops token exists. */
export const FIRST_START_TOKEN_NAME = "admin (first start)";

/** Where a first start keeps the ops token it created: beside the database file. */
export const adminTokenFile = (dbPath: string) => join(dirname(dbPath), "admin-token");

/**
 * Seed the ops-role token: SHELFSYNC_ADMIN_TOKEN when given; otherwise, on the first start (no ops
 * token yet), a random one written to `admin-token` beside the database file (mode 0600), so scripts
 * can call every route and nobody has to invent a weak default. The token itself is never logged.
 */
export function seedAdminToken(
  tokens: TokenStore,
  options: { adminToken?: string | undefined; dbPath: string; now: number; log: Logger },
): void {
  if (options.adminToken) {
    tokens.ensure(options.adminToken, ADMIN_TOKEN_NAME, "ops", options.now);
    return;
  }
  if (tokens.countRole("ops") > 0) return;
  if (options.dbPath === ":memory:") {
    options.log.warn("no ops API token: set SHELFSYNC_ADMIN_TOKEN to call the API of an in-memory store");
    return;
  }
  // A name left by a revoked first-start token is free again (names are unique among active tokens).
  const token = tokens.create(FIRST_START_TOKEN_NAME, "ops", options.now);
  const file = adminTokenFile(options.dbPath);
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  options.log.info(`created an ops API token; it is kept in ${file}`);
}
