import type { CatalogStore, LedgerFeed } from "../store/catalog.ts";
import type { Actor } from "./actor.ts";
import type { Applied, Commit } from "./commit.ts";

/** Ledger rows named in the audit entry of a reset, at most (a squatter may have sent many). */
const AUDITED_SEQUENCES = 50;

/**
 * An ops reset of a feed's sequence: the way back from a squatted number (one batch posted with
 * sequence 999999999999999 would otherwise make every later batch `applied: false`). Nothing of the
 * store's data changes, so no label is refreshed; the audit entry keeps who, why, and what was there.
 */
export function feedSequenceChanges(deps: { commit: Commit; catalog: CatalogStore }) {
  return {
    resetFeedSequence(
      feed: LedgerFeed,
      sequence: number,
      reason: string,
      actor: Actor,
    ): Applied<{ before: number | null; removed: number[] }> {
      return deps.commit(actor, (now) => {
        const r = deps.catalog.resetSequence(feed, sequence, now);
        return {
          value: r,
          audit: [
            {
              action: "feed.sequence_reset",
              entity: "feed",
              entityId: feed,
              reason,
              before: {
                lastSequence: r.before,
                removedBatches: r.removed.length,
                removedSequences: r.removed.slice(-AUDITED_SEQUENCES),
              },
              after: { lastSequence: sequence },
            },
          ],
        };
      });
    },
  };
}
