import type { ItemProblem, MerchantFeed, SourceMode } from "../../schemas/index.ts";
import type { Db } from "./db.ts";

/** One item of a Merchant Center batch, read and checked, waiting in the batch's staging table. */
export interface StagedItem {
  itemId: string;
  line: number;
  sku: string | null;
  /** The item as read, JSON (null when refused). */
  offerJson: string | null;
  problems: ItemProblem[] | null;
}

/** The latest state of one item of a feed, as the web shop shows it. */
export interface OnlineOfferRecord {
  itemId: string;
  sku: string | null;
  offerJson: string | null;
  problemsJson: string | null;
  line: number;
  sequence: number;
  mode: SourceMode;
}

export interface FeedPullRecord {
  feed: string;
  url: string;
  etag: string | null;
  lastModified: string | null;
  fetchedAt: number | null;
  changedAt: number | null;
  status: number | null;
  error: string | null;
  sequence: number | null;
}

/**
 * Merchant Center items: the staging of a batch while its body streams in, and the online view the
 * parity audit compares against (see `online_offers` in schema.ts).
 *
 * Staging: a batch of 500,000 items cannot wait in memory until it is known to be valid, and the
 * store's tables cannot be written while the body still streams (another writer's commit on this
 * connection would land inside the open transaction). So items are checked as they arrive and
 * written, chunk by chunk, to a TEMP table (this connection only, on disk, never in the store file);
 * the batch is then applied from there in one transaction, page by page.
 */
/** Page cache of the TEMP schema (the batch staging tables), KiB. */
const STAGE_CACHE_KIB = 2048;

