import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { resolvePrice } from "../controller/pricing/index.ts";
import {
  type Clock,
  createRepriceScheduler,
  ManualClock,
  offsetClock,
  type RepriceSchedulerOptions,
} from "../controller/scheduler/index.ts";
import { parseInstant } from "../schemas/time.ts";
import { entry, HOUR, promo } from "./pricing-helpers.ts";

const T0 = Date.parse("2026-06-01T10:00:00Z");
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * HOUR;

interface Fired {
  skus: string[];
  at: number;
  wallAtCall: number;
  monoAtCall: number;
}

/**
 * A scheduler on a ManualClock whose SKUs change at the instants listed in `changes` (mutable, so a
 * test can "edit the data" and re-track). Records every onDue call and every log line.
 */
function setup(
  changes: Map<string, number[]>,
  extra: Partial<RepriceSchedulerOptions> & { clock?: Clock } = {},
  manual = new ManualClock(T0, 0),
) {
  const fired: Fired[] = [];
  const logs: { level: "warn" | "info"; msg: string; data?: object }[] = [];
  const clock = extra.clock ?? manual;
  const scheduler = createRepriceScheduler({
    clock,
    nextChangeAt: (sku, after) => changes.get(sku)?.find((at) => at > after),
    onDue: (skus, at) => {
      fired.push({ skus, at, wallAtCall: clock.now(), monoAtCall: clock.monotonic() });
    },
    log: {
      warn: (msg, data) => logs.push({ level: "warn", msg, ...(data ? { data } : {}) }),
      info: (msg, data) => logs.push({ level: "info", msg, ...(data ? { data } : {}) }),
    },
    ...extra,
  });
  return { clock: manual, scheduler, fired, logs };
}

const table = (entries: Record<string, number[]>) => new Map(Object.entries(entries));

