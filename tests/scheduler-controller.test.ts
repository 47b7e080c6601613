import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { offsetClock, systemClock } from "../controller/scheduler/index.ts";
import { parseInstant } from "../schemas/index.ts";
import { api, postFeed, startTestController, tempDir, uniqueStoreId, waitFor } from "./support/harness.ts";

const MIDNIGHT = parseInstant("2026-10-25T00:00", "Europe/Berlin"); // the night Berlin falls back
const PRODUCTS = "sku,name,netQuantity,unit\nCOFFEE,Arabica Coffee,500,g\n";
const PRICES = "sku,price,currency,effectiveFrom\nCOFFEE,2.49,EUR,2026-09-01T00:00\n";
const PROMO =
  "promotionId,kind,skus,value,start,end\nNIGHT,fixed,COFFEE,1.99,2026-10-25T00:00,2026-11-01T00:00\n";

const shelfPrice = async (base: string) =>
  (await api(base, "GET", "/labels/L1")).json.content?.price?.amountMinor as number | undefined;

describe("scheduled prices in the controller", () => {
  const dir = tempDir();
  afterAll(() => dir.cleanup());

  it("a price change that fell due while the controller was down is on the shelf as soon as it starts again", async () => {
    const dbPath = join(dir.path, "restart.db");
    const storeId = uniqueStoreId();
    let offset = MIDNIGHT - 60_000 - Date.now();
    const clock = offsetClock(systemClock, () => offset);
    const first = await startTestController("aedes", { dbPath, storeId, clock });
    await postFeed(first.httpUrl, "products", 1, PRODUCTS);
    await postFeed(first.httpUrl, "prices", 1, PRICES);
    await postFeed(first.httpUrl, "promotions", 1, PROMO);
    await api(first.httpUrl, "POST", "/labels", { labelId: "L1" });
    await api(first.httpUrl, "PUT", "/labels/L1/link", { sku: "COFFEE" });
    expect(await shelfPrice(first.httpUrl)).toBe(249);
    await first.stop();

    // Down over midnight: the next start is 30 s past it.
    offset = MIDNIGHT + 30_000 - Date.now();
    const second = await startTestController("aedes", { dbPath, storeId, clock });
    try {
      expect(await shelfPrice(second.httpUrl)).toBe(199);
      expect((await api(second.httpUrl, "GET", "/labels/L1")).json.content.version).toBe(2);
      // And the promotion's end is already scheduled.
      expect(second.scheduler.upcoming().map((e) => e.at)).toContain(
        parseInstant("2026-11-01T00:00", "Europe/Berlin"),
      );
    } finally {
      await second.cleanup();
    }
  });

  it("re-resolves every label when the wall clock steps, forward or back", async () => {
    let offset = MIDNIGHT - 3_600_000 - Date.now();
    const ctl = await startTestController("aedes", { clock: offsetClock(systemClock, () => offset) });
    try {
      await postFeed(ctl.httpUrl, "products", 1, PRODUCTS);
      await postFeed(ctl.httpUrl, "prices", 1, PRICES);
      await postFeed(ctl.httpUrl, "promotions", 1, PROMO);
      await api(ctl.httpUrl, "POST", "/labels", { labelId: "L1" });
      await api(ctl.httpUrl, "PUT", "/labels/L1/link", { sku: "COFFEE" });
      expect(await shelfPrice(ctl.httpUrl)).toBe(249);

      // NTP steps the clock an hour forward, past midnight: the scheduler's watchdog notices.
      offset = MIDNIGHT + 2_000 - Date.now();
      await waitFor(
        async () => (await shelfPrice(ctl.httpUrl)) === 199,
        5_000,
        "promotion after a forward step",
      );

      // And back again: the promotion is not in force at the new "now", so the shelf goes back.
      offset = MIDNIGHT - 3_600_000 - Date.now();
      await waitFor(
        async () => (await shelfPrice(ctl.httpUrl)) === 249,
        5_000,
        "regular price after a backward step",
      );
    } finally {
      await ctl.cleanup();
    }
  });
});
