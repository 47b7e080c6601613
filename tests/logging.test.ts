import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../controller/log.ts";
import { createConsoleLogger } from "../firmware-bridge/core/logger.ts";
import { REDACTED, redact } from "../lib/log.ts";
import { freePort, npmScript, tempDir, waitFor } from "./support/harness.ts";

function capture() {
  const lines: string[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(line) } };
}

describe("one logger for every process", () => {
  it("writes JSON lines with level, time, component and fields (what a log shipper reads)", () => {
    const out = capture();
    const log = createLogger("debug", "shelfsync", {
      destination: out.destination,
      bindings: { store: "s-1" },
    });
    log.child("mqtt").info("connected to MQTT broker", { url: "mqtt://127.0.0.1:1883", labels: 3 });
    log.debug("detail");
    const [first, second] = out.lines.map((l) => JSON.parse(l));
    expect(first).toMatchObject({
      level: "info",
      component: "shelfsync/mqtt",
      store: "s-1",
      msg: "connected to MQTT broker",
      url: "mqtt://127.0.0.1:1883",
      labels: 3,
    });
    expect(Date.parse(first.time)).not.toBeNaN();
    expect(second).toMatchObject({ level: "debug", component: "shelfsync", msg: "detail" });
    expect(out.lines.every((l) => l.endsWith("\n") && !l.slice(0, -1).includes("\n"))).toBe(true);
  });

  it("writes readable lines for a terminal", () => {
    const out = capture();
    const log = createLogger("info", "shelfsync", {
      destination: { ...out.destination, isTTY: true },
    });
    log.child("labels").warn("content publishes failed", { labels: 2, first: "L-1" });
    log.debug("not shown at info");
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z WARN {2}\[shelfsync\/labels\] content publishes failed labels=2 first=L-1\n$/,
    );
  });

  it("the bridges log through the same logger", () => {
    const lines: string[] = [];
    const log = createConsoleLogger({ prefix: "bridge ap-1", write: (l) => lines.push(l) });
    log.info("starting", { kind: "simulated", broker: "mqtt://bridge-ap-1:s3cret-pass@10.0.0.2:1883" });
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: "info",
      component: "bridge ap-1",
      msg: "starting",
      broker: `mqtt://bridge-ap-1:${REDACTED}@10.0.0.2:1883`,
    });
  });

  it("redacts secrets by key, in text, in errors and every configured value, at any depth", () => {
    const token = "ss_0123456789abcdefghijklmnopqrstuv";
    const configured = "my-admin-token-from-the-environment";
    const value = redact(
      {
        token: "t",
        adminToken: "t",
        mqttPassword: "p",
        headers: { Authorization: "Bearer abc", accept: "json" },
        list: [{ note: `used ${token}` }, `Authorization: Bearer ${configured}`],
        url: "https://ops:hunter2@central.example/feeds?sequence=3&access_token=abc",
        error: new Error(`rejected ${configured}`),
        count: 3,
      },
      [configured],
    );
    expect(value).toEqual({
      token: REDACTED,
      adminToken: REDACTED,
      mqttPassword: REDACTED,
      headers: { Authorization: REDACTED, accept: "json" },
      list: [{ note: `used ${REDACTED}` }, `Authorization: Bearer ${REDACTED}`],
      url: `https://ops:${REDACTED}@central.example/feeds?sequence=3&access_token=${REDACTED}`,
      error: expect.objectContaining({ type: "Error", message: `rejected ${REDACTED}` }),
      count: 3,
    });
    expect(JSON.stringify(value)).not.toContain(configured);
  });
});

describe("a token never appears in a log line", () => {
  const dir = tempDir();
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
    dir.cleanup();
  });

  async function runController(env: Record<string, string>, dbName: string) {
    const port = await freePort();
    const child = spawn(...npmScript("start"), {
      env: {
        ...process.env,
        SHELFSYNC_DB: join(dir.path, dbName),
        SHELFSYNC_HTTP_PORT: String(port),
        SHELFSYNC_HTTP_HOST: "127.0.0.1",
        SHELFSYNC_LOG_LEVEL: "debug",
        SHELFSYNC_LOG_FORMAT: "",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    let output = "";
    const collect = (d: Buffer) => {
      output += String(d);
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${base}/api/v1/health`).catch(() => null))?.ok, 20_000, "health");
    return {
      base,
      output: () => output,
      stop: async () => {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
        return output;
      },
    };
  }

  it("not the configured admin token, the MQTT password, nor tokens sent by clients", async () => {
    const adminToken = "admin-token-under-test-7f3a9c";
    const mqttPassword = "mqtt-password-under-test-51b2";
    const unreachableBroker = `mqtt://controller:${mqttPassword}@127.0.0.1:${await freePort()}`;
    const ctl = await runController(
      {
        SHELFSYNC_ADMIN_TOKEN: adminToken,
        SHELFSYNC_MQTT_URL: unreachableBroker,
        SHELFSYNC_MQTT_PASSWORD: mqttPassword,
      },
      "secrets.db",
    );
    const clientToken = "ss_clienttokenunderthetest0123456789";
    const auth = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });
    await fetch(`${ctl.base}/api/v1/health?access_token=${adminToken}`);
    await fetch(`${ctl.base}/api/v1/approvals/nope/approve`, { method: "POST", ...auth(adminToken) });
    await fetch(`${ctl.base}/api/v1/approvals/nope/approve`, { method: "POST", ...auth(clientToken) });
    await fetch(`${ctl.base}/api/v1/no-such-route?token=${clientToken}`, auth(clientToken));
    const health = await (await fetch(`${ctl.base}/api/v1/health`)).json();
    expect(JSON.stringify(health)).not.toContain(mqttPassword);
    await waitFor(() => ctl.output().includes("MQTT broker unreachable"), 10_000, "the broker warning");
    const output = await ctl.stop();
    const lines = output.trim().split("\n");
    // It did log: JSON lines (stderr is a pipe here), the requests among them, at debug.
    expect(lines.filter((l) => l.includes('"msg":"http request"')).length).toBeGreaterThanOrEqual(4);
    expect(output).toContain(`controller:${REDACTED}@127.0.0.1`);
    for (const secret of [adminToken, mqttPassword, clientToken]) expect(output).not.toContain(secret);
  });

  it("not the ops token created at first start (it is kept in a file, and the log says where)", async () => {
    const ctl = await runController({ SHELFSYNC_MQTT_PORT: "0" }, "first-start.db");
    const output = await ctl.stop();
    const token = readFileSync(join(dir.path, "admin-token"), "utf8").trim();
    expect(token).toMatch(/^ss_/);
    expect(output).toContain(join(dir.path, "admin-token"));
    expect(output).not.toContain(token);
  });
});
