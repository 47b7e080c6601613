import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PriceColumns } from "../controller/store/price-columns.ts";
import type { PriceRow } from "../schemas/feeds.ts";

/**
 * PriceColumns keeps its numbers in typed arrays that double when full: read back over `length`,
 * row by row, they must be exactly the rows pushed (absent instants as NaN), however many rows.
 */
describe("PriceColumns", () => {
  it("reads back every row pushed, across growth (property)", () => {
    const row = fc.record({
      sku: fc.constantFrom("A", "B-1", "SKU9"),
      amountMinor: fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.constant(Number.MAX_SAFE_INTEGER)),
      currency: fc.constantFrom("EUR", "JPY"),
      effectiveFrom: fc.option(fc.integer({ min: 0, max: 2 ** 42 }), { nil: undefined }),
      effectiveTo: fc.option(fc.integer({ min: 0, max: 2 ** 42 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 40 }), fc.integer({ min: 0, max: 5000 }), (rows, extra) => {
        // Up to ~5,000 rows: through the first capacity (1,024) and a few doublings.
        const all: PriceRow[] = [
          ...rows,
          ...Array.from(
            { length: extra },
            (_, i) => rows[i % (rows.length || 1)] ?? { sku: `S${i}`, amountMinor: i, currency: "EUR" },
          ),
        ];
        const c = new PriceColumns();
        for (const [i, r] of all.entries()) c.push(i + 2, r);
        expect(c.length).toBe(all.length);
        for (let i = 0; i < all.length; i++) {
          const r = all[i] as PriceRow;
          expect([c.lines[i], c.skus[i], c.amounts[i], c.currencies[i], c.froms[i], c.tos[i]]).toEqual([
            i + 2,
            r.sku,
            r.amountMinor,
            r.currency,
            r.effectiveFrom ?? Number.NaN,
            r.effectiveTo ?? Number.NaN,
          ]);
        }
      }),
      { numRuns: 40 },
    );
  });
});
