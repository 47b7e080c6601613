import { describe, expect, it } from "vitest";
import { claimPercent } from "../controller/pricing/claims.ts";
import { type PricingInput, type PricingPolicyInput, resolvePrice } from "../controller/pricing/index.ts";
import { parseInstant } from "../schemas/time.ts";
import { DAY, entry, promo } from "./pricing-helpers.ts";

/**
 * Worked cases of Directive 98/6/EC art. 6a as the CJEU read it in C-330/23 (Aldi Süd): the
 * percentage, the saving and the struck price of an announced reduction are measured from the prior
 * price (the lowest price applied in the 30 days before the reduction), and a price not below it is
 * no reduction at all. Prices in EUR, a de-DE store in Europe/Berlin.
 */
const TZ = "Europe/Berlin";
const T = parseInstant("2026-06-15T00:00", TZ);
const product = { sku: "A", category: "oil" };
const POLICY: PricingPolicyInput = { locale: "de-DE", timeZone: TZ };
const resolve = (input: Omit<PricingInput, "product" | "policy">, at: number, policy = POLICY) =>
  resolvePrice({ product, policy, ...input, at });
const plain = (s: string | undefined) => s?.replace(/[\u00a0\u202f]/g, " ");

describe("the percentage: whole percent, rounded down, computed once", () => {
  it.each([
    [50, 249, 20], // 20.08 %
    [49, 247, 19], // 19.84 %: a "20 %" promotion rounded to the cent gives less than 20 %
    [25, 199, 12], // 12.56 %
    [1, 200, undefined], // 0.5 %: no percentage to announce
    [249, 249, 100],
    [1_000_000_000_001, 3_000_000_000_000, 33], // beyond float-exact products
  ])("%i off %i is %s %", (saving, compare, percent) => {
    expect(claimPercent(saving, compare)).toBe(percent);
  });
});

