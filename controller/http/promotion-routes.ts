import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import {
  actorBodySchema,
  applyPromotionPatch,
  type Promotion,
  promotionCreateBodySchema,
  promotionPatchBodySchema,
} from "../../schemas/index.ts";
import type { ControllerServices } from "../services.ts";
import { apiError, readBody } from "./errors.ts";

/** Promotions from staff (and the list of those that can still matter): create, change, remove. */
export function promotionRoutes(s: ControllerServices): Hono {
  const api = new Hono();
  const { promotions, audit } = s.stores;
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

  api.post("/promotions", async (c) => {
    const body = await readBody(c, createSchema);
    if (!body.ok) return body.response;
    const promotion: Promotion = {
      ...body.value,
      promotionId: body.value.promotionId || `store-${randomUUID().slice(0, 8)}`,
    };
    if (promotions.get(promotion.promotionId)) {
      return apiError(
        c,
        409,
        "promotion_exists",
        `promotion "${promotion.promotionId}" exists; PATCH it instead`,
      );
    }
    const now = s.clock.now();
    const touched = s.stores.transaction(() => {
      const skus = promotions.save(promotion, now, null);
      audit.record({
        at: now,
        actor: promotion.author ?? "unknown",
        action: "promotion.created",
        entity: "promotion",
        entityId: promotion.promotionId,
        reason: promotion.reason ?? null,
        after: promotion,
      });
      return skus;
    });
    return c.json({ promotion, labelsAffected: s.sync.refreshSkus(touched).changed }, 201);
  });

  api.patch("/promotions/:promotionId", async (c) => {
    const existing = promotions.get(c.req.param("promotionId"));
    if (!existing || existing.deleted) {
      return apiError(c, 404, "unknown_promotion", `no promotion "${c.req.param("promotionId")}"`);
    }
    const body = await readBody(c, patchSchema);
    if (!body.ok) return body.response;
    const { deleted: _deleted, ...before } = existing;
    const patched = applyPromotionPatch(before, body.value);
    if (!patched.ok) {
      const first = patched.issues[0];
      return apiError(c, 400, "invalid_body", `${first?.field}: ${first?.reason}`, patched.issues);
    }
    const now = s.clock.now();
    const touched = s.stores.transaction(() => {
      const skus = promotions.save(patched.promotion, now, null);
      audit.record({
        at: now,
        actor: patched.promotion.author ?? "unknown",
        action: "promotion.changed",
        entity: "promotion",
        entityId: before.promotionId,
        reason: patched.promotion.reason ?? null,
        before,
        after: patched.promotion,
      });
      return skus;
    });
    return c.json({ promotion: patched.promotion, labelsAffected: s.sync.refreshSkus(touched).changed });
  });

  api.delete("/promotions/:promotionId", async (c) => {
    const existing = promotions.get(c.req.param("promotionId"));
    if (!existing || existing.deleted) {
      return apiError(c, 404, "unknown_promotion", `no promotion "${c.req.param("promotionId")}"`);
    }
    const body = await readBody(c, actorBodySchema);
    if (!body.ok) return body.response;
    const now = s.clock.now();
    const touched = s.stores.transaction(() => {
      const skus = promotions.remove(existing.promotionId, now);
      audit.record({
        at: now,
        actor: body.value.author,
        action: "promotion.removed",
        entity: "promotion",
        entityId: existing.promotionId,
        reason: body.value.reason ?? null,
        before: existing,
      });
      return skus;
    });
    return c.json({ promotionId: existing.promotionId, labelsAffected: s.sync.refreshSkus(touched).changed });
  });

  return api;
}
