import type { FeedName } from "../../schemas/index.ts";
import type { GuardRailPolicy } from "../pricing/index.ts";
import type { AppliedBatch, BatchRows, CatalogStore, HeldPrice, LedgerFeed } from "../store/catalog.ts";
import type { Actor } from "./actor.ts";
import type { Applied, AuditDraft, Commit, CommitInTurns, Committing, Written } from "./commit.ts";
import { type GuardRailHistory, guardRailScreen } from "./guard-rail.ts";

/** The actor of a batch with no person behind it: the feed and its sequence, e.g. `feed:prices#42`. */
export const feedActor = (feed: LedgerFeed, sequence: number): Actor => ({
  name: `feed:${feed}#${sequence}`,
});

/** The audit entry of a price row a guard rail held (it now waits for an approval). */
export const heldPriceAudit = (h: HeldPrice): AuditDraft => ({
  action: "approval.held",
  entity: "approval",
  entityId: h.approvalId,
  reason: h.reason,
  before: h.current,
  after: { sku: h.sku, ...h.proposed, line: h.line },
});

/** The first `n` of a set, without spreading all of it (a full feed changes 100,000 SKUs). */
export function firstOf<T>(items: Iterable<T>, n: number): T[] {
  const out: T[] = [];
  if (n <= 0) return out;
  for (const item of items) {
    out.push(item);
    if (out.length >= n) break;
  }
  return out;
}

/** A validated feed batch into the store, its held prices and the batch itself into the audit log. */
export function feedBatchChanges(deps: {
  commit: Commit;
  commitInTurns: CommitInTurns;
  catalog: CatalogStore;
  /** What the cumulative guard rail reads (the highest price in force, the last approved price). */
  history: GuardRailHistory;
  guardRail: GuardRailPolicy;
  /** The store's currency (SHELFSYNC_CURRENCY): a first price in another is a row error. */
  currency?: string | undefined;
}) {
  const screen = guardRailScreen(deps.guardRail, deps.history);
  /** The batch's write: its rows (all or nothing), its held prices and the batch into the audit log. */
  const writeBatch =
    (batch: FeedBatchWrite) =>
    (at: number): Written<AppliedBatch> => {
      const { feed, sequence, format, rows } = batch;
      const applied = deps.catalog.applyBatch(feed, sequence, format, rows, at, {
        screen,
        ...(deps.currency ? { currency: deps.currency } : {}),
        ...(batch.gapFill ? { gapFill: true } : {}),
      });
      if (!applied.applied) return { value: applied, audit: [] };
      const held = applied.heldPrices.map(heldPriceAudit);
      return {
        value: applied,
        skus: applied.changedSkus,
        labels: [...new Set(applied.changedLabels)],
        audit: [
          ...held,
          // One entry per batch: the rows themselves are the audit of prices (history is append-only).
          {
            action: "feed.applied",
            entity: "feed",
            entityId: `${feed}#${sequence}`,
            after: {
              format,
              ...(batch.gapFill ? { gapFill: true } : {}),
              rowsRead: rows.length,
              rowsChanged: applied.rowsChanged,
              held: applied.held,
              skus: firstOf(applied.changedSkus, 50),
              ...(applied.changedLabels.length > 0
                ? { labels: applied.changedLabels.length, labelIds: applied.changedLabels.slice(0, 50) }
                : {}),
            },
          },
        ],
      };
    };
  return {
    /**
     * Apply one validated batch (all or nothing; see CatalogStore.applyBatch) at `now`, then refresh
     * the labels of every SKU it changed. Throws BatchRejected for rows the store refuses.
     */
    applyFeedBatch(batch: FeedBatchWrite, actor: Actor, now: number): Applied<AppliedBatch> {
      return deps.commit(actor, writeBatch(batch), now);
    },
    /**
     * The same, with the labels refreshed in turns of the event loop (CommitInTurns): the batch is
     * applied (or BatchRejected thrown) before this returns, its labels are refreshed by `applied`.
     */
    applyFeedBatchInTurns(batch: FeedBatchWrite, actor: Actor, now: number): Committing<AppliedBatch> {
      return deps.commitInTurns(actor, writeBatch(batch), now);
    },
  };
}

export interface FeedBatchWrite {
  feed: FeedName;
  sequence: number;
  format: string;
  rows: BatchRows;
  /** A missing batch pulled from central, applied below the last sequence (CatalogStore BatchOptions). */
  gapFill?: boolean;
}
