import { randomUUID } from "node:crypto";
import { join } from "node:path";
import mqtt from "mqtt";
import { createLogger } from "../controller/log.ts";
import { connectControllerLink } from "../controller/mqtt/controller-link.ts";
import { startEmbeddedBroker } from "../controller/mqtt/embedded-broker.ts";
import { feedPipeline } from "../controller/pipeline.ts";
import { openStores } from "../controller/store/index.ts";
import { storeTopics } from "../schemas/index.ts";
import { BENCH_CONFIG, type BenchRow, row, scratchDir, timed } from "./support.ts";

const LABELS = 20_000;
const MOSQUITTO = process.env.SHELFSYNC_BENCH_MOSQUITTO_URL ?? "mqtt://127.0.0.1:1883";

async function reachable(url: string): Promise<boolean> {
  try {
    const c = await mqtt.connectAsync(url, { connectTimeout: 1500, reconnectPeriod: 0 });
    await c.endAsync();
    return true;
  } catch {
    return false;
  }
}

/** Remove the retained messages a run left, so a shared broker does not keep 20,000 of them. */
async function clearRetained(url: string, topics: string[]) {
  const c = await mqtt.connectAsync(url);
  await Promise.all(topics.map((t) => c.publishAsync(t, Buffer.alloc(0), { qos: 1, retain: true })));
  await c.endAsync();
}

/** A store with LABELS products, prices and labels, each label linked to its own product. */
function seededStore(path: string) {
  const stores = openStores(path);
  const { catalog, labels } = stores;
  const now = Date.now();
  const lines = (n: number, f: (i: number) => object) =>
    Array.from({ length: n }, (_, i) => ({ line: i + 2, row: f(i) as never }));
  catalog.applyBatch(
    "products",
    1,
    "csv",
    lines(LABELS, (i) => ({ sku: `SKU${i}`, name: `Product number ${i}`, brand: "Brand" })),
    now,
  );
  catalog.applyBatch(
    "prices",
    1,
    "csv",
    lines(LABELS, (i) => ({ sku: `SKU${i}`, amountMinor: 100 + (i % 900), currency: "EUR" })),
    now,
  );
  const ids = Array.from({ length: LABELS }, (_, i) => `L${String(i).padStart(6, "0")}`);
  labels.upsertDescriptors(
    ids.map((labelId) => ({ labelId })),
    null,
    now,
  );
  stores.transaction(() => {
    for (const [i, id] of ids.entries()) labels.setLink(id, `SKU${i}`);
  });

  return { stores, ids };
}

interface Trial {
  bare: number;
  ours: number;
  compute: number;
  fanOut: number;
}

async function trialOnBroker(url: string, dir: string): Promise<Trial> {
  const storeId = `bench${randomUUID().slice(0, 6)}`;
  const { stores, ids } = seededStore(join(dir, `${storeId}.db`));
  const { db, labels } = stores;

  // The same refresh with no broker: resolving, hashing and recording alone (to split the total).
  const offline = seededStore(join(dir, `${storeId}-offline.db`));
  const computeOnly = await timed(
    () =>
      feedPipeline(offline.stores, BENCH_CONFIG, { log: createLogger("silent") }).sync.refreshAll().changed,
  );
  offline.stores.close();

  const log = createLogger("silent");
  const link = connectControllerLink({
    url,
    storeId,
    log,
    handlers: { onConnect() {}, onLabelState() {}, onBridgeStatus() {}, onBridgeLabels() {} },
  });
  await new Promise<void>((resolve) => link.client.once("connect", () => resolve()));
  const { sync } = feedPipeline(stores, BENCH_CONFIG, { log, link: () => link });

  // Our path: resolve each label's content, hash it, record it in SQLite, publish retained QoS 1, all acked.
  const ours = await timed(async () => {
    const r = sync.refreshAll();
    await r.delivered;
    return r.changed;
  });
  if (ours.value !== LABELS) throw new Error(`published ${ours.value} contents, expected ${LABELS}`);

  // Baseline: a bare MQTT.js client publishing the same payloads, same QoS and retain flag, all acked.
  const payloads = labels.all().map((l) => l.contentJson ?? "");
  const baseTopics = storeTopics(`${storeId}b`);
  const topics = ids.map((id) => baseTopics.label(id, "content"));
  const bare = await mqtt.connectAsync(url, { clientId: `bench-bare-${storeId}` });
  const baseline = await timed(() =>
    Promise.all(topics.map((t, i) => bare.publishAsync(t, payloads[i] ?? "", { qos: 1, retain: true }))),
  );
  await bare.endAsync();

  // Reprice fan-out: one chain-wide promotion naming all 20,000 SKUs, starting now. Saved, every
  // linked label resolved (promotion, Omnibus look-back, unit price), recorded and published, all acked.
  const fanOut = await timed(async () => {
    const now = Date.now();
    const touched = stores.promotions.save(
      {
        promotionId: "CHAINWIDE",
        kind: "percent",
        skus: ids.map((_, i) => `SKU${i}`),
        value: "15",
        start: now,
        end: now + 7 * 86_400_000,
        priority: 1,
        source: "central",
      },
      now,
      1,
    );
    const r = sync.refreshSkus(touched, now);
    await r.delivered;
    return r.changed;
  });
  if (fanOut.value !== LABELS) throw new Error(`fan-out changed ${fanOut.value} labels, expected ${LABELS}`);
  await link.close();
  db.$client.close();
  await clearRetained(url, [...topics, ...ids.map((id) => storeTopics(storeId).label(id, "content"))]);

  return { bare: baseline.ms, ours: ours.ms, compute: computeOnly.ms, fanOut: fanOut.ms };
}

/** Best of three trials (fresh store each) per figure: the least disturbed run on a shared machine. */
async function benchOneBroker(url: string, brokerName: string, dir: string): Promise<BenchRow[]> {
  const trials: Trial[] = [];
  for (let i = 0; i < 3; i++) trials.push(await trialOnBroker(url, dir));
  const best = (k: keyof Trial) => Math.min(...trials.map((t) => t[k]));
  const [bare, ours, compute, fanOut] = [best("bare"), best("ours"), best("compute"), best("fanOut")];
  const publishStage = ours - compute;
  const ratio = (base: number, ms: number) => Math.round((base / ms) * 100) / 100;
  return [
    row(`publish (${brokerName}): bare MQTT.js QoS 1 retained`, LABELS, bare),
    row(`publish (${brokerName}): Shelfsync label contents`, LABELS, ours, {
      ratio: ratio(bare, ours),
      note: "goal ≥ 0.5; incl. resolve + hash + SQLite",
    }),
    row(`  of which resolve + hash + record (no broker)`, LABELS, compute),
    row(`  of which publishing (difference)`, LABELS, publishStage, {
      ratio: ratio(bare, publishStage),
      note: "derived: total − resolve/record",
    }),
    row(`reprice fan-out (${brokerName}): chain-wide promotion, 20k labels`, LABELS, fanOut, {
      note: "save + resolve + record + publish, all acked",
    }),
  ];
}

export async function benchPublish(): Promise<BenchRow[]> {
  const dir = scratchDir();
  try {
    const rows: BenchRow[] = [];
    const embedded = await startEmbeddedBroker({ port: 0, host: "127.0.0.1" });
    try {
      rows.push(...(await benchOneBroker(embedded.url, "Aedes", dir.path)));
    } finally {
      await embedded.close();
    }
    if (await reachable(MOSQUITTO)) rows.push(...(await benchOneBroker(MOSQUITTO, "Mosquitto", dir.path)));
    return rows;
  } finally {
    dir.cleanup();
  }
}
