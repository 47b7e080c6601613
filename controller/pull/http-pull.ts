import { backoffDelay } from "../../lib/backoff.ts";

/**
 * A conditional HTTP GET whose body is streamed into a consumer: the pull of the web shop's
 * Merchant Center feeds, and of anything else a controller fetches from a server it does not own
 * (the central catch-up of SHELFSYNC_CENTRAL_URL).
 *
 *  - `If-None-Match` / `If-Modified-Since` from the last pull: a 304 hands nothing to the consumer.
 *  - One timeout over the whole exchange, body included (AbortSignal.timeout).
 *  - Bounded retries with exponential backoff and jitter, for what a retry can fix: a network
 *    error, a timeout, 429 (honouring Retry-After) and 5xx, before or while the body streams. The
 *    consumer must therefore take the body in a way it can give up (the Merchant Center ingest stages
 *    items and applies only a complete body). Errors of the consumer itself are not retried.
 *  - A size limit counted on the bytes as the consumer sees them (after the transfer's gzip/br
 *    decoding, which fetch does): a body over it is refused, not retried.
 */
export interface Validators {
  etag: string | null;
  lastModified: string | null;
}

export interface PulledResponse {
  status: number;
  url: string;
  contentType: string | null;
  etag: string | null;
  lastModified: string | null;
  /** Any other header of the answer (e.g. the catch-up's Feed-Sequence). */
  header(name: string): string | null;
}

export type PullResult<T> =
  | ({ outcome: "not-modified"; fetchedAt: number; attempts: number } & PulledResponse)
  | ({ outcome: "fetched"; fetchedAt: number; attempts: number; value: T } & PulledResponse);

export interface PullOptions<T> {
  url: string;
  /** What the last pull of this URL was told (a 304 then means "unchanged"). */
  validators?: Validators | undefined;
  /** The whole exchange, body included. */
  timeoutMs: number;
  /** Retries after the first attempt (so `retries + 1` attempts at most). */
  retries?: number;
  backoff?: { initialMs: number; maxMs: number };
  maxBytes: number;
  headers?: Record<string, string>;
  /** Takes the body (size-limited, failing with PullBodyError on transfer problems). */
  consume: (body: ReadableStream<Uint8Array>, response: PulledResponse) => Promise<T>;
  /** For tests: the clock's sleep and time. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
  onRetry?: (attempt: number, delayMs: number, error: Error) => void;
}

/** The server answered with a status that is no body and no 304 (after the retries, if retryable). */
export class PullHttpError extends Error {
  constructor(
    readonly status: number,
    readonly url: string,
  ) {
    super(`GET ${url} answered ${status}`);
  }
}

/** The body is larger than the limit: refused, not retried. */
export class PullTooLarge extends Error {}

/** The transfer failed while the body was being read (network, timeout): retryable. */
export class PullBodyError extends Error {}

const RETRYABLE_STATUS = (s: number) => s === 408 || s === 429 || s >= 500;

function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The body as the consumer reads it: counted against the limit, transfer errors tagged. */
function limitedBody(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
  url: string,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let bytes = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (e) {
        controller.error(
          new PullBodyError(`GET ${url}: the body broke off: ${(e as Error).message}`, { cause: e }),
        );
        return;
      }
      if (r.done) {
        controller.close();
        return;
      }
      bytes += r.value.byteLength;
      if (bytes > maxBytes) {
        await reader.cancel().catch(() => {});
        controller.error(
          new PullTooLarge(`GET ${url}: the body is larger than the limit of ${maxBytes} bytes`),
        );
        return;
      }
      controller.enqueue(r.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

export async function pull<T>(options: PullOptions<T>): Promise<PullResult<T>> {
  const retries = options.retries ?? 3;
  const backoff = options.backoff ?? { initialMs: 1000, maxMs: 30_000 };
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;
  const headers: Record<string, string> = { ...options.headers };
  if (options.validators?.etag) headers["If-None-Match"] = options.validators.etag;
  if (options.validators?.lastModified) headers["If-Modified-Since"] = options.validators.lastModified;

  for (let attempt = 1; ; attempt++) {
    let wait: number | undefined;
    let error: Error;
    try {
      const signal = AbortSignal.timeout(options.timeoutMs);
      const res = await fetch(options.url, { headers, signal, redirect: "follow" });
      const response: PulledResponse = {
        status: res.status,
        url: res.url || options.url,
        contentType: res.headers.get("Content-Type"),
        etag: res.headers.get("ETag"),
        lastModified: res.headers.get("Last-Modified"),
        header: (name) => res.headers.get(name),
      };
      if (res.status === 304) {
        await res.body?.cancel().catch(() => {});
        return {
          outcome: "not-modified",
          fetchedAt: now(),
          attempts: attempt,
          ...response,
          // A 304 may leave the validators out: the last ones still hold.
          etag: response.etag ?? options.validators?.etag ?? null,
          lastModified: response.lastModified ?? options.validators?.lastModified ?? null,
        };
      }
      if (res.status >= 200 && res.status < 300) {
        const body = res.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
        const value = await options.consume(limitedBody(body, options.maxBytes, options.url), response);
        return { outcome: "fetched", fetchedAt: now(), attempts: attempt, value, ...response };
      }
      await res.body?.cancel().catch(() => {});
      error = new PullHttpError(res.status, options.url);
      if (!RETRYABLE_STATUS(res.status)) throw error;
      wait = retryAfterMs(res.headers.get("Retry-After"), now());
    } catch (e) {
      if (e instanceof PullHttpError && !RETRYABLE_STATUS(e.status)) throw e;
      const transfer =
        e instanceof PullBodyError ||
        (e instanceof Error &&
          (e.name === "TimeoutError" || e.name === "AbortError" || e.name === "TypeError"));
      // Anything else came from the consumer (e.g. a rejected feed): retrying would not change it.
      if (!(e instanceof PullHttpError) && !transfer) throw e;
      error = e as Error;
    }
    if (attempt > retries) throw error;
    const delay = Math.max(
      wait ?? 0,
      backoffDelay(attempt, { ...backoff, ...(options.random ? { random: options.random } : {}) }),
    );
    options.onRetry?.(attempt, delay, error);
    await sleep(delay);
  }
}
