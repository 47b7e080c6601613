import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FeedRejected, FeedTooLarge, feedRowReader } from "../controller/feeds/ingest.ts";
import { CsvParser } from "../controller/feeds/parse/csv.ts";
import { PriceCsvSink } from "../controller/feeds/price-csv.ts";
import { PriceColumns } from "../controller/store/price-columns.ts";

/**
 * A prices CSV is read straight into PriceColumns (controller/feeds/price-csv.ts); the generic path
 * (record object, fastPriceRow, the zod schema) is the oracle. For any body, cut into the same
 * pieces, both must give the same columns, or refuse with the same errors (line, field, reason), the
 * same rows read, the same row-limit refusal.
 */
const TZ = "Europe/Berlin";

type Outcome =
  | { ok: true; rowsRead: number; rows: unknown[] }
  | { ok: false; kind: string; message: string; details?: unknown; rowsRead?: number };

async function* pieces(bytes: Buffer, cuts: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    const to = Math.min(cut, bytes.length);
    if (to > at) {
      yield bytes.subarray(at, to);
      at = to;
    }
  }
  if (at < bytes.length) yield bytes.subarray(at);
}

async function read(fast: boolean, body: Buffer, cuts: number[], maxRows?: number): Promise<Outcome> {
  const readRows = feedRowReader(TZ, undefined, maxRows, { priceColumns: true, priceCsvFast: fast });
  try {
    const { rows, rowsRead } = await readRows("prices", "csv", pieces(body, cuts));
    const c = rows as PriceColumns;
    expect(c).toBeInstanceOf(PriceColumns);
    const out: unknown[] = [];
    for (let i = 0; i < c.length; i++)
      out.push([c.lines[i], c.skus[i], c.amounts[i], c.currencies[i], c.froms[i], c.tos[i]]);
    return { ok: true, rowsRead, rows: out };
  } catch (e) {
    if (e instanceof FeedRejected)
      return { ok: false, kind: "rejected", message: e.message, details: e.details, rowsRead: e.rowsRead };
    if (e instanceof FeedTooLarge) return { ok: false, kind: "too large", message: e.message };
    throw e;
  }
}

const quote = (s: string) => `"${s.replaceAll('"', '""')}"`;

/** Cell texts per field: ordinary ones (the fast path's) and every kind it must leave to the oracle. */
const CELLS: Record<string, string[]> = {
  sku: [
    "A1",
    "SKU-9",
    "b.c_d",
    "Z",
    " A1",
    "A1 ",
    "",
    "a b",
    "-x",
    "S".repeat(64),
    "S".repeat(65),
    "ß1",
    "x\ty",
  ],
  price: [
    "2.49",
    "0",
    "10",
    "1.5",
    "-1.00",
    "-0",
    "1.234",
    " 3",
    "3 ",
    "1e3",
    "",
    "12.",
    ".5",
    "0001.10",
    "99999999999999999",
    "1,5",
    "２",
  ],
  currency: ["EUR", "EUR", "JPY", "KWD", "eur", " EUR", "Eur", "XXX", "EU", "EURO", ""],
  effectiveFrom: [
    "",
    "",
    " ",
    "2026-06-01",
    "2026-06-01T10:00:00Z",
    "2026-06-01T10:00:00+02:00",
    "2026-02-30",
    "soon",
  ],
  effectiveTo: ["", "", "2026-06-01", "2026-06-02T00:00:00Z", "2026-05-01", "later"],
  note: ["", "x", "a;b", "ü"],
};

const header = fc
  .shuffledSubarray(["sku", "price", "currency", "effectiveFrom", "effectiveTo", "note"], { minLength: 2 })
  .chain((names) =>
    fc.record({
      // Mostly the three required columns are there; sometimes one is missing (every row refused).
      names: fc.constant(names),
      required: fc.boolean(),
      pad: fc.boolean(),
    }),
  )
  .map(({ names, required, pad }) => {
    const cols = required ? [...new Set(["sku", "price", "currency", ...names])] : names;
    return { cols, text: cols.map((c, i) => (pad && i === 0 ? ` ${c} ` : c)) };
  });

