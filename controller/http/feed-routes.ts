import { type Context, Hono } from "hono";
import { z } from "zod";
import {
  FEED_MEDIA_TYPES,
  FEED_NAMES,
  type FeedName,
  feedReplySchema,
  feedRowSchemas,
  MERCHANT_FEEDS,
} from "../../schemas/index.ts";
import { FeedQueueFull } from "../feeds/admission.ts";
import { FeedRejected, FeedTooLarge, SequenceJumpRefused } from "../feeds/ingest.ts";
import { formatFromContentType } from "../feeds/parse/index.ts";
import type { ControllerServices } from "../services.ts";
import { identityOf } from "./access.ts";
import { apiError } from "./errors.ts";
import { feedSequence, sequenceJumpReply } from "./feed-sequence.ts";
import { feedQueueFull } from "./limits.ts";
import { doc, query } from "./openapi.ts";

const TAGS = ["feeds"];

const FEED_PURPOSE: Record<FeedName, string> = {
  products: "Products: `sku, gtin, name, brand, netQuantity, unit, category, url`.",
  prices:
    'Prices: `sku, price, currency, effectiveFrom, effectiveTo` (`price` a decimal string such as "2.49").',
  stock: "Stock: `sku, onHand`.",
  promotions:
    "Promotions: `promotionId, kind, skus, value, buyQuantity, start, end, priority` (`skus` `|`-separated in CSV).",
  links:
    "Links: `labelId, sku`; an empty `sku` unlinks. A label the store does not know yet is registered (it shows as never seen until it reports).",
};

/** `?sequence=N` (or the Feed-Sequence header), documented; feedSequence() reads either. */
const sequenceQuery = z.object({
  sequence: z
    .string()
    .regex(/^\d{1,15}$/, "must be a non-negative whole number")
    .optional()
    .describe("The batch's sequence (or the Feed-Sequence header); it must be above the feed's last."),
});

/**
 * Feed batches in: one route per feed, each batch in one transaction with its own sequence (DESIGN.md
 * §3a). The ledger and recent batches are read at `GET /feeds` (feed-ledger-routes.ts).
 */
export function feedRoutes(s: ControllerServices): Hono {
  const api = new Hono();
  const rows = feedRowSchemas(s.config.timeZone);

  const postFeed = (feed: FeedName) => async (c: Context) => {
    const seq = feedSequence(c);
    if (!seq.ok) return seq.response;
    const format = formatFromContentType(c.req.header("Content-Type"));
    if (!format) {
      const accepted = Object.values(FEED_MEDIA_TYPES).flat().join(", ");
      return apiError(c, 415, "unsupported_media_type", `Content-Type must be one of ${accepted}`);
    }
    const body = c.req.raw.body ?? new ReadableStream<Uint8Array>({ start: (ctl) => ctl.close() });
    try {
      const reply = await s.ingest({
        feed,
        sequence: seq.sequence,
        format,
        body,
        actor: identityOf(c),
        refuseWhenFull: true,
      });
      if (reply.applied) s.log.info("feed batch applied", { ...reply });
      return c.json(reply);
    } catch (e) {
      if (e instanceof FeedQueueFull) return feedQueueFull(c, e);
      if (e instanceof FeedTooLarge) return apiError(c, 413, "feed_too_large", e.message);
      if (e instanceof SequenceJumpRefused) return sequenceJumpReply(c, e);
      if (!(e instanceof FeedRejected)) throw e;
      return apiError(c, 422, "feed_rejected", e.message, e.details);
    }
  };

  // One route per feed: each has its own rows (and, in the route table, its own roles).
  for (const feed of FEED_NAMES) {
    const row = rows[feed] as z.ZodType;
    api.post(
      `/feeds/${feed}`,
      doc({
        summary: `A ${feed} feed batch`,
        description: `${FEED_PURPOSE[feed]} Every row is validated, then the batch is applied in one transaction or not at all. A sequence not above the feed's last is answered 200 with \`applied: false\` and changes nothing; a rejected batch consumes no sequence.`,
        tags: TAGS,
        ok: { schema: feedReplySchema },
        errors: [400, 409, 413, 415, 422, 429],
        body: {
          description:
            "CSV with a header row (header names = JSON keys), NDJSON (one row a line) or a JSON array of rows.",
          content: {
            "text/csv": { schema: z.string() },
            "application/x-ndjson": { schema: row },
            "application/json": { schema: z.array(row) },
          },
        },
      }),
      query(sequenceQuery),
      postFeed(feed),
    );
  }
  api.post(
    "/feeds/:feed",
    doc({ summary: "Any other feed name: 404 with the list of feeds", tags: TAGS, ok: {}, errors: [404] }),
    (c) =>
      apiError(
        c,
        404,
        "unknown_feed",
        `unknown feed "${c.req.param("feed")}"; feeds are ${[...FEED_NAMES, ...MERCHANT_FEEDS].join(", ")}`,
      ),
  );

  return api;
}
