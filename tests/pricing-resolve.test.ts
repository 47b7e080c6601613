import { describe, expect, it } from "vitest";
import { type PricingInput, type PricingProduct, resolvePrice } from "../controller/pricing/index.ts";
import type { Promotion } from "../schemas/promotions.ts";
import { DAY, entry, iso, override, promo } from "./pricing-helpers.ts";

const T = iso("2026-06-15T10:00:00Z");
const SINCE = T - 100 * DAY;
const product: PricingProduct = { sku: "A" };

function at(t: number, input: Partial<PricingInput> & Pick<PricingInput, "history">) {
  return resolvePrice({ product, ...input, at: t });
}

describe("regular price from the history", () => {
  it("takes the entry with the latest effectiveFrom among those in force", () => {
    const history = [entry(249, SINCE), entry(279, T - DAY), entry(299, T + DAY)];
    expect(at(T, { history })?.price.amountMinor).toBe(279);
    expect(at(T - DAY - 1, { history })?.price.amountMinor).toBe(249);
    expect(at(T + DAY, { history })?.price.amountMinor).toBe(299);
  });

  it("breaks a tie on effectiveFrom by the higher sequence, then the higher id", () => {
    const bySequence = [entry(100, SINCE, { sequence: 7, id: 1 }), entry(200, SINCE, { sequence: 3, id: 2 })];
    expect(at(T, { history: bySequence })?.price.amountMinor).toBe(100);
    const byId = [entry(100, SINCE, { sequence: 3, id: 11 }), entry(200, SINCE, { sequence: 3, id: 12 })];
    expect(at(T, { history: byId })?.price.amountMinor).toBe(200);
    expect(at(T, { history: [...byId].reverse() })?.price.amountMinor).toBe(200);
  });

  it("treats effectiveTo as exclusive and falls back to an older entry still in force", () => {
    const history = [entry(249, SINCE), entry(199, T - DAY, { effectiveTo: T })];
    expect(at(T - 1, { history })?.price.amountMinor).toBe(199);
    expect(at(T, { history })?.price.amountMinor).toBe(249);
  });

  it("answers null when no price is in force, and ignores rows of other SKUs or impossible amounts", () => {
    expect(at(T, { history: [entry(249, T + 1)] })).toBeNull();
    const history = [entry(249, SINCE), entry(1, T - DAY, { sku: "B" }), entry(-5, T - DAY)];
    expect(at(T, { history })?.price.amountMinor).toBe(249);
  });

  it("lets a staff override replace the regular price inside its window only", () => {
    const history = [entry(249, SINCE)];
    const overrides = [
      override(229, T - DAY, T + DAY, { id: 1, author: "anna", reason: "local competitor" }),
    ];
    const during = at(T, { history, overrides });
    expect(during?.price.amountMinor).toBe(229);
    expect(during?.regularPrice.amountMinor).toBe(229);
    expect(during?.trace.override).toEqual({ id: 1, author: "anna", reason: "local competitor" });
    expect(at(T + DAY, { history, overrides })?.price.amountMinor).toBe(249);
    expect(at(T + DAY, { history, overrides })?.trace.override).toBeUndefined();
  });

  it("takes the override that started last, whatever the order", () => {
    const history = [entry(249, SINCE)];
    const overrides = [override(229, T - 2 * DAY, null, { id: 1 }), override(219, T - DAY, null, { id: 2 })];
    expect(at(T, { history, overrides })?.price.amountMinor).toBe(219);
    expect(at(T, { history, overrides: [...overrides].reverse() })?.price.amountMinor).toBe(219);
  });
});

