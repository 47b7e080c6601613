import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../controller/app.ts";
import { compareSides, onlineStock, sameQuantity } from "../controller/parity/compare.ts";
import { feedView, withTexts } from "../controller/parity/online-view.ts";
import { ManualClock } from "../controller/scheduler/manual-clock.ts";
import {
  type MerchantItem,
  type ParityOnline,
  type ParityShelf,
  readLocalOffer,
  readMerchantItem,
} from "../schemas/index.ts";
import { api, authFetch, startTestController, tokenFor, waitFor } from "./support/harness.ts";

const FIXTURES = join(import.meta.dirname, "fixtures/merchant");
const fixture = (name: string) => readFileSync(join(FIXTURES, name));
/** The spec example's sale window: 2016-02-24T13:00-0800/2016-02-29T15:30-0800. */
const BEFORE_SALE = Date.UTC(2016, 1, 24, 20, 59);
const SALE_START = Date.UTC(2016, 1, 24, 21, 0);
const DURING_SALE = Date.UTC(2016, 1, 25, 12, 0);
const SALE_END = Date.UTC(2016, 1, 29, 23, 30);

const usd = (amountMinor: number) => ({ amountMinor, currency: "USD", text: "" });
const item = (raw: Record<string, string>): MerchantItem => {
  const r = readMerchantItem({ title: "x", ...raw }, "USD");
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.item;
};
const shelf = (over: Partial<ParityShelf> = {}): ParityShelf => ({
  contentHash: "h",
  price: usd(1500),
  regularPrice: null,
  stock: "available",
  netQuantity: null,
  ...over,
});

describe("parity rules", () => {
  const tee = item({
    id: "TEE",
    price: "15.00 USD",
    sale_price: "12.00 USD",
    sale_price_effective_date: "2016-02-24T13:00-0800/2016-02-29T15:30-0800",
  });

  it("resolves the sale window at the audit instant (half-open, each bound with its own offset)", () => {
    const at = (t: number) => feedView({ item: tee }, undefined, t);
    expect(at(BEFORE_SALE)).toMatchObject({ price: { amountMinor: 1500 }, regularPrice: null });
    expect(at(SALE_START)).toMatchObject({
      price: { amountMinor: 1200 },
      regularPrice: { amountMinor: 1500 },
    });
    expect(withTexts(at(DURING_SALE) as ParityOnline, "en-US").price?.text).toBe("$12.00");
    expect(at(SALE_END)).toMatchObject({ price: { amountMinor: 1500 }, regularPrice: null });
  });

  it("takes this store's local row over the product feed, and its availability as stock", () => {
    const local = readLocalOffer(
      { store_code: "s", id: "TEE", price: "14.00 USD", availability: "limited_availability" },
      "USD",
    );
    if (!local.ok) throw new Error("fixture");
    const v = feedView({ item: tee }, { item: local.offer }, DURING_SALE);
    // The national sale (12.00) is inherited and still below the local price.
    expect(v).toMatchObject({
      price: { amountMinor: 1200 },
      regularPrice: { amountMinor: 1400 },
      stock: "available",
    });
    expect(feedView({ item: tee }, undefined, DURING_SALE)?.stock).toBeNull();
    expect(feedView(undefined, { item: local.offer }, DURING_SALE)).toBeUndefined();
    expect(
      feedView({ problems: [{ field: "price", value: "", reason: "is required" }] }, undefined, 0),
    ).toMatchObject({ price: null, problems: [{ field: "price" }] });
  });

  it("compares stock as available / out only", () => {
    expect(onlineStock("in_stock")).toBe("available");
    expect(onlineStock("limited_availability")).toBe("available");
    expect(onlineStock("out_of_stock")).toBe("out");
    for (const a of ["on_display_to_order", "preorder", "backorder", null]) expect(onlineStock(a)).toBeNull();
    const online = feedView({ item: item({ id: "A", price: "15.00 USD" }) }, undefined, 0);
    if (!online) throw new Error("fixture");
    expect(compareSides({ ...online, stock: "out" }, shelf({ stock: "available" }))).toEqual(["stock"]);
    expect(compareSides({ ...online, stock: null }, shelf({ stock: "out" }))).toEqual([]);
  });

  it("names price, struck price and currency", () => {
    const online = feedView({ item: tee }, undefined, DURING_SALE);
    if (!online) throw new Error("fixture");
    expect(compareSides(online, shelf({ price: usd(1200), regularPrice: usd(1500) }))).toEqual([]);
    expect(compareSides(online, shelf({ price: usd(1500) }))).toEqual(["price"]);
    // No struck price on the shelf for the same price paid: the label may not announce it (art. 6a).
    expect(compareSides(online, shelf({ price: usd(1200) }))).toEqual([]);
    expect(
      compareSides({ ...online, regularPrice: null }, shelf({ price: usd(1200), regularPrice: usd(1500) })),
    ).toEqual(["regular_price"]);
    expect(compareSides(online, shelf({ price: usd(1200), regularPrice: usd(1400) }))).toEqual([
      "regular_price",
    ]);
    expect(compareSides(online, shelf({ price: { amountMinor: 1200, currency: "EUR", text: "" } }))).toEqual([
      "currency",
    ]);
  });

  it("compares net quantities exactly, across units of one dimension (never a rounded unit price)", () => {
    expect(sameQuantity({ quantity: "750", unit: "ml" }, { quantity: "75", unit: "cl" })).toBe(true);
    expect(sameQuantity({ quantity: "750", unit: "ml" }, { quantity: "0.75", unit: "l" })).toBe(true);
    expect(sameQuantity({ quantity: "750", unit: "ml" }, { quantity: "0.751", unit: "l" })).toBe(false);
    expect(sameQuantity({ quantity: "1", unit: "kg" }, { quantity: "1", unit: "l" })).toBe(false);
    expect(sameQuantity({ quantity: "6", unit: "ct" }, { quantity: "6", unit: "piece" })).toBe(true);
    // 16 oz is 453.59237 g exactly: not 453.6 g, though a unit price rounded to the cent may agree.
    expect(sameQuantity({ quantity: "16", unit: "oz" }, { quantity: "453.59237", unit: "g" })).toBe(true);
    expect(sameQuantity({ quantity: "16", unit: "oz" }, { quantity: "453.6", unit: "g" })).toBe(false);
    const oil = feedView(
      { item: item({ id: "OIL", price: "9.99 USD", unit_pricing_measure: "750ml" }) },
      undefined,
      0,
    );
    if (!oil) throw new Error("fixture");
    expect(
      compareSides(oil, shelf({ price: usd(999), netQuantity: { quantity: "0.75", unit: "l" } })),
    ).toEqual([]);
    expect(
      compareSides(oil, shelf({ price: usd(999), netQuantity: { quantity: "700", unit: "ml" } })),
    ).toEqual(["net_quantity"]);
  });
});

