import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { BENCH_CONFIG } from "../bench/support.ts";
import { batchesCheckedInWorker, closeCheckPool } from "../controller/feeds/merchant/check-pool.ts";
import { type MerchantBatch, merchantIngestor } from "../controller/feeds/merchant/ingest.ts";
import { createLogger } from "../controller/log.ts";
import { feedPipeline } from "../controller/pipeline.ts";
import { openStores } from "../controller/store/index.ts";

/**
 * A large TSV product feed is read and checked in a worker thread (feeds/merchant/check-pool.ts);
 * the oracle is the same batch checked on the event loop. Both must give the same reply (counts,
 * listed problems and warnings, in order), the same refusal, and the same store afterwards, whatever
 * the items (valid, invalid, repeated ids, a row of the wrong width), gzip, the chunking, the mode and
 * `?invalid=`.
 */
const dir = mkdtempSync(join(tmpdir(), "shelfsync-check-worker-"));
afterAll(async () => {
  await closeCheckPool();
  rmSync(dir, { recursive: true, force: true });
});

let stores = 0;
function ingestor(inWorkerAbove: number) {
  const s = openStores(join(dir, `s-${stores++}.db`));
  const { changes } = feedPipeline(s, BENCH_CONFIG, { log: createLogger("silent") });
  const ingest = merchantIngestor({
    catalog: s.catalog,
    online: s.online,
    changes,
    currency: "EUR",
    storeCode: "store-1",
    checkInWorkerAbove: inWorkerAbove,
  });
  return { stores: s, ingest };
}

/** What a batch left in the store: its tables as rows (ids and instants of writing left out). */
function storeState(s: ReturnType<typeof openStores>) {
  const q = (text: string) => s.db.$client.prepare(text).raw(true).all();
  return {
    offers: q(
      "SELECT feed, item_id, sku, offer_json, problems_json, line, sequence, mode FROM online_offers ORDER BY feed, item_id",
    ),
    products: q(
      "SELECT sku, gtin, name, brand, net_quantity, unit, category, url FROM products ORDER BY sku",
    ),
    prices: q(
      "SELECT sku, amount_minor, currency, effective_from, effective_to, feed FROM price_history ORDER BY id",
    ),
    promotions: q(
      'SELECT promotion_id, kind, skus_json, value, currency, start, "end", deleted_at FROM promotions ORDER BY promotion_id',
    ),
  };
}

async function outcome(inWorkerAbove: number, batch: Omit<MerchantBatch, "body">, chunks: Buffer[]) {
  const { stores: s, ingest } = ingestor(inWorkerAbove);
  try {
    const reply = await ingest({
      ...batch,
      body: (async function* () {
        yield* chunks;
      })(),
    }).then(
      (r) => ({ ok: true as const, reply: { ...r, durationMs: 0 } }),
      (e: Error & { details?: unknown; itemsRead?: number }) => ({
        ok: false as const,
        error: { name: e.constructor.name, message: e.message, details: e.details, itemsRead: e.itemsRead },
      }),
    );
    return { reply, state: storeState(s) };
  } finally {
    s.close();
  }
}

const SALE_WINDOW = "2026-03-23T00:00+0100/2026-04-06T00:00+0200";
const item = fc.record({
  id: fc.oneof(
    fc.integer({ min: 0, max: 30 }).map((i) => `SKU${i}`),
    fc.constantFrom("", "bad id", "x".repeat(60)),
  ),
  title: fc.constantFrom("Milk", "Brot 1 kg", "Ä ö ü", ""),
  price: fc.constantFrom("2.49 EUR", "15.00 EUR", "1,99 EUR", "3.00 USD", ""),
  sale: fc.constantFrom("", "", "0.50 EUR", "20.00 EUR"),
  window: fc.constantFrom("", SALE_WINDOW, "not a window"),
  measure: fc.constantFrom("", "750 ml", "1 kg", "3 bottles", "2 oz"),
  gtin: fc.constantFrom("", "4006381333931", "4000000000001", "2000000000008"),
  availability: fc.constantFrom("in_stock", "in stock", "sold"),
});
type Item = Record<
  "id" | "title" | "price" | "sale" | "window" | "measure" | "gtin" | "availability",
  string
