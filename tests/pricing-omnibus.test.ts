import { describe, expect, it } from "vitest";
import { type PricingInput, resolvePrice } from "../controller/pricing/index.ts";
import { parseInstant } from "../schemas/time.ts";
import { DAY, entry, HOUR, iso, promo } from "./pricing-helpers.ts";

const T = iso("2026-06-15T00:00:00Z");
const product = { sku: "A" };
const resolve = (input: Omit<PricingInput, "product">, at: number) => resolvePrice({ product, ...input, at });

describe("Omnibus reference price: the lowest price in the 30 days before the reduction started", () => {
  // 12.00 long ago, 9.99 from day −40 to day −10, then 10.99; a reduction to 8.99 starts at T.
  const history = [
    entry(1200, T - 200 * DAY, { effectiveTo: T - 40 * DAY }),
    entry(999, T - 40 * DAY, { effectiveTo: T - 10 * DAY }),
    entry(1099, T - 10 * DAY),
  ];
  const sale = promo("SALE", "fixed", "8.99", T, T + 30 * DAY);

  it("takes the lowest price in force at any time of the look-back", () => {
    const r = resolve({ history, promotions: [sale] }, T);
    expect(r?.price.amountMinor).toBe(899);
    expect(r?.regularPrice.amountMinor).toBe(1099);
    expect(r?.referencePrice).toEqual({ amountMinor: 999, currency: "EUR", text: "€9.99" });
    expect(r?.trace.referenceWindow).toEqual({ from: T - 30 * DAY, to: T });
    expect(r?.warnings).toBeUndefined();
  });

  it("leaves out a price that ended exactly 30 days before, and keeps one that ended a millisecond later", () => {
    const endedAtEdge = [entry(999, T - 40 * DAY, { effectiveTo: T - 30 * DAY }), entry(1099, T - 30 * DAY)];
    expect(resolve({ history: endedAtEdge, promotions: [sale] }, T)?.referencePrice?.amountMinor).toBe(1099);
    const endedJustInside = [
      entry(999, T - 40 * DAY, { effectiveTo: T - 30 * DAY + 1 }),
      entry(1099, T - 30 * DAY + 1),
    ];
    expect(resolve({ history: endedJustInside, promotions: [sale] }, T)?.referencePrice?.amountMinor).toBe(
      999,
    );
  });

  it("does not roll with time: the window stays anchored at the reduction's start", () => {
    // 20 days in, the 9.99 period is more than 30 days back, yet the reference stays 9.99.
    const r = resolve({ history, promotions: [sale] }, T + 20 * DAY);
    expect(r?.referencePrice?.amountMinor).toBe(999);
    expect(r?.trace.reductionStart).toBe(T);
  });

  it("counts an earlier reduction as a price applied (the directive's wording), unless told otherwise", () => {
    // 10.00, a week at 7.00 that ended 10 days ago, now a reduction to 6.50
    const flat = [entry(1000, T - 200 * DAY)];
    const promotions = [
      promo("EARLIER", "fixed", "7", T - 17 * DAY, T - 10 * DAY),
      promo("NOW", "fixed", "6.5", T, null),
    ];
    expect(resolve({ history: flat, promotions }, T)?.referencePrice?.amountMinor).toBe(700);
    const regularOnly = resolve(
      { history: flat, promotions, policy: { omnibus: { basis: "lowestRegular" } } },
      T,
    );
    expect(regularOnly?.referencePrice?.amountMinor).toBe(1000);
  });

  it("charges a price not below the prior price but announces no reduction, and says why", () => {
    const flat = [entry(1000, T - 200 * DAY)];
    const promotions = [
      promo("EARLIER", "fixed", "7", T - 17 * DAY, T - 10 * DAY),
      promo("NOW", "fixed", "8", T, null),
    ];
    const r = resolve({ history: flat, promotions }, T);
    expect(r?.price.amountMinor).toBe(800);
    expect(r?.promo).toBeUndefined();
    expect(r?.claim).toBeUndefined();
    expect(r?.referencePrice).toBeUndefined();
    expect(r?.notAReduction).toMatchObject({
      reason: "not_a_reduction",
      promotionId: "NOW",
      kind: "fixed",
      promotionalPrice: { amountMinor: 800 },
      priorPrice: { amountMinor: 700 },
      lookbackDays: 30,
      reductionStart: T,
    });
    expect(r?.warnings?.[0]).toMatch(/^not_a_reduction: promotion NOW .*€7\.00, not above it/);
  });

  it("takes the look-back length from the policy", () => {
    const r = resolve({ history, promotions: [sale], policy: { omnibus: { lookbackDays: 7 } } }, T);
    expect(r?.referencePrice?.amountMinor).toBe(1099);
    expect(r?.trace.referenceWindow).toEqual({ from: T - 7 * DAY, to: T });
  });

  it("shows no reference when the policy is off, and none for multi-buys or member prices", () => {
    expect(
      resolve({ history, promotions: [sale], policy: { omnibus: { enabled: false } } }, T)?.referencePrice,
    ).toBeUndefined();
    const deals = [
      promo("MB", "multibuy", "20", T, null, { buyQuantity: 3 }),
      promo("M", "member", "8.99", T, null),
    ];
    const r = resolve({ history, promotions: deals }, T);
    expect(r?.promo?.promotionId).toBe("MB");
    expect(r?.memberPrice?.amountMinor).toBe(899);
    expect(r?.referencePrice).toBeUndefined();
  });

  it("has no prior price for a product reduced from its first day: no claim, and says so", () => {
    const r = resolve(
      { history: [entry(1000, T)], promotions: [promo("LAUNCH", "percent", "10", T, null)] },
      T,
    );
    expect(r?.price.amountMinor).toBe(900);
    expect(r?.referencePrice).toBeUndefined();
    expect(r?.promo).toBeUndefined();
    expect(r?.notAReduction?.priorPrice).toBeUndefined();
    expect(r?.warnings?.[0]).toMatch(/no price was in force/);
  });

  it("dates the reduction from when it started to show, not from when the promotion began", () => {
    // The promotion began on day −5 but was outranked by a deeper one until T.
    const flat = [entry(1000, T - 200 * DAY)];
    const promotions = [
      promo("LONG", "fixed", "8", T - 5 * DAY, null),
      promo("FLASH", "fixed", "5", T - 5 * DAY, T, { priority: 1 }),
    ];
    const r = resolve({ history: flat, promotions }, T + DAY);
    expect(r?.price.amountMinor).toBe(800);
    expect(r?.trace.reductionStart).toBe(T);
    // FLASH 5.00 ran right before and was deeper: LONG is a new, shallower reduction, not one at all.
    expect(r?.notAReduction).toMatchObject({ promotionId: "LONG", priorPrice: { amountMinor: 500 } });
  });
});

