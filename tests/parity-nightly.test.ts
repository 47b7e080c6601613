import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { nightly } from "../controller/parity/nightly.ts";
import { openStores } from "../controller/store/index.ts";
import { tempDir } from "./support/harness.ts";

const MINUTE = 60_000;
const dir = tempDir();
afterAll(() => dir.cleanup());

/**
 * The nightly parity audit against the product pages (controller/parity/nightly.ts) on an injected
 * clock: the five-minute check is a fake interval, the instant a function the test moves, and each run
 * starts an audit row in a real SQLite store, so what is asserted is what the store recorded.
 */
describe("nightly parity audit scheduling", () => {
  let t = 0;
  let stores: ReturnType<typeof openStores>;
  let n = 0;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    stores = openStores(join(dir.path, `nightly-${n++}.db`));
  });
  afterEach(() => {
    vi.useRealTimers();
    stores.close();
  });

  /** Start the nightly audit at `hour` in Europe/Berlin from `startIso`, then let `hours` pass. */
  function runNights(startIso: string, hour: number, hours: number): string[] {
    stores.close();
    stores = openStores(join(dir.path, `nightly-${n++}.db`));
    t = Date.parse(startIso);
    const job = nightly(
      hour,
      "Europe/Berlin",
      () => t,
      () => {
        stores.parity.startAudit(t, "store-1", JSON.stringify({ kind: "pages" }));
      },
    );
    for (let m = 0; m < hours * 60; m += 5) {
      t += 5 * MINUTE;
      vi.advanceTimersByTime(5 * MINUTE);
    }
    job.stop();
    const at: string[] = [];
    for (let id = 1; ; id++) {
      const a = stores.parity.audit(id);
      if (!a) break;
      at.push(new Date(a.at).toISOString());
    }
    return at;
  }

  it("runs once a night at the hour, not on the day it started after the hour", () => {
    // Started 01:00 CEST: the first run at 02:00 that night, then at 02:00 each night.
    expect(runNights("2026-06-01T23:00:00Z", 2, 48)).toEqual([
      "2026-06-02T00:00:00.000Z",
      "2026-06-03T00:00:00.000Z",
    ]);
    // Started 02:30 CEST, within the hour: that night's run at once.
    expect(runNights("2026-06-02T00:30:00Z", 2, 1)).toEqual(["2026-06-02T00:30:00.000Z"]);
    // Started 03:30 CEST, after the hour: nothing that night, the next at 02:00 the night after.
    expect(runNights("2026-06-02T01:30:00Z", 2, 30)).toEqual(["2026-06-03T00:00:00.000Z"]);
  });

  it("a night whose hour the clock skips runs at the first check after it; a repeated hour runs once", () => {
    // 29 March 2026 in Berlin: 02:00 CET becomes 03:00 CEST, the hour 2 never happens.
    expect(runNights("2026-03-28T23:00:00Z", 2, 3)).toEqual(["2026-03-29T01:00:00.000Z"]);
    // 25 October 2026: 03:00 CEST goes back to 02:00 CET, the hour 2 comes twice; one run.
    expect(runNights("2026-10-24T23:00:00Z", 2, 4)).toEqual(["2026-10-25T00:00:00.000Z"]);
  });

  it("stops: no run after stop()", () => {
    t = Date.parse("2026-06-01T23:00:00Z");
    const job = nightly(
      2,
      "Europe/Berlin",
      () => t,
      () => {
        stores.parity.startAudit(t, "store-1", "{}");
      },
    );
    job.stop();
    t += 2 * 60 * MINUTE;
    vi.advanceTimersByTime(2 * 60 * MINUTE);
    expect(stores.parity.audit(1)).toBeUndefined();
  });
});
