import type {
  ItemProblem,
  MerchantFeed,
  MerchantItem,
  OnlineSale,
  ProductRow,
  SourceMode,
  Unit,
} from "../../schemas/index.ts";
import type { Db } from "./db.ts";

/** What a batch writes into the store for a product feed item: its product row, price and sale. */
export type StagedImport = Pick<MerchantItem, "product" | "price" | "sale">;

/** One item of a Merchant Center batch, read and checked, waiting in the batch's staging table. */
export interface StagedItem {
  itemId: string;
  line: number;
  sku: string | null;
  /**
   * The item as read, JSON (null when refused). Read back from the stage, null also when `imported`
   * carries what the apply needs (the JSON goes from the stage to the online view inside SQLite).
   */
  offerJson: string | null;
  problems: ItemProblem[] | null;
  /**
   * A valid product feed item's product, price and sale, staged in typed columns beside the JSON:
   * the apply reads them back without parsing the JSON (on 200,000 items that parse was several
   * hundred milliseconds). Equal to the same fields of `JSON.parse(offerJson)` (a test holds them).
   */
  imported?: StagedImport | undefined;
}

/**
 * Items of a batch ready for the staging table, column by column: what a checked chunk is, whether it
 * was checked on the event loop or in the checking worker (feeds/merchant/check.ts), so that a
 * worker hands over arrays of strings and numbers (cheap to copy between threads) and no object per
 * item. `problemsJsons` is an item's problems as JSON (null when valid), `imports` its packed typed
 * columns (`packImport`; null when it has none or they cannot be packed).
 */
export interface StageRows {
  itemIds: string[];
  lines: number[];
  skus: (string | null)[];
  offerJsons: (string | null)[];
  problemsJsons: (string | null)[];
  imports: (string | null)[];
}

export const emptyStageRows = (): StageRows => ({
  itemIds: [],
  lines: [],
  skus: [],
  offerJsons: [],
  problemsJsons: [],
  imports: [],
});

/** Appends one item to `rows` (the fields of a StagedItem), packing its problems and typed columns. */
export function pushStaged(
  rows: StageRows,
  itemId: string,
  line: number,
  sku: string | null,
  offerJson: string | null,
  problems: ItemProblem[] | null,
  imported: StagedImport | undefined,
): void {
  rows.itemIds.push(itemId);
  rows.lines.push(line);
  rows.skus.push(sku);
  rows.offerJsons.push(offerJson);
  rows.problemsJsons.push(problems ? JSON.stringify(problems) : null);
  rows.imports.push(packImport(imported));
}

/** Items as the staging table takes them. */
export function stageRowsOf(items: readonly StagedItem[]): StageRows {
  const rows = emptyStageRows();
  for (const it of items)
    pushStaged(rows, it.itemId, it.line, it.sku, it.offerJson, it.problems, it.imported);
  return rows;
}

/**
 * The typed part of a staged item, in one text column: its 15 fields (product gtin, name, brand, net
 * quantity, unit, category, url; price minor units, currency; sale minor units, currency, window
 * start, end, start text, end text) joined by U+0001, U+0002 for an absent one. One column instead of
 * fifteen: binding and reading back 200,000 items cost ~40 % less (fewer values crossing between
 * SQLite and JavaScript). A field that itself holds U+0001 or U+0002 (a TSV cell may) cannot be
 * packed: the item is then staged without this column and read back from its JSON.
 */
const SEP = "\u0001";
const NONE = "\u0002";
// biome-ignore lint/suspicious/noControlCharactersInRegex: the two separators, found in a field's text.
const UNPACKABLE = /[\u0001\u0002]/;

const field = (v: string | undefined) => (v === undefined ? NONE : v);

