import { describe, expect, it } from "vitest";
import { feedRowSchemas, isValidGtin, parseInstant } from "../schemas/index.ts";

const schemas = feedRowSchemas("Europe/Berlin");
const issues = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  r.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ?? [];

describe("feed row validation", () => {
  it("converts a CSV price row exactly, with store-time instants", () => {
    const r = schemas.prices.safeParse({
      sku: " A1 ",
      price: "2.49",
      currency: "eur",
      effectiveFrom: "2026-03-29",
      effectiveTo: "",
    });
    expect(r.data).toEqual({
      sku: "A1",
      amountMinor: 249,
      currency: "EUR",
      effectiveFrom: Date.parse("2026-03-28T23:00:00Z"),
      effectiveTo: undefined,
    });
  });

  it("names each bad field of a price row", () => {
    expect(issues(schemas.prices.safeParse({ sku: "A1", price: 2.49, currency: "EUR" }))).toEqual([
      'price: must be a decimal string such as "2.49", not a JSON number (a float cannot hold money exactly)',
    ]);
    expect(issues(schemas.prices.safeParse({ sku: "A/1", price: "1", currency: "EURO" }))).toEqual([
      "sku: must be 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit",
      "currency: must be an ISO 4217 currency code such as EUR",
    ]);
    expect(
      issues(
        schemas.prices.safeParse({
          sku: "A1",
          price: "-1.00",
          currency: "EUR",
          effectiveFrom: "2026-05-01",
          effectiveTo: "2026-04-01",
        }),
      ),
    ).toEqual(["price: must not be negative", "effectiveTo: must be after effectiveFrom"]);
    expect(
      issues(schemas.prices.safeParse({ sku: "A1", price: "1", currency: "EUR", effectiveFrom: "tomorrow" })),
    ).toEqual(['effectiveFrom: "tomorrow" is not an ISO 8601 date or date-time']);
  });

  it("validates product rows: GTIN check digit, units, URL", () => {
    expect(
      schemas.products.safeParse({
        sku: "P",
        gtin: "4006381333931",
        name: "Pen",
        netQuantity: "0500.50",
        unit: "g",
      }).data,
    ).toEqual({
      sku: "P",
      gtin: "4006381333931",
      name: "Pen",
      netQuantity: "500.5",
      unit: "g",
    });
    expect(
      issues(
        schemas.products.safeParse({
          sku: "P",
          gtin: "4006381333932",
          name: " ",
          unit: "lb",
          url: "ftp://x",
        }),
      ),
    ).toEqual([
      "gtin: must be a GTIN-8/12/13/14 with a valid check digit",
      "name: must not be empty",
      'unit: Invalid option: expected one of "mg"|"g"|"kg"|"ml"|"cl"|"l"|"m"|"piece"',
      "url: Invalid URL",
    ]);
  });

  it("validates stock rows", () => {
    expect(schemas.stock.safeParse({ sku: "S", onHand: " 12 " }).data).toEqual({ sku: "S", onHand: 12 });
    expect(schemas.stock.safeParse({ sku: "S", onHand: -2 }).data).toEqual({ sku: "S", onHand: -2 });
    expect(issues(schemas.stock.safeParse({ sku: "S", onHand: "1.5" }))).toEqual([
      "onHand: must be a whole number",
    ]);
    expect(issues(schemas.stock.safeParse({ sku: "S" }))).toEqual(["onHand: must be a whole number"]);
  });

  it("checks GTIN check digits", () => {
    expect(["4006381333931", "96385074", "036000291452", "10614141000415"].map(isValidGtin)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(["4006381333932", "12345", "40063813339310", "abcdefghijklm"].map(isValidGtin)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it("reads store-time instants DST-safely", () => {
    const tz = "Europe/Berlin";
    // Spring forward: 02:30 does not exist on 2026-03-29; it moves forward to 03:30 CEST.
    expect(new Date(parseInstant("2026-03-29T02:30", tz)).toISOString()).toBe("2026-03-29T01:30:00.000Z");
    // Fall back: 02:30 happens twice on 2026-10-25; the first (CEST) is taken.
    expect(new Date(parseInstant("2026-10-25T02:30", tz)).toISOString()).toBe("2026-10-25T00:30:00.000Z");
    expect(new Date(parseInstant("2026-10-25T00:00", tz)).toISOString()).toBe("2026-10-24T22:00:00.000Z");
    expect(new Date(parseInstant("2026-10-26T00:00", tz)).toISOString()).toBe("2026-10-25T23:00:00.000Z");
    expect(new Date(parseInstant("2026-01-01T00:00:00+05:30", tz)).toISOString()).toBe(
      "2025-12-31T18:30:00.000Z",
    );
    expect(() => parseInstant("2026-02-30", tz)).toThrow("not a real calendar date-time");
  });
});