describe("progressive reductions keep the pre-campaign reference (art. 6a(5))", () => {
  const history = [entry(1000, T - 200 * DAY)];
  const stages = [
    promo("S20", "percent", "20", T, T + 7 * DAY),
    promo("S30", "percent", "30", T + 7 * DAY, T + 14 * DAY),
    promo("S40", "percent", "40", T + 14 * DAY, T + 21 * DAY),
  ];

  it("each deeper stage shows the reference from before the first stage", () => {
    for (const [at, price] of [
      [T, 800],
      [T + 10 * DAY, 700],
      [T + 20 * DAY, 600],
    ] as const) {
      const r = resolve({ history, promotions: stages }, at);
      expect(r?.price.amountMinor).toBe(price);
      expect(r?.referencePrice?.amountMinor).toBe(1000);
      expect(r?.trace.campaignStart).toBe(T);
    }
    expect(resolve({ history, promotions: stages }, T + 10 * DAY)?.trace.reductionStart).toBe(T + 7 * DAY);
  });

  it("without the exemption, a stage's reference is the previous stage's price", () => {
    const policy = { omnibus: { progressiveExemption: false } };
    expect(resolve({ history, promotions: stages, policy }, T + 10 * DAY)?.referencePrice?.amountMinor).toBe(
      800,
    );
    expect(resolve({ history, promotions: stages, policy }, T + 20 * DAY)?.referencePrice?.amountMinor).toBe(
      700,
    );
  });

  it("a gap ends the campaign: the next reduction is compared with the earlier reduced price", () => {
    const gapped = [
      promo("S20", "percent", "20", T, T + 7 * DAY),
      promo("S30", "percent", "30", T + 8 * DAY, null),
    ];
    const r = resolve({ history, promotions: gapped }, T + 9 * DAY);
    expect(r?.trace.campaignStart).toBe(T + 8 * DAY);
    expect(r?.referencePrice?.amountMinor).toBe(800);
  });

  it("a shallower follow-up is not progressive", () => {
    const shallower = [
      promo("S30", "percent", "30", T, T + 7 * DAY),
      promo("S20", "percent", "20", T + 7 * DAY, null),
    ];
    const r = resolve({ history, promotions: shallower }, T + 8 * DAY);
    expect(r?.trace.campaignStart).toBe(T + 7 * DAY);
    expect(r?.notAReduction?.priorPrice?.amountMinor).toBe(700);
    expect(r?.warnings?.[0]).toMatch(/not announced as a reduction/);
  });
});

describe("the look-back counts calendar days in the store's time zone", () => {
  const tz = "Europe/Berlin";
  // 30 store days before 2026-04-10 00:00 CEST is 2026-03-11 00:00 CET: 719 hours, across spring-forward.
  const start = parseInstant("2026-04-10T00:00", tz);
  const calendarFrom = parseInstant("2026-03-11T00:00", tz);
  const history = [
    entry(1000, start - 200 * DAY),
    // 23:00–24:00 store time on 10 March, at 5.00: outside 30 store days, inside 720 hours.
    entry(500, calendarFrom - HOUR, { effectiveTo: calendarFrom }),
  ];
  const promotions = [promo("P", "percent", "10", start, null)];

  it("excludes the hour before the 30th store midnight", () => {
    expect(start - calendarFrom).toBe(30 * DAY - HOUR);
    const r = resolve({ history, promotions, policy: { timeZone: tz } }, start);
    expect(r?.trace.referenceWindow).toEqual({ from: calendarFrom, to: start });
    expect(r?.referencePrice?.amountMinor).toBe(1000);
  });

  it("without a zone, days are 24 hours and that hour counts", () => {
    // 5.00 is then the prior price, and 9.00 is no reduction from it.
    expect(resolve({ history, promotions }, start)?.notAReduction?.priorPrice?.amountMinor).toBe(500);
  });
});
