import type { Context } from "hono";
import { Hono } from "hono";
import { decisionBodySchema } from "../../schemas/index.ts";
import { APPROVER_ROLES } from "../auth.ts";
import { approvalReply as approvalView, replyNotes } from "../changes/index.ts";
import type { ControllerServices } from "../services.ts";
import type { ApprovalRecord } from "../store/approvals.ts";
import type { TokenIdentity } from "../store/tokens.ts";
import { apiError, readBody } from "./errors.ts";

/** Held price changes and their decisions (ops or manager tokens only), and the audit log. */
export function approvalRoutes(s: ControllerServices): Hono {
  const api = new Hono();
  const { approvals, audit, tokens } = s.stores;
  const identity = (c: Context): TokenIdentity | undefined => {
    const header = c.req.header("Authorization");
    const token = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
    return token ? tokens.identify(token) : undefined;
  };

  const approvalReply = (a: ApprovalRecord) => approvalView(a, s.config.locale);

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
    const r = s.changes.decideApproval(
      approval,
      verdict,
      { name: who.name, role: who.role },
      body.value.reason ?? null,
    );
    if (!r.value.decided)
      return apiError(
        c,
        409,
        "already_decided",
        `approval is ${approvals.get(approval.approvalId)?.status}, not pending`,
      );
    const labelsAffected = r.labelsAffected;
    const after = approvals.get(approval.approvalId);
    return c.json({ ...(after ? approvalReply(after) : {}), labelsAffected, ...replyNotes(r) });
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
