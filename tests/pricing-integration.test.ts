import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../controller/app.ts";
import { offsetClock, systemClock } from "../controller/scheduler/index.ts";
import type { SimulatedAccessPoint } from "../firmware-bridge/simulated/index.ts";
import { labelContentSchema, parseInstant, storeTopics } from "../schemas/index.ts";
import {
  api,
  BROKERS,
  postFeed,
  recorder,
  startTestAccessPoint,
  startTestController,
  TEST_ADMIN_TOKEN,
  waitFor,
} from "./support/harness.ts";

const TZ = "Europe/Berlin";
/** Midnight store time on the day Berlin springs forward (a 23-hour day). */
const MIDNIGHT = parseInstant("2026-03-29T00:00", TZ);

const PRODUCTS = `sku,name,netQuantity,unit,category
COFFEE,Arabica Coffee,500,g,coffee
TEA,Green Tea,40,g,coffee
MILK,Whole Milk,1,l,dairy
`;

describe.each(BROKERS)("pricing in the controller, against %s", (broker) => {
  let ctl: Controller & { cleanup(): Promise<void> };
  let ap: SimulatedAccessPoint;
  // The controller's pricing clock stands before midnight store time during set-up, and 3 s before it when
  // the midnight test starts.
  let offset = 0;
  const clock = offsetClock(systemClock, () => offset);
  const fakeNow = () => Date.now() + offset;

  beforeAll(async () => {
    offset = MIDNIGHT - 4_000 - Date.now();
    ctl = await startTestController(broker, { clock });
    await waitFor(() => ctl.link.connected(), 10_000, "controller connected");
    ap = await startTestAccessPoint(ctl, { labels: 3, radioDelayMs: 20 });
    // Prices that have been in force for weeks: the Omnibus reference looks back 30 days.
    expect((await postFeed(ctl.httpUrl, "products", 1, PRODUCTS)).status).toBe(200);
    const weeksAgo = "2026-02-01T00:00";
    const prices = `sku,price,currency,effectiveFrom\nCOFFEE,2.49,EUR,${weeksAgo}\nTEA,3.00,EUR,${weeksAgo}\nMILK,1.19,EUR,${weeksAgo}\n`;
    expect((await postFeed(ctl.httpUrl, "prices", 1, prices)).json).toMatchObject({
      applied: true,
      rowsChanged: 3,
      held: 0,
    });
    await waitFor(() => ap.labelIds.every((id) => ctl.labels.get(id)), 5_000, "labels announced");
    for (const [i, sku] of ["COFFEE", "TEA", "MILK"].entries()) {
      expect((await api(ctl.httpUrl, "PUT", `/labels/${ap.labelIds[i]}/link`, { sku })).status).toBe(200);
    }
  });
  afterAll(async () => {
    await ap?.stop();
    await ctl?.cleanup();
  });

  it("a promotion starting at 00:00 store time is on the labels within 1 s of that instant", async () => {
    // Stand just before midnight now that set-up is done, however long set-up took on a loaded machine
    // (from the first offset alone, a slow set-up could already be past midnight).
    offset = MIDNIGHT - 3_000 - Date.now();
    const promos = `promotionId,kind,skus,value,start,end,priority\nMIDNIGHT20,percent,COFFEE|TEA,20,2026-03-29T00:00,2026-04-05T00:00,1\n`;
    expect((await postFeed(ctl.httpUrl, "promotions", 1, promos)).json).toMatchObject({
      applied: true,
      rowsChanged: 1,
      labelsAffected: 0,
    });
    expect(fakeNow()).toBeLessThan(MIDNIGHT);
    expect(ctl.scheduler.upcoming().map((e) => e.at)).toContain(MIDNIGHT);

    const coffeeLabel = ap.labelIds[0] as string;
    const rec = await recorder(ctl.mqttUrl, [storeTopics(ctl.config.storeId).label(coffeeLabel, "content")]);
    // The label shows its pre-midnight content first.
    const before = await waitFor(
      async () => {
        const current = (await api(ctl.httpUrl, "GET", `/labels/${coffeeLabel}`)).json.content
          .contentHash as string;
        return ap.displayedHash(coffeeLabel) === current ? current : undefined;
      },
      5_000,
      "label in sync before midnight",
    );
    expect(fakeNow()).toBeLessThan(MIDNIGHT);
    // Watch the simulated label itself: note the (store) instant it first shows a new image.
    const shownAt = await waitFor(
      () => (ap.displayedHash(coffeeLabel) !== before ? fakeNow() : 0),
      8_000,
      "label shows the promotion",
    );
    await rec.close();

    expect(shownAt).toBeGreaterThanOrEqual(MIDNIGHT);
    expect(shownAt - MIDNIGHT).toBeLessThan(1_000);
    const published = rec.messages.map((m) => labelContentSchema.parse(JSON.parse(m.payload))).at(-1);
    expect(published).toMatchObject({
      sku: "COFFEE",
      price: { amountMinor: 199, currency: "EUR" },
      regularPrice: { amountMinor: 249 },
      referencePrice: { amountMinor: 249 },
      unitPrice: { amountMinor: 398, per: "kg" },
      promo: {
        promotionId: "MIDNIGHT20",
        kind: "percent",
        percent: 20,
        basis: "prior",
        // In store time with its offset: the label reads the last day, 4 April, from it.
        validUntil: "2026-04-05T00:00:00+02:00",
      },
    });
    expect(ap.displayedHash(coffeeLabel)).toBe(published?.contentHash);
    // MILK is not in the promotion: its label was not touched.
    expect((await api(ctl.httpUrl, "GET", `/labels/${ap.labelIds[2]}`)).json.content.version).toBe(1);
  });

  it("answers what was, and will be, in force at any instant", async () => {
    const at = (iso: string) =>
      api(ctl.httpUrl, "GET", `/products/COFFEE/price?at=${encodeURIComponent(iso)}`);
    expect((await at("2026-03-28T23:59:59")).json).toMatchObject({
      price: { amountMinor: 249 },
      regularPrice: { amountMinor: 249 },
    });
    const during = (await at("2026-04-01T12:00")).json;
    expect(during).toMatchObject({
      price: { amountMinor: 199 },
      referencePrice: { amountMinor: 249 },
      promo: { promotionId: "MIDNIGHT20" },
    });
    expect((await at("2026-04-05T00:00")).json.price.amountMinor).toBe(249);
    expect((await at("2026-01-01T00:00")).status).toBe(404);
    expect((await at("yesterday")).json.error.code).toBe("invalid_instant");
    const label = (await api(ctl.httpUrl, "GET", `/labels/${ap.labelIds[1]}/content?at=2026-03-28T12:00`))
      .json;
    expect(label.content).toMatchObject({ sku: "TEA", price: { amountMinor: 300 } });
    expect(label.content.promo).toBeUndefined();
  });

  it("holds a >50 % cut from a feed until a manager approves it; the audit log names who", async () => {
    const milkLabel = ap.labelIds[2] as string;
    const reply = await postFeed(
      ctl.httpUrl,
      "prices",
      2,
      "sku,price,currency\nMILK,0.49,EUR\nTEA,3.10,EUR\n",
    );
    expect(reply.json).toMatchObject({ applied: true, rowsChanged: 1, held: 1 });
    const pending = (await api(ctl.httpUrl, "GET", "/approvals")).json;
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({
      sku: "MILK",
      current: { amountMinor: 119 },
      proposed: { amountMinor: 49 },
      source: "feed:prices#2 line 2",
    });
    expect(pending[0].reason).toMatch(/cuts the price by 58\.8 %/);
    // The old price stays on the shelf.
    await new Promise((r) => setTimeout(r, 300));
    expect((await api(ctl.httpUrl, "GET", `/labels/${milkLabel}`)).json.content.price.amountMinor).toBe(119);

    const id = pending[0].approvalId as string;
    expect((await api(ctl.httpUrl, "POST", `/approvals/${id}/approve`, {}, null)).status).toBe(401);
    const staffToken = ctl.stores.tokens.create("Sam (floor)", "staff", Date.now());
    expect((await api(ctl.httpUrl, "POST", `/approvals/${id}/approve`, {}, staffToken)).status).toBe(403);
    const approved = await api(
      ctl.httpUrl,
      "POST",
      `/approvals/${id}/approve`,
      { reason: "milk clearance agreed" },
      TEST_ADMIN_TOKEN,
    );
    expect(approved.status).toBe(200);
    expect(approved.json).toMatchObject({
      status: "approved",
      decidedBy: "admin (SHELFSYNC_ADMIN_TOKEN)",
      labelsAffected: 1,
    });
    expect((await api(ctl.httpUrl, "POST", `/approvals/${id}/approve`, {}, TEST_ADMIN_TOKEN)).status).toBe(
      409,
    );

    await waitFor(
      async () =>
        (await api(ctl.httpUrl, "GET", `/labels/${milkLabel}`)).json.content.price.amountMinor === 49,
      5_000,
      "approved price on the label",
    );
    const audit = (await api(ctl.httpUrl, "GET", `/audit?entity=approval&entityId=${id}`)).json;
    expect(audit.map((e: { action: string }) => e.action)).toEqual(["approval.approved", "approval.held"]);
    expect(audit[0]).toMatchObject({
      actor: "admin (SHELFSYNC_ADMIN_TOKEN) (ops)",
      reason: "milk clearance agreed",
      after: { status: "approved" },
    });
  });

  it("staff promotions: create, change, remove — each on the shelf and in the audit log", async () => {
    // The audit log names the token's person; an `author` in the body is accepted and not believed.
    const maria = ctl.stores.tokens.create("Maria B", "manager", Date.now());
    const staff = ctl.stores.tokens.create("Jonas K", "staff", Date.now());
    const created = await api(
      ctl.httpUrl,
      "POST",
      "/promotions",
      {
        kind: "fixed",
        skus: ["MILK"],
        value: "0.39",
        start: "2026-03-28T00:00",
        end: "2026-03-30T00:00",
        priority: 5,
        author: "someone else",
        reason: "short best-before date",
      },
      maria,
    );
    expect(created.status).toBe(201);
    expect(created.json.promotion.author).toBe("Maria B");
    const promotionId = created.json.promotion.promotionId as string;
    expect(promotionId).toMatch(/^store-/);
    expect(created.json.labelsAffected).toBe(1);
    const milk = async () => (await api(ctl.httpUrl, "GET", `/labels/${ap.labelIds[2]}`)).json.content;
    expect((await milk()).price.amountMinor).toBe(39);

    const patched = await api(ctl.httpUrl, "PATCH", `/promotions/${promotionId}`, { value: "0.35" }, staff);
    expect(patched.status).toBe(200);
    expect((await milk()).price.amountMinor).toBe(35);
    expect(
      (await api(ctl.httpUrl, "PATCH", `/promotions/${promotionId}`, { value: "abc", author: "Maria" }))
        .status,
    ).toBe(400);

    const removed = await api(
      ctl.httpUrl,
      "DELETE",
      `/promotions/${promotionId}`,
      { author: "Maria (store manager)", reason: "sold out" },
      maria,
    );
    expect(removed.status).toBe(200);
    expect((await milk()).price.amountMinor).toBe(49);
    const trail = (await api(ctl.httpUrl, "GET", `/audit?entity=promotion&entityId=${promotionId}`)).json;
    expect(trail.map((e: { action: string }) => e.action)).toEqual([
      "promotion.removed",
      "promotion.changed",
      "promotion.created",
    ]);
    expect(trail[1].before.value).toBe("0.39");
    expect(trail[1].after.value).toBe("0.35");
    expect(trail.map((e: { actor: string }) => e.actor)).toEqual([
      "Maria B (manager)",
      "Jonas K (staff)",
      "Maria B (manager)",
    ]);
  });

  it("holds a staff override that cuts the price by more than half; a modest one applies at once", async () => {
    const regular = async () =>
      (await api(ctl.httpUrl, "GET", "/products/COFFEE/price")).json.regularPrice.amountMinor;
    expect(await regular()).toBe(249);
    const sam = ctl.stores.tokens.create("Sam (overrides)", "staff", Date.now());
    const big = await api(
      ctl.httpUrl,
      "POST",
      "/overrides",
      { sku: "COFFEE", price: "0.99", reason: "damaged pack" },
      sam,
    );
    expect(big.status).toBe(202);
    expect(big.json).toMatchObject({ held: true, amountMinor: 99 });
    expect(await regular()).toBe(249);
    const pending = (await api(ctl.httpUrl, "GET", "/approvals")).json.find(
      (a: { approvalId: string }) => a.approvalId === big.json.approvalId,
    );
    expect(pending).toMatchObject({
      change: "override",
      sku: "COFFEE",
      source: "staff:Sam (overrides)",
      proposed: { amountMinor: 99 },
    });
    const approved = await api(
      ctl.httpUrl,
      "POST",
      `/approvals/${big.json.approvalId}/approve`,
      {},
      TEST_ADMIN_TOKEN,
    );
    expect(approved.status).toBe(200);
    expect(await regular()).toBe(99);

    const small = await api(
      ctl.httpUrl,
      "POST",
      "/overrides",
      { sku: "MILK", price: "0.45", author: "Sam (floor)", reason: "price match" },
      sam,
    );
    expect(small.status).toBe(201);
    expect((await api(ctl.httpUrl, "GET", "/products/MILK/price")).json.regularPrice.amountMinor).toBe(45);
  });
});