>;

function tsv(items: Item[], broken: boolean): string {
  const head =
    "id\ttitle\tprice\tsale_price\tsale_price_effective_date\tunit_pricing_measure\tgtin\tavailability\n";
  const rows = items.map(
    (it, i) =>
      `${it.id}\t${it.title}\t${it.price}\t${it.sale}\t${it.window}\t${it.measure}\t${it.gtin}\t${it.availability}${broken && i === 1 ? "\textra" : ""}\n`,
  );
  return head + rows.join("");
}

/** The body cut at the given fractions (any place, also inside a UTF-8 sequence). */
function cut(body: Buffer, at: number[]): Buffer[] {
  const points = [...new Set(at.map((f) => Math.floor(f * body.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    out.push(body.subarray(from, p));
    from = p;
  }
  out.push(body.subarray(from));
  return out;
}

describe("Merchant Center items checked in a worker thread", () => {
  it("gives the reply, the refusal and the store of the same batch checked on the event loop (property)", async () => {
    let applied = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(item, { minLength: 0, maxLength: 40 }),
        fc.constantFrom("reject" as const, "skip" as const),
        fc.constantFrom("import" as const, "audit-only" as const),
        fc.boolean(),
        fc.boolean(),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
        async (items, invalid, mode, broken, gzip, at) => {
          const raw = Buffer.from(tsv(items, broken));
          const body = gzip ? gzipSync(raw) : raw;
          const batch = {
            feed: "merchant" as const,
            sequence: 1,
            mode,
            invalid,
            format: "tsv" as const,
            maxBytes: 1 << 20,
            now: Date.parse("2026-03-01T00:00:00Z"),
            source: { kind: "upload" as const, url: null, fetchedAt: null, etag: null },
          };
          const chunks = cut(body, at);
          const onLoop = await outcome(Number.POSITIVE_INFINITY, batch, chunks);
          const before = batchesCheckedInWorker();
          const inWorker = await outcome(0, batch, chunks);
          expect(batchesCheckedInWorker()).toBe(before + 1);
          expect(inWorker).toEqual(onLoop);
          if (onLoop.reply.ok && onLoop.reply.reply.applied) applied++;
          else refused++;
        },
      ),
      { numRuns: 40 },
    );
    // Both kinds of outcome were compared (random bodies: a fixed share would fail by chance, as
    // 3 refusals of 40 once did; none of either in 40 runs is below one in a million).
    expect(applied).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  it("refuses a body over the size limit as the event loop does", async () => {
    const items = Array.from({ length: 50 }, (_, i) => ({
      id: `SKU${i}`,
      title: "Milk",
      price: "2.49 EUR",
      sale: "",
      window: "",
      measure: "",
      gtin: "",
      availability: "in_stock",
    }));
    const body = Buffer.from(tsv(items, false));
    const batch = {
      feed: "merchant" as const,
      sequence: 1,
      mode: "import" as const,
      format: "tsv" as const,
      maxBytes: 1000,
      source: { kind: "upload" as const, url: null, fetchedAt: null, etag: null },
    };
    const chunks = cut(body, [0.1, 0.2, 0.5]);
    const inWorker = await outcome(0, batch, chunks);
    expect(inWorker.reply).toMatchObject({ ok: false, error: { name: "FeedTooLarge" } });
    expect(inWorker).toEqual(await outcome(Number.POSITIVE_INFINITY, batch, chunks));
  });

  it("a body that breaks off fails the batch with the body's own error", async () => {
    const { stores: s, ingest } = ingestor(0);
    try {
      const failure = new Error("connection reset");
      const reply = ingest({
        feed: "merchant",
        sequence: 1,
        mode: "import",
        format: "tsv",
        source: { kind: "upload", url: null, fetchedAt: null, etag: null },
        body: (async function* () {
          yield Buffer.from("id\ttitle\tprice\nSKU1\tMilk\t2.49 EUR\n");
          throw failure;
        })(),
      });
      await expect(reply).rejects.toBe(failure);
      expect(storeState(s).products).toEqual([]);
    } finally {
      s.close();
    }
  });
});
