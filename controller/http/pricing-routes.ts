import { randomUUID } from "node:crypto";
import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import {
  type ApprovalReply,
  applyPromotionPatch,
  decisionBodySchema,
  ID_PATTERN,
  InstantError,
  MoneyError,
  type PriceReply,
  type Promotion,
  parseDecimalToMinor,
  parseInstant,
  promotionCreateBodySchema,
  promotionPatchBodySchema,
  skuSchema,
} from "../../schemas/index.ts";
import { APPROVER_ROLES } from "../auth.ts";
import { money } from "../labels/content.ts";
import { checkGuardRail } from "../pricing/index.ts";
import type { ControllerServices } from "../services.ts";
import type { ApprovalRecord } from "../store/approvals.ts";
import type { TokenIdentity } from "../store/tokens.ts";
import { apiError, readBody } from "./errors.ts";

const actorBodySchema = z.object({
  author: z.string().min(1).max(100),
  reason: z.string().max(500).optional(),
});
const overrideBodySchema = z.object({
  sku: skuSchema,
  price: z.string({ error: 'must be a decimal string such as "2.49"' }),
  currency: z.string().length(3).optional(),
  start: z.string().optional(),
  end: z.string().optional(),
  author: z.string().min(1).max(100),
  reason: z.string().min(1).max(500),
});

