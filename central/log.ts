import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { ChainFeed } from "../schemas/index.ts";

/**
 * Central's stamped log (one SQLite file): every batch it ever published, with the sequence it
 * stamped. The sequence is counted per feed for the whole chain and only goes up; a (feed,
 * sequence) never changes once written, which is what makes the HTTP catch-up answer cacheable
 * (docs/central-catch-up.md). `publish` and `serve` are separate processes on the same file: the
 * stamp is one immediate transaction, so two publishers never take the same number.
 *
 * The controller's SQL lives in controller/store/; central is another program with one table of its
 * own, so its statements are here.
 */
export interface LoggedBatch {
  feed: ChainFeed;
  sequence: number;
  changeId: string;
  format: "csv" | "ndjson" | "json";
  body: string;
  /** The stores the batch is for; null: every store. */
  stores: string[] | null;
  publishedAt: number;
  /** The chain broker acknowledged it (QoS 1 PUBACK). */
  delivered: boolean;
}

interface Row {
  feed: ChainFeed;
  sequence: number;
  change_id: string;
  format: "csv" | "ndjson" | "json";
  body: string;
  stores: string | null;
  published_at: number;
  delivered: number;
}

const fromRow = (r: Row): LoggedBatch => ({
  feed: r.feed,
  sequence: r.sequence,
  changeId: r.change_id,
  format: r.format,
  body: r.body,
  stores: r.stores === null ? null : (JSON.parse(r.stores) as string[]),
  publishedAt: r.published_at,
  delivered: r.delivered === 1,
});

export function openCentralLog(path: string) {
  mkdirSync(dirname(path), { recursive: true });
  const sql = new Database(path);
  sql.pragma("journal_mode = WAL");
  sql.pragma("synchronous = FULL");
  sql.pragma("busy_timeout = 10000");
  sql.exec(`CREATE TABLE IF NOT EXISTS chain_batches (
    feed TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    change_id TEXT NOT NULL UNIQUE,
    format TEXT NOT NULL,
    body TEXT NOT NULL,
    stores TEXT,
    published_at INTEGER NOT NULL,
    delivered INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (feed, sequence)
  ) STRICT`);
  const last = sql.prepare<[string], { s: number | null }>(
    "SELECT MAX(sequence) AS s FROM chain_batches WHERE feed = ?",
  );
  const insert = sql.prepare(
    `INSERT INTO chain_batches (feed, sequence, change_id, format, body, stores, published_at)
     VALUES (@feed, @sequence, @changeId, @format, @body, @stores, @publishedAt)`,
  );
  const after = sql.prepare<[string, number], Row>(
    "SELECT * FROM chain_batches WHERE feed = ? AND sequence > ? ORDER BY sequence LIMIT 1",
  );
  const byId = sql.prepare<[string], Row>("SELECT * FROM chain_batches WHERE change_id = ?");
  const markDelivered = sql.prepare("UPDATE chain_batches SET delivered = 1 WHERE change_id = ?");
  const undelivered = sql.prepare<[], Row>(
    "SELECT * FROM chain_batches WHERE delivered = 0 ORDER BY published_at, feed, sequence",
  );

  return {
    path,
    /** Stamp the next sequence of `feed` on a batch and keep it: all in one transaction. */
    stamp(
      feed: ChainFeed,
      batch: { format: LoggedBatch["format"]; body: string; stores: string[] | null },
      now: number,
      changeIdOf: (feed: ChainFeed, sequence: number) => string,
    ): LoggedBatch {
      return sql
        .transaction((): LoggedBatch => {
          const sequence = (last.get(feed)?.s ?? 0) + 1;
          const entry: LoggedBatch = {
            feed,
            sequence,
            changeId: changeIdOf(feed, sequence),
            format: batch.format,
            body: batch.body,
            stores: batch.stores,
            publishedAt: now,
            delivered: false,
          };
          insert.run({ ...entry, stores: entry.stores === null ? null : JSON.stringify(entry.stores) });
          return entry;
        })
        .immediate();
    },
    lastSequence: (feed: ChainFeed): number => last.get(feed)?.s ?? 0,
    /** The first batch of `feed` above `sequence` (the catch-up answer), or undefined. */
    after(feed: ChainFeed, sequence: number): LoggedBatch | undefined {
      const r = after.get(feed, sequence);
      return r ? fromRow(r) : undefined;
    },
    byChangeId(changeId: string): LoggedBatch | undefined {
      const r = byId.get(changeId);
      return r ? fromRow(r) : undefined;
    },
    delivered(changeId: string): void {
      markDelivered.run(changeId);
    },
    /** Batches stamped whose publish was never acknowledged (a publisher stopped on the way). */
    undelivered: (): LoggedBatch[] => undelivered.all().map(fromRow),
    close: () => sql.close(),
  };
}
export type CentralLog = ReturnType<typeof openCentralLog>;
