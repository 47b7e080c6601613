/**
 * How many check-ins are due `elapsedMs` after start when `labelCount` labels each check in once
 * per `intervalMs`, evenly spread: label k (0-based) reports at k/labelCount of every interval.
 */
export function checkInsDue(elapsedMs: number, intervalMs: number, labelCount: number): number {
  if (elapsedMs <= 0 || labelCount <= 0) return 0;
  return Math.floor((elapsedMs * labelCount) / intervalMs);
}

/**
 * One timer for the whole fleet. Each tick reports the labels whose slot has passed, walking the
 * fleet in a ring, so N labels cost one timer and reports are spread over the interval instead of
 * arriving in one burst.
 */
export class CheckInRing {
  readonly #intervalMs: number;
  readonly #count: () => number;
  readonly #onCheckIn: (index: number) => void;
  readonly #now: () => number;
  #started = 0;
  #done = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: {
    intervalMs: number;
    count: () => number;
    onCheckIn: (index: number) => void;
    now?: () => number;
  }) {
    this.#intervalMs = options.intervalMs;
    this.#count = options.count;
    this.#onCheckIn = options.onCheckIn;
    this.#now = options.now ?? Date.now;
  }

  start(): void {
    this.#started = this.#now();
    this.#done = 0;
    const count = Math.max(1, this.#count());
    // Often enough to keep the spread, rarely enough to stay idle when labels are few.
    const tickMs = Math.min(1_000, Math.max(20, this.#intervalMs / count));
    this.#timer = setInterval(() => this.tick(), tickMs);
    this.#timer.unref();
  }

  /** Report every check-in due by now; exposed so a test can drive the ring without waiting. */
  tick(): void {
    const count = this.#count();
    if (count === 0) return;
    const due = checkInsDue(this.#now() - this.#started, this.#intervalMs, count);
    // After a stall (suspended laptop, blocked loop) report each label once, not once per missed slot.
    if (due - this.#done > count) this.#done = due - count;
    for (; this.#done < due; this.#done++) this.#onCheckIn(this.#done % count);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
