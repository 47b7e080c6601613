/** The one backoff of the code base: bridge reconnects and retries, OEPL requests, feed pulls. */
export interface BackoffOptions {
  /** Delay before the first retry, ms. */
  initialMs: number;
  /** Upper bound of any delay, ms. */
  maxMs: number;
  /** Growth per attempt; 2 unless told. */
  factor?: number;
  /** Source of randomness in [0, 1); Math.random unless told (tests pass a fixed one). */
  random?: () => number;
}

/**
 * Exponential backoff with "equal jitter": the delay for attempt n (1-based) lies in
 * [cap/2, cap] where cap = min(maxMs, initialMs·factor^(n-1)). Half is fixed so a retry never fires
 * at once; half is random so a fleet that lost the broker together does not come back in lockstep.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const factor = options.factor ?? 2;
  const random = options.random ?? Math.random;
  const exponent = Math.max(0, attempt - 1);
  const cap = Math.min(options.maxMs, options.initialMs * factor ** Math.min(exponent, 64));
  return Math.round(cap / 2 + random() * (cap / 2));
}
