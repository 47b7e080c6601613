import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fastProductRow, productRowSchema } from "../schemas/feeds.ts";
import { readMerchantItem } from "../schemas/merchant.ts";

/**
 * fastProductRow is the products feed's (and every Merchant Center item's) hot path; zod stays the
 * contract. On every input the fast path either returns exactly what zod returns (the same keys,
 * present or absent, the same values) or declines (null), and it never accepts a row zod refuses.
 */
const cell = (...usual: string[]) =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...usual), weight: 8 },
    { arbitrary: fc.constantFrom(undefined, "", null, " ", "  x  ", 12), weight: 3 },
    { arbitrary: fc.string({ maxLength: 8 }), weight: 1 },
    {
      arbitrary: fc.string({
        unit: fc.constantFrom("a", "1", ".", " ", "\t", "-", "0", "\u00a0"),
        maxLength: 12,
      }),
      weight: 1,
    },
  );

const row = fc.record(
  {
    sku: cell("SKU1", " SKU-2 ", "a.b_c", "-bad", "x".repeat(64), "x".repeat(65)),
    gtin: cell("4006381333931", " 4006381333931 ", "4006381333932", "96385074", "00012345600012", "123"),
    name: cell("Milk 1 l", " Brot ", "n".repeat(200), "n".repeat(201)),
    brand: cell("Brand", "b".repeat(100), "b".repeat(101), ` ${"b".repeat(100)} `),
    netQuantity: cell("750", "0.75", "007.50", "0", "0.00", "1.", ".5", "1e3", " 500 "),
    unit: cell(...["mg", "g", "kg", "ml", "cl", "l", "m", "piece", "ML", " ml"]),
    category: cell("Dairy", "c".repeat(101)),
    url: cell(
      "https://shop.example.com/p/1",
      "http://x.example/a?b=c#d",
      "HTTPS://EXAMPLE.com/a",
      "https://example.com/a b",
      "https:example.com",
      "ftp://example.com/",
      "https://exa\tmple.com/",
      " https://example.com/ ",
      "https://",
      "https://[::1]:8080/x",
      `https://example.com/${"p".repeat(1990)}`,
      "https://example.com/ä",
    ),
    extra: cell("ignored"),
  },
  { requiredKeys: ["sku", "name"] },
);

/** Own keys with their values, undefined ones included (toStrictEqual would also say this). */
const shape = (v: unknown) =>
  v === null ? null : Object.entries(v as object).map(([k, x]) => [k, x === undefined ? "(undefined)" : x]);

describe("fastProductRow", () => {
  it("returns exactly zod's row or declines, never accepts what zod refuses (property)", () => {
    let taken = 0;
    fc.assert(
      fc.property(row, (r) => {
        const fast = fastProductRow(r);
        const zod = productRowSchema.safeParse(r);
        if (fast === null) return;
        taken++;
        expect(zod.success).toBe(true);
        expect(shape(fast)).toEqual(shape(zod.data));
        expect(fast).toStrictEqual(zod.data);
      }),
      { numRuns: 5000 },
    );
    // The property means little if the fast path declined everything.
    expect(taken).toBeGreaterThan(50);
  });

  it("takes the ordinary rows of a feed, keys present as in the input", () => {
    const full = {
      sku: " SKU1 ",
      gtin: "4006381333931",
      name: " Milk ",
      brand: "",
      netQuantity: "007.50",
      unit: "ml",
      category: " Dairy ",
      url: "https://shop.example.com/p/1",
    };
    expect(fastProductRow(full)).toStrictEqual(productRowSchema.parse(full));
    expect(Object.keys(fastProductRow(full) ?? {})).toEqual(Object.keys(productRowSchema.parse(full)));
    const sparse = { sku: "SKU1", name: "Milk" };
    expect(fastProductRow(sparse)).toStrictEqual(productRowSchema.parse(sparse));
    expect(fastProductRow(sparse)).toStrictEqual({ sku: "SKU1", name: "Milk" });
    // Declined (zod decides): a URL with a space, a number for a GTIN, a bad check digit.
    expect(fastProductRow({ ...full, url: "https://example.com/a b" })).toBeNull();
    expect(fastProductRow({ ...full, gtin: 4006381333931 })).toBeNull();
    expect(fastProductRow({ ...full, gtin: "4006381333932" })).toBeNull();
  });

  it("a Merchant Center item gives the same result whichever path checked its product row", () => {
    const raw = {
      id: "SKU1",
      title: "Milk",
      link: "https://shop.example.com/p/1",
      price: "1.29 EUR",
      gtin: "4006381333931",
      unit_pricing_measure: "750ml",
    };
    const ok = readMerchantItem(raw, "EUR");
    expect(ok.ok && ok.item.product).toStrictEqual(
      productRowSchema.parse({
        sku: "SKU1",
        gtin: "4006381333931",
        name: "Milk",
        brand: undefined,
        netQuantity: "750",
        unit: "ml",
        category: undefined,
        url: "https://shop.example.com/p/1",
      }),
    );
    // Declined by the fast path, explained by zod with the feed's attribute names.
    const bad = readMerchantItem({ ...raw, link: "ftp://x.example/", title: " " }, "EUR");
    expect(bad.ok).toBe(false);
    expect(bad.ok ? [] : bad.problems.map((p) => [p.field, p.reason])).toEqual([
      ["title", "is required"],
      ["link", expect.any(String)],
    ]);
  });
});
