import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mosquittoBridgeConfig } from "../../controller/chain/bridge-config.ts";
import { portInRange } from "./brokers.ts";

/**
 * The chain on one machine, for the chain suites and bench (docs/chain.md): a NATS cluster with
 * JetStream and MQTT listeners on loopback, and store Mosquittos bridged to it, each a process of
 * the caller's own (own ports in the caller's range, config and data in `dir`), stopped and started
 * again on the same ports. Facts from /work/shared/chain-facts.md: NATS's MQTT needs server_name
 * and JetStream on every node; Mosquitto's bridge needs try_private false.
 */
const NATS =
  ["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"].find((p) =>
    existsSync(p),
  ) ?? "nats-server";
const MOSQUITTO =
  ["/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"].find((p) => existsSync(p)) ?? "mosquitto";

export interface Proc {
  readonly running: boolean;
  /** SIGKILL: gone at once, as in a crash. */
  kill(): Promise<void>;
  start(): Promise<void>;
}

async function waitForLine(file: string, pattern: RegExp, from: number, proc: ChildProcess, what: string) {
  const until = Date.now() + 20_000;
  for (;;) {
    const text = existsSync(file) ? readFileSync(file, "utf8").slice(from) : "";
    if (pattern.test(text)) return;
    if (proc.exitCode !== null || Date.now() > until) {
      proc.kill("SIGKILL");
      throw new Error(`${what} did not start: ${text.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

function process_(spawnIt: () => ChildProcess, ready: (p: ChildProcess) => Promise<void>): Proc {
  let child: ChildProcess | null = null;
  const start = async () => {
    const p = spawnIt();
    child = p;
    await ready(p);
  };
  return {
    get running() {
      return child !== null;
    },
    async kill() {
      const p = child;
      child = null;
      if (!p || p.exitCode !== null || p.signalCode !== null) return;
      const exited = new Promise((r) => p.once("exit", r));
      p.kill("SIGKILL");
      await exited;
    },
    start,
  };
}

export interface NatsNode extends Proc {
  name: string;
  mqttPort: number;
  mqttUrl: string;
}

export interface NatsCluster {
  nodes: NatsNode[];
  /** Every node's MQTT URL, comma-separated (SHELFSYNC_CHAIN_URL for central). */
  urls: string;
  stop(): Promise<void>;
}

/** `size` NATS nodes with routes to each other, JetStream and an MQTT listener each. */
export async function startNatsCluster(
  dir: string,
  size: number,
  range: [number, number],
): Promise<NatsCluster> {
  const ports: { client: number; mqtt: number; cluster: number }[] = [];
  const taken = new Set<number>();
  const pick = async () => {
    for (;;) {
      const p = await portInRange(range[0], range[1]);
      if (!taken.has(p)) {
        taken.add(p);
        return p;
      }
    }
  };
  for (let i = 0; i < size; i++)
    ports.push({ client: await pick(), mqtt: await pick(), cluster: await pick() });
  const routes = ports.map((p) => `nats-route://127.0.0.1:${p.cluster}`).join(", ");
  const nodes: NatsNode[] = ports.map((p, i) => {
    const name = `chain-${i + 1}`;
    const store = join(dir, `${name}-js`);
    mkdirSync(store, { recursive: true });
    const conf = join(dir, `${name}.conf`);
    const logFile = join(dir, `${name}.log`);
    writeFileSync(
      conf,
      [
        `server_name: ${name}`,
        `listen: 127.0.0.1:${p.client}`,
        `jetstream { store_dir: "${store}" }`,
        `mqtt { listen: 127.0.0.1:${p.mqtt} }`,
        ...(size > 1
          ? [`cluster { name: shelfsync-chain, listen: 127.0.0.1:${p.cluster}, routes: [${routes}] }`]
          : []),
        `log_file: "${logFile}"`,
        "",
      ].join("\n"),
    );
    let from = 0;
    const proc = process_(
      () => {
        from = existsSync(logFile) ? readFileSync(logFile, "utf8").length : 0;
        return spawn(NATS, ["-c", conf], { stdio: "ignore" });
      },
      (child) => waitForLine(logFile, /Listening for MQTT clients/, from, child, `nats-server ${name}`),
    );
    return Object.assign(proc, { name, mqttPort: p.mqtt, mqttUrl: `mqtt://127.0.0.1:${p.mqtt}` });
  });
  await Promise.all(nodes.map((n) => n.start()));
  return {
    nodes,
    urls: nodes.map((n) => n.mqttUrl).join(","),
    stop: async () => {
      await Promise.all(nodes.map((n) => n.kill()));
    },
  };
}

export interface StoreBroker extends Proc {
  storeId: string;
  port: number;
  url: string;
}

/**
 * One store's Mosquitto (anonymous on loopback, persistence on so the controller's chain session
 * survives a restart) with the bridge section the controller's CLI writes, to the given chain nodes.
 */
export async function startStoreBroker(
  dir: string,
  storeId: string,
  chainUrls: string,
  range: [number, number],
): Promise<StoreBroker> {
  const port = await portInRange(range[0], range[1]);
  const data = join(dir, `mosquitto-${storeId}`);
  mkdirSync(data, { recursive: true });
  const conf = join(data, "mosquitto.conf");
  const logFile = join(data, "mosquitto.log");
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      "allow_anonymous true",
      "persistence true",
      `persistence_location ${data}/`,
      // Mosquitto keeps a session's queue in memory between saves; a restart keeps what was saved.
      "autosave_interval 1",
      "max_queued_messages 10000",
      ...(process.getuid?.() === 0 ? ["user root"] : []),
      `log_dest file ${logFile}`,
      "log_type error",
      "log_type warning",
      "log_type notice",
      "log_type information",
      "",
      mosquittoBridgeConfig({ storeId, chainUrls }),
    ].join("\n"),
  );
  let from = 0;
  const proc = process_(
    () => {
      from = existsSync(logFile) ? readFileSync(logFile, "utf8").length : 0;
      return spawn(MOSQUITTO, ["-c", conf], { stdio: "ignore" });
    },
    (child) => waitForLine(logFile, / running$/m, from, child, `mosquitto for ${storeId}`),
  );
  await proc.start();
  return Object.assign(proc, { storeId, port, url: `mqtt://127.0.0.1:${port}` });
}
