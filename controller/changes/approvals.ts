import type { ApprovalReply } from "../../schemas/index.ts";
import { money } from "../labels/content.ts";
import type { ApprovalRecord, ApprovalStore } from "../store/approvals.ts";
import type { CatalogStore } from "../store/catalog.ts";
import type { Actor } from "./actor.ts";
import type { Applied, Commit, Written } from "./commit.ts";

/** The API's view of a held change (money written in the store's locale). */
export function approvalReply(a: ApprovalRecord, locale: string): ApprovalReply {
  return {
    approvalId: a.approvalId,
    change: a.change,
    sku: a.sku,
    current:
      a.currentAmountMinor === null || a.currentCurrency === null
        ? null
        : money(a.currentAmountMinor, a.currentCurrency, locale),
    proposed: money(a.proposedAmountMinor, a.proposedCurrency, locale),
    reason: a.reason,
    source: a.source,
    status: a.status,
    effectiveFrom: a.effectiveFrom === null ? null : new Date(a.effectiveFrom).toISOString(),
    createdAt: new Date(a.createdAt).toISOString(),
    decidedBy: a.decidedBy,
    decidedAt: a.decidedAt === null ? null : new Date(a.decidedAt).toISOString(),
  };
}

export type Verdict = "approved" | "rejected";

/** Decisions on changes held by a guard rail. Who may decide is the route table's (controller/http/access.ts). */
export function approvalChanges(deps: {
  commit: Commit;
  approvals: ApprovalStore;
  catalog: CatalogStore;
  locale: string;
}) {
  const { commit, approvals, catalog } = deps;
  return {
    /**
     * Approve (the change goes into force from its own start or now, whichever is later) or reject.
     * `decided: false` when the approval was no longer pending; then nothing changed.
     */
    decideApproval(
      approval: ApprovalRecord,
      verdict: Verdict,
      actor: Actor,
      reason: string | null,
    ): Applied<{ decided: boolean }> {
      return commit(actor, (now): Written<{ decided: boolean }> => {
        if (!approvals.decide(approval.approvalId, verdict, actor.name, now, reason))
          return { value: { decided: false }, audit: [] };
        if (verdict === "approved") catalog.applyApproved(approval, now);
        return {
          value: { decided: true },
          skus: verdict === "approved" ? [approval.sku] : [],
          audit: [
            {
              action: `approval.${verdict}`,
              entity: "approval",
              entityId: approval.approvalId,
              reason,
              before: approvalReply(approval, deps.locale),
              after: { status: verdict },
            },
          ],
        };
      });
    },
  };
}
