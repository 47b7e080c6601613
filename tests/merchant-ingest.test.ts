import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../controller/app.ts";
import { ManualClock } from "../controller/scheduler/manual-clock.ts";
import { api, authFetch, startTestController } from "./support/harness.ts";

const FIXTURES = join(import.meta.dirname, "fixtures/merchant");
const fixture = (name: string) => readFileSync(join(FIXTURES, name));
/** Inside the spec example's sale window (2016-02-24 13:00 to 2016-02-29 15:30, UTC−8). */
const DURING_SALE = Date.UTC(2016, 1, 25, 12, 0);

async function post(
  ctl: Controller,
  feed: string,
  query: string,
  body: Buffer | string,
  headers: Record<string, string> = { "Content-Type": "application/rss+xml" },
): Promise<{ status: number; json: any }> {
  const res = await authFetch(`${ctl.httpUrl}/api/v1/feeds/${feed}?${query}`, {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : new Uint8Array(body),
  });
  return { status: res.status, json: await res.json() };
}

const ITEM = (id: string, extra = "", price = "2.00 USD") =>
  `<item><g:id>${id}</g:id><title>Item ${id}</title><g:price>${price}</g:price>${extra}</item>`;
const rss = (...items: string[]) =>
  `<?xml version="1.0"?>\n<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel>\n${items.join("\n")}\n</channel></rss>`;

describe("Merchant Center product feed into the store", () => {
  let ctl: Controller & { cleanup(): Promise<void> };
  const clock = new ManualClock(DURING_SALE);

  beforeAll(async () => {
    ctl = await startTestController("aedes", {
      clock,
      config: { currency: "USD", timeZone: "America/Los_Angeles", storeCode: "store-sf" },
    });
  });
  afterAll(async () => {
    await ctl?.cleanup();
  });

  it("imports products, prices and sales through the store's own feeds", async () => {
    const r = await post(ctl, "merchant", "sequence=1", fixture("products.xml"));
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      feed: "merchant",
      sequence: 1,
      mode: "import",
      applied: true,
      itemsRead: 3,
      itemsAccepted: 3,
      itemsInvalid: 0,
      invalid: [],
      source: { kind: "upload" },
    });
    const tee = await api(ctl.httpUrl, "GET", "/products/TEE-BLACK-M");
    expect(tee.json).toMatchObject({
      sku: "TEE-BLACK-M",
      gtin: "4006381333931",
      name: "Google Tee Black",
      brand: "Google",
      category: "Apparel & Accessories > Shirts",
      url: "https://shop.example.com/p/tee-black-m",
      price: { amountMinor: 1200, currency: "USD" },
      regularPrice: { amountMinor: 1500, currency: "USD" },
    });
    const oil = await api(ctl.httpUrl, "GET", "/products/OIL-750");
    expect(oil.json).toMatchObject({ netQuantity: "750", unit: "ml", price: { amountMinor: 999 } });
    // After the window (2016-02-29 15:30 −08:00, exclusive) the sale is over.
    const after = await api(ctl.httpUrl, "GET", "/products/TEE-BLACK-M/price?at=2016-02-29T15:30:00-08:00");
    expect(after.json.price.amountMinor).toBe(1500);
    const last = await api(ctl.httpUrl, "GET", "/products/TEE-BLACK-M/price?at=2016-02-29T15:29:00-08:00");
    expect(last.json.price.amountMinor).toBe(1200);
    // A sale without a window is in force from when the batch was applied.
    const lamp = await api(ctl.httpUrl, "GET", "/products/LAMP-2");
    expect(lamp.json.price).toMatchObject({ amountMinor: 3900 });
    const health = await api(ctl.httpUrl, "GET", "/health");
    expect(health.json.feeds.merchant.lastSequence).toBe(1);
  });

  it("the same feed again changes nothing; an old sequence is not applied", async () => {
    const again = await post(ctl, "merchant", "sequence=2", fixture("products.tsv"), {
      "Content-Type": "text/tab-separated-values",
    });
    expect(again.json).toMatchObject({ applied: true, rowsChanged: 0, labelsAffected: 0 });
    const old = await post(ctl, "merchant", "sequence=2", fixture("products.xml"));
    expect(old.json).toMatchObject({ applied: false, itemsRead: 0 });
  });

  it("rejects a batch with one bad item (strict), naming line, item, field and value", async () => {
    const body = rss(
      ITEM("OK-1"),
      ITEM("BAD-1", "<g:sale_price>2.50 USD</g:sale_price>"),
      ITEM("BAD-2").replace("2.00 USD", "1.005 USD"),
    );
    const r = await post(ctl, "merchant", "sequence=3", body);
    expect(r.status).toBe(422);
    expect(r.json.error.details).toEqual([
      { line: 4, itemId: "BAD-1", field: "sale_price", value: "2.50 USD", reason: "must be below price" },
      {
        line: 5,
        itemId: "BAD-2",
        field: "price",
        value: "1.005 USD",
        reason: '"1.005" has 3 decimal places; USD allows 2',
      },
    ]);
    expect((await api(ctl.httpUrl, "GET", "/products/OK-1")).status).toBe(404);
    // A rejected batch consumes no sequence.
    expect((await api(ctl.httpUrl, "GET", "/health")).json.feeds.merchant.lastSequence).toBe(2);
  });

  it("?invalid=skip applies the valid items and lists the rest", async () => {
    const body = rss(
      ITEM("TEE-BLACK-M", "", "15.00 USD"),
      ITEM("OIL-750", "", "9.99 USD"),
      ITEM("LAMP-2", "", "49.00 USD"),
      ITEM("OK-1"),
      ITEM("BAD-1", "<g:sale_price>2.50 USD</g:sale_price>"),
      ITEM("OK-1"),
    );
    const r = await post(ctl, "merchant", "sequence=3&invalid=skip", body);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ applied: true, itemsRead: 6, itemsAccepted: 4, itemsInvalid: 2 });
    expect(r.json.invalid).toEqual([
      { line: 7, itemId: "BAD-1", field: "sale_price", value: "2.50 USD", reason: "must be below price" },
      {
        line: 8,
        itemId: "OK-1",
        field: "id",
        value: "OK-1",
        reason: "appears more than once in this batch (first at line 6)",
      },
    ]);
    expect((await api(ctl.httpUrl, "GET", "/products/OK-1")).json.price.amountMinor).toBe(200);
    expect((await api(ctl.httpUrl, "GET", "/products/BAD-1")).status).toBe(404);
    // The items dropped their sale_price: the sales end now.
    expect((await api(ctl.httpUrl, "GET", "/products/LAMP-2")).json.price.amountMinor).toBe(4900);
  });

  it("takes gzip (Content-Encoding or a gzip body) and refuses other media types", async () => {
    const body = gzipSync(rss(ITEM("GZ-1")));
    const a = await post(ctl, "merchant", "sequence=4&invalid=skip", body, {
      "Content-Type": "application/xml",
      "Content-Encoding": "gzip",
    });
    expect(a.json).toMatchObject({ applied: true, itemsAccepted: 1 });
    const b = await post(ctl, "merchant", "sequence=5", body, { "Content-Type": "application/gzip" });
    expect(b.json).toMatchObject({ applied: true, itemsAccepted: 1 });
    const c = await post(ctl, "merchant", "sequence=6", "x", { "Content-Type": "text/csv" });
    expect(c.status).toBe(415);
    const d = await post(ctl, "merchant", "sequence=6", "<rss><channel><item>", {
      "Content-Type": "text/xml",
    });
    expect(d.status).toBe(422);
    expect(d.json.error.details[0]).toMatchObject({ field: "(syntax)" });
  });

  it("audit-only reads a batch for the audit and leaves the store's data alone", async () => {
    const before = (await api(ctl.httpUrl, "GET", "/products/GZ-1")).json;
    const r = await post(
      ctl,
      "merchant",
      "sequence=7&mode=audit-only",
      rss(
        ITEM("GZ-1").replace("2.00", "3.00"),
        ITEM("NEW-1"),
        ITEM("BAD", "<g:availability>soon</g:availability>"),
      ),
    );
    expect(r.json).toMatchObject({
      mode: "audit-only",
      applied: true,
      itemsAccepted: 2,
      itemsInvalid: 1,
      rowsChanged: 0,
    });
    expect((await api(ctl.httpUrl, "GET", "/products/GZ-1")).json).toEqual(before);
    expect((await api(ctl.httpUrl, "GET", "/products/NEW-1")).status).toBe(404);
  });
});

