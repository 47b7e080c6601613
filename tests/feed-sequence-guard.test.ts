import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../controller/app.ts";
import { api, authFetch, postFeed, startTestController, tokenFor } from "./support/harness.ts";

/**
 * Feed sequences cannot be squatted: one batch posted with 999999999999999 made every later batch of
 * its feed `applied: false` with no way back short of editing the database. A jump beyond
 * SHELFSYNC_FEED_MAX_SEQUENCE_JUMP is refused; ops can set a feed's sequence, audited.
 */
const PRODUCTS = (sku: string) => `sku,name,netQuantity,unit\n${sku},Product ${sku},1,piece\n`;

describe("feed sequence jumps and resets", () => {
  let ctl: Controller & { cleanup(): Promise<void> };
  beforeAll(async () => {
    ctl = await startTestController("aedes", { config: { feedMaxSequenceJump: 1000 } });
  });
  afterAll(async () => {
    await ctl?.cleanup();
  });

  it("refuses a jump beyond the configured distance with 409, consuming nothing", async () => {
    expect((await postFeed(ctl.httpUrl, "products", 1, PRODUCTS("A"))).json).toMatchObject({ applied: true });
    const squat = await postFeed(ctl.httpUrl, "products", 999999999999999, PRODUCTS("B"));
    expect(squat.status).toBe(409);
    expect(squat.json.error).toMatchObject({
      code: "sequence_jump",
      details: { feed: "products", sequence: 999999999999999, lastSequence: 1, maxJump: 1000 },
    });
    expect(squat.json.error.message).toMatch(/SHELFSYNC_FEED_MAX_SEQUENCE_JUMP/);
    expect(ctl.catalog.lastSequence("products")).toBe(1);
    expect(ctl.catalog.product("B")).toBeUndefined();
    // Within the distance: applied, gap and all.
    expect((await postFeed(ctl.httpUrl, "products", 1001, PRODUCTS("C"))).json).toMatchObject({
      applied: true,
    });
    // A feed's first batch counts from 0.
    expect((await postFeed(ctl.httpUrl, "stock", 5000, "sku,onHand\nA,1\n")).status).toBe(409);
    // Merchant Center feeds too.
    const merchant = await authFetch(`${ctl.httpUrl}/api/v1/feeds/local-inventory?sequence=2000000`, {
      method: "POST",
      headers: { "Content-Type": "text/tab-separated-values" },
      body: "store_code\tid\tquantity\n",
    });
    expect(merchant.status).toBe(409);
  });

  it("ops set a feed's sequence (audited); a manager may not; later batches apply again", async () => {
    const reset = (sequence: unknown, reason: unknown, token?: string) =>
      api(ctl.httpUrl, "PUT", "/feeds/products/sequence", { sequence, reason }, token);
    // A squatted number that got in (here set on purpose, as a store upgraded from before the limit).
    expect((await reset(999999999999999, "simulate the squat")).status).toBe(200);
    expect((await postFeed(ctl.httpUrl, "products", 1002, PRODUCTS("D"))).json).toMatchObject({
      applied: false,
    });

    expect((await reset(1001, "undo", tokenFor(ctl, "manager"))).status).toBe(403);
    const noReason = await reset(1001, "");
    expect(noReason.status).toBe(400);
    expect(noReason.json.error.details[0].field).toBe("reason");
    expect((await api(ctl.httpUrl, "PUT", "/feeds/nope/sequence", { sequence: 1, reason: "x" })).status).toBe(
      404,
    );

    const back = await reset(1001, "batch 999999999999999 was a typo in the central export");
    expect(back.json).toEqual({
      feed: "products",
      lastSequence: 1001,
      before: 999999999999999,
      removedBatches: 1,
    });
    expect(ctl.catalog.lastSequence("products")).toBe(1001);
    expect((await postFeed(ctl.httpUrl, "products", 1002, PRODUCTS("D"))).json).toMatchObject({
      applied: true,
    });
    expect(ctl.catalog.product("D")).toBeDefined();

    const audit = await api(ctl.httpUrl, "GET", "/audit?action=feed.sequence_reset");
    expect(audit.json.items ?? audit.json).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          entityId: "products",
          reason: "batch 999999999999999 was a typo in the central export",
          before: expect.objectContaining({
            lastSequence: 999999999999999,
            removedSequences: [999999999999999],
          }),
          after: { lastSequence: 1001 },
        }),
      ]),
    );
  });
});
