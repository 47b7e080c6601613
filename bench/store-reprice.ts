import { join } from "node:path";
import { Readable } from "node:stream";
import { createLogger } from "../controller/log.ts";
import { connectControllerLink } from "../controller/mqtt/controller-link.ts";
import { startEmbeddedBroker } from "../controller/mqtt/embedded-broker.ts";
import { feedPipeline } from "../controller/pipeline.ts";
import { openStores } from "../controller/store/index.ts";
import { BENCH_CONFIG, type BenchRow, row, scratchDir, timed } from "./support.ts";

const PRODUCTS = 100_000;
const LABELS = 50_000;

/**
 * DESIGN.md §5: "a 100,000-product store reprices end to end within seconds on 2 cores". A store
 * with 100,000 products and 50,000 linked labels takes a full price feed in which every price
 * changes: parse, validate, apply, resolve every linked label, record, publish, all acknowledged.
 */
export async function benchStoreReprice(): Promise<BenchRow[]> {
  const dir = scratchDir();
  const broker = await startEmbeddedBroker({ port: 0, host: "127.0.0.1" });
  const stores = openStores(join(dir.path, "store.db"));
  const log = createLogger("silent");
  let connected: () => void = () => {};
  const linkUp = new Promise<void>((resolve) => {
    connected = resolve;
  });
  const link = connectControllerLink({
    url: broker.url,
    storeId: "bench-store",
    log,
    // Called once both sessions are up (over a URL the contents have a session of their own).
    handlers: { onConnect: () => connected(), onLabelState() {}, onBridgeStatus() {}, onBridgeLabels() {} },
  });
  try {
    await linkUp;
    const now = Date.now();
    const lined = <T>(n: number, f: (i: number) => T) =>
      Array.from({ length: n }, (_, i) => ({ line: i + 2, row: f(i) }));
    stores.catalog.applyBatch(
      "products",
      1,
      "csv",
      lined(PRODUCTS, (i) => ({
        sku: `SKU${i}`,
        name: `Product ${i}`,
        netQuantity: "500",
        unit: "g" as const,
      })),
      now,
    );
    stores.catalog.applyBatch(
      "prices",
      1,
      "csv",
      lined(PRODUCTS, (i) => ({ sku: `SKU${i}`, amountMinor: 200 + (i % 500), currency: "EUR" })),
      now - 86_400_000,
    );
    const ids = Array.from({ length: LABELS }, (_, i) => `L${i}`);
    stores.labels.upsertDescriptors(
      ids.map((labelId) => ({ labelId })),
      null,
      now,
    );
    stores.transaction(() => {
      for (const [i, id] of ids.entries()) stores.labels.setLink(id, `SKU${i * 2}`);
    });
    const { sync, ingest } = feedPipeline(stores, BENCH_CONFIG, { log, link: () => link });
    await sync.refreshAll().delivered;

    // Every price goes up by 10 cents (well inside the guard rails).
    const csv = Buffer.from(
      `sku,price,currency\n${Array.from({ length: PRODUCTS }, (_, i) => {
        const minor = 210 + (i % 500);
        return `SKU${i},${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, "0")},EUR`;
      }).join("\n")}\n`,
    );
    let labelsAffected = 0;
    const reprice = await timed(async () => {
      const reply = await ingest({ feed: "prices", sequence: 2, format: "csv", body: Readable.from([csv]) });
      labelsAffected = reply.labelsAffected;
      // A broker acknowledges QoS 1 publishes of one connection in order (MQTT 3.1.1 §4.6), so once one
      // more publish is acknowledged, every content of this reprice is too.
      await link.publishContents([["L0", stores.labels.get("L0")?.contentJson ?? null]]);
    });
    if (labelsAffected !== LABELS)
      throw new Error(`reprice changed ${labelsAffected} labels, expected ${LABELS}`);
    return [
      row("store reprice: 100k-product feed, 50k labels, end to end", PRODUCTS, reprice.ms, {
        note: "feed in → every label published and acked (Aedes)",
      }),
    ];
  } finally {
    await link.close();
    stores.close();
    await broker.close();
    dir.cleanup();
  }
}