describe("promotion kinds (regular 2.49 EUR)", () => {
  const history = [entry(249, SINCE)];
  const start = T - DAY;
  const end = T + 6 * DAY;
  const cases: {
    name: string;
    p: Promotion;
    price: number;
    text: string;
    /** The one percentage the reduction announces: measured from the prior price, rounded down. */
    percent?: number;
    reference?: number;
    member?: number;
  }[] = [
    {
      name: "percent 20",
      p: promo("P", "percent", "20", start, end),
      price: 199,
      text: "20% off",
      percent: 20,
      reference: 249,
    },
    // 12.5 % of 249 = 31.125 → 31 off, which is 12.45 % of 2.49: announced as 12 %, never rounded up.
    {
      name: "percent 12.5",
      p: promo("P", "percent", "12.5", start, end),
      price: 218,
      text: "12% off",
      percent: 12,
      reference: 249,
    },
    {
      name: "amount 0.50",
      p: promo("P", "amount", "0.5", start, end),
      price: 199,
      text: "€0.50 off",
      percent: 20,
      reference: 249,
    },
    {
      name: "amount above the price",
      p: promo("P", "amount", "3", start, end),
      price: 0,
      text: "€2.49 off",
      percent: 100,
      reference: 249,
    },
    {
      name: "fixed 1.99",
      p: promo("P", "fixed", "1.99", start, end),
      price: 199,
      text: "Save €0.50",
      percent: 20,
      reference: 249,
    },
    {
      name: "multibuy 3 for 5.00",
      p: promo("P", "multibuy", "5", start, end, { buyQuantity: 3 }),
      price: 249,
      text: "3 for €5.00",
    },
    {
      name: "multibuy 2nd at half price",
      p: promo("P", "multibuy", "50%", start, end, { buyQuantity: 2 }),
      price: 249,
      text: "2nd at half price",
    },
    {
      name: "multibuy 3rd free",
      p: promo("P", "multibuy", "100%", start, end, { buyQuantity: 3 }),
      price: 249,
      text: "3rd free",
    },
    {
      name: "multibuy 2nd at 30 % off",
      p: promo("P", "multibuy", "30%", start, end, { buyQuantity: 2 }),
      price: 249,
      text: "2nd at 30% off",
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = at(T, { history, promotions: [c.p] });
      expect(r?.price.amountMinor).toBe(c.price);
      expect(r?.regularPrice.amountMinor).toBe(249);
      expect(r?.promo).toEqual({
        promotionId: "P",
        kind: c.p.kind,
        text: c.text,
        ...(c.percent === undefined ? {} : { percent: c.percent, basis: "prior" }),
        validUntil: new Date(end).toISOString(),
      });
      expect(r?.claim?.percent).toBe(c.percent);
      expect(r?.referencePrice?.amountMinor).toBe(c.reference);
      expect(r?.memberPrice).toBeUndefined();
    });
  }

  it("member price is shown beside the public price and never replaces it", () => {
    const r = at(T, { history, promotions: [promo("M", "member", "1.99", start, end)] });
    expect(r?.price.amountMinor).toBe(249);
    expect(r?.memberPrice).toEqual({ amountMinor: 199, currency: "EUR", text: "€1.99" });
    expect(r?.memberPromo?.text).toBe("Member price €1.99");
    expect(r?.promo).toBeUndefined();
    expect(r?.referencePrice).toBeUndefined();
  });

  it("a member price not below the reduced public price is not shown", () => {
    const promotions = [promo("P", "percent", "20", start, end), promo("M", "member", "2.10", start, end)];
    const r = at(T, { history, promotions });
    expect(r?.price.amountMinor).toBe(199);
    expect(r?.memberPrice).toBeUndefined();
    expect(r?.trace.ignored).toEqual([
      { promotionId: "M", reason: "the member price is not below the price shown" },
    ]);
  });

  it("ignores promotions that would not lower the price, with the reason in the trace", () => {
    const promotions = [
      promo("F1", "fixed", "2.49", start, end),
      promo("F2", "fixed", "2.99", start, end),
      promo("MB", "multibuy", "7.47", start, end, { buyQuantity: 3 }),
      promo("MM", "member", "2.49", start, end),
    ];
    const r = at(T, { history, promotions });
    expect(r?.price.amountMinor).toBe(249);
    expect(r?.promo).toBeUndefined();
    expect(r?.memberPrice).toBeUndefined();
    expect(r?.trace.ignored?.map((i) => i.promotionId)).toEqual(["F1", "F2", "MB", "MM"]);
  });

  it("ignores a promotion pinned to another currency or finer than the currency allows", () => {
    const promotions = [
      promo("USD", "amount", "0.5", start, end, { currency: "USD" }),
      promo("FINE", "amount", "0.005", start, end),
    ];
    const r = at(T, { history, promotions });
    expect(r?.price.amountMinor).toBe(249);
    expect(r?.trace.ignored).toEqual([
      { promotionId: "FINE", reason: '"0.005" has 3 decimal places; EUR allows 2' },
      { promotionId: "USD", reason: "priced in USD, the product in EUR" },
    ]);
  });

  it("applies a category promotion only to products in that category", () => {
    const p = promo("CAT", "percent", "10", start, end, { skus: [], category: "dairy" });
    expect(
      resolvePrice({ product: { sku: "A", category: "dairy" }, history, promotions: [p], at: T })?.price
        .amountMinor,
    ).toBe(224);
    expect(
      resolvePrice({ product: { sku: "A", category: "bakery" }, history, promotions: [p], at: T })?.price
        .amountMinor,
    ).toBe(249);
  });

  it("starts a promotion at its start (inclusive) and ends it at its end (exclusive)", () => {
    const p = promo("P", "percent", "20", T, T + DAY);
    expect(at(T - 1, { history, promotions: [p] })?.price.amountMinor).toBe(249);
    expect(at(T, { history, promotions: [p] })?.price.amountMinor).toBe(199);
    expect(at(T + DAY - 1, { history, promotions: [p] })?.price.amountMinor).toBe(199);
    expect(at(T + DAY, { history, promotions: [p] })?.price.amountMinor).toBe(249);
  });

  it("says until when the answer holds: the next instant any input starts or ends", () => {
    const promotions = [
      promo("P", "percent", "20", T - DAY, T + 2 * DAY),
      promo("Q", "percent", "5", T + DAY, null),
    ];
    expect(at(T, { history, promotions })?.validUntil).toBe(T + DAY);
    expect(at(T + 3 * DAY, { history, promotions })?.validUntil).toBeUndefined();
  });
});

