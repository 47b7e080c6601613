import { type Promotion, promotionView } from "../../schemas/index.ts";
import type { Money } from "../../schemas/money.ts";
import type { LabelSync } from "../labels/label-sync.ts";
import { type GuardRailHold, type GuardRailPolicy, offerFor } from "../pricing/index.ts";
import type { ApprovalStore } from "../store/approvals.ts";
import type { PromotionStore } from "../store/promotions.ts";
import type { Actor } from "./actor.ts";
import type { Applied, Commit } from "./commit.ts";
import { type GuardRailHistory, guardRailHold } from "./guard-rail.ts";

export type PromotionOutcome =
  | { held: false; promotion: Promotion }
  | { held: true; approvalId: string; holdReason: string; promotion: Promotion };

/** The deepest cut of a promotion that trips the guard rail: on which SKU, from what, to what. */
interface PromotionHold {
  sku: string;
  current: Money;
  proposed: Money;
  hold: GuardRailHold;
}

/**
 * Staff promotions: create, change, remove; each audited and on the shelf at once (or at its start).
 * A promotion is a price change like an override: one that cuts what a shopper pays per item beyond
 * the guard rail (a 90 % typed for 9 %) waits for a manager in the approvals queue instead.
 */
export function promotionChanges(deps: {
  commit: Commit;
  promotions: PromotionStore;
  approvals: ApprovalStore;
  sync: Pick<LabelSync, "resolveSku">;
  guardRail: GuardRailPolicy;
  /** What the cumulative guard rail reads (the highest price in force, the last approved price). */
  history: GuardRailHistory;
  /** The controller's clock (the screen and the write must agree on "now"). */
  now: () => number;
}) {
  const { commit, promotions, approvals } = deps;

  /**
   * Whether `p` must wait for an approval: the price per item it makes for each SKU it reaches, at the
   * regular price in force at its start, through the same guard rail as any other price. The deepest
   * cut is the one held (and shown to the approver).
   */
  function screen(p: Promotion, now: number): PromotionHold | null {
    const at = Math.max(p.start, now);
    let worst: (PromotionHold & { share: number }) | null = null;
    for (const sku of promotions.targetSkus(p)) {
      const current = deps.sync.resolveSku(sku, at)?.regularPrice;
      if (!current) continue;
      const offer = offerFor(p, current.amountMinor, current.currency);
      if (typeof offer === "string") continue; // no offer at this price: nothing cut
      const perItem = Number(
        (offer.perItemNum + offer.perItemDen / 2n) / offer.perItemDen, // rounded half up
      );
      const proposed = { amountMinor: perItem, currency: current.currency };
      const hold = guardRailHold(deps.guardRail, deps.history, current, proposed, { sku, at });
      if (!hold) continue;
      const share = current.amountMinor > 0 ? perItem / current.amountMinor : 0;
      if (!worst || share < worst.share) {
        worst = {
          sku,
          current: { amountMinor: current.amountMinor, currency: current.currency },
          proposed,
          hold,
          share,
        };
      }
    }
    return worst && { sku: worst.sku, current: worst.current, proposed: worst.proposed, hold: worst.hold };
  }

  /** Hold `after` (a new promotion, or `before` changed) for a decision; nothing reaches the shelf yet. */
  function holdPromotion(
    h: PromotionHold,
    after: Promotion,
    before: Promotion | null,
    actor: Actor,
    now: number,
  ): Applied<PromotionOutcome> {
    return commit(
      actor,
      () => {
        const approvalId = approvals.hold({
          change: "promotion",
          sku: h.sku,
          currentAmountMinor: h.current.amountMinor,
          currentCurrency: h.current.currency,
          proposedAmountMinor: h.proposed.amountMinor,
          proposedCurrency: h.proposed.currency,
          effectiveFrom: after.start,
          effectiveTo: after.end,
          reason: `promotion ${after.promotionId} ${h.hold.reason} (${h.sku})`,
          source: `staff:${actor.name}`,
          feedSequence: null,
          author: actor.name,
          changeReason: after.reason ?? null,
          promotionJson: JSON.stringify(after),
          createdAt: now,
        });
        return {
          value: { held: true, approvalId, holdReason: h.hold.reason, promotion: after },
          audit: [
            {
              action: "approval.held",
              entity: "approval",
              entityId: approvalId,
              reason: h.hold.reason,
              before: before ? promotionView(before) : null,
              after: promotionView(after),
            },
          ],
        };
      },
      now,
    );
  }

  return {
    createPromotion(promotion: Promotion, actor: Actor): Applied<PromotionOutcome> {
      const at = deps.now();
      const h = screen(promotion, at);
      if (h) return holdPromotion(h, promotion, null, actor, at);
      return commit(
        actor,
        (t) => ({
          value: { held: false, promotion },
          skus: promotions.save(promotion, t, null),
          audit: [
            {
              action: "promotion.created",
              entity: "promotion",
              entityId: promotion.promotionId,
              reason: promotion.reason ?? null,
              after: promotionView(promotion),
            },
          ],
        }),
        at,
      );
    },

    /**
     * `before` is the promotion as it was (without its deleted flag), `after` the patched one. A change
     * that trips the guard rail leaves `before` in force and holds `after`.
     */
    changePromotion(before: Promotion, after: Promotion, actor: Actor): Applied<PromotionOutcome> {
      const at = deps.now();
      const h = screen(after, at);
      if (h) return holdPromotion(h, after, before, actor, at);
      return commit(
        actor,
        (t) => ({
          value: { held: false, promotion: after },
          skus: promotions.save(after, t, null),
          audit: [
            {
              action: "promotion.changed",
              entity: "promotion",
              entityId: before.promotionId,
              reason: after.reason ?? null,
              before: promotionView(before),
              after: promotionView(after),
            },
          ],
        }),
        at,
      );
    },

    /** Ends a running promotion now, or drops one that has not started (see PromotionStore.remove). */
    removePromotion(existing: Promotion, actor: Actor, reason: string | null): Applied<string> {
      return commit(actor, (now) => ({
        value: existing.promotionId,
        skus: promotions.remove(existing.promotionId, now),
        audit: [
          {
            action: "promotion.removed",
            entity: "promotion",
            entityId: existing.promotionId,
            reason,
            before: promotionView(existing),
          },
        ],
      }));
    },
  };
}