export function packImport(it: StagedImport | undefined): string | null {
  if (!it) return null;
  const p = it.product;
  const sale = it.sale;
  const w = sale?.window;
  const texts = `${p.gtin ?? ""}${p.name}${p.brand ?? ""}${p.netQuantity ?? ""}${p.unit ?? ""}${p.category ?? ""}${p.url ?? ""}${it.price.currency}${sale ? sale.currency : ""}${w ? w.startText + w.endText : ""}`;
  if (UNPACKABLE.test(texts)) return null;
  return (
    `${field(p.gtin)}${SEP}${p.name}${SEP}${field(p.brand)}${SEP}${field(p.netQuantity)}${SEP}` +
    `${field(p.unit)}${SEP}${field(p.category)}${SEP}${field(p.url)}${SEP}` +
    `${it.price.amountMinor}${SEP}${it.price.currency}${SEP}` +
    (sale ? `${sale.amountMinor}${SEP}${sale.currency}` : `${NONE}${SEP}${NONE}`) +
    (w
      ? `${SEP}${w.start}${SEP}${w.end}${SEP}${w.startText}${SEP}${w.endText}`
      : `${SEP}${NONE}${SEP}${NONE}${SEP}${NONE}${SEP}${NONE}`)
  );
}

/** A staged row as read back: id, item_id, line, sku, offer_json, problems_json, packed import. */
type StagedRow = [number, string, number, string | null, string | null, string | null, string | null];

/**
 * The staged import back from its packed column (a row read as an array: better-sqlite3 builds no
 * object per row), with the keys `JSON.parse(JSON.stringify(item))` has.
 */