async function postFeed(ctl: Controller, path: string, body: string | Buffer, type: string) {
  const res = await authFetch(`${ctl.httpUrl}/api/v1/feeds/${path}`, {
    method: "POST",
    headers: { "Content-Type": type },
    body: typeof body === "string" ? body : new Uint8Array(body),
  });
  const json = await res.json();
  expect(res.status, JSON.stringify(json)).toBe(200);
  return json;
}

async function audit(ctl: Controller, query = ""): Promise<any> {
  const run = await api(ctl.httpUrl, "POST", "/parity/run");
  expect(run.status).toBe(202);
  const id = run.json.auditId as number;
  return waitFor(async () => {
    const r = await api(ctl.httpUrl, "GET", `/parity/${id}${query}`);
    return r.json.status === "done" ? r.json : r.json.status === "failed" ? r.json : undefined;
  });
}

/** Play the labels' acknowledgement: each says it displays `hash` (what a bridge's state would carry). */
function displays(ctl: Controller, labelIds: string[], hash: (labelId: string) => string | null) {
  ctl.labels.recordStates(
    labelIds.map((labelId) => ({
      labelId,
      displayedHash: hash(labelId),
      displayedVersion: null,
      battery: null,
      rssi: null,
      seenAt: Date.now(),
    })),
  );
}
const current = (ctl: Controller) => (id: string) => ctl.labels.get(id)?.contentHash ?? null;

