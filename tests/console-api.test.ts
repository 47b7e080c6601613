import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../controller/app.ts";
import { api, authFetch, postFeed, startTestController, TEST_ADMIN_TOKEN } from "./support/harness.ts";

/** The routes the console added: product search, price history, label filters, feeds ledger, events. */
describe("console API routes", () => {
  let ctl: Controller & { cleanup(): Promise<void> };
  beforeAll(async () => {
    ctl = await startTestController("aedes");
    const products = ["sku,gtin,name,brand", "A-1,4006381333931,Arabica Coffee,Röstwerk"];
    for (let i = 2; i <= 30; i++) products.push(`A-${i},,Tea ${i},Leaf`);
    expect((await postFeed(ctl.httpUrl, "products", 1, products.join("\n"))).status).toBe(200);
    expect(
      (
        await postFeed(
          ctl.httpUrl,
          "prices",
          1,
          "sku,price,currency,effectiveFrom\nA-1,7.49,EUR,2020-01-01T00:00\n",
        )
      ).status,
    ).toBe(200);
    for (const id of ["L1", "L2", "L3"]) await api(ctl.httpUrl, "POST", "/labels", { labelId: id });
    await api(ctl.httpUrl, "PUT", "/labels/L1/link", { sku: "A-1" });
    ctl.labels.recordStates([
      {
        labelId: "L2",
        displayedHash: null,
        displayedVersion: null,
        battery: 12,
        rssi: -90,
        seenAt: Date.now(),
      },
    ]);
  });
  afterAll(() => ctl?.cleanup());

  it("finds products by GTIN, SKU and name, and pages with a cursor", async () => {
    const byGtin = await api(ctl.httpUrl, "GET", "/products?q=4006381333931");
    expect(byGtin.json.items.map((p: { sku: string }) => p.sku)).toEqual(["A-1"]);
    expect(byGtin.json.items[0].price.text).toContain("7,49");
    const byName = await api(ctl.httpUrl, "GET", "/products?q=tea&limit=20");
    expect(byName.json.items).toHaveLength(20);
    const next = await api(ctl.httpUrl, "GET", `/products?q=tea&limit=20&cursor=${byName.json.nextCursor}`);
    expect(next.json.items).toHaveLength(9);
    expect(next.json.nextCursor).toBeNull();
    const all = new Set([...byName.json.items, ...next.json.items].map((p: { sku: string }) => p.sku));
    expect(all.size).toBe(29);
    expect((await api(ctl.httpUrl, "GET", "/products?q=%25")).json.items).toEqual([]);
    expect((await api(ctl.httpUrl, "GET", "/products?limit=0")).status).toBe(400);
  });

  it("answers the price history as one point per change", async () => {
    await api(ctl.httpUrl, "POST", "/overrides", {
      sku: "A-1",
      price: "6.99",
      reason: "test",
      start: new Date(Date.now() - 86_400_000).toISOString(),
      end: new Date(Date.now() + 86_400_000).toISOString(),
    });
    const h = await api(ctl.httpUrl, "GET", "/products/A-1/history");
    expect(h.status).toBe(200);
    expect(h.json.points.map((p: { price: { amountMinor: number } }) => p.price.amountMinor)).toEqual([
      749, 699, 749,
    ]);
    expect((await api(ctl.httpUrl, "GET", "/products/NOPE/history")).status).toBe(404);
  });

  it("filters labels by the dashboard's counters and pages with Next-After", async () => {
    const ids = async (q: string) =>
      (await api(ctl.httpUrl, "GET", `/labels?${q}`)).json.map((l: { labelId: string }) => l.labelId);
    expect(await ids("filter=unlinked")).toEqual(["L2", "L3"]);
    expect(await ids("filter=low_battery")).toEqual(["L2"]);
    expect(await ids("filter=weak_signal")).toEqual(["L2"]);
    expect(await ids("q=a-1")).toEqual(["L1"]);
    const page = await authFetch(`${ctl.httpUrl}/api/v1/labels?limit=2`);
    expect(page.headers.get("Next-After")).toBe("L2");
    expect(await ids("limit=2&after=L2")).toEqual(["L3"]);
    expect((await api(ctl.httpUrl, "GET", "/labels?filter=bogus")).status).toBe(400);
    const sync = await api(ctl.httpUrl, "GET", "/sync");
    expect([sync.json.lowBattery, sync.json.weakSignal]).toEqual([1, 1]);
  });

  it("lists the feed ledger with recent batches", async () => {
    const r = await api(ctl.httpUrl, "GET", "/feeds");
    expect(r.json.feeds.products.lastSequence).toBe(1);
    expect(r.json.batches.map((b: { feed: string }) => b.feed).sort()).toEqual(["prices", "products"]);
    expect(r.json.batches[0]).toMatchObject({ sequence: 1, format: "csv" });
  });

  it("streams sync events: the state at once, and again after a change", async () => {
    const abort = new AbortController();
    const res = await authFetch(`${ctl.httpUrl}/api/v1/events`, { signal: abort.signal }, TEST_ADMIN_TOKEN);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = (res.body as ReadableStream<BufferSource>)
      .pipeThrough(new TextDecoderStream())
      .getReader();
    const events: { unlinked: number }[] = [];
    let buffer = "";
    const nextEvent = async () => {
      for (;;) {
        const m = buffer.match(/event: sync\ndata: (.*)\n\n/);
        if (m) {
          buffer = buffer.slice((m.index ?? 0) + m[0].length);
          return JSON.parse(m[1] ?? "{}");
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("stream ended");
        buffer += value;
      }
    };
    events.push(await nextEvent());
    expect(events[0]?.unlinked).toBe(2);
    await api(ctl.httpUrl, "PUT", "/labels/L3/link", { sku: "A-2" });
    events.push(await nextEvent());
    expect(events[1]?.unlinked).toBe(1);
    abort.abort();
    expect((await authFetch(`${ctl.httpUrl}/api/v1/events`, {}, null)).status).toBe(401);
  });
});