describe("reprice scheduler on a manual clock", () => {
  it("fires at the instant, not a millisecond before", () => {
    const { clock, scheduler, fired } = setup(table({ A: [T0 + 5 * SECOND] }));
    scheduler.track(["A"]);
    expect(scheduler.upcoming()).toEqual([{ sku: "A", at: T0 + 5 * SECOND }]);
    clock.advance(5 * SECOND - 1);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired.map(({ skus, at }) => ({ skus, at }))).toEqual([{ skus: ["A"], at: T0 + 5 * SECOND }]);
    expect(scheduler.upcoming()).toEqual([]);
    scheduler.stop();
  });

  // Found by the property test below (seed 1652905747): a step too small to log still moved the wall
  // clock under a timer that counts monotonic time, so the firing came 1 ms late.
  it("a wall-clock step too small to log is still corrected at the next watchdog tick", () => {
    const { clock, scheduler, fired } = setup(table({ S: [T0] }));
    clock.advance(1739);
    clock.jump(-3117);
    scheduler.track(["S"]);
    clock.advance(261);
    clock.jump(1);
    clock.advance(1116);
    expect(fired.map(({ skus, at }) => ({ skus, at }))).toEqual([{ skus: ["S"], at: T0 }]);
    scheduler.stop();
  });

  it("hands a chain-wide promotion on 20,000 SKUs to onDue in one call", () => {
    const midnight = T0 + HOUR;
    const skus = Array.from({ length: 20_000 }, (_, i) => `SKU-${i}`);
    const changes = new Map(skus.map((sku) => [sku, [midnight, midnight + DAY]]));
    changes.set("OTHER", [midnight + MINUTE]);
    const { clock, scheduler, fired } = setup(changes);
    scheduler.track([...skus, "OTHER"]);
    clock.advance(HOUR);
    expect(fired).toHaveLength(1);
    expect(fired[0]?.at).toBe(midnight);
    expect(new Set(fired[0]?.skus)).toEqual(new Set(skus));
    // Each was re-tracked to its next change (the promotion's end); OTHER keeps its own instant.
    expect(scheduler.upcoming(2)).toEqual([
      { sku: "OTHER", at: midnight + MINUTE },
      { sku: "SKU-0", at: midnight + DAY },
    ]);
    clock.advance(DAY);
    expect(fired.map((f) => [f.at, f.skus.length])).toEqual([
      [midnight, 20_000],
      [midnight + MINUTE, 1],
      [midnight + DAY, 20_000],
    ]);
    scheduler.stop();
  });

  it("re-tracking replaces the SKU's entry, whether the new instant is earlier or later", () => {
    const changes = table({ A: [T0 + 10 * SECOND], B: [T0 + 5 * SECOND] });
    const { clock, scheduler, fired } = setup(changes);
    scheduler.track(["A", "B"]);
    changes.set("A", [T0 + 3 * SECOND]);
    changes.set("B", [T0 + 20 * SECOND]);
    scheduler.track(["A", "B"]);
    expect(scheduler.upcoming()).toEqual([
      { sku: "A", at: T0 + 3 * SECOND },
      { sku: "B", at: T0 + 20 * SECOND },
    ]);
    clock.advance(30 * SECOND);
    expect(fired.map(({ skus, at }) => ({ skus, at }))).toEqual([
      { skus: ["A"], at: T0 + 3 * SECOND },
      { skus: ["B"], at: T0 + 20 * SECOND },
    ]);
    scheduler.stop();
  });

  it("untrack drops a SKU for good: it neither fires nor comes back with retrackAll", () => {
    const { clock, scheduler, fired } = setup(table({ A: [T0 + SECOND], B: [T0 + 2 * SECOND] }));
    scheduler.track(["A", "B"]);
    scheduler.untrack(["A"]);
    scheduler.retrackAll();
    expect(scheduler.upcoming()).toEqual([{ sku: "B", at: T0 + 2 * SECOND }]);
    clock.advance(5 * SECOND);
    expect(fired.flatMap((f) => f.skus)).toEqual(["B"]);
    scheduler.stop();
  });

  it("retrackAll reschedules SKUs that had nothing scheduled when the data changed", () => {
    const changes = table({ A: [] });
    const { clock, scheduler, fired } = setup(changes);
    scheduler.track(["A"]);
    expect(scheduler.upcoming()).toEqual([]);
    changes.set("A", [T0 + 2 * SECOND]);
    scheduler.retrackAll();
    clock.advance(2 * SECOND);
    expect(fired.map((f) => f.at)).toEqual([T0 + 2 * SECOND]);
    scheduler.stop();
  });

  it("an instant already past when tracked fires on the next tick, not inside track", () => {
    const past = T0 - 10 * SECOND;
    const { clock, scheduler, fired, logs } = setup(new Map(), { nextChangeAt: () => past });
    scheduler.track(["A", "B"]);
    expect(fired).toEqual([]);
    clock.advance(0);
    expect(fired.map(({ skus, at }) => ({ skus, at }))).toEqual([{ skus: ["A", "B"], at: T0 }]);
    // After firing, "the next change is in the past" again would loop forever: it is refused.
    clock.advance(10 * SECOND);
    expect(fired).toHaveLength(1);
    expect(scheduler.upcoming()).toEqual([]);
    expect(logs.some((l) => /no usable future instant/.test(l.msg))).toBe(true);
    scheduler.stop();
  });

  it("reaches an instant 3 days ahead through timers capped at maxDelayMs", () => {
    const manual = new ManualClock(T0, 0);
    const delays: number[] = [];
    const recording: Clock = {
      now: () => manual.now(),
      monotonic: () => manual.monotonic(),
      setTimeout: (fn, ms) => {
        delays.push(ms);
        return manual.setTimeout(fn, ms);
      },
      clearTimeout: (h) => manual.clearTimeout(h),
    };
    const at = T0 + 3 * DAY;
    const { scheduler, fired } = setup(table({ A: [at] }), { clock: recording }, manual);
    scheduler.track(["A"]);
    manual.advance(3 * DAY - 1);
    expect(fired).toEqual([]);
    manual.advance(1);
    expect(fired.map((f) => f.at)).toEqual([at]);
    expect(delays.reduce((a, b) => Math.max(a, b))).toBe(60_000);
    expect(delays.filter((d) => d === 60_000).length).toBeGreaterThanOrEqual(3 * 24 * 60 - 1);
    scheduler.stop();
  });

  it("never asks for a timer beyond setTimeout's 2^31-1 ms, even when maxDelayMs says so", () => {
    const manual = new ManualClock(T0, 0);
    const delays: number[] = [];
    const recording: Clock = {
      ...offsetClock(manual, () => 0),
      setTimeout: (fn, ms) => {
        delays.push(ms);
        return manual.setTimeout(fn, ms);
      },
    };
    const at = T0 + 40 * DAY;
    const { scheduler, fired } = setup(
      table({ A: [at] }),
      { clock: recording, maxDelayMs: 1e12, watchdogMs: 7 * DAY },
      manual,
    );
    scheduler.track(["A"]);
    manual.advance(40 * DAY);
    expect(fired.map((f) => f.at)).toEqual([at]);
    expect(delays.reduce((a, b) => Math.max(a, b))).toBe(2 ** 31 - 1);
    scheduler.stop();
  });

  it("after a forward jump of the wall clock, fires what came due within one watchdog period", () => {
    const at = T0 + 10 * MINUTE;
    const { clock, scheduler, fired, logs } = setup(table({ A: [at], B: [T0 + 20 * MINUTE] }));
    scheduler.track(["A", "B"]);
    clock.advance(SECOND / 2);
    clock.jump(10 * MINUTE);
    const jumpedAtMono = clock.monotonic();
    for (let i = 0; i < 20 && fired.length === 0; i++) clock.advance(100);
    expect(fired.map((f) => f.skus)).toEqual([["A"]]);
    expect((fired[0]?.at as number) >= at).toBe(true);
    expect((fired[0]?.monoAtCall as number) - jumpedAtMono).toBeLessThanOrEqual(1000);
    expect(logs.some((l) => l.level === "warn" && /jumped forward/.test(l.msg))).toBe(true);
    // The rest still fires at its own wall-clock instant.
    clock.advance(T0 + 20 * MINUTE - clock.now() - 1);
    expect(fired).toHaveLength(1);
    clock.advance(1);
    expect(fired.map((f) => f.at)).toEqual([fired[0]?.at, T0 + 20 * MINUTE]);
    scheduler.stop();
  });

  it("after a backward jump, fires nothing early and still fires at the wall-clock instant", () => {
    const at = T0 + 10 * SECOND;
    const jumps: number[] = [];
    const { clock, scheduler, fired, logs } = setup(table({ A: [at] }), {
      onClockJump: (ms) => jumps.push(ms),
    });
    scheduler.track(["A"]);
    clock.advance(5 * SECOND);
    clock.jump(-MINUTE);
    // The wall clock now reads T0 - 55 s: the instant is 65 s of real time away.
    clock.advance(65 * SECOND - 1);
    expect(fired).toEqual([]);
    expect(scheduler.upcoming()).toEqual([{ sku: "A", at }]);
    clock.advance(1);
    expect(fired.map((f) => ({ at: f.at, wall: f.wallAtCall }))).toEqual([{ at, wall: at }]);
    expect(logs.some((l) => /jumped backward/.test(l.msg))).toBe(true);
    expect(jumps).toEqual([-MINUTE]);
    scheduler.stop();
  });

  it("treats a change of an offsetClock's offset as a clock jump", () => {
    const manual = new ManualClock(T0, 0);
    let offset = 0;
    const at = T0 + HOUR;
    const { scheduler, fired } = setup(
      table({ A: [at] }),
      { clock: offsetClock(manual, () => offset) },
      manual,
    );
    scheduler.track(["A"]);
    manual.advance(SECOND);
    offset = HOUR;
    manual.advance(SECOND);
    expect(fired.map((f) => f.skus)).toEqual([["A"]]);
    expect((fired[0]?.at as number) >= at).toBe(true);
    scheduler.stop();
  });

  it("survives exceptions from onDue and nextChangeAt, logging them", async () => {
    const clock = new ManualClock(T0, 0);
    const changes = table({ A: [T0 + SECOND, T0 + 2 * SECOND], BAD: [T0 + SECOND], C: [T0 + 3 * SECOND] });
    let broken = true;
    const calls: string[][] = [];
    const warnings: string[] = [];
    const scheduler = createRepriceScheduler({
      clock,
      nextChangeAt: (sku, after) => {
        if (sku === "BAD" && broken) throw new Error("catalogue locked");
        return changes.get(sku)?.find((t) => t > after);
      },
      onDue: (skus, at) => {
        calls.push(skus);
        if (at === T0 + SECOND) throw new Error("publish failed");
        if (at === T0 + 2 * SECOND) return Promise.reject(new Error("async publish failed")) as never;
      },
      log: { warn: (msg) => warnings.push(msg), info() {} },
    });
    scheduler.track(["A", "BAD", "C"]);
    expect(warnings.some((w) => w.startsWith("nextChangeAt threw"))).toBe(true);
    clock.advance(3 * SECOND);
    expect(calls).toEqual([["A"], ["A"], ["C"]]);
    await Promise.resolve();
    expect(warnings.filter((w) => w.startsWith("onDue threw"))).toHaveLength(2);
    // BAD stayed tracked with nothing scheduled; once its data reads again, retrackAll picks it up.
    broken = false;
    changes.set("BAD", [T0 + 4 * SECOND]);
    scheduler.retrackAll();
    clock.advance(SECOND);
    expect(calls.at(-1)).toEqual(["BAD"]);
    scheduler.stop();
  });

  it("respects untrack and track called from inside onDue", () => {
    const clock = new ManualClock(T0, 0);
    const changes = table({ A: [T0 + SECOND, T0 + 2 * SECOND], B: [T0 + SECOND, T0 + 2 * SECOND] });
    const calls: string[][] = [];
    const scheduler = createRepriceScheduler({
      clock,
      nextChangeAt: (sku, after) => changes.get(sku)?.find((t) => t > after),
      onDue: (skus) => {
        calls.push(skus);
        if (calls.length === 1) scheduler.untrack(["A"]);
      },
      log: { warn() {}, info() {} },
    });
    scheduler.track(["A", "B"]);
    clock.advance(5 * SECOND);
    expect(calls).toEqual([["A", "B"], ["B"]]);
    scheduler.stop();
  });

  it("upcoming lists the earliest entries in order, all of them without a limit", () => {
    const instants = [7, 3, 9, 1, 5, 3].map((s) => T0 + s * SECOND);
    const changes = new Map(instants.map((at, i) => [`S${i}`, [at]]));
    const { scheduler } = setup(changes);
    scheduler.track(changes.keys());
    expect(scheduler.upcoming(3)).toEqual([
      { sku: "S3", at: T0 + SECOND },
      { sku: "S1", at: T0 + 3 * SECOND },
      { sku: "S5", at: T0 + 3 * SECOND },
    ]);
    expect(scheduler.upcoming().map((e) => e.at)).toEqual([...instants].sort((a, b) => a - b));
    expect(scheduler.upcoming(0)).toEqual([]);
    scheduler.stop();
  });

  it("stop clears every timer and fires nothing afterwards", () => {
    const { clock, scheduler, fired } = setup(table({ A: [T0 + SECOND] }));
    scheduler.track(["A"]);
    expect(clock.pendingTimers).toBe(2); // the due timer and the watchdog
    scheduler.stop();
    expect(clock.pendingTimers).toBe(0);
    clock.advance(MINUTE);
    expect(fired).toEqual([]);
  });

  it("tracks 100,000 SKUs and fires every one of them once, in order of their instants", () => {
    const n = 100_000;
    const instantOf = (i: number) => T0 + 1 + Math.floor(i / 3) * 7; // some share an instant
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = (i * 7919) % (i + 1);
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    const changes = new Map(order.map((i) => [`SKU-${i}`, [instantOf(i)]]));
    const { clock, scheduler, fired } = setup(changes);
    scheduler.track(order.map((i) => `SKU-${i}`));
    expect(scheduler.upcoming(1)).toEqual([{ sku: expect.any(String), at: instantOf(0) }]);
    clock.advance(instantOf(n - 1) - T0);
    const seen = fired.flatMap((f) => f.skus.map((sku) => ({ sku, at: f.at })));
    expect(seen).toHaveLength(n);
    expect(new Set(seen.map((s) => s.sku)).size).toBe(n);
    const outOfOrder = seen.filter((s, k) => k > 0 && s.at < (seen[k - 1] as { at: number }).at);
    expect(outOfOrder).toEqual([]);
    expect(seen.filter((s) => changes.get(s.sku)?.[0] !== s.at)).toEqual([]);
    expect(fired).toHaveLength(Math.ceil(n / 3));
    scheduler.stop();
  });

  it("fires a promotion from 00:00 Berlin time on the spring-forward day at that absolute instant", () => {
    const tz = "Europe/Berlin";
    const start = parseInstant("2026-03-29T00:00", tz);
    const end = parseInstant("2026-03-29T03:00", tz); // only two real hours later: 02:00 never happens
    expect(new Date(start).toISOString()).toBe("2026-03-28T23:00:00.000Z");
    expect(end - start).toBe(2 * HOUR);
    const input = {
      product: { sku: "A" },
      history: [entry(249, Date.parse("2025-01-01T00:00:00Z"))],
      promotions: [promo("NIGHT", "percent", "20", start, end)],
      policy: { timeZone: tz },
    };
    const clock = new ManualClock(start - 2 * SECOND, 0); // 23:59:58 in the store
    const shown: { at: number; price: number | undefined }[] = [];
    const scheduler = createRepriceScheduler({
      clock,
      nextChangeAt: (_sku, after) => resolvePrice({ ...input, at: after })?.validUntil,
      onDue: (_skus, at) => shown.push({ at, price: resolvePrice({ ...input, at })?.price.amountMinor }),
      log: { warn() {}, info() {} },
    });
    scheduler.track(["A"]);
    clock.advance(2 * SECOND - 1);
    expect(shown).toEqual([]);
    clock.advance(1);
    expect(shown).toEqual([{ at: start, price: 199 }]);
    clock.advance(2 * HOUR);
    expect(shown).toEqual([
      { at: start, price: 199 },
      { at: end, price: 249 },
    ]);
    scheduler.stop();
  });
});

