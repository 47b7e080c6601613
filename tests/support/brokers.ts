import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer as createTcpServer, type Server } from "node:net";
import { join } from "node:path";
import { Aedes } from "aedes";

/**
 * Brokers a test owns and can stop and start again on the same port (outage and restart suites),
 * each counting the label content publishes it received from a controller: the bound on messages
 * is measured where it matters, at the broker, not from the controller's own account of itself.
 * The port comes from the caller (a range of its own), never 1883: the machine's Mosquitto there is
 * shared.
 */
export interface RestartableBroker {
  readonly kind: "aedes" | "mosquitto";
  readonly port: number;
  readonly url: string;
  /** Label content publishes received from a controller (`shelfsync-controller-…`), over every run. */
  contentPublishes(): number;
  /** Running now. */
  readonly running: boolean;
  /** Gone at once, as in a crash: Aedes closes every connection, Mosquitto gets SIGKILL. */
  stop(): Promise<void>;
  /** Back on the same port, with no retained messages (in-memory Aedes; Mosquitto without persistence). */
  start(): Promise<void>;
}

const CONTROLLER_CONTENT = /^shelfsync\/[^/]+\/label\/[^/]+\/content$/;

/** A free TCP port in [from, to] on 127.0.0.1 (a test's own range). */
export async function portInRange(from: number, to: number): Promise<number> {
  const start = from + Math.floor(Math.random() * (to - from + 1));
  for (let i = 0; i <= to - from; i++) {
    const port = from + ((start - from + i) % (to - from + 1));
    const server = createTcpServer();
    const ok = await new Promise<boolean>((resolve) => {
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => resolve(true));
    });
    if (ok) {
      await new Promise<void>((r) => server.close(() => r()));
      return port;
    }
  }
  throw new Error(`no free port in ${from}–${to}`);
}

/** Aedes (the embedded broker's software) on its own port, counting content publishes. */
export async function startAedesBroker(port: number): Promise<RestartableBroker> {
  let count = 0;
  let current: { aedes: Aedes; server: Server } | null = null;
  const start = async () => {
    const aedes = await Aedes.createBroker();
    aedes.on("publish", (packet, client) => {
      if (client?.id.startsWith("shelfsync-controller-") && CONTROLLER_CONTENT.test(packet.topic)) count++;
    });
    const server = createTcpServer(aedes.handle);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    current = { aedes, server };
  };
  await start();
  return {
    kind: "aedes",
    port,
    url: `mqtt://127.0.0.1:${port}`,
    contentPublishes: () => count,
    get running() {
      return current !== null;
    },
    async stop() {
      const c = current;
      if (!c) return;
      current = null;
      await new Promise<void>((resolve) => c.aedes.close(() => resolve()));
      await new Promise<void>((resolve) => c.server.close(() => resolve()));
    },
    start,
  };
}

/**
 * A Mosquitto process of the test's own (own port, own config and log in `dir`, no persistence),
 * counting from its debug log the PUBLISH packets it received from a controller on a label's content
 * topic. The log goes to a file (Mosquitto flushes it per line; piped stdout is block-buffered), and
 * `user root` keeps it able to write there when the test runs as root.
 */
export async function startMosquittoBroker(
  port: number,
  dir: string,
  /** More mosquitto.conf lines, e.g. the queue depth Shelfsync's files set (mosquittoConf). */
  extra: readonly string[] = [],
): Promise<RestartableBroker> {
  const config = join(dir, `mosquitto-${port}.conf`);
  const logFile = join(dir, `mosquitto-${port}.log`);
  writeFileSync(logFile, "");
  writeFileSync(
    config,
    [
      `listener ${port} 127.0.0.1`,
      "allow_anonymous true",
      "persistence false",
      ...(process.getuid?.() === 0 ? ["user root"] : []),
      `log_dest file ${logFile}`,
      "log_type all",
      ...extra,
      "",
    ].join("\n"),
  );
  const received =
    /Received PUBLISH from shelfsync-controller-\S+ \([^)]*'shelfsync\/[^/]+\/label\/[^/]+\/content'/g;
  const runs = () => (readFileSync(logFile, "utf8").match(/ running$/gm) ?? []).length;
  let child: ChildProcess | null = null;
  const start = async () => {
    const before = runs();
    const proc = spawn("mosquitto", ["-c", config], { stdio: ["ignore", "ignore", "pipe"] });
    child = proc;
    let stderr = "";
    proc.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const until = Date.now() + 10_000;
    while (runs() === before) {
      if (proc.exitCode !== null || Date.now() > until) {
        // Never leave a broker behind that the caller has no handle on.
        proc.kill("SIGKILL");
        child = null;
        throw new Error(`mosquitto did not start on port ${port}: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await start();
  return {
    kind: "mosquitto",
    port,
    url: `mqtt://127.0.0.1:${port}`,
    contentPublishes: () => (readFileSync(logFile, "utf8").match(received) ?? []).length,
    get running() {
      return child !== null;
    },
    async stop() {
      const proc = child;
      if (!proc) return;
      child = null;
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGKILL");
      await exited;
    },
    start,
  };
}
