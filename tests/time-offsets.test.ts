import { describe, expect, it } from "vitest";
import {
  assertTimeZone,
  auditQuerySchema,
  feedRowSchemas,
  issueProblems,
  labelStateSchema,
  parseInstant,
  parseWindow,
  readMerchantItem,
} from "../schemas/index.ts";

/**
 * UTC offsets are real ones (±hh:mm within ±14:00) wherever an instant is read: a `+99:99` or even a
 * `+23:59` moved instants by a day or more and was taken.
 */
const BAD = ["+99:99", "+14:01", "-14:30", "+23:59", "+05:60"];
const GOOD: [string, number][] = [
  ["+14:00", 14 * 60],
  ["-12:00", -12 * 60],
  ["+05:45", 5 * 60 + 45],
  ["Z", 0],
];

describe("UTC offsets", () => {
  it("parseInstant takes ±hh:mm within ±14:00 and refuses the rest", () => {
    const wall = Date.UTC(2026, 2, 1, 12, 0);
    for (const [zone, minutes] of GOOD)
      expect(parseInstant(`2026-03-01T12:00${zone}`, "Europe/Berlin")).toBe(wall - minutes * 60_000);
    for (const zone of BAD)
      expect(() => parseInstant(`2026-03-01T12:00${zone}`, "Europe/Berlin")).toThrow(/UTC offset/);
  });

  it("a price row with +99:99 is refused naming effectiveFrom", () => {
    const r = feedRowSchemas("Europe/Berlin").prices.safeParse({
      sku: "A",
      price: "1.00",
      currency: "EUR",
      effectiveFrom: "2026-03-01T12:00+99:99",
    });
    expect(r.success).toBe(false);
    const problems = r.success ? [] : issueProblems(r.error, "(row)");
    expect(problems[0]).toMatchObject({ field: "effectiveFrom" });
    expect(problems[0]?.reason).toMatch(/UTC offset/);
  });

  it("a promotion's start with +14:30 is refused naming start", () => {
    const r = feedRowSchemas("Europe/Berlin").promotions.safeParse({
      promotionId: "P1",
      kind: "percent",
      skus: "A",
      value: "10",
      start: "2026-03-01T00:00+14:30",
      end: "2026-03-08",
    });
    expect(r.success).toBe(false);
    expect(r.success ? [] : issueProblems(r.error, "(row)")[0]?.field).toBe("start");
  });

  it("a Merchant Center sale window with +15:00 is an item error on sale_price_effective_date", () => {
    expect(() => parseWindow("2026-03-01T00:00+15:00/2026-03-08T00:00+01:00")).toThrow(/UTC offset/);
    const r = readMerchantItem(
      {
        id: "A",
        title: "A",
        price: "2.00 EUR",
        sale_price: "1.00 EUR",
        sale_price_effective_date: "2026-03-01T00:00+15:00/2026-03-08T00:00+01:00",
      },
      "EUR",
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.map((p) => p.field)).toContain("sale_price_effective_date");
  });

  it("a device's ts and the audit filters refuse offsets zod alone would take (+23:59)", () => {
    const state = labelStateSchema.safeParse({ v: 1, displayedHash: null, ts: "2026-03-01T12:00:00+23:59" });
    expect(state.success).toBe(false);
    expect(state.success ? [] : issueProblems(state.error, "(payload)")[0]?.field).toBe("ts");
    expect(
      labelStateSchema.safeParse({ v: 1, displayedHash: null, ts: "2026-03-01T12:00:00+14:00" }).success,
    ).toBe(true);
    const q = auditQuerySchema.safeParse({ since: "2026-03-01T00:00:00+99:99" });
    expect(q.success).toBe(false);
    expect(q.success ? [] : issueProblems(q.error, "(query)")[0]?.field).toBe("since");
    expect(auditQuerySchema.safeParse({ since: "2026-03-01T00:00:00-12:00" }).success).toBe(true);
  });
});

describe("store time zone names", () => {
  it("takes canonical names, aliases and UTC as Intl does, and refuses the rest", () => {
    for (const zone of ["Europe/Berlin", "America/New_York", "UTC", "Etc/UTC", "US/Eastern", "europe/berlin"])
      expect(() => assertTimeZone(zone), zone).not.toThrow();
    for (const zone of ["Europe/Atlantis", "", "Berlin", "+01:00"])
      expect(() => assertTimeZone(zone), zone).toThrow(RangeError);
  });
});
