import { type Promotion, promotionView } from "../../schemas/index.ts";
import type { PromotionStore } from "../store/promotions.ts";
import type { Actor } from "./actor.ts";
import type { Applied, Commit } from "./commit.ts";

/** Staff promotions: create, change, remove; each audited and on the shelf at once (or at its start). */
export function promotionChanges(deps: { commit: Commit; promotions: PromotionStore }) {
  const { commit, promotions } = deps;
  return {
    createPromotion(promotion: Promotion, actor: Actor): Applied<Promotion> {
      return commit(actor, (now) => ({
        value: promotion,
        skus: promotions.save(promotion, now, null),
        audit: [
          {
            action: "promotion.created",
            entity: "promotion",
            entityId: promotion.promotionId,
            reason: promotion.reason ?? null,
            after: promotionView(promotion),
          },
        ],
      }));
    },

    /** `before` is the promotion as it was (without its deleted flag), `after` the patched one. */
    changePromotion(before: Promotion, after: Promotion, actor: Actor): Applied<Promotion> {
      return commit(actor, (now) => ({
        value: after,
        skus: promotions.save(after, now, null),
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
      }));
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
