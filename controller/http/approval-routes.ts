import type { Context } from "hono";
import { Hono } from "hono";
import { type ApprovalReply, decisionBodySchema } from "../../schemas/index.ts";
import { APPROVER_ROLES } from "../auth.ts";
import { money } from "../labels/content.ts";
import type { ControllerServices } from "../services.ts";
import type { ApprovalRecord } from "../store/approvals.ts";
import type { TokenIdentity } from "../store/tokens.ts";
import { apiError, readBody } from "./errors.ts";

/** Held price changes and their decisions (ops or manager tokens only), and the audit log. */
export function approvalRoutes(s: ControllerServices): Hono {
  const api = new Hono();
  const { approvals, audit, tokens, catalog } = s.stores;
  const identity = (c: Context): TokenIdentity | undefined => {
    const header = c.req.header("Authorization");
    const token = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
    return token ? tokens.identify(token) : undefined;
  };

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
    const labelsAffected = verdict === "approved" ? s.sync.refreshSkus(new Set([approval.sku])).changed : 0;
    const after = approvals.get(approval.approvalId);
    return c.json({ ...(after ? approvalReply(after) : {}), labelsAffected });
  };
  api.post("/approvals/:approvalId/approve", decide("approved"));
  api.post("/approvals/:approvalId/reject", decide("rejected"));

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
