import { createLogger } from "../log.ts";
import type { Clock } from "./clock.ts";
import { DueHeap } from "./due-heap.ts";

export interface SchedulerLog {
  warn(msg: string, data?: object): void;
  info(msg: string, data?: object): void;
}

export interface RepriceSchedulerOptions {
  clock: Clock;
  /**
   * The first instant strictly after `after` (unix ms) at which `sku`'s shelf answer may change,
   * e.g. `resolvePrice({ …, at: after })?.validUntil`; undefined when nothing is scheduled.
   */
  nextChangeAt: (sku: string, after: number) => number | undefined;
  /** Called once per firing with every SKU that came due; `at` is the wall clock at the firing. */
  onDue: (skus: string[], at: number) => void;
  /** How often the wall clock is checked against the monotonic clock. Default 1000. */
  watchdogMs?: number;
  /** The longest single timer. Default 60_000; never above setTimeout's 2^31−1 ms. */
  maxDelayMs?: number;
  log?: SchedulerLog;
  /**
   * Called after the watchdog saw the wall clock step by `jumpMs` (negative = backward). After a
   * backward step, labels may already show an answer from "the future"; a controller that cares
   * can re-resolve everything here and call `retrackAll()`.
   */
  onClockJump?: (jumpMs: number, now: number) => void;
}

export interface RepriceScheduler {
  /** (Re)compute each SKU's next change via `nextChangeAt(sku, clock.now())` and schedule it. */
  track(skus: Iterable<string>): void;
  untrack(skus: Iterable<string>): void;
  /** `track` every tracked SKU again, including those with nothing scheduled. */
  retrackAll(): void;
  /** The scheduled entries, earliest first (all of them without `limit`). */
  upcoming(limit?: number): { sku: string; at: number }[];
  /** Clears every timer; the scheduler fires nothing afterwards. */
  stop(): void;
}

/** Steps of the wall clock smaller than this are timer jitter or slewing, not worth a log line. */
export const CLOCK_JUMP_TOLERANCE_MS = 500;
const MAX_TIMER_MS = 2 ** 31 - 1;
/** How many SKUs a log line names when a whole batch went wrong. */
const SAMPLE = 5;

