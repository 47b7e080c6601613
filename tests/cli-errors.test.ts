import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
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
