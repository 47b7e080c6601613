import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { seedAdminToken } from "../controller/auth.ts";
import { createLogger } from "../controller/log.ts";
import { openStores } from "../controller/store/index.ts";
import { TokenNameTaken } from "../controller/store/tokens.ts";
import { tempDir } from "./support/harness.ts";
import { storeBefore } from "./support/migrations.ts";

describe("tokens in the store", () => {
  const dir = tempDir();
  afterAll(() => dir.cleanup());

  it("migrates tokens from before roles named people: device → bridge, one active token per name", () => {
    const path = join(dir.path, "old.db");
    const old = storeBefore("0004_tokens_people", path);
    old.exec(`INSERT INTO api_tokens (token_hash, name, role, created_at) VALUES
      ('h-device', 'AP shelf 3', 'device', 1),
      ('h-admin-old', 'admin (SHELFSYNC_ADMIN_TOKEN)', 'ops', 10),
      ('h-admin-new', 'admin (SHELFSYNC_ADMIN_TOKEN)', 'ops', 20),
      ('h-odd', 'someone', 'superuser', 5)`);
    old.close();
    const stores = openStores(path);
    const rows = stores.db.$client
      .prepare(
        "SELECT token_hash AS h, role, revoked_at IS NOT NULL AS revoked FROM api_tokens ORDER BY token_hash",
      )
      .all();
    expect(rows).toEqual([
      { h: "h-admin-new", role: "ops", revoked: 0 },
      { h: "h-admin-old", role: "ops", revoked: 1 },
      { h: "h-device", role: "bridge", revoked: 0 },
      { h: "h-odd", role: "superuser", revoked: 1 },
    ]);
    expect(stores.tokens.list().map((t) => `${t.name}:${t.role}`)).toEqual([
      "AP shelf 3:bridge",
      "admin (SHELFSYNC_ADMIN_TOKEN):ops",
    ]);
    stores.close();
  });

  it("stores only a hash, keeps names unique among active tokens, and frees a name on revoke", () => {
    const stores = openStores(join(dir.path, "new.db"));
    const token = stores.tokens.create("Anna K", "staff", 1);
    expect(JSON.stringify(stores.db.$client.prepare("SELECT * FROM api_tokens").all())).not.toContain(token);
    expect(stores.tokens.identify(token, 2)).toEqual({ name: "Anna K", role: "staff" });
    expect(() => stores.tokens.create("Anna K", "viewer", 3)).toThrow(TokenNameTaken);
    expect(stores.tokens.revoke("Anna K", 4)).toBe(true);
    expect(stores.tokens.identify(token, 5)).toBeUndefined();
    const again = stores.tokens.create("Anna K", "viewer", 6);
    expect(stores.tokens.identify(again, 7)).toEqual({ name: "Anna K", role: "viewer" });
    stores.close();
  });

  it("SHELFSYNC_ADMIN_TOKEN is authoritative: a changed value replaces the old token of that name", () => {
    const stores = openStores(join(dir.path, "seed.db"));
    const log = createLogger("silent");
    seedAdminToken(stores.tokens, { adminToken: "first-admin-token-0000", dbPath: "x/seed.db", now: 1, log });
    seedAdminToken(stores.tokens, { adminToken: "second-admin-token-000", dbPath: "x/seed.db", now: 2, log });
    expect(stores.tokens.identify("first-admin-token-0000", 3)).toBeUndefined();
    expect(stores.tokens.identify("second-admin-token-000", 3)).toEqual({
      name: "admin (SHELFSYNC_ADMIN_TOKEN)",
      role: "ops",
    });
    // Revoked by hand, it comes back at the next start while the variable still names it.
    stores.tokens.revoke("admin (SHELFSYNC_ADMIN_TOKEN)", 4);
    seedAdminToken(stores.tokens, { adminToken: "second-admin-token-000", dbPath: "x/seed.db", now: 5, log });
    expect(stores.tokens.identify("second-admin-token-000", 6)?.role).toBe("ops");
    stores.close();
  });
});
