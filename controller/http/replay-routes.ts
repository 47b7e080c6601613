import type { Context } from "hono";
import { Hono } from "hono";
import {
  ID_PATTERN,
  InstantError,
  labelContentAtReplySchema,
  type PriceHistoryReply,
  type PriceReply,
  parseInstant,
  priceHistoryReplySchema,
  priceReplySchema,
} from "../../schemas/index.ts";
import { notAReductionView } from "../labels/views.ts";
import type { ControllerServices } from "../services.ts";
import { apiError } from "./errors.ts";
import { doc } from "./openapi.ts";

const DAY_MS = 86_400_000;
/** Points in one history reply; a window with more changes is cut short (`truncated`). */
const HISTORY_MAX_POINTS = 500;

/** What was, is or will be in force at any instant: `GET /products/{sku}/price?at=`,
 * `GET /products/{sku}/history?from=&to=` and `GET /labels/{labelId}/content?at=` (without an
 * offset, an instant is store time). */
export function replayRoutes(s: ControllerServices): Hono {
  const api = new Hono();
  const { catalog } = s.stores;
  const tz = s.config.timeZone;
  /** `?at=` as an instant (ISO 8601; without offset = store time); now when absent. */
  const instantParam = (c: Context, name = "at", fallback = s.clock.now()): number | Response => {
    const at = c.req.query(name);
    if (at === undefined || at === "") return fallback;
    try {
      return parseInstant(at, tz);
    } catch (e) {
      if (!(e instanceof InstantError)) throw e;
      return apiError(c, 400, "invalid_instant", `${name}: ${e.message}`);
    }
  };

  /**
   * The price in force over a window, as the shelf showed it (promotions, overrides and the prior
   * price included): resolved at the window's start and again at each instant the answer may change,
   * so the chart is exactly what the pricing engine says, step by step. Default window: the last 90
   * days and the next 30.
   */
  api.get(
    "/products/:sku/history",
    doc({
      summary: "The price in force over a window (`?from=&to=`), one point per change",
      description: "Default window: the last 90 days and the next 30.",
      tags: ["products"],
      ok: { schema: priceHistoryReplySchema },
      errors: [400, 404],
    }),
    (c) => {
      const sku = c.req.param("sku");
      if (!catalog.product(sku)) return apiError(c, 404, "unknown_sku", `no product with SKU "${sku}"`);
      const now = s.clock.now();
      const from = instantParam(c, "from", now - 90 * DAY_MS);
      if (from instanceof Response) return from;
      const to = instantParam(c, "to", now + 30 * DAY_MS);
      if (to instanceof Response) return to;
      if (to <= from) return apiError(c, 400, "invalid_window", "to: must be after from");
      // Where no price is in force yet, the next price entry's start is the next instant to look at.
      const starts = catalog
        .priceHistory(sku)
        .map((e) => e.effectiveFrom)
        .filter((t) => t > from)
        .sort((a, b) => a - b);
      const points: PriceHistoryReply["points"] = [];
      let truncated = false;
      let lastKey = "";
      for (let t = from; t < to; ) {
        const r = s.sync.resolveSku(sku, t);
        if (r) {
          const key = JSON.stringify([r.price, r.regularPrice, r.referencePrice, r.promo?.promotionId]);
          if (key !== lastKey) {
            if (points.length === HISTORY_MAX_POINTS) {
              truncated = true;
              break;
            }
            points.push({
              at: new Date(t).toISOString(),
              price: r.price,
              regularPrice: r.regularPrice,
              ...(r.referencePrice ? { referencePrice: r.referencePrice } : {}),
              ...(r.promo ? { promo: r.promo } : {}),
            });
            lastKey = key;
          }
        }
        const next = r?.validUntil ?? starts.find((start) => start > t);
        if (next === undefined || next <= t) break;
        t = next;
      }
      const reply: PriceHistoryReply = {
        sku,
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        points,
        truncated,
      };
      return c.json(reply);
    },
  );

  api.get(
    "/products/:sku/price",
    doc({
      summary:
        "The price in force at an instant (`?at=`, ISO 8601; without an offset, store time; absent, now)",
      tags: ["products"],
      ok: { schema: priceReplySchema },
      errors: [400, 404],
    }),
    (c) => {
      const sku = c.req.param("sku");
      if (!catalog.product(sku)) return apiError(c, 404, "unknown_sku", `no product with SKU "${sku}"`);
      const at = instantParam(c);
      if (at instanceof Response) return at;
      const r = s.sync.resolveSku(sku, at);
      if (!r)
        return apiError(
          c,
          404,
          "no_price",
          `no price in force for SKU "${sku}" at ${new Date(at).toISOString()}`,
        );
      const reply: PriceReply = {
        sku,
        at: new Date(at).toISOString(),
        price: r.price,
        regularPrice: r.regularPrice,
        ...(r.referencePrice ? { referencePrice: r.referencePrice } : {}),
        ...(r.unitPrice ? { unitPrice: r.unitPrice } : {}),
        ...(r.promo ? { promo: r.promo } : {}),
        ...(r.memberPrice ? { memberPrice: r.memberPrice } : {}),
        ...(r.validUntil !== undefined ? { validUntil: new Date(r.validUntil).toISOString() } : {}),
        ...(r.warnings?.length ? { warnings: r.warnings } : {}),
        ...(r.notAReduction ? { notAReduction: notAReductionView(sku, r.notAReduction) } : {}),
      };
      return c.json(reply);
    },
  );

  api.get(
    "/labels/:labelId/content",
    doc({
      summary: "What a label shows (showed, will show) at an instant (`?at=`)",
      tags: ["labels"],
      ok: { schema: labelContentAtReplySchema },
      errors: [400, 404],
    }),
    (c) => {
      const id = c.req.param("labelId");
      const label = ID_PATTERN.test(id) ? s.labels.get(id) : undefined;
      if (!label) return apiError(c, 404, "unknown_label", `no label "${id}"`);
      const at = instantParam(c);
      if (at instanceof Response) return at;
      return c.json({ labelId: id, at: new Date(at).toISOString(), content: s.sync.contentAt(label, at) });
    },
  );

  return api;
}
