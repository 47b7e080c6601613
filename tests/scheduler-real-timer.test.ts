import { describe, expect, it } from "vitest";
import { resolvePrice } from "../controller/pricing/index.ts";
import {
  type Clock,
  createRepriceScheduler,
  offsetClock,
  systemClock,
} from "../controller/scheduler/index.ts";
import { parseInstant } from "../schemas/time.ts";
import { entry, promo } from "./pricing-helpers.ts";

/** Gives up waiting long after the 1 s bar would have been missed, so a broken timer fails, not hangs. */
const GIVE_UP_MS = 5_000;
/** A loose upper bound on lateness: real timers on a busy CI machine are not precise. */
const LOOSE_LATENESS_MS = 1_500;

function firstFiring(clock: Clock, nextChangeAt: (sku: string, after: number) => number | undefined) {
  const warnings: string[] = [];
  let scheduler: ReturnType<typeof createRepriceScheduler> | undefined;
  const fired = new Promise<{ skus: string[]; at: number; wall: number }>((resolve, reject) => {
    const giveUp = setTimeout(() => reject(new Error("the scheduler never fired")), GIVE_UP_MS);
    scheduler = createRepriceScheduler({
      clock,
      nextChangeAt,
      onDue: (skus, at) => {
        clearTimeout(giveUp);
        resolve({ skus, at, wall: clock.now() });
      },
      log: { warn: (msg) => warnings.push(msg), info() {} },
    });
  });
  return { scheduler: scheduler as NonNullable<typeof scheduler>, fired, warnings };
}

describe("reprice scheduler on real timers", () => {
  it("fires a change 300 ms ahead, not before its instant", async () => {
    const instant = Date.now() + 300;
    const { scheduler, fired, warnings } = firstFiring(systemClock, (_sku, after) =>
      after < instant ? instant : undefined,
    );
    try {
      scheduler.track(["A"]);
      const firing = await fired;
      expect(firing.skus).toEqual(["A"]);
      expect(firing.at).toBeGreaterThanOrEqual(instant);
      expect(firing.wall).toBeGreaterThanOrEqual(instant);
      expect(firing.at - instant).toBeLessThanOrEqual(LOOSE_LATENESS_MS);
      expect(warnings).toEqual([]);
    } finally {
      scheduler.stop();
    }
  });

  it("on a clock shifted to 23:59:59.7 store time, puts the midnight promotion on at midnight", async () => {
    const tz = "Europe/Berlin";
    const midnight = parseInstant("2026-03-29T00:00", tz);
    const offset = midnight - 300 - Date.now();
    const storeClock = offsetClock(systemClock, () => offset);
    const input = {
      product: { sku: "A" },
      history: [entry(249, Date.parse("2025-01-01T00:00:00Z"))],
      promotions: [promo("MIDNIGHT", "percent", "20", midnight, null)],
      policy: { timeZone: tz },
    };
    const { scheduler, fired } = firstFiring(
      storeClock,
      (_sku, after) => resolvePrice({ ...input, at: after })?.validUntil,
    );
    try {
      scheduler.track(["A"]);
      expect(resolvePrice({ ...input, at: storeClock.now() })?.price.amountMinor).toBe(249);
      const firing = await fired;
      expect(firing.at).toBeGreaterThanOrEqual(midnight);
      expect(firing.at - midnight).toBeLessThanOrEqual(LOOSE_LATENESS_MS);
      expect(resolvePrice({ ...input, at: firing.at })?.price.amountMinor).toBe(199);
    } finally {
      scheduler.stop();
    }
  });
});
