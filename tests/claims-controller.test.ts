import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../controller/app.ts";
import { offsetClock, systemClock } from "../controller/scheduler/index.ts";
import type { SimulatedAccessPoint } from "../firmware-bridge/simulated/index.ts";
import { parseInstant } from "../schemas/index.ts";
import {
  api,
  postFeed,
  startTestAccessPoint,
  startTestController,
  TEST_ADMIN_TOKEN,
  waitFor,
} from "./support/harness.ts";

/**
 * The worked cases of docs/pricing.md in a running controller (de-DE, Europe/Berlin): what each
 * label shows, what `GET /api/v1/sync` lists, what the audit log holds and what a promotion's
 * author is told. The controller's clock stands at 10:00 on 10 April 2026; every promotion of
 * interest started at midnight, and its 30-day look-back reaches back across the spring-forward
 * change of 29 March.
 */
const TZ = "Europe/Berlin";
const NOW = parseInstant("2026-04-10T10:00", TZ);

const SKUS = ["RAISED", "FIRSTDAY", "NOTLOW", "PROG", "GAP", "DST"] as const;
const PRODUCTS = `sku,name,netQuantity,unit,category
${SKUS.map((s) => `${s},Olivenöl ${s},750,ml,oil`).join("\n")}
`;
const PRICES = `sku,price,currency,effectiveFrom,effectiveTo
RAISED,1.99,EUR,2026-01-01T00:00,2026-03-31T00:00
RAISED,2.49,EUR,2026-03-31T00:00,
FIRSTDAY,2.49,EUR,2026-04-10T00:00,
NOTLOW,2.49,EUR,2026-01-01T00:00,
PROG,2.49,EUR,2026-01-01T00:00,
GAP,2.49,EUR,2026-01-01T00:00,
DST,1.89,EUR,2026-01-01T00:00,2026-03-11T00:00
DST,2.49,EUR,2026-03-11T00:00,
`;
const PROMOTIONS = `promotionId,kind,skus,value,start,end,priority
P-RAISED,percent,RAISED,30,2026-04-10T00:00,2026-04-16,0
P-LAUNCH,fixed,FIRSTDAY,1.99,2026-04-10T00:00,,0
P-DEEP,fixed,NOTLOW,1.79,2026-03-25T00:00,2026-04-01T00:00,0
P-NOTLOW,fixed,NOTLOW,1.99,2026-04-10T00:00,,0
P-S1,percent,PROG,20,2026-04-03T00:00,2026-04-10T00:00,0
P-S2,percent,PROG,40,2026-04-10T00:00,,0
P-G1,percent,GAP,20,2026-04-02T00:00,2026-04-09T00:00,0
P-G2,percent,GAP,40,2026-04-10T00:00,,0
P-DST,fixed,DST,1.99,2026-04-10T00:00,,0
`;

