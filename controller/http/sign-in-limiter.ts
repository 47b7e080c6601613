/**
 * Failed sign-ins per client address: after `maxFailures` within `windowMs`, that address is refused
 * (429 with Retry-After) until the oldest of those failures leaves the window. A sliding window, so
 * there is no moment at which twice the allowance can be spent. Successful sign-ins do not reset it:
 * holding one valid token must not buy more guesses at others.
 */
export interface SignInLimiter {
  /** Seconds to wait before this address may try again; 0 = it may. */
  retryAfter(address: string, now: number): number;
  failed(address: string, now: number): void;
}

/** Addresses tracked before stale ones are swept (a scan of many addresses must not grow memory). */
const SWEEP_AT = 10_000;

export function signInLimiter(options: { maxFailures: number; windowMs: number }): SignInLimiter {
  const { maxFailures, windowMs } = options;
  /** Per address, the instants of its recent failures, oldest first, at most maxFailures. */
  const failures = new Map<string, number[]>();
  const recent = (address: string, now: number): number[] => {
    const list = failures.get(address);
    if (!list) return [];
    while (list.length > 0 && (list[0] as number) <= now - windowMs) list.shift();
    if (list.length === 0) failures.delete(address);
    return list;
  };
  return {
    retryAfter(address, now) {
      const list = recent(address, now);
      if (list.length < maxFailures) return 0;
      return Math.max(1, Math.ceil(((list[0] as number) + windowMs - now) / 1000));
    },
    failed(address, now) {
      if (failures.size >= SWEEP_AT) for (const a of [...failures.keys()]) recent(a, now);
      const list = recent(address, now);
      list.push(now);
      if (list.length > maxFailures) list.shift();
      failures.set(address, list);
    },
  };
}