/** A row as its cells' choices: an index into CELLS per column, and how each cell is written. */
const row = fc.record({
  // Mostly the first (ordinary) choices, so that many bodies are accepted and their columns compared.
  picks: fc.array(
    fc.oneof({ weight: 12, arbitrary: fc.nat({ max: 2 }) }, { weight: 1, arbitrary: fc.nat() }),
    { minLength: 6, maxLength: 6 },
  ),
  quoted: fc.array(fc.nat({ max: 19 }), { minLength: 6, maxLength: 6 }),
  cellsDelta: fc.oneof({ weight: 20, arbitrary: fc.constant(0) }, fc.constantFrom(-1, 1)),
  strayQuote: fc.oneof({ weight: 30, arbitrary: fc.constant(false) }, fc.constant(true)),
  eol: fc.constantFrom("\n", "\n", "\r\n", "\n\n", "\r\n\r\n"),
});

const body = fc.record({
  header: header,
  rows: fc.array(row, { maxLength: 30 }),
  /** Rows again and again: past the 100 problems reported, and past the columns' first capacity. */
  repeat: fc.oneof({ weight: 4, arbitrary: fc.constant(1) }, fc.integer({ min: 2, max: 80 })),
  bom: fc.boolean(),
  finalEol: fc.boolean(),
  cuts: fc.array(fc.nat({ max: 4000 }), { maxLength: 6 }),
  maxRows: fc.option(fc.integer({ min: 1, max: 200 }), { nil: undefined, freq: 5 }),
});

type Body = typeof body extends fc.Arbitrary<infer T> ? T : never;

function render(b: Body): string {
  const { cols, text } = b.header;
  let out = `${b.bom ? "\uFEFF" : ""}${text.join(",")}\n`;
  for (let k = 0; k < b.repeat; k++) {
    for (const r of b.rows) {
      const cells = cols.map((c, i) => {
        const choices = CELLS[c] as string[];
        const v = choices[(r.picks[i] as number) % choices.length] as string;
        const q = r.quoted[i] as number;
        // Quoted now and then: plain, with a comma, with a line feed or a quote inside.
        if (q === 0) return quote(v);
        if (q === 1) return quote(`${v},1`);
        if (q === 2) return quote(`${v}\n`);
        if (q === 3 && r.strayQuote) return `${v}"`;
        return v;
      });
      if (r.cellsDelta > 0) cells.push("extra");
      if (r.cellsDelta < 0) cells.pop();
      out += cells.join(",") + r.eol;
    }
  }
  if (!b.finalEol && out.endsWith("\n")) out = out.replace(/\r?\n+$/, "");
  return out;
}