describe("Merchant Center local inventory", () => {
  let ctl: Controller & { cleanup(): Promise<void> };
  const clock = new ManualClock(DURING_SALE);
  const tsv = { "Content-Type": "text/tab-separated-values" };

  beforeAll(async () => {
    ctl = await startTestController("aedes", {
      clock,
      config: { currency: "USD", timeZone: "America/Los_Angeles", storeCode: "store-sf" },
    });
    await post(ctl, "merchant", "sequence=1", fixture("products.xml"));
  });
  afterAll(async () => {
    await ctl?.cleanup();
  });

  it("takes this store's rows only: quantity → on-hand, a local price over the national one", async () => {
    const r = await post(ctl, "local-inventory", "sequence=1", fixture("local-inventory.tsv"), tsv);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      feed: "local-inventory",
      applied: true,
      itemsRead: 4,
      itemsAccepted: 2,
      itemsOtherStores: 1,
      unknownIds: ["NOT-SOLD-HERE"],
    });
    const tee = (await api(ctl.httpUrl, "GET", "/products/TEE-BLACK-M")).json;
    // The local price replaces 15.00; the national sale (12.00, in its window) is inherited.
    expect(tee.regularPrice.amountMinor).toBe(1400);
    expect(tee.price.amountMinor).toBe(1200);
    expect(tee.stock.onHand).toBe(12);
    expect((await api(ctl.httpUrl, "GET", "/products/OIL-750")).json.stock).toMatchObject({
      onHand: 0,
      state: "out",
    });
  });

  it("a later product feed keeps the local price; a local feed without the row gives the national one back", async () => {
    await post(ctl, "merchant", "sequence=2", fixture("products.xml"));
    expect((await api(ctl.httpUrl, "GET", "/products/TEE-BLACK-M")).json.regularPrice.amountMinor).toBe(1400);
    const only = "store_code\tid\tquantity\nstore-sf\tOIL-750\t4\n";
    await post(ctl, "local-inventory", "sequence=2", only, tsv);
    expect((await api(ctl.httpUrl, "GET", "/products/TEE-BLACK-M")).json.regularPrice.amountMinor).toBe(1500);
  });

  it("store codes are case-sensitive; a local row needs a SKU the store knows", async () => {
    const r = await post(
      ctl,
      "local-inventory",
      "sequence=3",
      "store_code\tid\tquantity\nSTORE-SF\tOIL-750\t9\n",
      tsv,
    );
    expect(r.json).toMatchObject({ itemsOtherStores: 1, itemsAccepted: 0 });
    const x = await post(ctl, "local-inventory", "sequence=4", fixture("products.xml"), {
      "Content-Type": "text/xml",
    });
    expect(x.status).toBe(415);
  });
});
