import type { ApplyResult } from "./adapter.ts";

interface Slot<T> {
  /** The newest value not yet attempted (boxed, so a null value still counts as "something to do"). */
  next: { value: T } | undefined;
  running: boolean;
  failures: number;
  retryTimer: NodeJS.Timeout | undefined;
}

export interface ApplyQueueOptions<T> {
  apply(key: string, value: T): Promise<ApplyResult>;
  /** Delay before retrying after the n-th consecutive failure of a key. */
  retryDelay(failures: number): number;
  maxConcurrent?: number;
  onResult?(key: string, result: ApplyResult, info: { failures: number; willRetry: boolean }): void;
}

export interface ApplyQueueStats {
  running: number;
  waiting: number;
  retrying: number;
}

/**
 * Per-key "newest wins" work queue. A key has at most one apply in flight; values that arrive
 * meanwhile replace each other, so only the latest is applied next (a radio link only ever needs the
 * current image). A failed value is retried after a backoff unless something newer arrived, which
 * is then tried at once instead. Memory is proportional to keys with work, not to all keys.
 */
export class LatestApplyQueue<T> {
  readonly #slots = new Map<string, Slot<T>>();
  /** Keys ready to run, in arrival order (a Set keeps insertion order and drops duplicates). */
  readonly #ready = new Set<string>();
  readonly #options: ApplyQueueOptions<T>;
  readonly #maxConcurrent: number;
  #running = 0;
  #stopped = false;

  constructor(options: ApplyQueueOptions<T>) {
    this.#options = options;
    this.#maxConcurrent = options.maxConcurrent ?? Number.POSITIVE_INFINITY;
  }

  submit(key: string, value: T): void {
    if (this.#stopped) return;
    let slot = this.#slots.get(key);
    if (!slot) {
      slot = { next: undefined, running: false, failures: 0, retryTimer: undefined };
      this.#slots.set(key, slot);
    }
    slot.next = { value };
    if (slot.retryTimer) {
      clearTimeout(slot.retryTimer);
      slot.retryTimer = undefined;
    }
    if (!slot.running) this.#ready.add(key);
    this.#pump();
  }

  /** Forget a key (its label left the bridge): pending and retrying work is dropped. */
  drop(key: string): void {
    const slot = this.#slots.get(key);
    if (!slot) return;
    if (slot.retryTimer) clearTimeout(slot.retryTimer);
    this.#slots.delete(key);
    this.#ready.delete(key);
  }

  stop(): void {
    this.#stopped = true;
    for (const slot of this.#slots.values()) if (slot.retryTimer) clearTimeout(slot.retryTimer);
    this.#slots.clear();
    this.#ready.clear();
  }

  get stats(): ApplyQueueStats {
    let retrying = 0;
    for (const slot of this.#slots.values()) if (slot.retryTimer) retrying++;
    return { running: this.#running, waiting: this.#ready.size, retrying };
  }

  #pump(): void {
    while (!this.#stopped && this.#running < this.#maxConcurrent && this.#ready.size > 0) {
      const key = this.#ready.values().next().value as string;
      this.#ready.delete(key);
      const slot = this.#slots.get(key);
      if (slot && !slot.running && slot.next) void this.#run(key, slot);
    }
  }

  async #run(key: string, slot: Slot<T>): Promise<void> {
    const job = slot.next!;
    slot.next = undefined;
    slot.running = true;
    this.#running++;
    let result: ApplyResult;
    try {
      result = await this.#options.apply(key, job.value);
    } catch (error) {
      result = { ok: false, reason: error instanceof Error ? error.message : String(error) };
    }
    slot.running = false;
    this.#running--;
    if (this.#stopped) return;
    const current = this.#slots.get(key) === slot;
    const willRetry = current && !result.ok && result.retry !== false && !slot.next;
    if (current) {
      slot.failures = result.ok ? 0 : slot.failures + 1;
      if (slot.next) {
        this.#ready.add(key);
      } else if (willRetry) {
        slot.next = job;
        const delay = (!result.ok && result.retryAfterMs) || this.#options.retryDelay(slot.failures);
        slot.retryTimer = setTimeout(() => {
          slot.retryTimer = undefined;
          this.#ready.add(key);
          this.#pump();
        }, delay);
        slot.retryTimer.unref();
      } else {
        this.#slots.delete(key);
      }
    }
    this.#options.onResult?.(key, result, { failures: slot.failures, willRetry });
    this.#pump();
  }
}
