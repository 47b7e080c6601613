import { createReadStream } from "node:fs";
import { performance } from "node:perf_hooks";
import { createLogger } from "../controller/log.ts";
import { feedPipeline } from "../controller/pipeline.ts";
import { openStores } from "../controller/store/index.ts";
import { BENCH_CONFIG } from "./support.ts";

/**
 * Child of bench/merchant.ts: imports one Merchant Center feed file into a fresh store and prints
 * `{ ms, items, maxRssMb }`, the peak resident set of this process (what a 500,000-item feed costs).
 */
const [file, db] = process.argv.slice(2);
if (!file || !db) throw new Error("usage: merchant-rss.ts <feed file> <db>");
const stores = openStores(db);
const { ingestMerchant } = feedPipeline(
  stores,
  { ...BENCH_CONFIG, currency: "EUR" },
  { log: createLogger("silent") },
);
const started = performance.now();
const reply = await ingestMerchant({
  feed: "merchant",
  sequence: 1,
  mode: "import",
  body: createReadStream(file, { highWaterMark: 64 * 1024 }),
  maxBytes: 2 ** 31,
  source: { kind: "file", url: null, fetchedAt: null, etag: null },
});
const ms = performance.now() - started;
stores.close();
process.stdout.write(
  `${JSON.stringify({ ms: Math.round(ms), items: reply.itemsAccepted, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`,
);
