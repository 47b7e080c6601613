import type { Db } from "./db.ts";

/** One applied batch of a feed, as the ledger keeps it. */
export interface FeedBatchRecord {
  feed: string;
  sequence: number;
  format: string;
  rowsRead: number;
  rowsChanged: number;
  labelsAffected: number;
  appliedAt: number;
  durationMs: number | null;
}

/** Recent batches of every feed (or one), newest first: the console's feed history. */
export function feedHistory(db: Db) {
  const sql = db.$client;
  const recent = sql.prepare<
    [{ feed: string | null; beforeId: number | null; limit: number }],
    FeedBatchRecord & { id: number }
  >(
    `SELECT id, feed, sequence, format, rows_read AS rowsRead, rows_changed AS rowsChanged,
       labels_affected AS labelsAffected, applied_at AS appliedAt, duration_ms AS durationMs
     FROM feed_batches WHERE (@feed IS NULL OR feed = @feed) AND (@beforeId IS NULL OR id < @beforeId)
     ORDER BY id DESC LIMIT @limit`,
  );
  return {
    /** `beforeId` pages: the id of the last batch of the previous page. */
    batches(filter: { feed?: string | undefined; beforeId?: number | undefined; limit: number }) {
      return recent.all({
        feed: filter.feed ?? null,
        beforeId: filter.beforeId ?? null,
        limit: filter.limit,
      });
    },
  };
}
export type FeedHistory = ReturnType<typeof feedHistory>;