describe("prices CSV read straight into columns", () => {
  it("agrees with the generic path on generated bodies cut anywhere, refusals included (property)", async () => {
    const outcomes = { accepted: 0, rejected: 0, "too large": 0 } as Record<string, number>;
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const bytes = Buffer.from(render(b));
        // Where the body is cut moves what a refusal counts as read (a piece with a syntax error is
        // not validated), on either path: each cut is compared with the oracle cut the same way.
        expect(await read(true, bytes, [], b.maxRows)).toEqual(await read(false, bytes, [], b.maxRows));
        const cut = await read(false, bytes, b.cuts, b.maxRows);
        expect(await read(true, bytes, b.cuts, b.maxRows)).toEqual(cut);
        const kind = cut.ok ? "accepted" : cut.kind;
        outcomes[kind] = (outcomes[kind] ?? 0) + 1;
      }),
      { numRuns: 600 },
    );
    // The generated bodies reach all three outcomes, accepted ones often enough to compare columns.
    expect(outcomes.accepted).toBeGreaterThan(50);
    expect(outcomes.rejected).toBeGreaterThan(60);
    expect(outcomes["too large"]).toBeGreaterThan(5);
  });

  it("reads ordinary rows without the generic path, and leaves it the rest", () => {
    const checked: unknown[] = [];
    const columns = new PriceColumns();
    const sink = new PriceCsvSink(
      columns,
      TZ,
      (row) => {
        checked.push(row);
        return { success: false, problems: [{ field: "sku", reason: "checked" }] };
      },
      100,
    );
    const parser = new CsvParser(sink);
    const out: never[] = [];
    parser.push(
      "note,currency,price,sku,effectiveFrom,effectiveTo\r\n" +
        "x,EUR,2.49,A1,,\r\n" +
        ",JPY,1250,B-2,2026-06-01T10:00:00Z,2026-06-02T10:00:00Z\n" +
        ",EUR,1,C3, ,\n" +
        ',EUR,2.49,"A1",,\n' +
        ",EUR,2.49, A1,,\n" +
        ",eur,2.49,A1,,\n" +
        ",EUR,2.499,A1,,\n" +
        ",EUR,-1,A1,,\n" +
        ",EUR,1,A1,2026-06-02,2026-06-01\n",
      out,
    );
    parser.end(out);
    expect(out).toEqual([]);
    expect(sink.records).toBe(9);
    expect(columns.length).toBe(3);
    expect(columns.skus).toEqual(["A1", "B-2", "C3"]);
    expect([...columns.amounts.subarray(0, 3)]).toEqual([249, 1250, 100]);
    expect(columns.currencies).toEqual(["EUR", "JPY", "EUR"]);
    expect([...columns.lines.subarray(0, 3)]).toEqual([2, 3, 4]);
    expect(columns.froms[1]).toBe(Date.parse("2026-06-01T10:00:00Z"));
    expect(columns.tos[1]).toBe(Date.parse("2026-06-02T10:00:00Z"));
    expect(Number.isNaN(columns.froms[0]) && Number.isNaN(columns.tos[2])).toBe(true);
    // The quoted cell, the spaces, the lower-case code, the extra decimal, the minus, the end before the start.
    expect(checked.map((r) => (r as Record<string, string>).sku)).toEqual([
      "A1",
      " A1",
      "A1",
      "A1",
      "A1",
      "A1",
    ]);
    expect(sink.problems.map((p) => p.line)).toEqual([5, 6, 7, 8, 9, 10]);
  });

  it("names the same line and field as before for a bad row among good ones", async () => {
    const good = Array.from({ length: 3000 }, (_, i) => `SKU${i},1.${i % 10}0,EUR,,`);
    good[2500] = "SKU2500,1.999,EUR,,";
    const bytes = Buffer.from(`sku,price,currency,effectiveFrom,effectiveTo\n${good.join("\n")}\n`);
    const fast = await read(true, bytes, [777, 20_000]);
    expect(fast).toEqual(await read(false, bytes, []));
    expect(fast).toMatchObject({
      ok: false,
      details: [{ line: 2502, field: "price", reason: '"1.999" has 3 decimal places; EUR allows 2' }],
      rowsRead: 3000,
    });
  });

  it("stops at the same problem, the 100th, when a row with two problems crosses it", async () => {
    const lines = Array.from({ length: 99 }, (_, i) => `SKU${i},1.999,EUR,,`);
    lines.push("bad sku,1.00,XXX,,", "GOOD,1.00,EUR,,", "bad,1.999,EUR,,");
    for (let i = 0; i < 300; i++) lines.push(i % 2 ? `OK${i},2.00,EUR,,` : `OK${i},2.001,EUR,,`);
    const bytes = Buffer.from(`sku,price,currency,effectiveFrom,effectiveTo\n${lines.join("\n")}\n`);
    for (const cuts of [[], [2000], [1000, 2000, 3000, 4000]]) {
      const fast = await read(true, bytes, cuts);
      expect(fast).toEqual(await read(false, bytes, cuts));
      expect(fast).toMatchObject({ ok: false, rowsRead: 100 });
      const details = (fast as { details: { line: number; field: string }[] }).details;
      expect(details).toHaveLength(100);
      expect(details.at(-1)).toMatchObject({ line: 101, field: "sku" });
    }
  });
});
