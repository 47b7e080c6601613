import type { Context } from "hono";
import { Hono } from "hono";
import { ID_PATTERN, InstantError, type PriceReply, parseInstant } from "../../schemas/index.ts";
import { notAReductionView } from "../labels/views.ts";
import type { ControllerServices } from "../services.ts";
import { apiError } from "./errors.ts";

/** What was, is or will be in force at any instant: `GET /products/{sku}/price?at=` and
 * `GET /labels/{labelId}/content?at=` (without an offset, `at` is store time). */
export function replayRoutes(s: ControllerServices): Hono {
  const api = new Hono();
  const { catalog } = s.stores;
  const tz = s.config.timeZone;
  /** `?at=` as an instant (ISO 8601; without offset = store time); now when absent. */
  const instantParam = (c: Context): number | Response => {
    const at = c.req.query("at");
    if (at === undefined || at === "") return s.clock.now();
    try {
      return parseInstant(at, tz);
    } catch (e) {
      if (!(e instanceof InstantError)) throw e;
      return apiError(c, 400, "invalid_instant", `at: ${e.message}`);
    }
  };

  api.get("/products/:sku/price", (c) => {
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
  });

  api.get("/labels/:labelId/content", (c) => {
    const id = c.req.param("labelId");
    const label = ID_PATTERN.test(id) ? s.labels.get(id) : undefined;
    if (!label) return apiError(c, 404, "unknown_label", `no label "${id}"`);
    const at = instantParam(c);
    if (at instanceof Response) return at;
    return c.json({ labelId: id, at: new Date(at).toISOString(), content: s.sync.contentAt(label, at) });
  });

  return api;
}
