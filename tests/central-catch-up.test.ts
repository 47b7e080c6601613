import { afterAll, describe, expect, it } from "vitest";
import { portInRange } from "./support/brokers.ts";
import { type FakeCentral, startFakeCentral } from "./support/central.ts";
import { getJson, postFeed, startTestController, waitFor } from "./support/harness.ts";

const PRICES = [
  "sku,price,currency\nA,1.00,EUR\nB,1.00,EUR\nC,1.00,EUR\nD,1.00,EUR\n",
  "sku,price,currency\nA,1.10,EUR\nB,1.20,EUR\n",
  "sku,price,currency\nB,1.30,EUR\nD,1.40,EUR\n",
  "sku,price,currency\nA,1.50,EUR\n",
  "sku,price,currency\nC,1.45,EUR\n",
];

describe("central outage and catch-up", () => {
  let central: FakeCentral | undefined;
  let ctl: Awaited<ReturnType<typeof startTestController>> | undefined;
  afterAll(async () => {
    await ctl?.cleanup();
    await central?.close();
  });

  it("serves the last known truth while central is down, then fills the gap and takes what is newer", async () => {
    central = await startFakeCentral(await portInRange(19490, 19499));
    const cen = central;
    cen.add("products", 1, "sku,name\nA,Apples\nB,Bread\nC,Cheese\nD,Dates\n");
    for (const [i, body] of PRICES.entries()) cen.add("prices", i + 1, body);
    cen.down = true;
    ctl = await startTestController("aedes", {
      config: {
        centralUrl: cen.url,
        centralTimeoutSeconds: 2,
        centralRetries: 2,
        centralIntervalSeconds: 0.3,
      },
    });
    const c = ctl;
    const price = async (sku: string) =>
      ((await getJson(`${c.httpUrl}/api/v1/products/${sku}`)) as { price: { amountMinor: number } }).price
        .amountMinor;
    const health = async () => (await getJson(`${c.httpUrl}/api/v1/health`)).central;

    // Batches 1 and 4 reach the store; 2 and 3 were lost on the way. 4 is applied at once.
    expect(
      (await postFeed(c.httpUrl, "products", 1, "sku,name\nA,Apples\nB,Bread\nC,Cheese\nD,Dates\n")).status,
    ).toBe(200);
    expect((await postFeed(c.httpUrl, "prices", 1, PRICES[0] as string)).json).toMatchObject({
      applied: true,
    });
    expect((await postFeed(c.httpUrl, "prices", 4, PRICES[3] as string)).json).toMatchObject({
      applied: true,
    });

    // Central cannot be reached: the store says so, keeps serving what it has, and keeps trying.
    const down = await waitFor(
      async () => {
        const h = await health();
        return h?.reachable === false && h.feeds.prices.missing === 2 ? h : null;
      },
      10_000,
      "health: central unreachable, 2 prices batches missing",
    );
    expect(down).toMatchObject({ behindBy: 2, lastSuccess: null });
    expect(down.url.startsWith(cen.url)).toBe(true);
    expect(Date.parse(down.lastTry)).toBeGreaterThan(Date.now() - 10_000);
    expect(down.error).toMatch(/fetch failed|terminated|socket/i);
    expect((await getJson(`${c.httpUrl}/api/v1/health`)).feeds.prices.gaps).toEqual([{ from: 2, to: 3 }]);
    expect([await price("A"), await price("B"), await price("C"), await price("D")]).toEqual([
      150, 100, 100, 100,
    ]);
    // The run at start (nothing applied yet: after=0) made the first try and its 2 retries, then gave up.
    const firstRun = cen.requests.filter((r) => r.path === "/feeds/products/batches?after=0");
    expect(firstRun.length).toBe(3);

    // Central is back: the next run fills 2 and 3 and takes 5, as if they had come in order.
    cen.down = false;
    const up = await waitFor(
      async () => {
        const h = await health();
        return h?.reachable === true && h.behindBy === 0 ? h : null;
      },
      15_000,
      "health: central reachable, nothing missing",
    );
    expect(up.feeds.prices).toEqual({ missing: 0, newer: 0 });
    const ledger = (await getJson(`${c.httpUrl}/api/v1/health`)).feeds.prices;
    expect(ledger).toMatchObject({ lastSequence: 5, gaps: [] });
    // A: 4 (its 1.10 in batch 2 was superseded by 4); B: 3 (over 2); C: 5; D: 3.
    expect([await price("A"), await price("B"), await price("C"), await price("D")]).toEqual([
      150, 130, 145, 140,
    ]);
    // A superseded row is not written: A's history is batch 1 and batch 4.
    expect(c.catalog.priceHistory("A").map((e) => [e.amountMinor, e.sequence])).toEqual([
      [100, 1],
      [150, 4],
    ]);
    expect(c.catalog.priceHistory("B").map((e) => [e.amountMinor, e.sequence])).toEqual([
      [100, 1],
      [130, 3],
    ]);

    // Polling again costs no body: the same question gets 304 to its If-None-Match.
    await waitFor(
      () => cen.requests.some((r) => r.path === "/feeds/prices/batches?after=5" && r.status === 304),
      10_000,
      "a 304 to If-None-Match",
    );
    const notModified = cen.requests.find(
      (r) => r.path === "/feeds/prices/batches?after=5" && r.status === 304,
    );
    expect(notModified?.ifNoneMatch).toBe('"prices-none-after-5-5"');
  });
});
