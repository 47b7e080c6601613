import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { onlineSources } from "../controller/feeds/merchant/pull.ts";
import { createLogger } from "../controller/log.ts";
import { parityAudits } from "../controller/parity/audit.ts";
import { feedPipeline } from "../controller/pipeline.ts";
import { openStores } from "../controller/store/index.ts";
import { BENCH_CONFIG, type BenchRow, bestOf, row, scratchDir, timed } from "./support.ts";

const SKUS = 100_000;
const CONFIG = { ...BENCH_CONFIG, currency: "EUR", storeCode: "bench" };
/** One item in a hundred is priced otherwise online: the audit lists 1,000 mismatches. */
const onlinePrice = (i: number) => 200 + (i % 500) + (i % 100 === 7 ? 10 : 0);
const euros = (minor: number) => `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, "0")}`;

function* onlineFeed(n: number): Generator<string> {
  yield "id\ttitle\tlink\tprice\tunit_pricing_measure\tavailability\n";
  let buf = "";
  for (let i = 0; i < n; i++) {
    buf += `SKU${i}\tProduct ${i}\thttps://shop.example.com/p/${i}\t${euros(onlinePrice(i))} EUR\t500 g\tin_stock\n`;
    if (buf.length > 60_000) {
      yield buf;
      buf = "";
    }
  }
  yield buf;
}

/**
 * Issue 14's parity bar: an audit of 100,000 labelled SKUs against a 100,000-item product feed pulled
 * over loopback finishes in ≤ 10 s on 2 cores. The store has 100,000 priced products, each with one
 * label that acknowledged its content; the shop's TSV feed (audit-only) is served by a local HTTP
 * server and pulled as the controller pulls it. Timed: the pull (stream, parse, stage, online view),
 * and the audit (every label's displayed content against the shop's item, mismatches stored). The
 * raw baseline reads the same two sides with one plain SQL join and compares the prices, nothing
 * else: the floor of the audit's reading and comparing.
 */
export async function benchParity(): Promise<BenchRow[]> {
  const dir = scratchDir();
  const body = Buffer.from([...onlineFeed(SKUS)].join(""));
  const server = createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "text/tab-separated-values", ETag: `"v1"` });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/feed.tsv`;
  try {
    const stores = openStores(join(dir.path, "parity.db"));
    const log = createLogger("silent");
    const now = Date.parse("2026-03-01T00:00:00Z");
    const { sync, ingestMerchant } = feedPipeline(stores, CONFIG, { log, now: () => now });
    const lined = <T>(n: number, f: (i: number) => T) =>
      Array.from({ length: n }, (_, i) => ({ line: i + 2, row: f(i) }));
    stores.catalog.applyBatch(
      "products",
      1,
      "csv",
      lined(SKUS, (i) => ({ sku: `SKU${i}`, name: `Product ${i}`, netQuantity: "500", unit: "g" as const })),
      now - 86_400_000,
    );
    stores.catalog.applyBatch(
      "prices",
      1,
      "csv",
      lined(SKUS, (i) => ({ sku: `SKU${i}`, amountMinor: 200 + (i % 500), currency: "EUR" })),
      now - 86_400_000,
    );
    const ids = Array.from({ length: SKUS }, (_, i) => `L${String(i).padStart(6, "0")}`);
    stores.labels.upsertDescriptors(
      ids.map((labelId) => ({ labelId })),
      null,
      now,
    );
    stores.db.$client.transaction(() => {
      for (const [i, id] of ids.entries()) stores.labels.setLink(id, `SKU${i}`);
    })();
    sync.refreshAll(now);
    stores.labels.recordStates(
      stores.labels.statusRows().map((l) => ({
        labelId: l.labelId,
        displayedHash: l.contentHash,
        displayedVersion: null,
        battery: null,
        rssi: null,
        seenAt: now,
      })),
    );

    const sources = onlineSources({
      sources: [{ feed: "merchant", url, mode: "audit-only" }],
      online: stores.online,
      catalog: stores.catalog,
      ingestMerchant,
      log,
      timeoutMs: 60_000,
      maxBytes: 1 << 30,
    });
    const pulled = await timed(() => sources.pullSource("merchant"));
    if (pulled.value.outcome !== "fetched" || pulled.value.reply.itemsAccepted !== SKUS) {
      throw new Error(`pull: ${JSON.stringify(pulled.value).slice(0, 300)}`);
    }

    const audits = parityAudits({
      parity: stores.parity,
      online: stores.online,
      catalog: stores.catalog,
      storeCode: "bench",
      locale: CONFIG.locale,
      now: () => now,
      log,
    });
    const audit = await bestOf(2, () => timed(() => audits.run({ at: now }).done));
    const last = stores.parity.latest();
    if (!last || last.compared !== SKUS || last.mismatched !== SKUS / 100) {
      throw new Error(`audit: ${JSON.stringify(last)}`);
    }

    // The raw floor: one join of the two sides, JSON read on both, the prices compared.
    const join2 = stores.db.$client.prepare<[], { c: string | null; o: string | null }>(
      `SELECT c.shown_json AS c, o.offer_json AS o FROM labels l
       JOIN label_contents c ON c.content_hash = l.content_hash JOIN online_offers o ON o.feed = 'merchant' AND o.sku = l.sku WHERE l.sku IS NOT NULL`,
    );
    const raw = await bestOf(2, () =>
      timed(() => {
        let differ = 0;
        for (const r of join2.iterate()) {
          if (!r.c || !r.o) continue;
          const shelf = JSON.parse(r.c) as { price: { amountMinor: number } };
          const online = JSON.parse(r.o) as { price: { amountMinor: number } };
          if (shelf.price.amountMinor !== online.price.amountMinor) differ++;
        }
        if (differ !== SKUS / 100) throw new Error(`raw: ${differ} differ`);
        return differ;
      }),
    );
    stores.close();
    return [
      row("parity: raw join of labels and online items, prices compared (baseline)", SKUS, raw.ms),
      row(
        `parity: pull a ${(body.length / 1e6).toFixed(0)} MB TSV feed over loopback (audit-only)`,
        SKUS,
        pulled.ms,
      ),
      row("parity: audit 100,000 labelled SKUs against the feed", SKUS, audit.ms, {
        ratio: Math.round((raw.ms / audit.ms) * 100) / 100,
        note: `goal ≤ 10,000 ms; pull + audit ${Math.round(pulled.ms + audit.ms)} ms`,
      }),
    ];
  } finally {
    await new Promise((r) => server.close(r));
    dir.cleanup();
  }
}
