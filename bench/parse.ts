import { pathToFileURL } from "node:url";
import { type FeedFormat, parseFeed } from "../controller/feeds/parse/index.ts";

const ROWS = 100_000;
/** What an HTTP body typically arrives as. */
const CHUNK_BYTES = 64 * 1024;
const RUNS = 7;

export interface ParseBenchResult {
  name: string;
  rows: number;
  ms: number;
  rowsPerSec: number;
}

interface PriceFeedRow {
  sku: string;
  price: string;
  currency: string;
  effectiveFrom: string;
  effectiveTo: string;
}

function priceRows(): PriceFeedRow[] {
  const rows: PriceFeedRow[] = [];
  for (let i = 0; i < ROWS; i++) {
    rows.push({
      sku: `SKU-${String(i).padStart(7, "0")}`,
      price: `${1 + (i % 500)}.${String(i % 100).padStart(2, "0")}`,
      currency: "EUR",
      effectiveFrom: i % 3 === 0 ? "2025-03-01T06:00:00+01:00" : "",
      effectiveTo: i % 7 === 0 ? "2025-03-31T22:00:00+02:00" : "",
    });
  }
  return rows;
}

function bodies(): Record<FeedFormat, Uint8Array> {
  const rows = priceRows();
  const header = "sku,price,currency,effectiveFrom,effectiveTo";
  const csv = `${header}\n${rows.map((r) => `${r.sku},${r.price},${r.currency},${r.effectiveFrom},${r.effectiveTo}`).join("\n")}\n`;
  const ndjson = `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`;
  const json = JSON.stringify(rows);
  const encoder = new TextEncoder();
  return { csv: encoder.encode(csv), ndjson: encoder.encode(ndjson), json: encoder.encode(json) };
}

async function* chunked(body: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < body.length; i += CHUNK_BYTES) yield body.subarray(i, i + CHUNK_BYTES);
}

async function parseOnce(body: Uint8Array, format: FeedFormat): Promise<{ rows: number; ms: number }> {
  const started = performance.now();
  let rows = 0;
  for await (const batch of parseFeed(chunked(body), format)) rows += batch.length;
  return { rows, ms: performance.now() - started };
}

/** Parse of 100,000 generated price rows per format, fed in 64 KiB chunks; median of several runs. */
export async function benchParse(): Promise<ParseBenchResult[]> {
  const all = bodies();
  const results: ParseBenchResult[] = [];
  for (const format of ["csv", "ndjson", "json"] as const) {
    const body = all[format];
    await parseOnce(body, format);
    const times: number[] = [];
    let rows = 0;
    for (let run = 0; run < RUNS; run++) {
      const result = await parseOnce(body, format);
      if (result.rows !== ROWS)
        throw new Error(`${format} parse produced ${result.rows} rows, expected ${ROWS}`);
      rows = result.rows;
      times.push(result.ms);
    }
    times.sort((a, b) => a - b);
    const ms = times[Math.floor(times.length / 2)]!;
    results.push({
      name: `parse ${format} (price rows, ${(body.length / 1e6).toFixed(1)} MB)`,
      rows,
      ms: Math.round(ms * 10) / 10,
      rowsPerSec: Math.round(rows / (ms / 1000)),
    });
  }
  return results;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.table(await benchParse());
}