function importOf(sku: string, packed: string | null): StagedImport | undefined {
  if (packed === null) return undefined;
  const f = packed.split(SEP);
  const [gtin, name, brand, netQuantity, unit, category, url, priceMinor, currency] = f as string[];
  const product: ProductRow = { sku, name: name as string };
  if (gtin !== NONE) product.gtin = gtin as string;
  if (brand !== NONE) product.brand = brand as string;
  if (netQuantity !== NONE) product.netQuantity = netQuantity as string;
  if (unit !== NONE) product.unit = unit as Unit;
  if (category !== NONE) product.category = category as string;
  if (url !== NONE) product.url = url as string;
  const out: StagedImport = {
    product,
    price: { amountMinor: Number(priceMinor), currency: currency as string },
  };
  const saleMinor = f[9] as string;
  if (saleMinor !== NONE) {
    const sale: OnlineSale = { amountMinor: Number(saleMinor), currency: f[10] as string };
    if (f[11] !== NONE) {
      sale.window = {
        start: Number(f[11]),
        end: Number(f[12]),
        startText: f[13] as string,
        endText: f[14] as string,
      };
    }
    out.sale = sale;
  }
  return out;
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
/**
 * Items staged by one INSERT statement (the rest of a chunk one by one): each statement run costs a
 * call into SQLite and back whatever its size.
 */
const STAGE_GROUP = 16;

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
        line INTEGER NOT NULL, sku TEXT, offer_json TEXT, problems_json TEXT, import TEXT)`);
      const insert = sql.prepare(
        `INSERT OR IGNORE INTO ${name} (item_id, line, sku, offer_json, problems_json, import)
         VALUES (?, ?, ?, ?, ?, ?)`,
      );
      const rows = (n: number) => Array.from({ length: n }, () => "(?, ?, ?, ?, ?, ?)").join(", ");
      const insertGroup = sql.prepare(
        `INSERT OR IGNORE INTO ${name} (item_id, line, sku, offer_json, problems_json, import)
         VALUES ${rows(STAGE_GROUP)}`,
      );
      const groupValues: unknown[] = new Array(STAGE_GROUP * 6);
      /** Rows staged so far: the n-th one has id n (SQLite gives a new row the largest id + 1). */
      let stagedRows = 0;
      const stagedAs = sql.prepare<[string], { id: number; line: number }>(
        `SELECT id, line FROM ${name} WHERE item_id = ?`,
      );
      const page = sql
        .prepare<[number, number], StagedRow>(
          `SELECT id, item_id, line, sku, CASE WHEN import IS NULL THEN offer_json END, problems_json, import
           FROM ${name} WHERE id > ? ORDER BY id LIMIT ?`,
        )
        .raw(true);
      // In item id order (a walk of the stage's unique index, no sort): the view's key and SKU indexes
      // then grow at one end instead of taking items at scattered places. 200,000 items, first
      // import, under load ~6: 0.50 s CPU / 0.66 s wall with the commit, instead of 0.65 / 1.42 s.
      const putAll = sql.prepare(
        `INSERT INTO online_offers (feed, item_id, sku, offer_json, problems_json, line, sequence, mode, updated_at)
         SELECT ?, item_id, sku, offer_json, problems_json, line, ?, ?, ? FROM ${name} WHERE true ORDER BY item_id
         ON CONFLICT(feed, item_id) DO UPDATE SET sku = excluded.sku, offer_json = excluded.offer_json,
           problems_json = excluded.problems_json, line = excluded.line, sequence = excluded.sequence,
           mode = excluded.mode, updated_at = excluded.updated_at`,
      );
      return {
        /**
         * Stage a chunk of the batch's items (one small transaction on the TEMP table only). Returns
         * the items (by index in `rows`) whose id was already staged, with the first one's line.
         */
        stage(rows: StageRows): { index: number; itemId: string; line: number; firstLine: number }[] {
          const { itemIds, lines, skus, offerJsons, problemsJsons, imports } = rows;
          const n = itemIds.length;
          const duplicates: { index: number; itemId: string; line: number; firstLine: number }[] = [];
          const duplicate = (index: number, firstAt: number) =>
            duplicates.push({
              index,
              itemId: itemIds[index] as string,
              line: lines[index] as number,
              firstLine: firstAt,
            });
          sql.transaction(() => {
            let i = 0;
            // Whole groups in one statement each. When one was ignored (its id staged before), each
            // item of the group is looked up: one that went in has the next id in turn; one ignored
            // finds an earlier row (never by line: XML items may share one).
            for (; i + STAGE_GROUP <= n; i += STAGE_GROUP) {
              for (let k = 0, v = 0; k < STAGE_GROUP; k++) {
                const j = i + k;
                groupValues[v++] = itemIds[j];
                groupValues[v++] = lines[j];
                groupValues[v++] = skus[j];
                groupValues[v++] = offerJsons[j];
                groupValues[v++] = problemsJsons[j];
                groupValues[v++] = imports[j];
              }
              const inserted = insertGroup.run(groupValues).changes;
              if (inserted === STAGE_GROUP) {
                stagedRows += inserted;
                continue;
              }
              for (let k = 0; k < STAGE_GROUP; k++) {
                const row = stagedAs.get(itemIds[i + k] as string);
                if (row?.id === stagedRows + 1) stagedRows++;
                else duplicate(i + k, row?.line ?? 0);
              }
            }
            for (; i < n; i++) {
              const r = insert.run(
                itemIds[i],
                lines[i],
                skus[i],
                offerJsons[i],
                problemsJsons[i],
                imports[i],
              );
              if (r.changes === 0) duplicate(i, stagedAs.get(itemIds[i] as string)?.line ?? 0);
              else stagedRows++;
            }
          })();
          return duplicates;
        },

        /**
         * The staged items in arrival order, a page at a time (usable inside a transaction). Small
         * pages: the apply is one long synchronous transaction, and a page's objects that outlive a
         * young-generation collection are promoted to the old generation, which only a full
         * collection frees. With 2,000-item pages a 500,000-item import peaked at 343-356 MB
         * (heap 220 MB, mostly garbage awaiting a full collection), with 256-item pages at 208-214 MB.
         */
        *pages(pageSize = 256): Generator<StagedItem[]> {
          let after = 0;
          for (;;) {
            const rows = page.all(after, pageSize);
            if (rows.length === 0) return;
            after = rows[rows.length - 1]?.[0] ?? after;
            yield rows.map((r) => ({
              itemId: r[1],
              line: r[2],
              sku: r[3],
              offerJson: r[4],
              problems: r[5] === null ? null : (JSON.parse(r[5]) as ItemProblem[]),
              imported: r[3] === null ? undefined : importOf(r[3], r[6]),
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