export function onlineStore(db: Db) {
  const sql = db.$client;
  let stages = 0;
  const goneSkus = sql.prepare<[string, number], { sku: string | null; mode: string }>(
    "SELECT sku, mode FROM online_offers WHERE feed = ? AND sequence < ?",
  );
  const removeGone = sql.prepare("DELETE FROM online_offers WHERE feed = ? AND sequence < ?");
  const OFFER_COLUMNS = `item_id AS itemId, sku, offer_json AS offerJson, problems_json AS problemsJson, line,
    sequence, mode`;
  const offerBySku = sql.prepare<[string, string], OnlineOfferRecord>(
    `SELECT ${OFFER_COLUMNS} FROM online_offers WHERE feed = ? AND sku = ? LIMIT 1`,
  );
  const allOffers = sql.prepare<[string], OnlineOfferRecord>(
    `SELECT ${OFFER_COLUMNS} FROM online_offers WHERE feed = ?`,
  );
  const countOffers = sql.prepare<[string], { n: number }>(
    "SELECT COUNT(*) AS n FROM online_offers WHERE feed = ?",
  );

  const pullByFeed = sql.prepare<[string], FeedPullRecord>(
    `SELECT feed, url, etag, last_modified AS lastModified, fetched_at AS fetchedAt, changed_at AS changedAt,
       status, error, sequence FROM feed_pulls WHERE feed = ?`,
  );
  const upsertPull = sql.prepare(
    `INSERT INTO feed_pulls (feed, url, etag, last_modified, fetched_at, changed_at, status, error, sequence)
     VALUES (@feed, @url, @etag, @lastModified, @fetchedAt, @changedAt, @status, @error, @sequence)
     ON CONFLICT(feed) DO UPDATE SET url = excluded.url, etag = excluded.etag,
       last_modified = excluded.last_modified, fetched_at = excluded.fetched_at,
       changed_at = excluded.changed_at, status = excluded.status, error = excluded.error,
       sequence = excluded.sequence`,
  );

  return {
    /**
     * A staging table for one batch (TEMP: this connection only, on disk, outside the store file;
     * dropped whole when the batch is done, which is far cheaper than deleting its rows).
     */
    openStage() {
      // The staging table is written and read in arrival order, never searched: a small page cache
      // for the TEMP schema does as well as the default 16 MB, which a 500,000-item batch (about
      // 300 MB staged) would fill and keep resident for the connection's life.
      sql.pragma(`temp.cache_size = ${-STAGE_CACHE_KIB}`);
      const name = `temp.merchant_stage_${process.pid}_${++stages}`;
      sql.exec(`CREATE TABLE ${name} (id INTEGER PRIMARY KEY, item_id TEXT NOT NULL UNIQUE,
        line INTEGER NOT NULL, sku TEXT, offer_json TEXT, problems_json TEXT)`);
      const insert = sql.prepare(
        `INSERT OR IGNORE INTO ${name} (item_id, line, sku, offer_json, problems_json) VALUES (?, ?, ?, ?, ?)`,
      );
      const firstLine = sql.prepare<[string], { line: number }>(`SELECT line FROM ${name} WHERE item_id = ?`);
      const page = sql.prepare<
        [number, number],
        {
          id: number;
          itemId: string;
          line: number;
          sku: string | null;
          offerJson: string | null;
          problemsJson: string | null;
        }
      >(
        `SELECT id, item_id AS itemId, line, sku, offer_json AS offerJson, problems_json AS problemsJson
         FROM ${name} WHERE id > ? ORDER BY id LIMIT ?`,
      );
      const putAll = sql.prepare(
        `INSERT INTO online_offers (feed, item_id, sku, offer_json, problems_json, line, sequence, mode, updated_at)
         SELECT ?, item_id, sku, offer_json, problems_json, line, ?, ?, ? FROM ${name} WHERE true
         ON CONFLICT(feed, item_id) DO UPDATE SET sku = excluded.sku, offer_json = excluded.offer_json,
           problems_json = excluded.problems_json, line = excluded.line, sequence = excluded.sequence,
           mode = excluded.mode, updated_at = excluded.updated_at`,
      );
      return {
        /**
         * Stage a chunk of the batch's items (one small transaction on the TEMP table only). Returns
         * the items (by index in `items`) whose id was already staged, with the first one's line.
         */
        stage(items: StagedItem[]): { index: number; itemId: string; line: number; firstLine: number }[] {
          const duplicates: { index: number; itemId: string; line: number; firstLine: number }[] = [];
          sql.transaction(() => {
            for (const [index, it] of items.entries()) {
              const r = insert.run(
                it.itemId,
                it.line,
                it.sku,
                it.offerJson,
                it.problems ? JSON.stringify(it.problems) : null,
              );
              if (r.changes === 0) {
                duplicates.push({
                  index,
                  itemId: it.itemId,
                  line: it.line,
                  firstLine: firstLine.get(it.itemId)?.line ?? 0,
                });
              }
            }
          })();
          return duplicates;
        },

        /** The staged items in arrival order, a page at a time (usable inside a transaction). */
        *pages(pageSize = 2000): Generator<StagedItem[]> {
          let after = 0;
          for (;;) {
            const rows = page.all(after, pageSize);
            if (rows.length === 0) return;
            after = rows[rows.length - 1]?.id ?? after;
            yield rows.map((r) => ({
              itemId: r.itemId,
              line: r.line,
              sku: r.sku,
              offerJson: r.offerJson,
              problems: r.problemsJson === null ? null : (JSON.parse(r.problemsJson) as ItemProblem[]),
            }));
          }
        },

        /** Every staged item as the web shop's current state (one statement, inside the batch's transaction). */
        putAll(feed: MerchantFeed, sequence: number, mode: SourceMode, now: number): void {
          putAll.run(feed, sequence, mode, now);
        },

        drop(): void {
          sql.exec(`DROP TABLE IF EXISTS ${name}`);
        },
      };
    },

    /** Drop the items the batch `sequence` no longer has; returns their SKUs and modes. */
    removeGone(feed: MerchantFeed, sequence: number): { sku: string | null; mode: string }[] {
      const gone = goneSkus.all(feed, sequence);
      if (gone.length > 0) removeGone.run(feed, sequence);
      return gone;
    },

    offer: (feed: MerchantFeed, sku: string): OnlineOfferRecord | undefined => offerBySku.get(feed, sku),

    /** Every item of a feed (the audit reads them whole: bounded by the shop's catalogue). */
    offers: (feed: MerchantFeed): OnlineOfferRecord[] => allOffers.all(feed),

    /** The same, one row at a time (no array of every item held at once). */
    iterateOffers: (feed: MerchantFeed): IterableIterator<OnlineOfferRecord> => allOffers.iterate(feed),

    offerCount: (feed: MerchantFeed): number => countOffers.get(feed)?.n ?? 0,

    pull: (feed: MerchantFeed): FeedPullRecord | undefined => pullByFeed.get(feed),

    recordPull(record: FeedPullRecord): void {
      upsertPull.run(record);
    },
  };
}
export type OnlineStore = ReturnType<typeof onlineStore>;
