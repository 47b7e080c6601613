import type { ChangeNote, MoneyObject } from "../../schemas/index.ts";
import type { ResolvedPrice, SuppressedClaim } from "../pricing/index.ts";
import type { Stores } from "../store/index.ts";
import type { PromotionStore } from "../store/promotions.ts";
import type { LabelSync } from "./label-sync.ts";

/**
 * Reductions whose price is on the shelf but whose claim the controller suppressed (Directive
 * 98/6/EC art. 6a: no prior price below it, no reduction may be announced). Label sync tells the
 * tracker what every refresh resolved; the tracker keeps the current set for `GET /api/v1/sync`
 * and writes each newly suppressed claim to the audit log once.
 */
export interface ClaimTracker {
  /** What a refresh resolved for one SKU (label sync calls this for every SKU it recomputes). */
  observe(sku: string, resolved: ResolvedPrice | null): void;
  /** Audit the claims suppressed since the last call, in one transaction. */
  settle(now: number): void;
  /** Suppressed claims on the shelf now, by SKU. */
  current(): ReadonlyMap<string, SuppressedClaim>;
}

/** The actor of entries the controller writes on its own account. */
export const CONTROLLER_ACTOR = "controller";

const money = (m: MoneyObject): MoneyObject => ({
  amountMinor: m.amountMinor,
  currency: m.currency,
  text: m.text,
});

/** A suppressed claim of one SKU as the audit log, the sync list and replies describe it. */
export function claimFacts(sku: string, c: SuppressedClaim) {
  return {
    sku,
    promotionId: c.promotionId,
    kind: c.kind,
    promotionalPrice: money(c.promotionalPrice),
    priorPrice: c.priorPrice ? money(c.priorPrice) : null,
    lookbackDays: c.lookbackDays,
    reductionStart: new Date(c.reductionStart).toISOString(),
  };
}
type ClaimFacts = ReturnType<typeof claimFacts>;

const sameClaim = (a: SuppressedClaim, b: SuppressedClaim) =>
  a.promotionId === b.promotionId &&
  a.promotionalPrice.amountMinor === b.promotionalPrice.amountMinor &&
  a.priorPrice?.amountMinor === b.priorPrice?.amountMinor &&
  a.reductionStart === b.reductionStart;

const factsKey = (f: Pick<ClaimFacts, "promotionalPrice" | "priorPrice" | "reductionStart">) =>
  `${f.promotionalPrice.amountMinor}|${f.priorPrice?.amountMinor ?? ""}|${f.reductionStart}`;

/**
 * One audit entry per promotion and refresh (`claim.suppressed`, entity `promotion`, so the
 * promotion's own history shows it beside its creation), listing the SKUs and their figures. The
 * set is rebuilt by the refresh at every start, so what was already audited is looked up in the log
 * (the promotion's latest such entry) rather than written again.
 */
export function claimTracker(stores: Pick<Stores, "audit" | "transaction">): ClaimTracker {
  const current = new Map<string, SuppressedClaim>();
  let fresh = new Map<string, SuppressedClaim>();
  /** Per promotion: SKU → figures key of what the audit log already holds. */
  const audited = new Map<string, Map<string, string>>();

  function auditedFor(promotionId: string): Map<string, string> {
    let known = audited.get(promotionId);
    if (!known) {
      known = new Map();
      const [last] = stores.audit.list({
        entity: "promotion",
        entityId: promotionId,
        action: "claim.suppressed",
        limit: 1,
      });
      const skus = (last?.after as { skus?: ClaimFacts[] } | null)?.skus ?? [];
      for (const f of skus) known.set(f.sku, factsKey(f));
      audited.set(promotionId, known);
    }
    return known;
  }

  return {
    observe(sku, resolved) {
      const claim = resolved?.notAReduction;
      const before = current.get(sku);
      if (!claim) {
        if (before) current.delete(sku);
        return;
      }
      current.set(sku, claim);
      if (!before || !sameClaim(before, claim)) fresh.set(sku, claim);
    },

    settle(now) {
      if (fresh.size === 0) return;
      const batch = fresh;
      fresh = new Map();
      const byPromotion = new Map<string, ClaimFacts[]>();
      for (const [sku, claim] of batch) {
        const facts = claimFacts(sku, claim);
        const known = auditedFor(claim.promotionId);
        if (known.get(sku) === factsKey(facts)) continue;
        known.set(sku, factsKey(facts));
        const list = byPromotion.get(claim.promotionId);
        if (list) list.push(facts);
        else byPromotion.set(claim.promotionId, [facts]);
      }
      if (byPromotion.size === 0) return;
      stores.transaction(() => {
        for (const [promotionId, skus] of byPromotion) {
          const first = batch.get(skus[0]?.sku ?? "");
          stores.audit.record({
            at: now,
            actor: CONTROLLER_ACTOR,
            action: "claim.suppressed",
            entity: "promotion",
            entityId: promotionId,
            reason:
              skus.length === 1
                ? `not_a_reduction: ${first?.detail}`
                : `not_a_reduction on ${skus.length} SKUs; first: ${first?.detail}`,
            after: { skus },
          });
        }
      });
    },

    current: () => current,
  };
}

/** At most this many notes per change; the rest are counted in one more note. */
export const MAX_CLAIM_NOTES = 100;

/** Notes telling a change's author which reductions will be charged but not announced, and why. */
export function claimNotes(found: { sku: string; at: number; claim: SuppressedClaim }[]): ChangeNote[] {
  const notes: ChangeNote[] = found.slice(0, MAX_CLAIM_NOTES).map(({ sku, at, claim }) => ({
    code: "not_a_reduction",
    message: `SKU ${sku}: ${claim.detail}`,
    detail: { ...claimFacts(sku, claim), at: new Date(at).toISOString() },
  }));
  if (found.length > MAX_CLAIM_NOTES) {
    notes.push({
      code: "not_a_reduction",
      message: `and ${found.length - MAX_CLAIM_NOTES} more SKUs whose reduction is charged but not announced`,
      detail: { more: found.length - MAX_CLAIM_NOTES },
    });
  }
  return notes;
}

/**
 * The change layer's review hook (controller/changes, CommitDeps.review): after a change, the
 * reductions of the SKUs it touched that will be charged without a claim, now or when a promotion
 * or override of theirs starts. Only SKUs a live promotion can reach are resolved, so a price feed
 * over the whole catalogue costs one scan of the promotions, not a second reprice.
 */
export function claimReview(deps: {
  promotions: Pick<PromotionStore, "live">;
  sync: Pick<LabelSync, "suppressedClaimsAt">;
}): (skus: ReadonlySet<string>, at: number) => ChangeNote[] {
  return (skus, at) => {
    const live = deps.promotions.live(at);
    let candidates: ReadonlySet<string>;
    if (live.some((p) => p.category !== undefined)) {
      // A category promotion may reach any SKU: the snapshot knows the products' categories.
      candidates = skus;
    } else {
      const named = new Set<string>();
      for (const p of live) for (const sku of p.skus) if (skus.has(sku)) named.add(sku);
      candidates = named;
    }
    return claimNotes(deps.sync.suppressedClaimsAt(candidates, at));
  };
}