describe("rounding per currency exponent, half-up on the reduction in minor units", () => {
  it("EUR: a half minor unit of reduction rounds up (in the shopper's favour)", () => {
    // 1 % of 2.50 = 2.5 cents → 3 cents off
    const r = at(T, { history: [entry(250, SINCE)], promotions: [promo("P", "percent", "1", T - 1, null)] });
    expect(r?.price.amountMinor).toBe(247);
  });

  it("JPY (exponent 0): 10 % of ¥155 = ¥15.5 → ¥16 off", () => {
    const history = [entry(155, SINCE, { currency: "JPY" })];
    const r = at(T, { history, promotions: [promo("P", "percent", "10", T - 1, null)] });
    expect(r?.price).toEqual({ amountMinor: 139, currency: "JPY", text: "JP¥139" });
  });

  it("KWD (exponent 3): 12.5 % of 1.250 KWD = 0.15625 → 0.156 off; amounts parse with 3 decimals", () => {
    const history = [entry(1250, SINCE, { currency: "KWD" })];
    expect(
      at(T, { history, promotions: [promo("P", "percent", "12.5", T - 1, null)] })?.price.amountMinor,
    ).toBe(1094);
    expect(
      at(T, { history, promotions: [promo("P", "amount", "0.125", T - 1, null)] })?.price.amountMinor,
    ).toBe(1125);
  });
});

