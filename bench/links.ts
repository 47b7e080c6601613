import { join } from "node:path";
import { performance } from "node:perf_hooks";
import mqtt from "mqtt";
import { type Controller, startController } from "../controller/app.ts";
import { loadConfig } from "../controller/config.ts";
import { createLogger } from "../controller/log.ts";
import { openStores } from "../controller/store/index.ts";
import { storeTopics } from "../schemas/index.ts";
import { type BenchRow, row, scratchDir, timed } from "./support.ts";

const PRODUCTS = 100_000;
const LABELS = 50_000;
const TOKEN = "bench-ops-token-0123456789";

/** A store file with 100,000 priced products and 50,000 labels announced but not linked yet. */
function seed(dbPath: string): string[] {
  const stores = openStores(dbPath);
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
  const ids = Array.from({ length: LABELS }, (_, i) => `L${String(i).padStart(6, "0")}`);
  stores.labels.upsertDescriptors(
    ids.map((labelId) => ({ labelId })),
    null,
    now,
  );
  stores.close();
  return ids;
}

/**
 * Issue 10's bar: a 50,000-label store is linked by one links-feed request in ≤ 5 s. Our path: one
 * HTTP POST of a 50,000-row CSV to a running controller (embedded Aedes) — token check, stream
 * parse, validation, one transaction with the ledger and audit entry, every label's content
 * resolved, recorded and published, measured until the reply and until the broker has acknowledged
 * the last content. The raw baseline does the same writes with nothing in between: 50,000 prepared
 * UPDATEs in one transaction, then the same 50,000 contents published retained at QoS 1 with bare
 * MQTT.js, all acknowledged.
 */
export async function benchLinks(): Promise<BenchRow[]> {
  const dir = scratchDir();
  const dbPath = join(dir.path, "store.db");
  const ids = seed(dbPath);
  const csv = `labelId,sku\n${ids.map((id, i) => `${id},SKU${i * 2}`).join("\n")}\n`;
  let ctl: Controller | undefined;
  try {
    ctl = await startController(
      loadConfig({}, [], {
        storeId: "bench-links",
        httpPort: 0,
        httpHost: "127.0.0.1",
        dbPath,
        mqttPort: 0,
        adminToken: TOKEN,
        logLevel: "silent",
      }),
      { log: createLogger("silent") },
    );
    const c = ctl;
    await new Promise<void>((resolve) => {
      if (c.link.connected()) resolve();
      else c.link.client.once("connect", () => resolve());
    });
    let replyMs = 0;
    let labelsAffected = 0;
    const ours = await timed(async () => {
      const res = await fetch(`${c.httpUrl}/api/v1/feeds/links?sequence=1`, {
        method: "POST",
        headers: { "Content-Type": "text/csv", Authorization: `Bearer ${TOKEN}` },
        body: csv,
      });
      const reply = (await res.json()) as { labelsAffected: number };
      labelsAffected = reply.labelsAffected;
      replyMs = performance.now();
      // The broker acknowledges one connection's QoS 1 publishes in order: one more acked = all acked.
      await c.link.publishContents([[ids[0] as string, c.labels.get(ids[0] as string)?.contentJson ?? null]]);
    });
    if (labelsAffected !== LABELS)
      throw new Error(`links feed published ${labelsAffected} labels, not ${LABELS}`);
    const toReply = replyMs - (performance.now() - ours.ms);

    // Raw baseline on the same file and broker: the same links and the same contents, nothing else.
    const contents = ids.map((id) => [id, c.labels.get(id)?.contentJson ?? ""] as const);
    const sql = c.db.$client;
    const relink = sql.prepare("UPDATE labels SET sku = ? WHERE label_id = ?");
    const topics = storeTopics("bench-links-raw");
    const client = await mqtt.connectAsync(c.mqttUrl, { clean: true });
    const raw = await timed(async () => {
      sql.transaction(() => {
        for (const [i, id] of ids.entries()) relink.run(`SKU${(i * 2 + 1) % PRODUCTS}`, id);
      })();
      await Promise.all(
        contents.map(([id, json]) =>
          client.publishAsync(topics.label(id, "content"), json, { qos: 1, retain: true }),
        ),
      );
    });
    await client.endAsync();
    return [
      row("links: bare UPDATE ×50k in one transaction + bare MQTT.js QoS 1 retained ×50k", LABELS, raw.ms),
      row("links: Shelfsync POST /feeds/links, 50k labels, until every content is acked", LABELS, ours.ms, {
        ratio: raw.ms / ours.ms,
        note: `goal ≤ 5 s; HTTP reply after ${Math.round(toReply)} ms (Aedes)`,
      }),
    ];
  } finally {
    await ctl?.stop();
    dir.cleanup();
  }
}
