import type { Context } from "hono";
import { Hono } from "hono";
import {
  approvalReplySchema,
  approvalsQuerySchema,
  auditEntryReplySchema,
  auditQuerySchema,
  type DecisionBody,
  decisionBodySchema,
  decisionReplySchema,
} from "../../schemas/index.ts";
import { approvalReply as approvalView, replyNotes } from "../changes/index.ts";
import type { ControllerServices } from "../services.ts";
import type { ApprovalRecord } from "../store/approvals.ts";
import { identityOf } from "./access.ts";
import { apiError } from "./errors.ts";
import { doc, jsonBody, query } from "./openapi.ts";

/**
 * Held price changes and their decisions (who may decide: the route table, manager and ops), and the
 * audit log. A decision is recorded under the token's person.
 */
export function approvalRoutes(s: ControllerServices): Hono {
  const api = new Hono();
  const { approvals, audit } = s.stores;

  const approvalReply = (a: ApprovalRecord) => approvalView(a, s.config.locale);

  api.get(
    "/approvals",
    doc({
      summary: "Price changes held by a guard rail (`?status=`, pending unless asked)",
      tags: ["approvals"],
      ok: { schema: approvalReplySchema.array() },
      errors: [400],
    }),
    query(approvalsQuerySchema),
    (c) => c.json(approvals.list(c.req.valid("query").status).map(approvalReply)),
  );

  const decide = (verdict: "approved" | "rejected") => (c: Context) => {
    const who = identityOf(c);
    const approval = approvals.get(c.req.param("approvalId") ?? "");
    if (!approval) return apiError(c, 404, "unknown_approval", `no approval "${c.req.param("approvalId")}"`);
    const body = c.req.valid("json" as never) as DecisionBody;
    const r = s.changes.decideApproval(approval, verdict, who, body.reason ?? null);
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
  for (const [path, verdict] of [
    ["approve", "approved"],
    ["reject", "rejected"],
  ] as const) {
    api.post(
      `/approvals/:approvalId/${path}`,
      doc({
        summary:
          verdict === "approved" ? "Approve a held change (it goes into force)" : "Reject a held change",
        description: "Body optional: `{ reason }`. Recorded under the token's person.",
        tags: ["approvals"],
        ok: { schema: decisionReplySchema },
        errors: [400, 404, 409],
      }),
      jsonBody(decisionBodySchema),
      decide(verdict),
    );
  }

  api.get(
    "/audit",
    doc({
      summary: "The append-only audit log, newest first, filtered",
      description: "Page with `before` = the last `id` of the previous page.",
      tags: ["audit"],
      ok: { schema: auditEntryReplySchema.array() },
      errors: [400],
    }),
    query(auditQuerySchema),
    (c) => {
      const f = c.req.valid("query");
      return c.json(
        audit
          .list({
            entity: f.entity,
            entityId: f.entityId,
            action: f.action,
            actor: f.actor,
            since: f.since === undefined ? undefined : Date.parse(f.since),
            until: f.until === undefined ? undefined : Date.parse(f.until),
            beforeId: f.before,
            limit: f.limit,
          })
          .map((e) => ({ ...e, at: new Date(e.at).toISOString() })),
      );
    },
  );

  return api;
}
