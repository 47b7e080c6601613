import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { openDb } from "../controller/store/db.ts";
import { fromPackageRoot } from "../lib/paths.ts";
import { npmScript, tempDir } from "./support/harness.ts";

const dir = tempDir();
afterAll(() => dir.cleanup());

function start(env: Record<string, string>) {
  return spawnSync(...npmScript("start"), {
    env: { ...process.env, SHELFSYNC_DB: join(dir.path, "cli.db"), SHELFSYNC_LOG_LEVEL: "warn", ...env },
    encoding: "utf8",
    timeout: 20_000,
  });
}

// What an operator sees when the controller cannot start: one clear line and exit code 2, no stack.
describe("npm start refuses bad set-ups clearly", () => {
  it("a taken MQTT port for the embedded broker", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "0.0.0.0", r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = start({ SHELFSYNC_MQTT_PORT: String(port), SHELFSYNC_HTTP_PORT: "0" });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`MQTT port ${port} is already in use`);
      expect(r.stderr).toContain("SHELFSYNC_MQTT_URL");
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      blocker.close();
    }
  });

  it("a taken HTTP port", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = start({
        SHELFSYNC_HTTP_PORT: String(port),
        SHELFSYNC_HTTP_HOST: "127.0.0.1",
        SHELFSYNC_MQTT_PORT: "0",
      });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`HTTP port ${port} is already in use`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      blocker.close();
    }
  });

  it("a bad setting", () => {
    const r = start({ SHELFSYNC_HTTP_PORT: "eighty", SHELFSYNC_TIMEZONE: "Mars/Olympus" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      'SHELFSYNC_HTTP_PORT / --http-port: must be a port number from 0 to 65535 (got "eighty")',
    );
    expect(r.stderr).toContain("SHELFSYNC_TIMEZONE / --timezone: must be an IANA time zone");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

// DESIGN §3b: every command prints its usage for --help and exits 0, and stops with one line and
// exit 2 on an unknown flag.
const COMMANDS = ["start", "demo", "bridge", "import", "backup", "token", "central"].filter(
  (name) =>
    (JSON.parse(readFileSync(fromPackageRoot("package.json"), "utf8")) as { scripts: Record<string, string> })
      .scripts[name] !== undefined,
);

describe.each(COMMANDS)("npm run %s", (name) => {
  const run = (...args: string[]) =>
    spawnSync(...npmScript(name, ...args), {
      env: { ...process.env, SHELFSYNC_DB: join(dir.path, `${name}-flags.db`), SHELFSYNC_LOG_LEVEL: "warn" },
      encoding: "utf8",
      timeout: 20_000,
    });

  it("--help prints its usage on stdout and exits 0", () => {
    const r = run("--help");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: npm (start|run )/);
    expect(r.stderr).toBe("");
  });

  it("an unknown flag stops it with one line on stderr and exit 2", () => {
    // The bridge reads its kind first: give it one, so the flag is what is wrong.
    const r = name === "bridge" ? run("simulated", "--no-such-flag") : run("--no-such-flag");
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("--no-such-flag");
  });
});

describe("a database written by a newer version", () => {
  it("npm start refuses it with one line and exit 2, and leaves it untouched", () => {
    const dbPath = join(dir.path, "newer.db");
    openDb(dbPath).$client.close();
    const sqlite = new Database(dbPath);
    // What a later version's migration leaves in drizzle's ledger: one more, made after ours.
    sqlite
      .prepare("INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)")
      .run("from-the-future", Date.now() + 86_400_000 * 365);
    const before = sqlite.prepare("SELECT COUNT(*) AS n FROM __drizzle_migrations").get();
    sqlite.close();

    const r = start({ SHELFSYNC_DB: dbPath, SHELFSYNC_HTTP_PORT: "0", SHELFSYNC_MQTT_PORT: "0" });
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^shelfsync: .*newer\.db was written by a newer Shelfsync \(database schema \d+, this version knows \d+\)/,
    );
    const after = new Database(dbPath, { readonly: true });
    expect(after.prepare("SELECT COUNT(*) AS n FROM __drizzle_migrations").get()).toEqual(before);
    after.close();
  });
});
