import type { Clock } from "./clock.ts";

interface PendingTimer {
  due: number;
  id: number;
  fn: () => void;
}

/** Guards a test against a timer that keeps re-arming itself at zero delay. */
const MAX_TIMERS_PER_ADVANCE = 10_000_000;

/**
 * A clock for tests that moves only when told. `advance` lets time pass (both clocks move, due
 * timers fire in order of their due time, each seeing the clock at its own due time); `jump` steps
 * only the wall clock, as NTP does, so timers (monotonic) are unaffected.
 */
export class ManualClock implements Clock {
  #wall: number;
  #mono: number;
  #timers = new Map<number, PendingTimer>();
  #nextId = 1;
  #advancing = false;

  constructor(wallStartMs = 0, monotonicStartMs = 0) {
    this.#wall = wallStartMs;
    this.#mono = monotonicStartMs;
  }

  now(): number {
    return this.#wall;
  }

  monotonic(): number {
    return this.#mono;
  }

  setTimeout(fn: () => void, ms: number): number {
    const id = this.#nextId++;
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    this.#timers.set(id, { due: this.#mono + delay, id, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === "number") this.#timers.delete(handle);
  }

  /** How many timers are armed (lets a test check that `stop()` left nothing behind). */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Let `ms` pass on both clocks, firing every timer that comes due on the way (0 fires what is due now). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`advance needs a non-negative duration, got ${ms}`);
    if (this.#advancing) throw new Error("ManualClock.advance called from inside a timer");
    this.#advancing = true;
    try {
      const target = this.#mono + ms;
      for (let fired = 0; ; fired++) {
        const next = this.#earliest();
        if (!next || next.due > target) break;
        if (fired >= MAX_TIMERS_PER_ADVANCE) throw new Error("ManualClock: timers keep re-arming");
        this.#timers.delete(next.id);
        this.#wall += next.due - this.#mono;
        this.#mono = next.due;
        next.fn();
      }
      this.#wall += target - this.#mono;
      this.#mono = target;
    } finally {
      this.#advancing = false;
    }
  }

  /** Step the wall clock by `ms` (negative = backward) without any time passing. */
  jump(ms: number): void {
    this.#wall += ms;
  }

  #earliest(): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const t of this.#timers.values()) {
      if (!best || t.due < best.due || (t.due === best.due && t.id < best.id)) best = t;
    }
    return best;
  }
}