describe("reprice scheduler, property: never early, never late, whatever the clock does", () => {
  const WATCHDOG = 1000;
  const skuNames = ["S0", "S1", "S2", "S3", "S4"];
  const op = fc.oneof(
    fc.record({ kind: fc.constant("track" as const), skus: fc.subarray(skuNames, { minLength: 1 }) }),
    fc.record({ kind: fc.constant("untrack" as const), skus: fc.subarray(skuNames, { minLength: 1 }) }),
    fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 5000 }) }),
    fc.record({ kind: fc.constant("jump" as const), ms: fc.integer({ min: -5000, max: 5000 }) }),
  );
  const instants = fc.uniqueArray(fc.integer({ min: 0, max: 40_000 }), { maxLength: 8 });

  it("holds for random schedules, data edits, advances and wall-clock jumps", () => {
    fc.assert(
      fc.property(
        fc.array(instants, { minLength: 5, maxLength: 5 }),
        fc.array(op, { maxLength: 40 }),
        (lists, ops) => {
          const changes = new Map(
            skuNames.map((sku, i) => [sku, (lists[i] ?? []).map((d) => T0 + d).sort((a, b) => a - b)]),
          );
          const next = (sku: string, after: number) => changes.get(sku)?.find((t) => t > after);
          const clock = new ManualClock(T0, 0);
          /** The model: each tracked SKU's pending instant. */
          const pending = new Map<string, number | undefined>();
          // onDue's exceptions are swallowed by design, so it reports what it saw instead of throwing.
          const violations: string[] = [];
          const warnings: string[] = [];
          const scheduler = createRepriceScheduler({
            clock,
            watchdogMs: WATCHDOG,
            nextChangeAt: next,
            onDue: (skus, at) => {
              if (at !== clock.now()) violations.push(`onDue at ${at} while the clock says ${clock.now()}`);
              if (new Set(skus).size !== skus.length) violations.push(`duplicate SKUs in ${skus}`);
              for (const sku of skus) {
                const due = pending.get(sku);
                if (!pending.has(sku)) violations.push(`${sku} fired while not tracked`);
                else if (due === undefined || due > at) violations.push(`${sku} fired at ${at}, due ${due}`);
                pending.set(sku, next(sku, at));
              }
            },
            log: { warn: (msg) => warnings.push(msg), info() {} },
          });
          let lastJumpMono = Number.NEGATIVE_INFINITY;
          const check = () => {
            if (clock.monotonic() - lastJumpMono < WATCHDOG) return;
            for (const [, at] of pending) if (at !== undefined) expect(at).toBeGreaterThan(clock.now());
          };
          for (const o of ops) {
            if (o.kind === "track") {
              scheduler.track(o.skus);
              for (const sku of o.skus) pending.set(sku, next(sku, clock.now()));
            } else if (o.kind === "untrack") {
              scheduler.untrack(o.skus);
              for (const sku of o.skus) pending.delete(sku);
            } else if (o.kind === "advance") {
              clock.advance(o.ms);
            } else {
              clock.jump(o.ms);
              lastJumpMono = clock.monotonic();
            }
            check();
          }
          clock.advance(WATCHDOG);
          check();
          // Backward jumps may have left the wall clock up to 200 s behind; then every instant comes.
          clock.advance(300_000);
          for (const [, at] of pending) expect(at).toBeUndefined();
          scheduler.stop();
          expect(clock.pendingTimers).toBe(0);
          expect(violations).toEqual([]);
          expect(warnings.filter((w) => !/jumped/.test(w))).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });
});
