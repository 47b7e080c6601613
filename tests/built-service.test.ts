import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SAMPLES } from "../display/labels/samples.ts";
import { renderLabel } from "../display/render/render-label.ts";
import { fromPackageRoot } from "../lib/paths.ts";
import { startAedesBroker } from "./support/brokers.ts";
import { freePort, npmScript, tempDir, waitFor } from "./support/harness.ts";

// What `npm ci` leaves behind is what runs in a store: plain JavaScript bundles in dist/, one Node
// process for the controller, worker threads that load JavaScript too. tsx is for development only.

const dir = tempDir();
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  dir.cleanup();
});

function bundles(folder = fromPackageRoot("dist")): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? bundles(join(folder, e.name)) : e.name.endsWith(".mjs") ? [join(folder, e.name)] : [],
  );
}

/** Child pids of a process (every thread's children), from /proc. */
function childPids(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
    readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number),
  );
}

describe("the built service", () => {
  it("every command is a bundle in dist/ that loads no TypeScript tooling", () => {
    const scripts = (
      JSON.parse(readFileSync(fromPackageRoot("package.json"), "utf8")) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    for (const name of ["start", "demo", "bridge", "import", "backup"])
      expect(scripts[name], name).toBeDefined();
    for (const name of ["start", "demo", "bridge", "import", "backup", "token", "central"]) {
      if (scripts[name] !== undefined) expect(scripts[name], name).toMatch(/^node dist\/\S+\.mjs$/);
    }
    const files = bundles();
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      expect(readFileSync(file, "utf8"), file).not.toMatch(/["'](tsx|tsx\/esm\/api|typescript)["']/);
    }
  });

  it.runIf(process.platform === "linux")("npm start is one Node process, healthy over HTTP", async () => {
    const port = await freePort();
    const child = spawn(...npmScript("start"), {
      env: {
        ...process.env,
        SHELFSYNC_DB: join(dir.path, "one-process.db"),
        SHELFSYNC_HTTP_PORT: String(port),
        SHELFSYNC_HTTP_HOST: "127.0.0.1",
        SHELFSYNC_MQTT_PORT: "0",
        SHELFSYNC_LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "ignore", "inherit"],
    });
    children.push(child);
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${port}/api/v1/health`).catch(() => null))?.ok,
      20_000,
      "a healthy /api/v1/health",
    );
    expect(childPids(child.pid!)).toEqual([]);
    const exited = new Promise((r) => child.once("exit", (code) => r(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  // On an external broker the label contents go through a second MQTT session
  // (controller/mqtt/content-session.ts): the built service connects it (the health is "ok" only
  // once both sessions are up) and ends at a SIGTERM.
  it.runIf(process.platform === "linux")(
    "npm start on an external broker connects its content session",
    async () => {
      const broker = await startAedesBroker(await freePort());
      try {
        const port = await freePort();
        const child = spawn(...npmScript("start"), {
          env: {
            ...process.env,
            SHELFSYNC_DB: join(dir.path, "external-broker.db"),
            SHELFSYNC_HTTP_PORT: String(port),
            SHELFSYNC_HTTP_HOST: "127.0.0.1",
            SHELFSYNC_MQTT_URL: broker.url,
            SHELFSYNC_LOG_LEVEL: "warn",
          },
          stdio: ["ignore", "ignore", "pipe"],
        });
        children.push(child);
        let stderr = "";
        child.stderr?.on("data", (d: Buffer) => {
          stderr += d.toString();
          process.stderr.write(d);
        });
        await waitFor(
          async () =>
            (await (await fetch(`http://127.0.0.1:${port}/api/v1/health`).catch(() => null))?.json())
              ?.status === "ok",
          20_000,
          "health ok: both MQTT sessions connected",
        );
        const exited = new Promise((r) => child.once("exit", (code) => r(code)));
        child.kill("SIGTERM");
        expect(await exited).toBe(0);
        // Handed a URL string, MQTT.js parses it with url.parse(), which Node 22+ warn about at every
        // start (DEP0169) in the bundles (in node_modules Node keeps quiet): lib/broker-url.ts.
        expect(stderr).not.toMatch(/DeprecationWarning/);
      } finally {
        await broker.stop();
      }
    },
  );

  // MQTT.js and mqtt-packet call `debug(...)` a dozen times a packet: the bundles take a stub that
  // does nothing unless DEBUG is set at start (lib/debug-off.cjs, scripts/build.mjs).
  it("the bundles take the debug stub, and DEBUG still turns MQTT.js's debug lines on", async () => {
    const withMqtt = bundles(fromPackageRoot("dist/chunks")).filter((f) =>
      readFileSync(f, "utf8").includes("mqttjs:client"),
    );
    expect(withMqtt.length).toBeGreaterThan(0);
    for (const file of withMqtt) {
      const map = JSON.parse(readFileSync(`${file}.map`, "utf8")) as { sources: string[] };
      expect(
        map.sources.some((s) => s.endsWith("lib/debug-off.cjs")),
        file,
      ).toBe(true);
    }
    const stub = createRequire(import.meta.url)("../lib/debug-off.cjs") as (ns: string) => {
      enabled: boolean;
      extend: (s: string) => { namespace: string };
    };
    if (!process.env.DEBUG) {
      expect(stub("mqttjs:client").enabled).toBe(false);
      expect(stub("mqttjs").extend("client").namespace).toBe("mqttjs:client");
    }
    const broker = await startAedesBroker(await freePort());
    try {
      const bridge = (debug: string | undefined) =>
        spawnSync(
          process.execPath,
          [fromPackageRoot("dist/firmware-bridge/main.mjs"), "simulated", "--labels", "2"],
          {
            encoding: "utf8",
            env: {
              ...process.env,
              DEBUG: debug,
              NODE_OPTIONS: "",
              SHELFSYNC_MQTT_URL: broker.url,
              SHELFSYNC_LOG_LEVEL: "warn",
            },
            timeout: 3_000,
            killSignal: "SIGTERM",
          },
        );
      const debugged = bridge("mqttjs*,mqtt-packet:*").stderr;
      expect(debugged).toMatch(/mqttjs:client /);
      expect(debugged).toMatch(/mqtt-packet:parser /);
      const quiet = bridge(undefined).stderr;
      expect(quiet).not.toMatch(/mqttjs|mqtt-packet/);
      expect(quiet).not.toMatch(/DeprecationWarning/);
    } finally {
      await broker.stop();
    }
  });

  it("the render worker bundle renders in a plain worker thread, as the in-process renderer does", () => {
    const content = SAMPLES.reduction;
    const panel = { width: 296, height: 128, colors: "bwr" as const };
    const script = `
      import { Worker } from "node:worker_threads";
      const worker = new Worker(new URL(${JSON.stringify(`file://${fromPackageRoot("dist/display/render/render-worker.mjs")}`)}), { execArgv: [] });
      worker.once("message", (reply) => {
        process.stdout.write(JSON.stringify({ ok: reply.ok, error: reply.error, planes: reply.ok ? reply.images[0].planes.map((p) => Buffer.from(p).toString("base64")) : [] }));
        worker.terminate();
      });
      worker.postMessage({ batchId: 1, jobs: [{ content: ${JSON.stringify(content)}, panel: ${JSON.stringify(panel)} }] });
    `;
    // NODE_OPTIONS cleared: nothing (vitest, tsx) may be preloaded into the child.
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
      env: { ...process.env, NODE_OPTIONS: "" },
      timeout: 20_000,
    });
    expect(run.stderr).toBe("");
    const reply = JSON.parse(run.stdout) as { ok: boolean; error?: string; planes: string[] };
    expect(reply.error).toBeUndefined();
    const expected = renderLabel(content, panel).planes.map((p) => Buffer.from(p).toString("base64"));
    expect(reply.planes).toEqual(expected);
  });
});
