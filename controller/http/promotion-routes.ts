import { randomUUID } from "node:crypto";
import { type Context, Hono } from "hono";
import { z } from "zod";
import {
  actorBodySchema,
  applyPromotionPatch,
  type Promotion,
  promotionChangeReplySchema,
  promotionCreateBodySchema,
  promotionPatchBodySchema,
  promotionReplySchema,
  promotionView,
} from "../../schemas/index.ts";
import { replyNotes } from "../changes/index.ts";
import type { ControllerServices } from "../services.ts";
import { identityOf } from "./access.ts";
import { apiError } from "./errors.ts";
import { doc, jsonBody } from "./openapi.ts";

const TAGS = ["promotions"];

/** A promotion cutting beyond the guard rail waits for an approval (like an override): 202. */
const HELD_DOC = {
  status: 202,
  schema: promotionChangeReplySchema,
  description:
    "Held for an approval: the cut per item is beyond the guard rail; nothing changed on the shelf",
};
const heldReply = (o: { approvalId: string; holdReason: string }) => ({
  labelsAffected: 0,
  held: true,
  approvalId: o.approvalId,
  holdReason: o.holdReason,
});

/** Promotions from staff (and the list of those that can still matter): create, change, remove. */
export function promotionRoutes(s: ControllerServices): Hono {
  const api = new Hono();
  const { promotions } = s.stores;
  const tz = s.config.timeZone;
  const createSchema = promotionCreateBodySchema(tz);
  const patchSchema = promotionPatchBodySchema(tz);
  api.get(
    "/promotions",
    doc({
      summary: "Promotions that can still matter: running, upcoming, or within the Omnibus look-back",
      tags: TAGS,
      ok: { schema: promotionReplySchema.array() },
    }),
    (c) => c.json(promotions.live(s.clock.now()).map(promotionView)),
  );

  api.get(
    "/promotions/:promotionId",
    doc({ summary: "One promotion", tags: TAGS, ok: { schema: promotionReplySchema }, errors: [404] }),
    (c) => {
      const p = promotions.get(c.req.param("promotionId"));
      return p
        ? c.json(promotionView(p))
        : apiError(c, 404, "unknown_promotion", `no promotion "${c.req.param("promotionId")}"`);
    },
  );

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

  api.post(
    "/promotions",
    doc({
      summary: "Create a promotion (on the shelf at once, or at its start)",
      description:
        "Without `promotionId` the server assigns one. `source: central` needs an ops token. The author is the token's person. A cut per item beyond the guard rail is answered 202 and waits for an approver.",
      tags: TAGS,
      ok: { status: 201, schema: promotionChangeReplySchema },
      also: [HELD_DOC],
      errors: [400, 409],
    }),
    jsonBody(createSchema),
    (c) => {
      const body = c.req.valid("json");
      const refused = centralRefused(c, body.source);
      if (refused) return refused;
      const promotion: Promotion = {
        ...body,
        promotionId: body.promotionId || `store-${randomUUID().slice(0, 8)}`,
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
      const o = r.value;
      if (o.held) return c.json({ promotion: promotionView(promotion), ...heldReply(o) }, 202);
      return c.json(
        { promotion: promotionView(promotion), labelsAffected: r.labelsAffected, ...replyNotes(r) },
        201,
      );
    },
  );

  api.patch(
    "/promotions/:promotionId",
    doc({
      summary: "Change a promotion: any field but the id",
      description: "`end: null` makes it open-ended; a central promotion needs an ops token.",
      tags: TAGS,
      ok: { schema: promotionChangeReplySchema },
      also: [HELD_DOC],
      errors: [400, 404],
    }),
    jsonBody(patchSchema),
    (c) => {
      const existing = promotions.get(c.req.param("promotionId"));
      if (!existing || existing.deleted) {
        return apiError(c, 404, "unknown_promotion", `no promotion "${c.req.param("promotionId")}"`);
      }
      const body = c.req.valid("json");
      const refused = centralRefused(c, existing.source, body.source);
      if (refused) return refused;
      const { deleted: _deleted, ...before } = existing;
      const patched = applyPromotionPatch(before, { ...body, author: identityOf(c).name });
      if (!patched.ok) {
        const first = patched.issues[0];
        return apiError(c, 400, "invalid_body", `${first?.field}: ${first?.reason}`, patched.issues);
      }
      const r = s.changes.changePromotion(before, patched.promotion, identityOf(c));
      const o = r.value;
      if (o.held) return c.json({ promotion: promotionView(patched.promotion), ...heldReply(o) }, 202);
      return c.json({
        promotion: promotionView(patched.promotion),
        labelsAffected: r.labelsAffected,
        ...replyNotes(r),
      });
    },
  );

  api.delete(
    "/promotions/:promotionId",
    doc({
      summary: "End a promotion now (one that has not started is withdrawn)",
      description: "Body optional: `{ reason }`. A central promotion needs an ops token.",
      tags: TAGS,
      ok: {
        schema: z.object({
          promotionId: z.string(),
          labelsAffected: z.number().int(),
          notes: z.array(z.unknown()).optional(),
        }),
      },
      errors: [400, 404],
    }),
    jsonBody(actorBodySchema),
    (c) => {
      const existing = promotions.get(c.req.param("promotionId"));
      if (!existing || existing.deleted) {
        return apiError(c, 404, "unknown_promotion", `no promotion "${c.req.param("promotionId")}"`);
      }
      const body = c.req.valid("json");
      const refused = centralRefused(c, existing.source);
      if (refused) return refused;
      const r = s.changes.removePromotion(existing, identityOf(c), body.reason ?? null);
      return c.json({
        promotionId: existing.promotionId,
        labelsAffected: r.labelsAffected,
        ...replyNotes(r),
      });
    },
  );

  return api;
}
