import { type ApprovalReply, type Promotion, promotionView } from "../../schemas/index.ts";
import { money } from "../labels/content.ts";
import type { ApprovalRecord, ApprovalStore } from "../store/approvals.ts";
import type { CatalogStore } from "../store/catalog.ts";
import type { PromotionStore } from "../store/promotions.ts";
import type { Actor } from "./actor.ts";
import type { Applied, AuditDraft, Commit, Written } from "./commit.ts";

/** The API's view of a held change (money written in the store's locale). */
export function approvalReply(a: ApprovalRecord, locale: string): ApprovalReply {
  return {
    approvalId: a.approvalId,
    change: a.change,
    ...(a.promotionJson === null
      ? {}
      : { promotionId: (JSON.parse(a.promotionJson) as Promotion).promotionId }),
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
  promotions: PromotionStore;
  locale: string;
}) {
  const { commit, approvals, catalog, promotions } = deps;
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
        let skus: Iterable<string> = [];
        const audit: AuditDraft[] = [
          {
            action: `approval.${verdict}`,
            entity: "approval",
            entityId: approval.approvalId,
            reason,
            before: approvalReply(approval, deps.locale),
            after: { status: verdict },
          },
        ];
        if (verdict === "approved" && approval.promotionJson !== null) {
          // A held promotion goes into force as its author wrote it (written by holdPromotion, so trusted).
          const p = JSON.parse(approval.promotionJson) as Promotion;
          const existing = promotions.get(p.promotionId);
          skus = promotions.save(p, now, null);
          audit.push({
            action: existing ? "promotion.changed" : "promotion.created",
            entity: "promotion",
            entityId: p.promotionId,
            reason: `approved (approval ${approval.approvalId}); ${p.reason ?? ""}`.replace(/; $/, ""),
            ...(existing ? { before: promotionView(existing) } : {}),
            after: promotionView(p),
          });
        } else if (verdict === "approved") {
          catalog.applyApproved(approval, now);
          skus = [approval.sku];
        }
        return { value: { decided: true }, skus, audit };
      });
    },
  };
}
