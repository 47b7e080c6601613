import type { MerchantFeed, SourceMode } from "../../schemas/index.ts";
import type { GuardRailPolicy } from "../pricing/index.ts";
import type { AppliedBatch, BatchWriter, CatalogStore } from "../store/catalog.ts";
import type { Actor } from "./actor.ts";
import type { Applied, Commit } from "./commit.ts";
import { firstOf, heldPriceAudit } from "./feed-batch.ts";
import { type GuardRailHistory, guardRailScreen } from "./guard-rail.ts";

/** A Merchant Center batch, read and staged, ready to be written (feeds/merchant/ingest.ts). */
export interface MerchantBatchWrite {
  feed: MerchantFeed;
  sequence: number;
  format: string;
  mode: SourceMode;
  /** Writes the staged items through the batch writer, page by page. */
  write: (w: BatchWriter) => void;
  itemsRead: number;
  /** Price rows it will write, for the store's choice of how to read prices in force. */
  expectedPriceRows: number;
  /** More facts for the batch's audit entry (items refused, where the body came from). */
  audit: Record<string, unknown>;
}

/** A Merchant Center batch into the store: the same change as any feed batch (apply → audit → refresh). */
export function merchantBatchChanges(deps: {
  commit: Commit;
  catalog: CatalogStore;
  /** What the cumulative guard rail reads (the highest price in force, the last approved price). */
  history: GuardRailHistory;
  guardRail: GuardRailPolicy;
}) {
  const screen = guardRailScreen(deps.guardRail, deps.history);
  return {
    applyMerchantBatch(batch: MerchantBatchWrite, actor: Actor, now: number): Applied<AppliedBatch> {
      const { feed, sequence, format } = batch;
      return deps.commit(
        actor,
        (at) => {
          const applied = deps.catalog.applyWith(feed, sequence, format, at, {
            write: batch.write,
            rowsRead: batch.itemsRead,
            expectedPriceRows: batch.expectedPriceRows,
            screen,
          });
          if (!applied.applied) return { value: applied, audit: [] };
          return {
            value: applied,
            skus: applied.changedSkus,
            // The reply (MerchantFeedReply) has no notes: the claims review after the batch (on
            // 200,000 items with 20,000 sales, ~0.5 s) would write notes nobody reads.
            wantsNotes: false,
            audit: [
              ...applied.heldPrices.map(heldPriceAudit),
              {
                action: "feed.applied",
                entity: "feed",
                entityId: `${feed}#${sequence}`,
                after: {
                  format,
                  mode: batch.mode,
                  rowsRead: batch.itemsRead,
                  rowsChanged: applied.rowsChanged,
                  held: applied.held,
                  ...batch.audit,
                  skus: firstOf(applied.changedSkus, 50),
                },
              },
            ],
          };
        },
        now,
      );
    },
  };
}
