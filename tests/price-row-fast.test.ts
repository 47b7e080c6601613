import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fastPriceRow, priceRowSchema } from "../schemas/feeds.ts";

/**
 * fastPriceRow is the prices feed's hot path; the zod schema stays the contract and explains every
 * refusal. Both must give the same verdict and the same row for any input, whatever came before it:
 * the fast path keeps state between rows (one problem counter, the last currency code it accepted),
 * so the rows are checked as runs, in order, with codes that change from row to row.
 */
const TZ = "Europe/Berlin";

const cell = (...values: string[]) => fc.oneof(fc.constantFrom(...values), fc.string({ maxLength: 8 }));

const priceRow = fc.record(
  {
    sku: fc.oneof(cell("A1", " SKU-9 ", "", "a b", "-x", "S".repeat(64), "S".repeat(65)), fc.integer()),
    price: fc.oneof(cell("2.49", "0", "-1.00", "1.234", " 3 ", "1e3", "", "12345678901234567"), fc.double()),
    currency: fc.oneof(cell("EUR", "eur", " EUR ", "USD", "JPY", "KWD", "XXX", "EU", ""), fc.constant(null)),
    effectiveFrom: fc.oneof(
      cell("", "2026-06-01", "2026-06-01T10:00:00Z", "2026-02-30", "soon"),
      fc.constant(null),
      fc.constant(undefined),
    ),
    effectiveTo: fc.oneof(
      cell("", "2026-06-01", "2026-06-02T00:00:00+02:00", "2026-05-01", "later"),
      fc.constant(null),
      fc.constant(undefined),
    ),
  },
  { requiredKeys: [] },
);

describe("fastPriceRow", () => {
  it("agrees with priceRowSchema on runs of generated rows, refusals included", () => {
    const schema = priceRowSchema(TZ);
    fc.assert(
      fc.property(fc.array(priceRow, { minLength: 1, maxLength: 12 }), (rows) => {
        const fast = fastPriceRow(TZ);
        for (const row of rows) {
          const slow = schema.safeParse(row);
          const quick = fast(row);
          if (slow.success) expect(quick).toEqual(slow.data);
          else expect(quick).toBeNull();
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("takes the common rows and keeps one currency string for all of them", () => {
    const fast = fastPriceRow(TZ);
    const a = fast({ sku: "A1", price: "2.49", currency: ["E", "U", "R"].join("") });
    const b = fast({ sku: "B2", price: "1", currency: " eur " });
    expect(a).toEqual({ sku: "A1", amountMinor: 249, currency: "EUR" });
    expect(b).toEqual({ sku: "B2", amountMinor: 100, currency: "EUR" });
    expect(fast({ sku: "C3", price: "1", currency: "XXX" })).toBeNull();
    expect(fast({ sku: "C3", price: "1", currency: "JPY" })).toEqual({
      sku: "C3",
      amountMinor: 1,
      currency: "JPY",
    });
    expect(fast({ sku: "C3", price: "2.5", currency: "jpy" })).toBeNull();
  });
});
