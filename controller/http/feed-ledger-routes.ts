import { Hono } from "hono";
import {
  FEED_NAMES,
  type FeedSequenceResetReply,
  type FeedsReply,
  feedSequenceResetBodySchema,
  feedSequenceResetReplySchema,
  feedsReplySchema,
  type HealthReply,
  MERCHANT_FEEDS,
} from "../../schemas/index.ts";
import type { ControllerServices } from "../services.ts";
import type { LedgerFeed } from "../store/catalog.ts";
import { identityOf } from "./access.ts";
import { apiError } from "./errors.ts";
import { doc, jsonBody } from "./openapi.ts";

const LEDGER_FEEDS: readonly string[] = [...FEED_NAMES, ...MERCHANT_FEEDS];

/** How many recent batches `GET /feeds` lists. */
const RECENT_BATCHES = 50;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Per feed: the last sequence applied, when, and the gaps waiting for catch-up (health and /feeds). */
export function feedLedgerView(s: ControllerServices): HealthReply["feeds"] {
  const feeds: HealthReply["feeds"] = Object.fromEntries(
    [...FEED_NAMES, ...MERCHANT_FEEDS].map((f) => [f, { lastSequence: null, appliedAt: null, gaps: [] }]),
  );
  for (const f of s.catalog.feedLedger()) {
    feeds[f.feed] = { lastSequence: f.lastSequence, appliedAt: iso(f.appliedAt), gaps: f.gaps };
  }
  return feeds;
}

/** `GET /feeds`: the feed ledger and the most recent batches with their counts (the console's feeds page). */
export function feedLedgerRoutes(s: ControllerServices): Hono {
  const api = new Hono();
  api.get(
    "/feeds",
    doc({
      summary: "Every feed's last sequence, when, and gaps; the 50 most recent batches with their counts",
      tags: ["feeds"],
      ok: { schema: feedsReplySchema },
    }),
    (c) => {
      const reply: FeedsReply = {
        feeds: feedLedgerView(s),
        batches: s.catalog
          .recentBatches(RECENT_BATCHES)
          .map((b) => ({ ...b, appliedAt: iso(b.appliedAt) ?? "" })),
      };
      return c.json(reply);
    },
  );

  api.put(
    "/feeds/:feed/sequence",
    doc({
      summary: "Set a feed's last applied sequence (ops; audited)",
      description:
        "The way back from a wrong number: after a batch posted with sequence 999999999999999 every later batch would be `applied: false`. Ledger rows above the new sequence are removed (their data stays applied); the next batch must be above `sequence`. The audit entry (`feed.sequence_reset`) keeps who, why, the sequence before and the removed ones.",
      tags: ["feeds"],
      ok: { schema: feedSequenceResetReplySchema },
      errors: [400, 404],
    }),
    jsonBody(feedSequenceResetBodySchema),
    (c) => {
      const feed = c.req.param("feed");
      if (!LEDGER_FEEDS.includes(feed)) {
        return apiError(
          c,
          404,
          "unknown_feed",
          `unknown feed "${feed}"; feeds are ${LEDGER_FEEDS.join(", ")}`,
        );
      }
      const { sequence, reason } = c.req.valid("json");
      const r = s.changes.resetFeedSequence(feed as LedgerFeed, sequence, reason, identityOf(c)).value;
      s.log.warn("feed sequence reset", { feed, before: r.before, sequence, removed: r.removed.length });
      const reply: FeedSequenceResetReply = {
        feed,
        lastSequence: sequence,
        before: r.before,
        removedBatches: r.removed.length,
      };
      return c.json(reply);
    },
  );
  return api;
}
