import { describe, expect, it } from "vitest";
import { createLogger } from "../controller/log.ts";
import { offsetClock, systemClock } from "../controller/scheduler/index.ts";
import { api, postFeed, startTestController, waitFor } from "./support/harness.ts";

/**
 * A clock stepped back (NTP, a board without a battery-backed clock booting at its image's date)
 * never blanks a label that showed a price: before, the price fed "now" was not in force at the
 * earlier instant, and every label went blank.
 */
describe("a wall clock stepped back", () => {
  it("keeps the price a label shows, and says so in the log", async () => {
    let offset = 0;
    const lines: string[] = [];
    const log = createLogger("warn", "shelfsync", { destination: { write: (l: string) => lines.push(l) } });
    const ctl = await startTestController("aedes", { clock: offsetClock(systemClock, () => offset), log });
    try {
      await postFeed(ctl.httpUrl, "products", 1, "sku,name,netQuantity,unit\nCOFFEE,Coffee,500,g\n");
      // No effectiveFrom: in force from the instant the batch is applied (now).
      await postFeed(ctl.httpUrl, "prices", 1, "sku,price,currency\nCOFFEE,2.49,EUR\n");
      await api(ctl.httpUrl, "POST", "/labels", { labelId: "L1" });
      await api(ctl.httpUrl, "PUT", "/labels/L1/link", { sku: "COFFEE" });
      const shown = async () =>
        (await api(ctl.httpUrl, "GET", "/labels/L1")).json.content?.price?.amountMinor;
      expect(await shown()).toBe(249);
      const hash = ctl.labels.get("L1")?.contentHash;

      offset = -86_400_000; // a day back
      await waitFor(() => lines.some((l) => l.includes("wall clock stepped")), 10_000, "the step noticed");
      expect(lines.some((l) => l.includes("labels keep the price they show"))).toBe(true);
      expect(await shown()).toBe(249);
      expect(ctl.labels.get("L1")?.contentHash).toBe(hash);

      // Forward again: everything as before, nothing blanked on the way.
      offset = 0;
      await waitFor(() => lines.filter((l) => l.includes("wall clock stepped")).length >= 2, 10_000, "back");
      expect(await shown()).toBe(249);
    } finally {
      await ctl.cleanup();
    }
  }, 30_000);
});
