import type { LabelSync } from "../labels/label-sync.ts";
import type { GuardRailPolicy } from "../pricing/index.ts";
import type { Stores } from "../store/index.ts";
import { approvalChanges } from "./approvals.ts";
import { type ChangeNote, type CommitDeps, committer, committerInTurns } from "./commit.ts";
import { feedBatchChanges } from "./feed-batch.ts";
import { feedSequenceChanges } from "./feed-sequence.ts";
import type { GuardRailHistory } from "./guard-rail.ts";
import { linkChanges } from "./links.ts";
import { merchantBatchChanges } from "./merchant-batch.ts";
import { overrideChanges } from "./overrides.ts";
import { promotionChanges } from "./promotions.ts";

export { type Actor, actorLabel } from "./actor.ts";
export { approvalReply, type Verdict } from "./approvals.ts";
export {
  type Applied,
  type AuditDraft,
  type ChangeNote,
  type Commit,
  type Committing,
  replyNotes,
  type Written,
} from "./commit.ts";
export { feedActor } from "./feed-batch.ts";
export type { MerchantBatchWrite } from "./merchant-batch.ts";
export type { OverrideOutcome, OverrideRequest } from "./overrides.ts";
export type { PromotionOutcome } from "./promotions.ts";

export interface ChangeDeps {
  stores: Stores;
  sync: LabelSync;
  guardRail: GuardRailPolicy;
  /** How held changes' money is written in audit entries (the store's locale). */
  locale: string;
  /** The store's currency: a first price in another is refused (a row error). */
  currency?: string;
  /** The controller's clock. */
  now?: () => number;
  /** Notes for a change's author that depend on the shelf after it (see CommitDeps.review). */
  review?: (skus: ReadonlySet<string>, at: number) => ChangeNote[];
  /** See CommitDeps.afterCommit: database faults in the label refresh after a committed change. */
  afterCommit?: (where: string, fn: () => void) => boolean;
}

/**
 * Every change to the store's data that staff, ops, feeds or devices make, each written once as
 * "apply → audit → refresh the labels" (see commit.ts). HTTP routes and the CLI parse and authorise;
 * they call these and shape the reply. Each takes the Actor that makes it.
 */
export function changeSet(deps: ChangeDeps) {
  const { stores, sync } = deps;
  const now = deps.now ?? Date.now;
  const commitDeps: CommitDeps = {
    stores,
    sync,
    now,
    ...(deps.review ? { review: deps.review } : {}),
    ...(deps.afterCommit ? { afterCommit: deps.afterCommit } : {}),
  };
  const commit = committer(commitDeps);
  const commitInTurns = committerInTurns(commitDeps);
  // The cumulative guard rail reads prices in force and what people approved (changes/guard-rail.ts).
  const history: GuardRailHistory = {
    peakPriceInForce: stores.catalog.peakPriceInForce,
    lastApprovedPriceAt: stores.approvals.lastApprovedPriceAt,
  };
  return {
    commit,
    ...feedBatchChanges({
      commit,
      commitInTurns,
      catalog: stores.catalog,
      history,
      guardRail: deps.guardRail,
      currency: deps.currency,
    }),
    ...merchantBatchChanges({ commit, catalog: stores.catalog, history, guardRail: deps.guardRail }),
    ...promotionChanges({
      commit,
      promotions: stores.promotions,
      approvals: stores.approvals,
      sync,
      guardRail: deps.guardRail,
      history,
      now,
    }),
    ...overrideChanges({
      commit,
      overrides: stores.overrides,
      approvals: stores.approvals,
      sync,
      guardRail: deps.guardRail,
      history,
    }),
    ...approvalChanges({
      commit,
      approvals: stores.approvals,
      catalog: stores.catalog,
      promotions: stores.promotions,
      locale: deps.locale,
    }),
    ...linkChanges({ commit, labels: stores.labels, sync }),
    ...feedSequenceChanges({ commit, catalog: stores.catalog }),
  };
}
export type Changes = ReturnType<typeof changeSet>;
