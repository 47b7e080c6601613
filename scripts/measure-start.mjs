#!/usr/bin/env node
// Start a command the way an operator does, and measure what a small store PC cares about: the time
// from spawning it to a healthy GET /api/v1/health, and the resident memory of every process it
// started once it has been idle for a while. Each run gets a fresh SQLite file and free ports.
//
//   node scripts/measure-start.mjs [--runs N] [--idle-ms MS] -- npm start
//
// Prints one line per run and the medians. Linux only (reads /proc).
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    "idle-ms": { type: "string", default: "5000" },
    help: { type: "boolean", default: false },
  },
  allowPositionals: true,
});
if (values.help || positionals.length === 0) {
  process.stdout.write("usage: node scripts/measure-start.mjs [--runs N] [--idle-ms MS] -- <command…>\n");
  process.exit(values.help ? 0 : 2);
}

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** The pid and every descendant, from /proc/<pid>/task/<tid>/children. */
function tree(pid) {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      for (const tid of readdirSync(`/proc/${out[i]}/task`)) {
        const kids = readFileSync(`/proc/${out[i]}/task/${tid}/children`, "utf8").trim();
        if (kids) out.push(...kids.split(/\s+/).map(Number));
      }
    } catch {}
  }
  return out;
}

function processInfo(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
    return { pid, rssMb: rssKb / 1024, cmd };
  } catch {
    return null;
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function once() {
  const dir = mkdtempSync(join(tmpdir(), "shelfsync-measure-"));
  const httpPort = await freePort();
  const mqttPort = await freePort();
  const started = performance.now();
  const child = spawn(positionals[0], positionals.slice(1), {
    env: {
      ...process.env,
      SHELFSYNC_DB: join(dir, "shelfsync.db"),
      SHELFSYNC_HTTP_PORT: String(httpPort),
      SHELFSYNC_HTTP_HOST: "127.0.0.1",
      SHELFSYNC_MQTT_PORT: String(mqttPort),
      SHELFSYNC_ADMIN_TOKEN: "measure-start-token-0123456789",
      SHELFSYNC_LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  let healthyMs = null;
  while (performance.now() - started < 60_000 && child.exitCode === null) {
    try {
      const r = await fetch(`http://127.0.0.1:${httpPort}/api/v1/health`);
      if (r.ok) {
        healthyMs = performance.now() - started;
        break;
      }
    } catch {}
    await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise((r) => setTimeout(r, Number(values["idle-ms"])));
  const procs = tree(child.pid).map(processInfo).filter(Boolean);
  const stopped = new Promise((r) => child.once("exit", r));
  for (const p of procs.reverse()) {
    try {
      process.kill(p.pid, "SIGTERM");
    } catch {}
  }
  await stopped;
  rmSync(dir, { recursive: true, force: true });
  const isNpm = (p) => /\bnpm(-cli\.js)?\b|^sh -c|^\/bin\/sh/.test(p.cmd) && !/dist\/|\.ts\b/.test(p.cmd);
  return {
    healthyMs,
    rssMb: procs.reduce((a, p) => a + p.rssMb, 0),
    serviceRssMb: procs.filter((p) => !isNpm(p)).reduce((a, p) => a + p.rssMb, 0),
    processes: procs.map((p) => `${p.cmd.slice(0, 60)} ${p.rssMb.toFixed(0)} MB`),
  };
}

const runs = [];
for (let i = 0; i < Number(values.runs); i++) {
  const r = await once();
  runs.push(r);
  process.stdout.write(
    `run ${i + 1}: healthy after ${r.healthyMs?.toFixed(0) ?? "never"} ms; RSS ${r.rssMb.toFixed(0)} MB in ${r.processes.length} processes, ${r.serviceRssMb.toFixed(0)} MB without npm/sh\n    ${r.processes.join("\n    ")}\n`,
  );
}
process.stdout.write(
  `median of ${runs.length}: healthy after ${median(runs.map((r) => r.healthyMs ?? Number.POSITIVE_INFINITY)).toFixed(0)} ms; ` +
    `RSS ${median(runs.map((r) => r.rssMb)).toFixed(0)} MB (${median(runs.map((r) => r.serviceRssMb)).toFixed(0)} MB without npm/sh)\n`,
);
