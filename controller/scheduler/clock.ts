/**
 * Time as the scheduler sees it. Two clocks, because they answer different questions: the wall
 * clock says *which* instant it is (prices change at wall-clock instants), the monotonic clock says
 * how much time *passed* (it never steps when NTP corrects the wall clock). Timers run on monotonic
 * time, as Node's do.
 */
export interface Clock {
  /** Wall clock, unix milliseconds. May jump forward or backward. */
  now(): number;
  /** Milliseconds from an arbitrary origin; never jumps. */
  monotonic(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * `base` with its wall clock shifted by `offsetMs()` (read on every call): lets an integration test
 * pretend it is 23:59:58 in the store while real timers run. Changing what `offsetMs` returns looks,
 * to a scheduler, exactly like an NTP step.
 */
export function offsetClock(base: Clock, offsetMs: () => number): Clock {
  return {
    now: () => base.now() + offsetMs(),
    monotonic: () => base.monotonic(),
    setTimeout: (fn, ms) => base.setTimeout(fn, ms),
    clearTimeout: (handle) => base.clearTimeout(handle),
  };
}
