import { overrideView } from "../../schemas/index.ts";
import type { Money } from "../../schemas/money.ts";
import type { LabelSync } from "../labels/label-sync.ts";
import type { GuardRailPolicy, PriceOverride } from "../pricing/index.ts";
import type { ApprovalStore } from "../store/approvals.ts";
import type { OverrideStore } from "../store/overrides.ts";
import type { Actor } from "./actor.ts";
import type { Applied, Commit } from "./commit.ts";
import { type GuardRailHistory, guardRailHold } from "./guard-rail.ts";

/** A staff price for a window, as the API has parsed it; its author is the actor. */
export interface OverrideRequest {
  sku: string;
  amountMinor: number;
  currency: string;
  start: number;
  end: number | null;
  reason: string;
}

export type OverrideOutcome =
  | { held: false; id: number; override: Omit<PriceOverride, "id"> }
  | { held: true; approvalId: string; holdReason: string; override: Omit<PriceOverride, "id"> };

/** Staff price overrides; one that trips a guard rail waits for an approver like a feed row. */
export function overrideChanges(deps: {
  commit: Commit;
  overrides: OverrideStore;
  approvals: ApprovalStore;
  sync: Pick<LabelSync, "resolveSku">;
  guardRail: GuardRailPolicy;
  /** What the cumulative guard rail reads (the highest price in force, the last approved price). */
  history: GuardRailHistory;
}) {
  const { commit, overrides, approvals } = deps;
  return {
    addOverride(r: OverrideRequest, actor: Actor): Applied<OverrideOutcome> {
      const override = {
        sku: r.sku,
        amountMinor: r.amountMinor,
        currency: r.currency,
        start: r.start,
        end: r.end,
        author: actor.name,
        reason: r.reason,
      };
      // A staff price is a price change like any other: a fat-fingered 0.09 waits for an approver.
      const current: Money | undefined = deps.sync.resolveSku(r.sku, r.start)?.regularPrice;
      const hold = guardRailHold(
        deps.guardRail,
        deps.history,
        current,
        { amountMinor: r.amountMinor, currency: r.currency },
        { sku: r.sku, at: r.start },
      );
      if (hold) {
        return commit(actor, (now) => {
          const approvalId = approvals.hold({
            change: "override",
            sku: r.sku,
            currentAmountMinor: current?.amountMinor ?? null,
            currentCurrency: current?.currency ?? null,
            proposedAmountMinor: r.amountMinor,
            proposedCurrency: r.currency,
            effectiveFrom: r.start,
            effectiveTo: r.end,
            reason: hold.reason,
            source: `staff:${actor.name}`,
            feedSequence: null,
            author: actor.name,
            changeReason: r.reason,
            createdAt: now,
          });
          return {
            value: { held: true, approvalId, holdReason: hold.reason, override },
            audit: [
              {
                action: "approval.held",
                entity: "approval",
                entityId: approvalId,
                reason: hold.reason,
                before: current ?? null,
                after: overrideView(override),
              },
            ],
          };
        });
      }
      return commit(actor, (now) => {
        const id = overrides.add(override, now);
        return {
          value: { held: false, id, override },
          skus: [r.sku],
          audit: [
            {
              action: "override.created",
              entity: "override",
              entityId: String(id),
              reason: r.reason,
              after: overrideView(override),
            },
          ],
        };
      });
    },

    /** Ends an override now (one that has not started never shows). */
    endOverride(
      existing: PriceOverride & { id: number },
      actor: Actor,
      reason: string | null,
    ): Applied<number> {
      return commit(actor, (now) => {
        overrides.end(existing.id, now);
        return {
          value: existing.id,
          skus: [existing.sku],
          audit: [
            {
              action: "override.ended",
              entity: "override",
              entityId: String(existing.id),
              reason,
              before: { id: existing.id, ...overrideView(existing) },
            },
          ],
        };
      });
    },
  };
}
