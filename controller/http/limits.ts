import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { apiError } from "./errors.ts";

/**
 * Request size and feed concurrency limits: what a hostile or broken client can make the controller
 * hold in memory. JSON API bodies are small and read whole, so they get a small limit, counted while
 * streaming (413 as soon as it is passed, or at once from Content-Length). Feed bodies are streamed
 * and parsed row by row (feeds/parse enforces their own, larger limit while streaming); here a
 * declared Content-Length over it is refused before a byte is read, and only so many feed batches
 * are read and applied at once: the rest wait their turn (their bodies unread, held back by TCP) or,
 * beyond a short queue, get 429 with Retry-After. So no mix of concurrent feeds can exhaust the heap.
 */
export interface LimitOptions {
  /** Largest JSON API body, bytes. */
  maxBodyBytes: number;
  /** Largest feed body, bytes (the same limit the feed parser applies while streaming). */
  maxFeedBytes: number;
  /** Feed batches read and applied at once. */
  feedConcurrency: number;
  /** Feed batches that may wait for a turn; more get 429. */
  feedQueue: number;
}

const FEED_PATH = /^\/api\/v1\/feeds\/[^/]+$/;

export function requestLimits(o: LimitOptions): MiddlewareHandler {
  const jsonLimit = bodyLimit({
    maxSize: o.maxBodyBytes,
    onError: (c) =>
      apiError(
        c,
        413,
        "body_too_large",
        `request body is larger than ${o.maxBodyBytes} bytes (SHELFSYNC_HTTP_MAX_BODY_KB)`,
      ),
  });
  let active = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };

  const feed = async (c: Context, next: () => Promise<void>) => {
    const declared = Number(c.req.header("Content-Length") ?? Number.NaN);
    if (declared > o.maxFeedBytes) {
      return apiError(
        c,
        413,
        "feed_too_large",
        `body of ${declared} bytes is larger than the limit of ${o.maxFeedBytes} bytes (SHELFSYNC_FEED_MAX_MB)`,
      );
    }
    if (active >= o.feedConcurrency) {
      if (waiting.length >= o.feedQueue) {
        c.header("Retry-After", "5");
        return apiError(
          c,
          429,
          "too_many_feeds",
          `${active} feed batches are being applied and ${waiting.length} wait; send this one again later (SHELFSYNC_FEED_CONCURRENCY, SHELFSYNC_FEED_QUEUE)`,
        );
      }
      // The turn is handed over by release(): `active` stays counted for the waiter.
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else active++;
    try {
      await next();
    } finally {
      release();
    }
  };

  return async (c, next) => {
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    if (c.req.method === "POST" && FEED_PATH.test(c.req.path)) return feed(c, next);
    // Media uploads stream to disk with their own limit (controller/screens/media.ts).
    if (c.req.method === "POST" && c.req.path === "/api/v1/screens/media") return next();
    return jsonLimit(c, next);
  };
}
