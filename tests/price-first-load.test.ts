import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { type AnyFeedRow, BatchRejected, type Lined } from "../controller/store/catalog.ts";
import { openStores } from "../controller/store/index.ts";
import { PriceColumns } from "../controller/store/price-columns.ts";
import type { PriceRow } from "../schemas/index.ts";
import { tempDir } from "./support/harness.ts";

const dir = tempDir();
afterAll(() => dir.cleanup());
const NOW = Date.parse("2026-06-01T10:00:00Z");
const PRODUCTS = 200;

/**
 * A first load of the prices feed given as columns (what the HTTP/CLI ingest hands over) asks whether
 * a SKU came earlier in the batch by adding it to the set of changed SKUs (controller/store/catalog.ts,
 * priceColumns). The same rows given as objects take the lookup path: both must write the same
 * history, report the same changed SKUs in the same order, hold and refuse the same rows.
 */
let run = 0;
function applyFirstLoad(rows: Lined<PriceRow>[], asColumns: boolean) {
  const stores = openStores(join(dir.path, `first-${run++}.db`));
  try {
    stores.catalog.applyBatch(
      "products",
      1,
      "csv",
      Array.from({ length: PRODUCTS }, (_, i) => ({ line: i + 2, row: { sku: `S${i}`, name: `P${i}` } })),
      NOW,
    );
    let batch: PriceColumns | Lined<AnyFeedRow>[] = rows;
    if (asColumns) {
      const columns = new PriceColumns();
      for (const { line, row } of rows) columns.push(line, row);
      batch = columns;
    }
    // A screen holding a zero price (as the guard rail does), and the store's currency.
    const options = {
      screen: (_current: unknown, proposed: { amountMinor: number }) =>
        proposed.amountMinor === 0 ? { reason: "zero" } : null,
      currency: "EUR",
    };
    let outcome: unknown;
    try {
      const r = stores.catalog.applyBatch("prices", 1, "csv", batch, NOW + 1000, options);
      outcome = {
        rowsChanged: r.rowsChanged,
        held: r.heldPrices.map((h) => [h.sku, h.line]),
        skus: [...r.changedSkus],
      };
    } catch (e) {
      if (!(e instanceof BatchRejected)) throw e;
      outcome = { rejected: e.details };
    }
    const history = stores.db.$client
      .prepare(
        "SELECT id, sku, amount_minor, currency, effective_from, effective_to FROM price_history ORDER BY id",
      )
      .all();
    return { outcome, history };
  } finally {
    stores.close();
  }
}

const row = fc.record({
  sku: fc.nat({ max: PRODUCTS - 1 }).map((i) => `S${i}`),
  // Few amounts, so that a SKU's second row often repeats its first (no change) or not.
  amountMinor: fc.oneof({ weight: 30, arbitrary: fc.constantFrom(100, 250, 999) }, fc.constant(0)),
  from: fc.oneof({ weight: 10, arbitrary: fc.constant(undefined) }, fc.constant(NOW + 500)),
});
/** Now and then a row the store refuses: an unknown SKU, or a first price in another currency. */
const refused = fc.option(
  fc.record({
    at: fc.nat(),
    sku: fc.constantFrom("NOPE", "S1", "S2"),
    currency: fc.constantFrom("EUR", "USD"),
  }),
  { freq: 2 },
);

describe("a first load of prices as columns", () => {
  it("writes and reports what the same rows as objects do: duplicates, held, refused rows (property)", () => {
    fc.assert(
      fc.property(
        // At least 512 rows, so the batch reads the prices in force in bulk (and finds none).
        fc.array(row, { minLength: 520, maxLength: 700 }),
        refused,
        (generated, bad) => {
          const cells = generated.map((r) => ({ ...r, currency: "EUR" }));
          if (bad) cells.splice(bad.at % cells.length, 0, { ...bad, amountMinor: 100, from: undefined });
          const rows: Lined<PriceRow>[] = cells.map((r, i) => ({
            line: i + 2,
            row: {
              sku: r.sku,
              amountMinor: r.amountMinor,
              currency: r.currency,
              ...(r.from !== undefined ? { effectiveFrom: r.from } : {}),
            },
          }));
          const objects = applyFirstLoad(rows, false);
          expect(applyFirstLoad(rows, true)).toEqual(objects);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("counts a SKU sent twice once, and a held first row does not hide the second", () => {
    const rows: Lined<PriceRow>[] = Array.from({ length: 600 }, (_, i) => ({
      line: i + 2,
      row: { sku: `S${i % PRODUCTS}`, amountMinor: i === 0 ? 0 : 100 + i, currency: "EUR" },
    }));
    const { outcome, history } = applyFirstLoad(rows, true);
    expect(outcome).toMatchObject({ rowsChanged: 599, held: [["S0", 2]] });
    const skus = (outcome as { skus: string[] }).skus;
    expect(skus).toHaveLength(PRODUCTS);
    // S0's first row was held: it is changed by its second row (line 202), after S199.
    expect(skus.at(-1)).toBe("S0");
    expect(history).toHaveLength(599);
    expect(applyFirstLoad(rows, false)).toEqual({ outcome, history });
  });
});
