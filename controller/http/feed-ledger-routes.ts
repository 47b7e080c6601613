import { Hono } from "hono";
import {
  FEED_NAMES,
  type FeedsReply,
  feedsReplySchema,
  type HealthReply,
  MERCHANT_FEEDS,
} from "../../schemas/index.ts";
import type { ControllerServices } from "../services.ts";
import { doc } from "./openapi.ts";

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
  return api;
}