describe("parity audit over the API (feeds as the source)", () => {
  let ctl: Controller & { cleanup(): Promise<void> };
  const clock = new ManualClock(DURING_SALE);
  const LABELS = { "lbl-tee": "TEE-BLACK-M", "lbl-oil": "OIL-750", "lbl-lamp": "LAMP-2", "lbl-own": "OWN-1" };
  const ids = Object.keys(LABELS);

  beforeAll(async () => {
    ctl = await startTestController("aedes", {
      clock,
      config: { currency: "USD", timeZone: "America/Los_Angeles", storeCode: "store-sf", locale: "en-US" },
    });
    await postFeed(ctl, "merchant?sequence=1", fixture("products.xml"), "application/rss+xml");
    await postFeed(
      ctl,
      "local-inventory?sequence=1",
      fixture("local-inventory.tsv"),
      "text/tab-separated-values",
    );
    await postFeed(ctl, "products?sequence=1", "sku,name\nOWN-1,Store brand bag\n", "text/csv");
    await postFeed(ctl, "prices?sequence=1", "sku,price,currency\nOWN-1,0.20,USD\n", "text/csv");
    for (const [labelId, sku] of Object.entries(LABELS)) {
      expect((await api(ctl.httpUrl, "POST", "/labels", { labelId })).status).toBe(201);
      expect((await api(ctl.httpUrl, "PUT", `/labels/${labelId}/link`, { sku })).status).toBe(200);
    }
  });
  afterAll(async () => {
    await ctl?.cleanup();
  });

  it("labels that acknowledged nothing yet are label_pending; who may run and read", async () => {
    const viewer = tokenFor(ctl, "viewer");
    expect((await api(ctl.httpUrl, "POST", "/parity/run", undefined, viewer)).status).toBe(403);
    expect((await api(ctl.httpUrl, "GET", "/parity/999999", undefined, viewer)).status).toBe(404);
    const a = await audit(ctl);
    expect(a).toMatchObject({
      status: "done",
      storeCode: "store-sf",
      source: { kind: "upload" },
      compared: 3,
      atParity: 0,
      mismatched: 3,
      notOnline: 1,
      parityShare: 0,
    });
    expect(a.mismatches.map((m: any) => `${m.sku}:${m.reason}`).sort()).toEqual([
      "LAMP-2:label_pending",
      "OIL-750:label_pending",
      "OWN-1:not_online",
      "TEE-BLACK-M:label_pending",
    ]);
    const latest = await api(ctl.httpUrl, "GET", "/parity", undefined, viewer);
    expect(latest.status).toBe(200);
    expect(latest.json.auditId).toBe(a.auditId);
  });

  it("acknowledged labels showing what the shop shows are at parity (local price, sale in force, stock)", async () => {
    displays(ctl, ids, current(ctl));
    const a = await audit(ctl);
    expect(a).toMatchObject({ compared: 3, atParity: 3, mismatched: 0, notOnline: 1, parityShare: 1 });
    expect(a.mismatches).toHaveLength(1);
    expect(a.mismatches[0]).toMatchObject({ sku: "OWN-1", reason: "not_online", labelIds: ["lbl-own"] });
  });

  it("compares what a label DISPLAYS (its acknowledged hash), not the latest published", async () => {
    const oilBefore = ctl.labels.get("lbl-oil")?.contentHash ?? null;
    // The store raises oil (a native price row); the shop still sells it at 9.99.
    await postFeed(ctl, "prices?sequence=2", "sku,price,currency\nOIL-750,10.49,USD\n", "text/csv");
    expect(ctl.labels.get("lbl-oil")?.contentHash).not.toBe(oilBefore);
    // The label has not shown the new content yet: it still displays 9.99, which is right online.
    let a = await audit(ctl);
    expect(a).toMatchObject({ atParity: 3, mismatched: 0 });
    // It shows the new one: both values in the mismatch.
    displays(ctl, ["lbl-oil"], current(ctl));
    a = await audit(ctl, "?reason=price");
    expect(a).toMatchObject({ atParity: 2, mismatched: 1, mismatchesTotal: 1 });
    expect(a.mismatches[0]).toMatchObject({
      sku: "OIL-750",
      reason: "price",
      labelIds: ["lbl-oil"],
      online: { price: { amountMinor: 999, currency: "USD", text: "$9.99" }, stock: "out", from: "feed" },
      shelf: {
        price: { amountMinor: 1049, currency: "USD", text: "$10.49" },
        netQuantity: { quantity: "750", unit: "ml" },
      },
    });
    const since = a.mismatches[0].since;
    expect(since).toBe(new Date(DURING_SALE).toISOString());
    // Seen again later: since stays at the first audit that saw it.
    clock.advance(60_000);
    a = await audit(ctl, "?reason=price");
    expect(a.mismatches[0].since).toBe(since);
    // Back to 9.99 in the store, but the label still displays 10.49: pending, the fix is on its way.
    await postFeed(ctl, "prices?sequence=3", "sku,price,currency\nOIL-750,9.99,USD\n", "text/csv");
    a = await audit(ctl);
    expect(a.mismatches.find((m: any) => m.sku === "OIL-750")).toMatchObject({ reason: "label_pending" });
    displays(ctl, ["lbl-oil"], current(ctl));
    a = await audit(ctl);
    expect(a).toMatchObject({ atParity: 3, mismatched: 0, parityShare: 1 });
  });

  it("an audit-only feed is the online side without touching the store; invalid items are reported", async () => {
    const xml = fixture("products.xml")
      .toString()
      .replace("<g:price>49.00 USD</g:price>", "<g:price>49.00 EUR</g:price>");
    const r = await postFeed(ctl, "merchant?sequence=2&mode=audit-only", xml, "application/rss+xml");
    expect(r).toMatchObject({ mode: "audit-only", itemsInvalid: 1 });
    const a = await audit(ctl);
    expect(a).toMatchObject({ compared: 3, atParity: 2, mismatched: 1 });
    expect(a.mismatches.find((m: any) => m.sku === "LAMP-2")).toMatchObject({
      reason: "online_item_invalid",
      online: { price: null, problems: [{ field: "price" }] },
      shelf: { price: { amountMinor: 3900 } },
    });
  });
});
