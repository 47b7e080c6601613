import { Hono } from "hono";
import {
  type MerchantFeed,
  merchantFeedReplySchema,
  SOURCE_MODES,
  type SourceMode,
} from "../../schemas/index.ts";
import { FeedTooLarge, SequenceJumpRefused } from "../feeds/ingest.ts";
import { merchantFormatOf } from "../feeds/merchant/body.ts";
import { MerchantRejected } from "../feeds/merchant/ingest.ts";
import type { ControllerServices } from "../services.ts";
import { apiError } from "./errors.ts";
import { feedSequence, sequenceJumpReply } from "./feed-sequence.ts";
import { doc } from "./openapi.ts";

/**
 * Merchant Center feeds (DESIGN.md §3b): `POST /feeds/merchant` (RSS/Atom XML or TSV, gzip allowed)
 * and `POST /feeds/local-inventory` (TSV), each with its own sequence. `?mode=audit-only` reads the
 * batch for the parity audit only (the default is the source's SHELFSYNC_*_MODE); `?invalid=skip`
 * applies the valid items and lists the rest.
 */
export function merchantRoutes(s: ControllerServices): Hono {
  const api = new Hono();
  const defaultMode: Record<MerchantFeed, SourceMode> = {
    merchant: s.config.onlineFeedMode,
    "local-inventory": s.config.localInventoryMode,
  };

  for (const feed of ["merchant", "local-inventory"] as const) {
    api.post(
      `/feeds/${feed}`,
      doc({
        summary:
          feed === "merchant"
            ? "A Merchant Center product feed (RSS/Atom XML or TSV, gzip allowed)"
            : "A Merchant Center local inventory feed (TSV, gzip allowed)",
        description:
          "`?sequence=N` (or Feed-Sequence), `?mode=import|audit-only`, `?invalid=reject|skip`. See docs/parity.md.",
        tags: ["feeds"],
        ok: { schema: merchantFeedReplySchema },
        errors: [400, 409, 413, 415, 422],
      }),
      async (c) => {
        const seq = feedSequence(c);
        if (!seq.ok) return seq.response;
        const mode = c.req.query("mode") ?? defaultMode[feed];
        if (!(SOURCE_MODES as readonly string[]).includes(mode)) {
          return apiError(c, 400, "invalid_mode", `mode must be ${SOURCE_MODES.join(" or ")}`);
        }
        const invalid = c.req.query("invalid") ?? "reject";
        if (invalid !== "reject" && invalid !== "skip") {
          return apiError(c, 400, "invalid_invalid", "invalid must be reject or skip");
        }
        const format = merchantFormatOf(c.req.header("Content-Type"));
        if (format === undefined || (feed === "local-inventory" && format === "xml")) {
          const accepted =
            feed === "merchant"
              ? "application/rss+xml, application/atom+xml, application/xml, text/xml, text/tab-separated-values (or gzip)"
              : "text/tab-separated-values (or gzip)";
          return apiError(c, 415, "unsupported_media_type", `Content-Type must be one of ${accepted}`);
        }
        const encoding = c.req.header("Content-Encoding")?.trim().toLowerCase();
        if (encoding && encoding !== "gzip" && encoding !== "identity") {
          return apiError(c, 415, "unsupported_encoding", "Content-Encoding must be gzip or identity");
        }
        const body = c.req.raw.body ?? new ReadableStream<Uint8Array>({ start: (ctl) => ctl.close() });
        try {
          const reply = await s.ingestMerchant({
            feed,
            sequence: seq.sequence,
            mode: mode as SourceMode,
            invalid,
            body,
            format: format === "sniff" ? undefined : format,
            gzip: encoding === "gzip",
            maxBytes: s.config.onlineFeedMaxMb * 1024 * 1024,
            source: { kind: "upload", url: null, fetchedAt: null, etag: null },
          });
          if (reply.applied) {
            const { invalid: _listed, warnings: _warned, ...summary } = reply;
            s.log.info("merchant batch applied", summary);
          }
          return c.json(reply);
        } catch (e) {
          if (e instanceof FeedTooLarge) return apiError(c, 413, "feed_too_large", e.message);
          if (e instanceof SequenceJumpRefused) return sequenceJumpReply(c, e);
          if (!(e instanceof MerchantRejected)) throw e;
          return apiError(c, 422, "feed_rejected", e.message, e.details);
        }
      },
    );
  }
  return api;
}
