/**
 * The feed queue: how many feed batches are read and applied at once, whoever sends them. A batch
 * holds its validated rows in memory until its transaction (up to SHELFSYNC_FEED_MAX_ROWS rows), so
 * what bounds the controller's memory is the number of batches in that state at once, not the number
 * of ways in: a POSTed batch, a batch pulled from central (feeds/catch-up.ts) and a direct import each
 * take a turn here. Turns go in arrival order; `SHELFSYNC_FEED_CONCURRENCY` run at once and up to
 * `SHELFSYNC_FEED_QUEUE` requests wait, beyond which an HTTP sender is refused (429 + Retry-After).
 * Work the controller starts itself (a catch-up run) waits instead of being refused: it is one batch
 * at a time and would only try again later.
 */
/** SHELFSYNC_FEED_CONCURRENCY and SHELFSYNC_FEED_QUEUE when not set. */
export const FEED_QUEUE_DEFAULTS = { concurrency: 1, queue: 32 } as const;

export interface FeedAdmission {
  /**
   * Run `work` in a turn: at once if fewer than `concurrency` turns are running, else after the
   * turns before it. `refuseWhenFull`: throw FeedQueueFull instead of waiting when the queue is full.
   */
  turn<T>(work: () => Promise<T>, options?: { refuseWhenFull?: boolean }): Promise<T>;
  /** Turns running and waiting now (for /metrics, logs and tests). */
  load(): { active: number; waiting: number; peakActive: number };
}

/** The queue is full: the batch is not read at all (HTTP: 429 with Retry-After). */
export class FeedQueueFull extends Error {
  constructor(
    readonly active: number,
    readonly waiting: number,
  ) {
    super(
      `${active} feed batches are being applied and ${waiting} wait; send this one again later (SHELFSYNC_FEED_CONCURRENCY, SHELFSYNC_FEED_QUEUE)`,
    );
  }
}

export function feedAdmission(options: { concurrency: number; queue: number }): FeedAdmission {
  let active = 0;
  let peakActive = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    // The turn is handed over: `active` stays counted for the waiter.
    if (next) next();
    else active--;
  };
  return {
    async turn(work, turnOptions = {}) {
      if (active >= options.concurrency) {
        if (turnOptions.refuseWhenFull && waiting.length >= options.queue)
          throw new FeedQueueFull(active, waiting.length);
        await new Promise<void>((resolve) => waiting.push(resolve));
      } else {
        active++;
        peakActive = Math.max(peakActive, active);
      }
      try {
        return await work();
      } finally {
        release();
      }
    },
    load: () => ({ active, waiting: waiting.length, peakActive }),
  };
}