describe("overlaps: priority, then the lower price for the shopper, then promotionId", () => {
  const history = [entry(249, SINCE)];
  const s = T - DAY;

  it("a higher priority wins even when it is less generous", () => {
    const promotions = [
      promo("DEEP", "percent", "50", s, null),
      promo("TOP", "percent", "10", s, null, { priority: 5 }),
    ];
    expect(at(T, { history, promotions })?.promo?.promotionId).toBe("TOP");
    expect(at(T, { history, promotions })?.price.amountMinor).toBe(224);
  });

  it("at equal priority the lower price wins", () => {
    const promotions = [promo("A10", "percent", "10", s, null), promo("B-FIX", "fixed", "1.49", s, null)];
    expect(at(T, { history, promotions })?.promo?.promotionId).toBe("B-FIX");
  });

  it("at equal priority and price the smaller promotionId wins", () => {
    const promotions = [promo("Z", "fixed", "1.99", s, null), promo("M", "amount", "0.5", s, null)];
    expect(at(T, { history, promotions })?.promo?.promotionId).toBe("M");
  });

  it("a multi-buy competes by its price per item; winning, it leaves the single price at regular", () => {
    // 3 for 5.00 = 1.667 per item beats 20 % off (1.99)
    const promotions = [
      promo("PCT", "percent", "20", s, null),
      promo("MB", "multibuy", "5", s, null, { buyQuantity: 3 }),
    ];
    const r = at(T, { history, promotions });
    expect(r?.promo?.promotionId).toBe("MB");
    expect(r?.price.amountMinor).toBe(249);
    expect(r?.referencePrice).toBeUndefined();
  });

  it("gives the same answer for every order of the same promotions", () => {
    const promotions = [
      promo("C", "percent", "20", s, null),
      promo("A", "fixed", "1.99", s, null),
      promo("B", "amount", "0.5", s, null),
      promo("M1", "member", "1.79", s, null),
      promo("M0", "member", "1.79", s, null),
    ];
    const expected = at(T, { history, promotions });
    expect(expected?.promo?.promotionId).toBe("A");
    expect(expected?.memberPromo?.promotionId).toBe("M0");
    const permutations = (xs: Promotion[]): Promotion[][] =>
      xs.length <= 1
        ? [xs]
        : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
    for (const order of permutations(promotions))
      expect(at(T, { history, promotions: order })).toEqual(expected);
  });
});

describe("unit price", () => {
  const cases: {
    name: string;
    product: PricingProduct;
    price: number;
    unit: number;
    per: string;
    policy?: PricingInput["policy"];
  }[] = [
    {
      name: "500 g → per kg",
      product: { sku: "A", netQuantity: "500", unit: "g" },
      price: 249,
      unit: 498,
      per: "kg",
    },
    {
      name: "0.75 l → per l",
      product: { sku: "A", netQuantity: "0.75", unit: "l" },
      price: 249,
      unit: 332,
      per: "l",
    },
    {
      name: "330 ml → per l",
      product: { sku: "A", netQuantity: "330", unit: "ml" },
      price: 99,
      unit: 300,
      per: "l",
    },
    {
      name: "75 cl → per l",
      product: { sku: "A", netQuantity: "75", unit: "cl" },
      price: 399,
      unit: 532,
      per: "l",
    },
    // 2.49 / 6 = 0.415 → 0.42 (half-up)
    {
      name: "6 pieces → per piece",
      product: { sku: "A", netQuantity: "6", unit: "piece" },
      price: 249,
      unit: 42,
      per: "piece",
    },
    {
      name: "10 m → per m",
      product: { sku: "A", netQuantity: "10", unit: "m" },
      price: 499,
      unit: 50,
      per: "m",
    },
    {
      name: "250 mg → per kg",
      product: { sku: "A", netQuantity: "250", unit: "mg" },
      price: 249,
      unit: 996_000,
      per: "kg",
    },
    {
      name: "1.5 kg → per kg",
      product: { sku: "A", netQuantity: "1.5", unit: "kg" },
      price: 500,
      unit: 333,
      per: "kg",
    },
    {
      name: "category choice: spices per 100 g",
      product: { sku: "A", netQuantity: "50", unit: "g", category: "spices" },
      price: 199,
      unit: 398,
      per: "100 g",
      policy: { unitPrice: { byCategory: { spices: "100 g" } } },
    },
    {
      name: "a category base of the wrong dimension falls back to the default",
      product: { sku: "A", netQuantity: "500", unit: "ml", category: "drinks" },
      price: 100,
      unit: 200,
      per: "l",
      policy: { unitPrice: { byCategory: { drinks: "100 g" } } },
    },
    {
      name: "small pack ≤ 250 g per 100 g",
      product: { sku: "A", netQuantity: "200", unit: "g" },
      price: 199,
      unit: 100,
      per: "100 g",
      policy: { unitPrice: { smallPackMax: "250" } },
    },
    {
      name: "small pack threshold inclusive, in ml",
      product: { sku: "A", netQuantity: "0.25", unit: "l" },
      price: 99,
      unit: 40,
      per: "100 ml",
      policy: { unitPrice: { smallPackMax: "250" } },
    },
    {
      name: "above the small-pack threshold per kg",
      product: { sku: "A", netQuantity: "0.3", unit: "kg" },
      price: 199,
      unit: 663,
      per: "kg",
      policy: { unitPrice: { smallPackMax: "250" } },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = resolvePrice({
        product: c.product,
        history: [entry(c.price, SINCE)],
        policy: c.policy,
        at: T,
      });
      expect(r?.unitPrice?.amountMinor).toBe(c.unit);
      expect(r?.unitPrice?.per).toBe(c.per);
    });
  }

  it("follows the price shown (a reduction), and rounds in the currency's minor unit", () => {
    const p = { sku: "A", netQuantity: "0.75", unit: "l" } as const;
    const reduced = resolvePrice({
      product: p,
      history: [entry(249, SINCE)],
      promotions: [promo("P", "fixed", "1.5", T - 1, null)],
      at: T,
    });
    expect(reduced?.unitPrice).toEqual({ amountMinor: 200, currency: "EUR", text: "€2.00", per: "l" });
    const yen = resolvePrice({ product: p, history: [entry(250, SINCE, { currency: "JPY" })], at: T });
    expect(yen?.unitPrice?.amountMinor).toBe(333);
  });

  it("is absent without a net quantity or unit, or when the policy turns it off", () => {
    expect(
      resolvePrice({ product: { sku: "A", unit: "g" }, history: [entry(249, SINCE)], at: T })?.unitPrice,
    ).toBeUndefined();
    const p = { sku: "A", netQuantity: "500", unit: "g" } as const;
    expect(
      resolvePrice({
        product: p,
        history: [entry(249, SINCE)],
        policy: { unitPrice: { enabled: false } },
        at: T,
      })?.unitPrice,
    ).toBeUndefined();
  });
});

