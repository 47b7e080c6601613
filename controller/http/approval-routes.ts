import type { Context } from "hono";
import { Hono } from "hono";
import { decisionBodySchema } from "../../schemas/index.ts";
import { approvalReply as approvalView, replyNotes } from "../changes/index.ts";
import type { ControllerServices } from "../services.ts";
import type { ApprovalRecord } from "../store/approvals.ts";
import { identityOf } from "./access.ts";
import { apiError, readBody } from "./errors.ts";

/**
 * Held price changes and their decisions (who may decide: the route table, manager and ops), and the
 * audit log. A decision is recorded under the token's person.
 */
export function approvalRoutes(s: ControllerServices): Hono {
  const api = new Hono();
  const { approvals, audit } = s.stores;

  const approvalReply = (a: ApprovalRecord) => approvalView(a, s.config.locale);

  api.get("/approvals", (c) => {
    const status = c.req.query("status") ?? "pending";
    if (!["pending", "approved", "rejected", "superseded"].includes(status)) {
      return apiError(c, 400, "invalid_status", "status must be pending, approved, rejected or superseded");
    }
    return c.json(approvals.list(status as ApprovalRecord["status"]).map(approvalReply));
  });

  const decide = (verdict: "approved" | "rejected") => async (c: Context) => {
    const who = identityOf(c);
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
