import { startController } from "../controller/app.ts";
import { loadConfig } from "../controller/config.ts";
import { syncSummary } from "../controller/labels/views.ts";
import { createLogger } from "../controller/log.ts";
import { startSimulatedAccessPoint } from "../firmware-bridge/simulated/index.ts";

/**
 * One store of `npm run bench:chain` (bench/chain.ts), in a process of its own so the stores use
 * every core as real stores use their own machines: a controller with SHELFSYNC_CHAIN=on on the
 * store's bridged Mosquitto and a simulated access point with M labels (no radio delay: the bench
 * measures the chain and the controller, not the air). It talks to the bench over IPC:
 *   → { up }                         labels announced
 *   ← { link: true }                 products and prices have come over the chain: link every label
 *   → { ready }                      every label in sync
 *   ← { watch: sequence }            a prices change is on its way
 *   → { appliedAt, inSyncAt }        when the store applied it, and when all its labels showed it
 */
const cfg = JSON.parse(process.env.BENCH_CHAIN_STORE ?? "{}") as {
  storeId: string;
  brokerUrl: string;
  centralUrl: string;
  labels: number;
  dbPath: string;
};
const TOKEN = "bench-chain-admin-token-0123456789";
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const send = (m: unknown) => process.send?.(m);

const ctl = await startController(
  loadConfig({}, [], {
    storeId: cfg.storeId,
    httpPort: 0,
    httpHost: "127.0.0.1",
    dbPath: cfg.dbPath,
    mqttUrl: cfg.brokerUrl,
    logLevel: "error",
    adminToken: TOKEN,
    chain: "on",
    chainStatusSeconds: 0.5,
    centralUrl: cfg.centralUrl,
    centralIntervalSeconds: 300,
  }),
  { log: createLogger("error") },
);
const ap = await startSimulatedAccessPoint({
  mqttUrl: cfg.brokerUrl,
  storeId: cfg.storeId,
  bridgeId: "ap1",
  labels: cfg.labels,
  radioDelayMs: 0,
  radioJitterMs: 0,
  failureRate: 0,
  checkInSeconds: 3600,
  seed: 1,
  logger: quiet,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, everyMs = 50): Promise<void> {
  while (!check()) await sleep(everyMs);
}
const allInSync = () => {
  ctl.flushStates();
  const s = syncSummary(ctl.labels.statusRows(), ctl.syncContext());
  return s.total === cfg.labels && s.inSync === s.total;
};

await until(() => ctl.chain?.link.connected() === true && ap.labelIds.every((id) => ctl.labels.get(id)), 100);
send({ up: true });

process.on("message", (m: { link?: boolean; watch?: number; stop?: boolean }) => {
  void (async () => {
    if (m.link) {
      await until(() => (ctl.catalog.lastSequence("prices") ?? 0) >= 1, 50);
      const rows = ap.labelIds.map((id, i) => `${id},SKU${i}`).join("\n");
      const res = await fetch(`${ctl.httpUrl}/api/v1/feeds/links?sequence=1`, {
        method: "POST",
        headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "text/csv" },
        body: `labelId,sku\n${rows}\n`,
      });
      if (!res.ok) throw new Error(`links: ${res.status} ${await res.text()}`);
      await until(allInSync, 200);
      send({ ready: true });
    }
    if (m.watch !== undefined) {
      const seq = m.watch;
      await until(() => (ctl.catalog.lastSequence("prices") ?? 0) >= seq, 5);
      const appliedAt = Date.now();
      await until(allInSync, 50);
      send({ appliedAt, inSyncAt: Date.now() });
    }
    if (m.stop) {
      await ap.stop();
      await ctl.stop();
      process.exit(0);
    }
  })().catch((e: unknown) => {
    process.stderr.write(`bench store ${cfg.storeId}: ${String(e)}\n`);
    process.exit(1);
  });
});