describe("worked cases", () => {
  it("raised, then reduced (the Aldi Süd case): measured from the lower price before the raise", () => {
    // 1.99 for months, raised to 2.49 ten days before a "30 % off" that brings it to 1.74.
    const history = [entry(199, T - 200 * DAY, { effectiveTo: T - 10 * DAY }), entry(249, T - 10 * DAY)];
    const r = resolve({ history, promotions: [promo("P30", "percent", "30", T, T + 7 * DAY)] }, T);
    expect(r?.price.amountMinor).toBe(174);
    expect(r?.regularPrice.amountMinor).toBe(249);
    expect(r?.referencePrice?.amountMinor).toBe(199);
    // 0.25 off 1.99 is 12.56 %: the label may announce 12 %, not the promotion's 30 %.
    expect(r?.claim).toMatchObject({
      basis: "prior",
      comparePrice: { amountMinor: 199 },
      saving: { amountMinor: 25 },
      percent: 12,
    });
    expect(r?.promo).toMatchObject({ promotionId: "P30", kind: "percent", percent: 12 });
    expect(plain(r?.promo?.text)).toBe("12 % Rabatt");
  });

  it("raised, then 'reduced' back to where it was: no reduction at all", () => {
    const history = [entry(199, T - 200 * DAY, { effectiveTo: T - 10 * DAY }), entry(249, T - 10 * DAY)];
    const r = resolve({ history, promotions: [promo("P20", "percent", "20", T, null)] }, T);
    expect(r?.price.amountMinor).toBe(199);
    expect(r?.promo).toBeUndefined();
    expect(r?.claim).toBeUndefined();
    expect(r?.notAReduction).toMatchObject({
      promotionId: "P20",
      priorPrice: { amountMinor: 199 },
      promotionalPrice: { amountMinor: 199 },
    });
  });

  it("reduced from the first day: there is no prior price, so nothing may be announced", () => {
    const r = resolve(
      { history: [entry(249, T)], promotions: [promo("LAUNCH", "fixed", "1.99", T, null)] },
      T,
    );
    expect(r?.price.amountMinor).toBe(199);
    expect(r?.promo).toBeUndefined();
    expect(r?.notAReduction).toMatchObject({ promotionId: "LAUNCH", lookbackDays: 30, reductionStart: T });
    expect(r?.notAReduction?.priorPrice).toBeUndefined();
  });

  describe("progressive reductions (art. 6a(5))", () => {
    const history = [entry(249, T - 200 * DAY)];
    const stage1 = promo("S1", "percent", "20", T, T + 7 * DAY);

    it("without a gap, the second stage is measured from the price before the campaign", () => {
      const promotions = [stage1, promo("S2", "percent", "40", T + 7 * DAY, T + 14 * DAY)];
      const r = resolve({ history, promotions }, T + 8 * DAY);
      expect(r?.price.amountMinor).toBe(149);
      expect(r?.claim).toMatchObject({ comparePrice: { amountMinor: 249 }, percent: 40 });
      expect(plain(r?.promo?.text)).toBe("40 % Rabatt");
      expect(r?.trace.campaignStart).toBe(T);
    });

    it("with the store option off, each stage is measured from the one before", () => {
      const promotions = [stage1, promo("S2", "percent", "40", T + 7 * DAY, T + 14 * DAY)];
      const off = { ...POLICY, omnibus: { progressiveExemption: false } };
      const r = resolve({ history, promotions }, T + 8 * DAY, off);
      // 0.50 off 1.99 = 25.1 %
      expect(r?.claim).toMatchObject({ comparePrice: { amountMinor: 199 }, percent: 25 });
      expect(plain(r?.promo?.text)).toBe("25 % Rabatt");
    });

    it("with a gap, the campaign is over: the new reduction is measured from the earlier reduced price", () => {
      const promotions = [stage1, promo("S2", "percent", "40", T + 8 * DAY, T + 14 * DAY)];
      const r = resolve({ history, promotions }, T + 9 * DAY);
      expect(r?.trace.campaignStart).toBe(T + 8 * DAY);
      expect(r?.claim).toMatchObject({ comparePrice: { amountMinor: 199 }, percent: 25 });
    });
  });

  it("a promotion not below the 30-day low is charged without a claim", () => {
    // A deeper 1.79 ran until ten days ago; a 1.99 "offer" now is above that low.
    const history = [entry(249, T - 200 * DAY)];
    const promotions = [
      promo("DEEP", "fixed", "1.79", T - 17 * DAY, T - 10 * DAY),
      promo("NOW", "fixed", "1.99", T, null),
    ];
    const r = resolve({ history, promotions }, T);
    expect(r?.price.amountMinor).toBe(199);
    expect(r?.notAReduction).toMatchObject({
      promotionId: "NOW",
      priorPrice: { amountMinor: 179 },
      promotionalPrice: { amountMinor: 199 },
    });
    expect(plain(r?.warnings?.[0])).toMatch(/1,79 €, not above it/);
  });

  describe("a look-back window across the spring-forward change", () => {
    // 30 store days before 2026-04-10 00:00 CEST start at 2026-03-11 00:00 CET, 719 hours earlier.
    const start = parseInstant("2026-04-10T00:00", TZ);
    const windowFrom = parseInstant("2026-03-11T00:00", TZ);
    // 1.89 until the 30th store midnight before the start, 2.49 from then on.
    const history = [entry(189, start - 200 * DAY, { effectiveTo: windowFrom }), entry(249, windowFrom)];
    const promotions = [promo("SPRING", "fixed", "1.99", start, null)];

    it("counts store days: the 1.89 ended just outside, the reduction from 2.49 is announced", () => {
      const r = resolve({ history, promotions }, start);
      expect(r?.trace.referenceWindow).toEqual({ from: windowFrom, to: start });
      expect(r?.claim).toMatchObject({ comparePrice: { amountMinor: 249 }, percent: 20 });
    });

    it("24-hour days would reach an hour further back, into the 1.89, and find no reduction", () => {
      const r = resolve({ history, promotions }, start, { locale: "de-DE" });
      expect(r?.notAReduction?.priorPrice?.amountMinor).toBe(189);
    });
  });

  it("perishable goods, when the store's law exempts them (art. 6a(3)), are measured from the regular price", () => {
    const history = [entry(199, T - 200 * DAY, { effectiveTo: T - 10 * DAY }), entry(249, T - 10 * DAY)];
    const promotions = [promo("BAKE", "percent", "30", T, null)];
    const policy = { ...POLICY, omnibus: { perishableCategories: ["bakery"] } };
    const bread = resolvePrice({
      product: { sku: "A", category: "bakery" },
      history,
      promotions,
      policy,
      at: T,
    });
    expect(bread?.claim).toMatchObject({
      basis: "perishable",
      comparePrice: { amountMinor: 249 },
      percent: 30,
    });
    expect(bread?.referencePrice).toBeUndefined();
    // The same reduction on a product outside those categories keeps the general rule.
    expect(resolve({ history, promotions }, T, policy)?.claim?.basis).toBe("prior");
  });

  it("with the Omnibus rule off (outside the EU), a reduction is measured from the regular price", () => {
    const history = [entry(199, T - 200 * DAY, { effectiveTo: T - 10 * DAY }), entry(249, T - 10 * DAY)];
    const off = { ...POLICY, omnibus: { enabled: false } };
    const r = resolve({ history, promotions: [promo("P30", "percent", "30", T, null)] }, T, off);
    expect(r?.claim).toMatchObject({ basis: "regular", comparePrice: { amountMinor: 249 }, percent: 30 });
    expect(r?.referencePrice).toBeUndefined();
    expect(r?.notAReduction).toBeUndefined();
  });

  it("an amount or fixed price announces the saving from the prior price, and the same percentage", () => {
    const history = [entry(199, T - 200 * DAY, { effectiveTo: T - 10 * DAY }), entry(249, T - 10 * DAY)];
    const amount = resolve({ history, promotions: [promo("A", "amount", "0.75", T, null)] }, T);
    expect(plain(amount?.promo?.text)).toBe("0,25 € Rabatt");
    expect(amount?.promo?.percent).toBe(12);
    const fixed = resolve({ history, promotions: [promo("F", "fixed", "1.49", T, null)] }, T);
    expect(plain(fixed?.promo?.text)).toBe("Sie sparen 0,50 €");
    expect(fixed?.claim).toMatchObject({ saving: { amountMinor: 50 }, percent: 25 });
  });
});
