import { randomUUID } from "node:crypto";
import { type Context, Hono } from "hono";
import {
  actorBodySchema,
  applyPromotionPatch,
  type Promotion,
  promotionCreateBodySchema,
  promotionPatchBodySchema,
} from "../../schemas/index.ts";
import { replyNotes } from "../changes/index.ts";
import type { ControllerServices } from "../services.ts";
import { identityOf } from "./access.ts";
import { apiError, readBody } from "./errors.ts";

/** Promotions from staff (and the list of those that can still matter): create, change, remove. */
export function promotionRoutes(s: ControllerServices): Hono {
  const api = new Hono();
  const { promotions } = s.stores;
  const tz = s.config.timeZone;
  const createSchema = promotionCreateBodySchema(tz);
  const patchSchema = promotionPatchBodySchema(tz);
  api.get("/promotions", (c) => c.json(promotions.live(s.clock.now())));

  api.get("/promotions/:promotionId", (c) => {
    const p = promotions.get(c.req.param("promotionId"));
    return p
      ? c.json(p)
      : apiError(c, 404, "unknown_promotion", `no promotion "${c.req.param("promotionId")}"`);
  });

  /** Central promotions come from ops (the feed or an ops token); the store's own people set local ones. */
  const centralRefused = (c: Context, ...sources: (string | undefined)[]) =>
    sources.includes("central") && identityOf(c).role !== "ops"
      ? apiError(
          c,
          403,
          "central_promotion",
          `central promotions are set and changed by ops; role "${identityOf(c).role}" sets store promotions`,
        )
      : null;

  api.post("/promotions", async (c) => {
    const body = await readBody(c, createSchema);
    if (!body.ok) return body.response;
    const refused = centralRefused(c, body.value.source);
    if (refused) return refused;
    const promotion: Promotion = {
      ...body.value,
      promotionId: body.value.promotionId || `store-${randomUUID().slice(0, 8)}`,
      author: identityOf(c).name,
    };
    if (promotions.get(promotion.promotionId)) {
      return apiError(
        c,
        409,
        "promotion_exists",
        `promotion "${promotion.promotionId}" exists; PATCH it instead`,
      );
    }
    const r = s.changes.createPromotion(promotion, identityOf(c));
    return c.json({ promotion, labelsAffected: r.labelsAffected, ...replyNotes(r) }, 201);
  });

  api.patch("/promotions/:promotionId", async (c) => {
    const existing = promotions.get(c.req.param("promotionId"));
    if (!existing || existing.deleted) {
      return apiError(c, 404, "unknown_promotion", `no promotion "${c.req.param("promotionId")}"`);
    }
    const body = await readBody(c, patchSchema);
    if (!body.ok) return body.response;
    const refused = centralRefused(c, existing.source, body.value.source);
    if (refused) return refused;
    const { deleted: _deleted, ...before } = existing;
    const patched = applyPromotionPatch(before, { ...body.value, author: identityOf(c).name });
    if (!patched.ok) {
      const first = patched.issues[0];
      return apiError(c, 400, "invalid_body", `${first?.field}: ${first?.reason}`, patched.issues);
    }
    const r = s.changes.changePromotion(before, patched.promotion, identityOf(c));
    return c.json({ promotion: patched.promotion, labelsAffected: r.labelsAffected, ...replyNotes(r) });
  });

  api.delete("/promotions/:promotionId", async (c) => {
    const existing = promotions.get(c.req.param("promotionId"));
    if (!existing || existing.deleted) {
      return apiError(c, 404, "unknown_promotion", `no promotion "${c.req.param("promotionId")}"`);
    }
    const body = await readBody(c, actorBodySchema);
    if (!body.ok) return body.response;
    const refused = centralRefused(c, existing.source);
    if (refused) return refused;
    const r = s.changes.removePromotion(existing, identityOf(c), body.value.reason ?? null);
    return c.json({ promotionId: existing.promotionId, labelsAffected: r.labelsAffected, ...replyNotes(r) });
  });

  return api;
}