describe("reduction claims in a running controller", () => {
  let ctl: Controller & { cleanup(): Promise<void> };
  let ap: SimulatedAccessPoint;
  const labelOf = new Map<string, string>();
  const clock = offsetClock(systemClock, () => NOW - Date.now());
  const get = (path: string) => api(ctl.httpUrl, "GET", path, undefined, TEST_ADMIN_TOKEN);
  const content = async (sku: string) => (await get(`/labels/${labelOf.get(sku)}`)).json.content;
  /** The label's preview as text (GET …/preview.txt), spaces normalised. */
  const preview = async (sku: string) => {
    const res = await fetch(`${ctl.httpUrl}/api/v1/labels/${labelOf.get(sku)}/preview.txt`, {
      headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    expect(res.status).toBe(200);
    return (await res.text())
      .replace(/[\u00a0\u202f]/g, " ")
      .trim()
      .split("\n");
  };
  /** Every percentage a text shows. */
  const percentages = (lines: string[]) => lines.join(" ").match(/\d+ ?%/g) ?? [];
  let promotionsReply: { notes?: { code: string; message: string; detail: Record<string, unknown> }[] };

  beforeAll(async () => {
    ctl = await startTestController("aedes", { clock });
    await waitFor(() => ctl.link.connected(), 10_000, "controller connected");
    ap = await startTestAccessPoint(ctl, { labels: SKUS.length, radioDelayMs: 5 });
    expect((await postFeed(ctl.httpUrl, "products", 1, PRODUCTS)).status).toBe(200);
    expect((await postFeed(ctl.httpUrl, "prices", 1, PRICES)).json).toMatchObject({ applied: true, held: 0 });
    const promos = await postFeed(ctl.httpUrl, "promotions", 1, PROMOTIONS);
    expect(promos.json).toMatchObject({ applied: true, rowsChanged: 9 });
    promotionsReply = promos.json;
    await waitFor(() => ap.labelIds.every((id) => ctl.labels.get(id)), 5_000, "labels announced");
    for (const [i, sku] of SKUS.entries()) {
      const labelId = ap.labelIds[i] as string;
      labelOf.set(sku, labelId);
      const linked = await api(ctl.httpUrl, "PUT", `/labels/${labelId}/link`, { sku }, TEST_ADMIN_TOKEN);
      expect(linked.status).toBe(200);
    }
    await waitFor(
      async () => (await get("/sync")).json.inSync === SKUS.length,
      10_000,
      "every label shows its content",
    );
  });
  afterAll(async () => {
    await ap?.stop();
    await ctl?.cleanup();
  });

  it("raised, then reduced: the label strikes the 30-day low and announces 12 %, not 30 %", async () => {
    const c = await content("RAISED");
    expect(c).toMatchObject({
      price: { amountMinor: 174 },
      regularPrice: { amountMinor: 199 },
      referencePrice: { amountMinor: 199 },
      promo: { promotionId: "P-RAISED", kind: "percent", percent: 12 },
    });
    expect(c.promo.text.replace(/\s/g, " ")).toBe("12 % Rabatt");
    // The "until" date ends with the last day the feed named (an end given as a date: all of 16 April).
    expect(c.promo.validUntil).toBe("2026-04-17T00:00:00+02:00");
    const text = await preview("RAISED");
    expect(text).toEqual(
      expect.arrayContaining([
        "Angebot",
        "−12 %",
        "1,99 €",
        "Niedrigster Preis der letzten 30 Tage",
        "bis 16.04.",
        "1,74 €",
      ]),
    );
    expect(percentages(text)).toEqual(["12 %"]);
  });

  it("progressive without a gap keeps the pre-campaign price; with a gap it is measured from the first stage", async () => {
    expect(await content("PROG")).toMatchObject({
      price: { amountMinor: 149 },
      regularPrice: { amountMinor: 249 },
      promo: { promotionId: "P-S2", percent: 40 },
    });
    expect(await content("GAP")).toMatchObject({
      price: { amountMinor: 149 },
      regularPrice: { amountMinor: 199 },
      promo: { promotionId: "P-G2", percent: 25 },
    });
    expect(percentages(await preview("PROG"))).toEqual(["40 %"]);
    expect(percentages(await preview("GAP"))).toEqual(["25 %"]);
    expect(await preview("GAP")).toContain("1,99 €");
  });

  it("across the DST change, the look-back counts store days: the 1.89 ended just outside it", async () => {
    expect(await content("DST")).toMatchObject({
      price: { amountMinor: 199 },
      regularPrice: { amountMinor: 249 },
      referencePrice: { amountMinor: 249 },
      promo: { promotionId: "P-DST", kind: "fixed", percent: 20 },
    });
    const text = await preview("DST");
    expect(text).toEqual(expect.arrayContaining(["Sie sparen 0,50 €", "−20 %", "2,49 €"]));
    expect(percentages(text)).toEqual(["20 %"]);
  });

  it("reduced from the first day, or not below the 30-day low: the price alone, no claim", async () => {
    for (const sku of ["FIRSTDAY", "NOTLOW"]) {
      const c = await content(sku);
      expect(c.price.amountMinor).toBe(199);
      expect(c.regularPrice).toBeUndefined();
      expect(c.referencePrice).toBeUndefined();
      expect(c.promo).toBeUndefined();
      // The label says the price and nothing that sounds like a reduction.
      const text = await preview(sku);
      expect(text).toContain("1,99 €");
      expect(percentages(text)).toEqual([]);
      expect(text.join(" ")).not.toMatch(/Angebot|Rabatt|sparen|Niedrigster|bis /);
    }
  });

  it("lists those labels in /sync as not_a_reduction, with the prior and promotional price", async () => {
    const sync = (await get("/sync")).json;
    expect(sync).toMatchObject({ total: 6, inSync: 6, notAReduction: 2 });
    const byLabel = new Map(sync.notRight.map((n: { labelId: string }) => [n.labelId, n]));
    expect(byLabel.get(labelOf.get("NOTLOW"))).toMatchObject({
      sku: "NOTLOW",
      reason: "not_a_reduction",
      notAReduction: {
        promotionId: "P-NOTLOW",
        promotionalPrice: { amountMinor: 199 },
        priorPrice: { amountMinor: 179 },
        lookbackDays: 30,
        reductionStart: new Date(parseInstant("2026-04-10T00:00", TZ)).toISOString(),
      },
    });
    expect((byLabel.get(labelOf.get("NOTLOW")) as { detail: string }).detail).toMatch(
      /P-NOTLOW is charged \(1,99.€\) but not announced as a reduction: .* 1,79.€, not above it/,
    );
    expect(byLabel.get(labelOf.get("FIRSTDAY"))).toMatchObject({
      reason: "not_a_reduction",
      notAReduction: { promotionId: "P-LAUNCH", priorPrice: null },
    });
    expect(sync.notRight).toHaveLength(2);
  });

  it("tells the feed that brought the promotions which claims it will not make", async () => {
    const notes = promotionsReply.notes ?? [];
    expect(notes.map((n) => [n.code, n.detail.sku, n.detail.promotionId]).sort()).toEqual([
      ["not_a_reduction", "FIRSTDAY", "P-LAUNCH"],
      ["not_a_reduction", "NOTLOW", "P-NOTLOW"],
    ]);
  });

  it("writes each suppressed claim to the promotion's audit history once", async () => {
    const entries = (await get("/audit?entity=promotion&entityId=P-NOTLOW")).json;
    const claims = entries.filter((e: { action: string }) => e.action === "claim.suppressed");
    expect(claims).toHaveLength(1);
    expect(claims[0]).toMatchObject({
      actor: "controller",
      reason: expect.stringMatching(/^not_a_reduction: promotion P-NOTLOW/),
      after: {
        skus: [
          {
            sku: "NOTLOW",
            promotionId: "P-NOTLOW",
            promotionalPrice: { amountMinor: 199 },
            priorPrice: { amountMinor: 179 },
          },
        ],
      },
    });
  });

  it("accepts a staff promotion that would make a false claim, and tells its author, for now and for later", async () => {
    // 1.79 ran until 1 April; 1.89 is charged but may not be announced. The second one starts next week.
    const now = await api(
      ctl.httpUrl,
      "PATCH",
      "/promotions/P-NOTLOW",
      { value: "1.89", author: "Anna" },
      TEST_ADMIN_TOKEN,
    );
    expect(now.status).toBe(200);
    expect(now.json.notes).toEqual([
      expect.objectContaining({
        code: "not_a_reduction",
        detail: expect.objectContaining({
          sku: "NOTLOW",
          priorPrice: expect.objectContaining({ amountMinor: 179 }),
        }),
      }),
    ]);
    const later = await api(
      ctl.httpUrl,
      "POST",
      "/promotions",
      {
        promotionId: "P-NEXTWEEK",
        kind: "fixed",
        skus: ["RAISED"],
        value: "1.99",
        start: "2026-04-17T00:00",
        author: "Anna",
      },
      TEST_ADMIN_TOKEN,
    );
    expect(later.status).toBe(201);
    expect(later.json.notes).toEqual([
      expect.objectContaining({
        code: "not_a_reduction",
        detail: expect.objectContaining({
          sku: "RAISED",
          promotionId: "P-NEXTWEEK",
          at: new Date(parseInstant("2026-04-17T00:00", TZ)).toISOString(),
        }),
      }),
    ]);
    // The changed claim is audited as such; the label shows 1.89 alone.
    await waitFor(
      async () => (await content("NOTLOW")).price.amountMinor === 189,
      5_000,
      "1.89 on the label",
    );
    const claims = (await get("/audit?entity=promotion&entityId=P-NOTLOW")).json.filter(
      (e: { action: string }) => e.action === "claim.suppressed",
    );
    expect(
      claims.map(
        (e: { after: { skus: { promotionalPrice: { amountMinor: number } }[] } }) =>
          e.after.skus[0]?.promotionalPrice.amountMinor,
      ),
    ).toEqual([189, 199]);
  });

  it("tells the author of an override that makes a running reduction's claim false", async () => {
    // GAP's 40 % is measured from 1.99; at a regular 3.40 it charges 2.04, no reduction from 1.99.
    const r = await api(
      ctl.httpUrl,
      "POST",
      "/overrides",
      { sku: "GAP", price: "3.40", author: "Ben", reason: "supplier price" },
      TEST_ADMIN_TOKEN,
    );
    expect(r.status).toBe(201);
    expect(r.json.notes).toEqual([
      expect.objectContaining({
        code: "not_a_reduction",
        detail: expect.objectContaining({
          sku: "GAP",
          promotionId: "P-G2",
          promotionalPrice: expect.objectContaining({ amountMinor: 204 }),
          priorPrice: expect.objectContaining({ amountMinor: 199 }),
        }),
      }),
    ]);
    await waitFor(async () => (await get("/sync")).json.notAReduction === 3, 5_000, "GAP listed");
    const ended = await api(
      ctl.httpUrl,
      "DELETE",
      `/overrides/${r.json.id}`,
      { author: "Ben" },
      TEST_ADMIN_TOKEN,
    );
    expect(ended.status).toBe(200);
    expect(ended.json.notes).toBeUndefined();
    await waitFor(async () => (await get("/sync")).json.notAReduction === 2, 5_000, "GAP claims again");
  });

  it("answers a price query with the not_a_reduction warning and the suppressed claim", async () => {
    const r = (await get("/products/FIRSTDAY/price")).json;
    expect(r.price.amountMinor).toBe(199);
    expect(r.promo).toBeUndefined();
    expect(r.warnings[0]).toMatch(/^not_a_reduction: promotion P-LAUNCH/);
    expect(r.notAReduction).toMatchObject({ promotionId: "P-LAUNCH", priorPrice: null });
  });

  it("refuses a first price in another currency than the store's, naming the row, and applies nothing", async () => {
    expect((await postFeed(ctl.httpUrl, "products", 2, "sku,name\nNEW-1,Neu\nNEW-2,Neu\n")).status).toBe(200);
    const res = await postFeed(
      ctl.httpUrl,
      "prices",
      2,
      "sku,price,currency\nNEW-1,2.49,EUR\nNEW-2,2.49,USD\n",
    );
    expect(res.status).toBe(422);
    expect(res.json.error.details).toEqual([
      {
        line: 3,
        field: "currency",
        reason: "a first price must be in the store's currency EUR (SHELFSYNC_CURRENCY), not USD",
      },
    ]);
    expect((await get("/products/NEW-1")).json.price).toBeNull();
  });

  it("after a restart, audits nothing twice", async () => {
    const before = (await get("/audit?action=claim.suppressed")).json.length;
    const dbPath = ctl.config.dbPath;
    await ap.stop();
    await ctl.stop();
    // The first controller is down; its cleanup (afterAll) only has its directory left to remove.
    ctl.stop = async () => {};
    const again = await startTestController("aedes", { clock, dbPath, storeId: ctl.config.storeId });
    try {
      const sync = (await api(again.httpUrl, "GET", "/sync", undefined, TEST_ADMIN_TOKEN)).json;
      expect(sync.notAReduction).toBe(2);
      const after = (
        await api(again.httpUrl, "GET", "/audit?action=claim.suppressed", undefined, TEST_ADMIN_TOKEN)
      ).json.length;
      expect(after).toBe(before);
    } finally {
      await again.cleanup();
    }
  });
});