/** Promotions, overrides, approvals, audit and price replay (issue 3). */
export function pricingRoutes(s: ControllerServices): Hono {
  const guardRail = { maxCutShare: s.config.guardMaxCut, maxRaiseShare: s.config.guardMaxRaise };
  const api = new Hono();
  const tz = s.config.timeZone;
  const createSchema = promotionCreateBodySchema(tz);
  const patchSchema = promotionPatchBodySchema(tz);
  const { promotions, approvals, audit, tokens, catalog } = s.stores;

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

  const identity = (c: Context): TokenIdentity | undefined => {
    const header = c.req.header("Authorization");
    const token = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
    return token ? tokens.identify(token) : undefined;
  };

  const refresh = (skus: Set<string>) => s.sync.refreshSkus(skus, s.clock.now()).changed;

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

  // ── promotions ──
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
    return c.json({ promotion, labelsAffected: refresh(touched) }, 201);
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
    return c.json({ promotion: patched.promotion, labelsAffected: refresh(touched) });
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
    return c.json({ promotionId: existing.promotionId, labelsAffected: refresh(touched) });
  });

  // ── staff price overrides ──
  api.post("/overrides", async (c) => {
    const body = await readBody(c, overrideBodySchema);
    if (!body.ok) return body.response;
    const b = body.value;
    if (!catalog.product(b.sku)) {
      return apiError(c, 422, "unknown_sku", `no product with SKU "${b.sku}"`, [
        { field: "sku", reason: "not in the product catalogue" },
      ]);
    }
    const now = s.clock.now();
    const currency = b.currency ?? s.sync.resolveSku(b.sku, now)?.regularPrice.currency ?? s.config.currency;
    let amountMinor: number;
    let start: number;
    let end: number | null;
    try {
      amountMinor = parseDecimalToMinor(b.price, currency);
      start = b.start ? parseInstant(b.start, tz) : now;
      end = b.end ? parseInstant(b.end, tz) : null;
    } catch (e) {
      if (e instanceof MoneyError)
        return apiError(c, 400, "invalid_body", `price: ${e.message}`, [
          { field: "price", reason: e.message },
        ]);
      if (e instanceof InstantError) return apiError(c, 400, "invalid_body", e.message);
      throw e;
    }
    if (amountMinor <= 0)
      return apiError(c, 400, "invalid_body", "price: must be above zero", [
        { field: "price", reason: "must be above zero" },
      ]);
    if (end !== null && end <= start)
      return apiError(c, 400, "invalid_body", "end: must be after start", [
        { field: "end", reason: "must be after start" },
      ]);
    const override = { sku: b.sku, amountMinor, currency, start, end, author: b.author, reason: b.reason };
    // A staff price is a price change like any other: a fat-fingered 0.09 waits for an approver.
    const current = s.sync.resolveSku(b.sku, start)?.regularPrice;
    const hold = checkGuardRail(current, { amountMinor, currency }, guardRail);
    if (hold) {
      const approvalId = s.stores.transaction(() => {
        const heldId = approvals.hold({
          change: "override",
          sku: b.sku,
          currentAmountMinor: current?.amountMinor ?? null,
          currentCurrency: current?.currency ?? null,
          proposedAmountMinor: amountMinor,
          proposedCurrency: currency,
          effectiveFrom: start,
          effectiveTo: end,
          reason: hold.reason,
          source: `staff:${b.author}`,
          feedSequence: null,
          author: b.author,
          changeReason: b.reason,
          createdAt: now,
        });
        audit.record({
          at: now,
          actor: b.author,
          action: "approval.held",
          entity: "approval",
          entityId: heldId,
          reason: hold.reason,
          before: current ?? null,
          after: override,
        });
        return heldId;
      });
      return c.json({ ...override, held: true, approvalId, holdReason: hold.reason }, 202);
    }
    const id = s.stores.transaction(() => {
      const newId = s.stores.overrides.add(override, now);
      audit.record({
        at: now,
        actor: b.author,
        action: "override.created",
        entity: "override",
        entityId: String(newId),
        reason: b.reason,
        after: override,
      });
      return newId;
    });
    return c.json({ id, ...override, labelsAffected: refresh(new Set([b.sku])) }, 201);
  });

  api.delete("/overrides/:id", async (c) => {
    const id = Number(c.req.param("id"));
    const existing = Number.isInteger(id) ? s.stores.overrides.get(id) : undefined;
    if (!existing) return apiError(c, 404, "unknown_override", `no override ${c.req.param("id")}`);
    const body = await readBody(c, actorBodySchema);
    if (!body.ok) return body.response;
    const now = s.clock.now();
    s.stores.transaction(() => {
      s.stores.overrides.end(id, now);
      audit.record({
        at: now,
        actor: body.value.author,
        action: "override.ended",
        entity: "override",
        entityId: String(id),
        reason: body.value.reason ?? null,
        before: existing,
      });
    });
    return c.json({ id, labelsAffected: refresh(new Set([existing.sku])) });
  });

  // ── approvals ──
  const approvalReply = (a: ApprovalRecord): ApprovalReply => ({
    approvalId: a.approvalId,
    change: a.change,
    sku: a.sku,
    current:
      a.currentAmountMinor === null || a.currentCurrency === null
        ? null
        : money(a.currentAmountMinor, a.currentCurrency, s.config.locale),
    proposed: money(a.proposedAmountMinor, a.proposedCurrency, s.config.locale),
    reason: a.reason,
    source: a.source,
    status: a.status,
    effectiveFrom: a.effectiveFrom === null ? null : new Date(a.effectiveFrom).toISOString(),
    createdAt: new Date(a.createdAt).toISOString(),
    decidedBy: a.decidedBy,
    decidedAt: a.decidedAt === null ? null : new Date(a.decidedAt).toISOString(),
  });

  api.get("/approvals", (c) => {
    const status = c.req.query("status") ?? "pending";
    if (!["pending", "approved", "rejected", "superseded"].includes(status)) {
      return apiError(c, 400, "invalid_status", "status must be pending, approved, rejected or superseded");
    }
    return c.json(approvals.list(status as ApprovalRecord["status"]).map(approvalReply));
  });

  const decide = (verdict: "approved" | "rejected") => async (c: Context) => {
    const who = identity(c);
    if (!who) {
      return apiError(
        c,
        401,
        "unauthenticated",
        "deciding on a price change needs Authorization: Bearer <token> of an ops or manager role",
      );
    }
    if (!APPROVER_ROLES.includes(who.role)) {
      return apiError(
        c,
        403,
        "forbidden",
        `role "${who.role}" may not decide on price changes (ops or manager may)`,
      );
    }
    const approval = approvals.get(c.req.param("approvalId") ?? "");
    if (!approval) return apiError(c, 404, "unknown_approval", `no approval "${c.req.param("approvalId")}"`);
    const body = await readBody(c, decisionBodySchema);
    if (!body.ok) return body.response;
    const now = s.clock.now();
    const decided = s.stores.transaction(() => {
      if (!approvals.decide(approval.approvalId, verdict, who.name, now, body.value.reason ?? null))
        return false;
      if (verdict === "approved") catalog.applyApproved(approval, now);
      audit.record({
        at: now,
        actor: `${who.name} (${who.role})`,
        action: `approval.${verdict}`,
        entity: "approval",
        entityId: approval.approvalId,
        reason: body.value.reason ?? null,
        before: approvalReply(approval),
        after: { status: verdict },
      });
      return true;
    });
    if (!decided)
      return apiError(
        c,
        409,
        "already_decided",
        `approval is ${approvals.get(approval.approvalId)?.status}, not pending`,
      );
    const labelsAffected = verdict === "approved" ? refresh(new Set([approval.sku])) : 0;
    const after = approvals.get(approval.approvalId);
    return c.json({ ...(after ? approvalReply(after) : {}), labelsAffected });
  };
  api.post("/approvals/:approvalId/approve", decide("approved"));
  api.post("/approvals/:approvalId/reject", decide("rejected"));

  // ── audit ──
  api.get("/audit", (c) => {
    const limit = Number(c.req.query("limit") ?? 100);
    return c.json(
      audit
        .list({
          ...(c.req.query("entity") ? { entity: c.req.query("entity") } : {}),
          ...(c.req.query("entityId") ? { entityId: c.req.query("entityId") } : {}),
          ...(c.req.query("action") ? { action: c.req.query("action") } : {}),
          limit: Number.isInteger(limit) && limit > 0 ? limit : 100,
        })
        .map((e) => ({ ...e, at: new Date(e.at).toISOString() })),
    );
  });

  return api;
}
