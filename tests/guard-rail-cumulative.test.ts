import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../controller/app.ts";
import { guardRailScreen } from "../controller/changes/guard-rail.ts";
import { api, postFeed, startTestController } from "./support/harness.ts";

/**
 * Guard rails hold cumulative changes: eleven feeds, each cutting the price in force by 49 % (under
 * the 50 % threshold), walked 13.49 € to 0.02 € without one approval. A cut is now also measured from
 * the highest price in force in the SHELFSYNC_GUARD_WINDOW_DAYS before it.
 */
const price = (base: string) =>
  api(base, "GET", "/products/COFFEE").then((r) => r.json.price.amountMinor as number);

describe("cumulative guard rail", () => {
  let ctl: Controller & { cleanup(): Promise<void> };
  beforeAll(async () => {
    ctl = await startTestController("aedes");
  });
  afterAll(async () => {
    await ctl?.cleanup();
  });

  it("eleven 49 % cuts in a row no longer walk 13,49 € to 0,02 €", async () => {
    await postFeed(ctl.httpUrl, "products", 1, "sku,name,netQuantity,unit\nCOFFEE,Coffee,500,g\n");
    await postFeed(ctl.httpUrl, "prices", 1, "sku,price,currency\nCOFFEE,13.49,EUR\n");
    const seen = [await price(ctl.httpUrl)];
    let held = 0;
    for (let i = 0; i < 11; i++) {
      const current = await price(ctl.httpUrl);
      const cut = Math.floor(current * 0.51);
      const r = await postFeed(
        ctl.httpUrl,
        "prices",
        i + 2,
        `sku,price,currency\nCOFFEE,${(cut / 100).toFixed(2)},EUR\n`,
      );
      expect(r.json.applied).toBe(true);
      held += r.json.held;
      seen.push(await price(ctl.httpUrl));
    }
    const final = seen.at(-1) as number;
    console.log(
      `eleven 49 % cuts: 13,49 € → ${(final / 100).toFixed(2).replace(".", ",")} € on the shelf (was 0,02 €), ` +
        `${held} cut(s) held for approval; prices in force: ${seen.join(" → ")}`,
    );
    // The first cut goes through (49 % alone); the second would be 74 % below the 13.49 peak: held,
    // and so is every later one, each measured from the same peak.
    expect(seen.slice(0, 3)).toEqual([1349, 687, 687]);
    expect(final).toBe(687);
    expect(held).toBe(10);
    const approvals = (await api(ctl.httpUrl, "GET", "/approvals")).json as { reason: string }[];
    expect(approvals[0]?.reason).toMatch(/13\.49 EUR, the highest price in force in the 30 days before/);
  });

  it("holds a staff price or a promotion that, after the feeds' cuts, goes past the threshold from the peak", async () => {
    // After the walk above: 6,87 € in force, 13,49 € the peak of the last 30 days.
    expect(await price(ctl.httpUrl)).toBe(687);
    // A staff price of 3,60 € is 47.6 % below 6,87 € (under the threshold alone), 73 % below the peak.
    const override = await api(ctl.httpUrl, "POST", "/overrides", {
      sku: "COFFEE",
      price: "3.60",
      reason: "walk",
    });
    expect(override.status).toBe(202);
    expect(override.json.holdReason).toMatch(/13\.49 EUR, the highest price in force/);
    // A promotion of −40 % on 6,87 € makes 4,12 €: 69 % below the peak.
    const now = Math.floor(Date.now() / 1000) * 1000;
    const promotion = await api(ctl.httpUrl, "POST", "/promotions", {
      kind: "percent",
      skus: ["COFFEE"],
      value: "40",
      start: new Date(now).toISOString(),
      end: new Date(now + 7 * 86_400_000).toISOString(),
    });
    expect(promotion.status).toBe(202);
    expect(promotion.json.holdReason).toMatch(/13\.49 EUR, the highest price in force/);
    // Neither reached the shelf.
    expect(await price(ctl.httpUrl)).toBe(687);
    // A raise is measured from the price in force only, and goes through.
    expect(
      (await api(ctl.httpUrl, "POST", "/overrides", { sku: "COFFEE", price: "7.00", reason: "up" })).status,
    ).toBe(201);
  });

  it("starts counting again from a price a manager approved: later small cuts go through", async () => {
    await postFeed(ctl.httpUrl, "products", 2, "sku,name,netQuantity,unit\nTEA,Tea,100,g\n");
    await postFeed(ctl.httpUrl, "prices", 20, "sku,price,currency\nTEA,10.00,EUR\n");
    const cut = await postFeed(ctl.httpUrl, "prices", 21, "sku,price,currency\nTEA,4.00,EUR\n");
    expect(cut.json.held).toBe(1);
    const pending = (await api(ctl.httpUrl, "GET", "/approvals")).json as {
      approvalId: string;
      sku: string;
    }[];
    const tea = pending.find((a) => a.sku === "TEA");
    expect((await api(ctl.httpUrl, "POST", `/approvals/${tea?.approvalId}/approve`, {})).status).toBe(200);
    const teaPrice = async () => (await api(ctl.httpUrl, "GET", "/products/TEA")).json.price.amountMinor;
    expect(await teaPrice()).toBe(400);
    // −10 % from the approved 4,00 € (−64 % from the 10,00 € before it): the approver's price is the
    // baseline, so this is a small cut and goes through, as does a −20 % staff promotion on it.
    const small = await postFeed(ctl.httpUrl, "prices", 22, "sku,price,currency\nTEA,3.60,EUR\n");
    expect(small.json).toMatchObject({ applied: true, held: 0 });
    expect(await teaPrice()).toBe(360);
    const now = Math.floor(Date.now() / 1000) * 1000;
    const promotion = await api(ctl.httpUrl, "POST", "/promotions", {
      kind: "percent",
      skus: ["TEA"],
      value: "20",
      start: new Date(now).toISOString(),
      end: new Date(now + 86_400_000).toISOString(),
    });
    expect(promotion.status).toBe(201);
  });

  it("each change alone when the window is 0; raises are never measured from a peak", () => {
    const history = { peakPriceInForce: () => ({ amountMinor: 1349, currency: "EUR" }) };
    const row = { sku: "X", at: Date.now() };
    const eur = (amountMinor: number) => ({ amountMinor, currency: "EUR" });
    const policy = { maxCutShare: 0.5, maxRaiseShare: 0.5 };
    expect(guardRailScreen({ ...policy, windowDays: 30 }, history)(eur(687), eur(350), row)).not.toBeNull();
    expect(guardRailScreen({ ...policy, windowDays: 0 }, history)(eur(687), eur(350), row)).toBeNull();
    expect(guardRailScreen({ ...policy, windowDays: 30 }, history)(eur(687), eur(900), row)).toBeNull();
    // A cut small enough from the peak too passes.
    expect(guardRailScreen({ ...policy, windowDays: 30 }, history)(eur(1000), eur(900), row)).toBeNull();
  });
});