describe("texts follow the policy's locale", () => {
  const history = [entry(249, SINCE)];
  const s = T - DAY;
  it.each([
    ["de-DE", promo("P", "percent", "12.5", s, null), "12 % Rabatt", "2,18 €"],
    ["de-DE", promo("P", "multibuy", "5", s, null, { buyQuantity: 3 }), "3 für 5,00 €", "2,49 €"],
    ["de-DE", promo("P", "multibuy", "50%", s, null, { buyQuantity: 2 }), "2. zum halben Preis", "2,49 €"],
    ["fr-FR", promo("P", "multibuy", "100%", s, null, { buyQuantity: 3 }), "Le 3e offert", "2,49 €"],
    [
      "it-IT",
      promo("P", "multibuy", "50%", s, null, { buyQuantity: 2 }),
      "Il 2° pezzo a metà prezzo",
      "2,49 €",
    ],
    ["pl-PL", promo("P", "multibuy", "3", s, null, { buyQuantity: 2 }), "2 za 3,00 €", "2,49 €"],
    [
      "es-ES",
      promo("P", "multibuy", "30%", s, null, { buyQuantity: 2 }),
      "2.ª unidad al 30 % de descuento",
      "2,49 €",
    ],
    ["en-GB", promo("P", "multibuy", "30%", s, null, { buyQuantity: 2 }), "2nd at 30% off", "€2.49"],
    ["de-DE", promo("P", "member", "1.99", s, null), "Mitgliederpreis 1,99 €", "2,49 €", "memberPromo"],
    ["en-US", promo("P", "amount", "0.5", s, null), "€0.50 off", "€1.99"],
    ["nl-NL", promo("P", "percent", "20", s, null), "20% korting", "€ 1,99"],
  ])("%s: %s", (locale, p, text, price, field = "promo") => {
    const r = resolvePrice({ product, history, promotions: [p], policy: { locale }, at: T });
    // Intl separates with no-break spaces; what matters here is the wording and the numbers.
    const plain = (x: string | undefined) => x?.replace(/[\u00a0\u202f]/g, " ");
    expect(plain(r?.[field as "promo" | "memberPromo"]?.text)).toBe(text);
    expect(plain(r?.price.text)).toBe(price);
  });
});