export function createRepriceScheduler(options: RepriceSchedulerOptions): RepriceScheduler {
  const { clock, nextChangeAt, onDue, onClockJump } = options;
  const watchdogMs = Math.min(positive(options.watchdogMs ?? 1000, "watchdogMs"), MAX_TIMER_MS);
  const maxDelayMs = Math.min(positive(options.maxDelayMs ?? 60_000, "maxDelayMs"), MAX_TIMER_MS);
  const log = options.log ?? createLogger("info", "shelfsync/scheduler");

  /** Every tracked SKU, whether or not a change is scheduled for it (so `retrackAll` can retry). */
  const tracked = new Set<string>();
  const heap = new DueHeap();
  /** SKUs handed to `onDue` and not yet re-tracked: `untrack`/`track` inside `onDue` must win. */
  const firing = new Set<string>();
  let stopped = false;
  let timer: unknown;
  let armedFor: number | undefined;
  let watchdog: unknown;
  let lastWall = clock.now();
  let lastMono = clock.monotonic();

  function schedule(skus: Iterable<string>, after: number, fromFiring: boolean): void {
    const failures: { sku: string; error: unknown }[] = [];
    const refused: { sku: string; at: unknown }[] = [];
    for (const sku of skus) {
      let at: number | undefined;
      try {
        at = nextChangeAt(sku, after);
      } catch (error) {
        failures.push({ sku, error });
        heap.delete(sku);
        continue;
      }
      if (at === undefined || at === null) {
        heap.delete(sku);
      } else if (typeof at !== "number" || !Number.isFinite(at) || (fromFiring && at <= after)) {
        // Right after a firing, an instant not after it would fire again at once, forever.
        refused.push({ sku, at });
        heap.delete(sku);
      } else {
        heap.set(sku, at);
      }
    }
    if (failures.length > 0) {
      const first = failures[0] as { error: unknown };
      log.warn("nextChangeAt threw; these SKUs stay tracked with nothing scheduled until re-tracked", {
        count: failures.length,
        skus: failures.slice(0, SAMPLE).map((f) => f.sku),
        error: describe(first.error),
      });
    }
    if (refused.length > 0) {
      log.warn("nextChangeAt gave no usable future instant; nothing scheduled for these SKUs", {
        count: refused.length,
        after,
        sample: refused.slice(0, SAMPLE),
      });
    }
  }

  function arm(): void {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
    armedFor = undefined;
    const top = heap.peek();
    if (stopped || !top) return;
    const delay = Math.min(Math.max(Math.ceil(top.at - clock.now()), 0), maxDelayMs);
    armedFor = top.at;
    timer = clock.setTimeout(() => {
      timer = undefined;
      armedFor = undefined;
      fireDue();
    }, delay);
  }

  /** After the heap changed outside a firing: re-arm only if something now comes due sooner. */
  function armIfSooner(): void {
    const top = heap.peek();
    if (!top) {
      if (timer !== undefined) arm();
      return;
    }
    if (timer === undefined || armedFor === undefined || top.at < armedFor) arm();
  }

  function fireDue(): void {
    if (stopped) return;
    const now = clock.now();
    const due: string[] = [];
    for (let top = heap.peek(); top && top.at <= now; top = heap.peek()) {
      heap.pop();
      due.push(top.sku);
      firing.add(top.sku);
    }
    if (due.length > 0) {
      try {
        const result: unknown = onDue(due, now);
        // A promise-returning onDue fits the type too; its rejection must not go unhandled.
        if (isThenable(result)) {
          result.then(undefined, (error: unknown) => logOnDueFailure(error, due.length, now));
        }
      } catch (error) {
        logOnDueFailure(error, due.length, now);
      }
      const stillTracked = due.filter((sku) => firing.has(sku));
      firing.clear();
      schedule(stillTracked, now, true);
    }
    arm();
  }

  function logOnDueFailure(error: unknown, count: number, at: number): void {
    log.warn("onDue threw; the SKUs are re-tracked all the same", { count, at, error: describe(error) });
  }

  function checkClock(): void {
    watchdog = undefined;
    if (stopped) return;
    const wall = clock.now();
    const mono = clock.monotonic();
    const jumpMs = wall - lastWall - (mono - lastMono);
    lastWall = wall;
    lastMono = mono;
    const jumped = Math.abs(jumpMs) > CLOCK_JUMP_TOLERANCE_MS;
    if (jumped) {
      log.warn(jumpMs > 0 ? "wall clock jumped forward" : "wall clock jumped backward", {
        jumpMs: Math.round(jumpMs),
        now: new Date(wall).toISOString(),
      });
    }
    // Also a safety net for a timer that was armed against the wall clock before it stepped. Any
    // drift re-arms, not only logged jumps: a timer counts monotonic time, so even a 1 ms step would
    // otherwise make the next firing that much late.
    const top = heap.peek();
    if (top && top.at <= wall) fireDue();
    else if (jumpMs !== 0) arm();
    if (jumped && onClockJump) {
      try {
        onClockJump(jumpMs, wall);
      } catch (error) {
        log.warn("onClockJump threw", { error: describe(error) });
      }
    }
    if (!stopped) watchdog = clock.setTimeout(checkClock, watchdogMs);
  }

  function track(skus: Iterable<string>): void {
    const list: string[] = [];
    for (const sku of skus) {
      tracked.add(sku);
      firing.delete(sku);
      list.push(sku);
    }
    schedule(list, clock.now(), false);
    armIfSooner();
  }

  function untrack(skus: Iterable<string>): void {
    for (const sku of skus) {
      tracked.delete(sku);
      firing.delete(sku);
      heap.delete(sku);
    }
    armIfSooner();
  }

  function stop(): void {
    stopped = true;
    if (timer !== undefined) clock.clearTimeout(timer);
    if (watchdog !== undefined) clock.clearTimeout(watchdog);
    timer = undefined;
    watchdog = undefined;
    armedFor = undefined;
  }

  watchdog = clock.setTimeout(checkClock, watchdogMs);

  return {
    track,
    untrack,
    retrackAll: () => track([...tracked]),
    upcoming: (limit = Number.POSITIVE_INFINITY) => heap.smallest(limit),
    stop,
  };
}

function positive(value: number, name: string): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a positive number`);
  return value;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
