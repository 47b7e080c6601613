import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { FEED_NAMES } from "../../schemas/index.ts";
import { type FeedAdmission, FeedQueueFull } from "../feeds/admission.ts";
import { apiError } from "./errors.ts";

/**
 * Request size limits and the HTTP side of the feed queue: what a hostile or broken client can make
 * the controller hold in memory. JSON API bodies are small and read whole, so they get a small
 * limit, counted while streaming (413 as soon as it is passed, or at once from Content-Length). Feed
 * bodies are streamed and parsed row by row (feeds/parse enforces their own, larger limit while
 * streaming); here a declared Content-Length over it is refused before a byte is read. Only so many
 * feed batches are read and applied at once (feeds/admission.ts, one queue for every way a batch
 * comes in): the rest wait their turn (their bodies unread, held back by TCP) or, beyond a short
 * queue, get 429 with Retry-After. So no mix of concurrent feeds can exhaust the heap. A catalogue
 * feed takes its turn in the ingest (so a direct import or a chain message waits in the same queue);
 * the Merchant Center feeds take theirs here.
 */
export interface LimitOptions {
  /** Largest JSON API body, bytes. */
  maxBodyBytes: number;
  /** Largest feed body, bytes (the same limit the feed parser applies while streaming). */
  maxFeedBytes: number;
  /** The process's feed queue. */
  admission: FeedAdmission;
}

/** 429 for a feed batch that found the queue full (its body is left unread). */
export function feedQueueFull(c: Context, e: FeedQueueFull): Response {
  c.header("Retry-After", "5");
  return apiError(c, 429, "too_many_feeds", e.message);
}

const FEED_PATH = /^\/api\/v1\/feeds\/[^/]+$/;
/** The catalogue feeds, whose turn is taken in the ingest (controller/feeds/ingest.ts). */
const CATALOG_FEED_PATH = new RegExp(`^/api/v1/feeds/(${FEED_NAMES.join("|")})$`);

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
    if (CATALOG_FEED_PATH.test(c.req.path)) return next();
    try {
      return await o.admission.turn(next, { refuseWhenFull: true });
    } catch (e) {
      if (e instanceof FeedQueueFull) return feedQueueFull(c, e);
      throw e;
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
