import type {
  FeedName,
  FeedRowError,
  LinkRow,
  MerchantFeed,
  PriceRow,
  ProductRow,
  Promotion,
  StockRow,
} from "../../schemas/index.ts";
import type { Money } from "../../schemas/money.ts";
import type { PriceEntry, PriceOverride } from "../pricing/index.ts";
import type { ApprovalRecord, ApprovalStore } from "./approvals.ts";
import { commitsWithoutFsync, type Db } from "./db.ts";
import type { OverrideStore } from "./overrides.ts";
import { PriceColumns } from "./price-columns.ts";
import type { PromotionStore } from "./promotions.ts";
import { productSearchText } from "./search-fold.ts";

/** A validated feed row with the line it came from (for error messages). */
export interface Lined<T> {
  line: number;
  row: T;
}

/** One applied feed batch as the ledger records it. */
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

/** A price history row is exactly the pricing engine's price entry. */
export type PriceHistoryEntry = PriceEntry;

export interface ProductRecord {
  sku: string;
  gtin: string | null;
  name: string;
  brand: string | null;
  netQuantity: string | null;
  unit: string | null;
  category: string | null;
  url: string | null;
}

/** Rows that failed against the store (e.g. an unknown SKU); the batch is rolled back. */
export class BatchRejected extends Error {
  constructor(readonly details: FeedRowError[]) {
    super(`${details.length} row(s) rejected`);
  }
}

/**
 * Whether a price row must wait for an approval, and why (the guard rail, supplied by the change
 * layer): asked with the price in force where the row would take effect, inside the batch's write.
 */
export type PriceScreen = (
  current: Money | null,
  proposed: Money,
  /** The row's SKU and the instant it would take effect (a cumulative guard rail looks back from it). */
  row?: { sku: string; at: number },
) => { reason: string } | null;

/** How a batch is applied: the guard rail, and the store's currency (a first price must be in it). */
export interface BatchOptions {
  screen?: PriceScreen;
  currency?: string;
  /**
   * A missing batch pulled from central (feeds/catch-up.ts): its sequence lies below the last applied
   * one and is applied if that sequence is not in the ledger yet (the caller has dropped the rows a
   * later batch superseded).
   */
  gapFill?: boolean;
}

/** A row the store refuses (the batch is rolled back and the row reported). */
class RowRejected extends Error {
  constructor(readonly problem: FeedRowError) {
    super(`line ${problem.line} ${problem.field}: ${problem.reason}`);
  }
}

/** A price row the screen held: it now waits in /api/v1/approvals instead of the history. */
export interface HeldPrice {
  approvalId: string;
  sku: string;
  line: number;
  current: Money | null;
  proposed: Money;
  reason: string;
}

export interface AppliedBatch {
  applied: boolean;
  rowsChanged: number;
  /** Price rows held by a guard rail, each now waiting in /api/v1/approvals. */
  held: number;
  heldPrices: HeldPrice[];
  /** SKUs whose product, price or stock changed: the labels showing them need new content. */
  changedSkus: Set<string>;
  /** Labels linked, relinked or unlinked (the links feed): each needs new content whatever its SKU. */
  changedLabels: string[];
}

const MAX_ERRORS = 100;
/**
 * Price history rows a batch writes go in several to one INSERT: per row, the statement call is a
 * good part of the cost (a 100,000-row feed's apply is mostly its inserts), and rows in one statement
 * keep their order (ids), so nothing that reads the history can tell.
 */
const PRICE_ROWS_PER_INSERT = 64;
/**
 * A batch's feed, sequence and instant are the same for all its rows: bound once per statement as
 * named parameters instead of once per row. Rows in force from the batch's instant with no end (what
 * a daily full feed sends) take a statement that binds only sku, amount and currency: the binding of
 * each value from JavaScript is a good part of an insert's cost (100,000 rows: 8 values a row 251 ms
 * CPU, 3 a row 186 ms, median of five; the bare one-row loop of 4 values 283 ms, same run).
 */
const PRICE_ROW_NOW_OPEN = "(?, ?, ?, @now, NULL, @feed, @sequence, @now)";
/**
 * The same when the statement's rows share one currency (nearly always: a store prices in one), bound
 * once as a named parameter: sku and amount a row (100,000 rows, the bench's ingest as a script,
 * alternated: see docs/benchmarks.md, CSV ingest).
 */
const PRICE_ROW_NOW_OPEN_ONE_CURRENCY = "(?, ?, @currency, @now, NULL, @feed, @sequence, @now)";
const PRICE_ROW_GENERAL = "(?, ?, ?, ?, ?, @feed, @sequence, @now)";

/**
 * Above this many SKUs, a snapshot reads each table with one keyed query rather than a point query
 * per SKU, and a price batch reads the prices in force in one statement (see currentPricesAt).
 */
const BULK_READ_THRESHOLD = 512;

export interface CatalogSnapshot {
  product(sku: string): ProductRecord | undefined;
  priceHistory(sku: string): PriceHistoryEntry[];
  stock(sku: string): number | undefined;
  promotions(sku: string, category: string | null): Promotion[];
  overrides(sku: string): PriceOverride[];
}

/** Whether a SKU's history entries are already in id order (see snapshot). */
function inIdOrder(list: readonly PriceHistoryEntry[]): boolean {
  for (let i = 1; i < list.length; i++)
    if ((list[i] as PriceHistoryEntry).id < (list[i - 1] as PriceHistoryEntry).id) return false;
  return true;
}

/** A product row as a snapshot reads it raw: the columns of ProductRecord, in its key order. */
type ProductTuple = [
  sku: string,
  gtin: string | null,
  name: string,
  brand: string | null,
  netQuantity: string | null,
  unit: string | null,
  category: string | null,
  url: string | null,
];
/** A price history row as a snapshot reads it raw: the columns of PriceHistoryEntry, in its key order. */
type HistoryTuple = [
  id: number,
  sku: string,
  amountMinor: number,
  currency: string,
  effectiveFrom: number,
  effectiveTo: number | null,
  sequence: number,
];

/** A price in force as the store layer reads it: amount, currency, end. */
interface InForce {
  a: number;
  c: string;
  to: number | null;
}

export type AnyFeedRow = ProductRow | PriceRow | StockRow | Promotion | LinkRow;

/** A validated batch's rows: objects, or a price batch's rows column by column (see PriceColumns). */
export type BatchRows = Lined<AnyFeedRow>[] | PriceColumns;

/** Every feed with a sequence in the batch ledger: the central feeds and the Merchant Center ones. */
export type LedgerFeed = FeedName | MerchantFeed;

/**
 * Writes the rows of one batch, chunk by chunk, inside the batch's transaction (see `applyWith`).
 * A batch of one feed may write rows of several kinds: a Merchant Center item is a product, a price
 * and perhaps a sale.
 */
export interface BatchWriter {
  /** Apply validated rows of one kind; store-level problems (an unknown SKU) are collected. */
  rows(kind: FeedName, rows: Lined<AnyFeedRow>[]): void;
  /** Apply validated price rows held column by column (the same rules as `rows("prices", …)`). */
  priceColumns(columns: PriceColumns): void;
  /** End (or withdraw, if not started) a promotion; its SKUs count as changed. */
  endPromotion(promotionId: string): void;
  /** A promotion as stored (to tell whether a row would change it). */
  promotion(promotionId: string): (Promotion & { deleted: boolean }) | undefined;
  /** Ids of the stored promotions whose id starts with `prefix`. */
  promotionIds(prefix: string): Set<string>;
  readonly errors: readonly FeedRowError[];
}

/**
 * Price rows a batch has decided to write and not yet inserted, column by column (no object per
 * row), with their lines (an unknown SKU is only found by the insert's foreign key). All of one
 * batch: its feed, sequence and instant, and where its unknown-SKU errors go. The columns are the
 * store's own, allocated once and reused by every flush (see PendingColumns).
 */
interface PendingPrices extends PendingColumns {
  feed: LedgerFeed;
  sequence: number;
  now: number;
  errors: FeedRowError[];
  /** Rows queued: the first `n` of each column. */
  n: number;
}

/** Rows queued at most before they are inserted. */
const PENDING_ROWS = PRICE_ROWS_PER_INSERT * 16;

/**
 * The queued rows' values. Fixed arrays written in place: six arrays made anew and grown by `push`
 * for every 1,024 rows cost ~0.5 µs a row (reallocation and copying as they grow).
 */
interface PendingColumns {
  skus: string[];
  amounts: Float64Array;
  currencies: string[];
  /** Effective from (the batch's instant when the row has none). */
  froms: Float64Array;
  /** Effective to; NaN = none. */
  tos: Float64Array;
  lines: Float64Array;
}

const pendingColumns = (): PendingColumns => ({
  skus: new Array<string>(PENDING_ROWS).fill(""),
  amounts: new Float64Array(PENDING_ROWS),
  currencies: new Array<string>(PENDING_ROWS).fill(""),
  froms: new Float64Array(PENDING_ROWS),
  tos: new Float64Array(PENDING_ROWS),
  lines: new Float64Array(PENDING_ROWS),
});

export interface CatalogDeps {
  promotions: PromotionStore;
  overrides: OverrideStore;
  approvals: ApprovalStore;
}

/**
 * Catalogue writes and reads: products, price history, stock and the feed batch ledger.
 * Every batch is applied inside one SQLite transaction together with its ledger row, so a batch is
 * either wholly in the store, with its sequence recorded, or not at all.
 */
export function catalogStore(db: Db, deps: CatalogDeps) {
  const sql = db.$client;

  const lastSequenceStmt = sql.prepare<[string], { s: number | null }>(
    "SELECT MAX(sequence) AS s FROM feed_batches WHERE feed = ?",
  );
  const sequenceApplied = sql.prepare<[string, number], { x: number }>(
    "SELECT 1 AS x FROM feed_batches WHERE feed = ? AND sequence = ?",
  );
  const insertBatch = sql.prepare(
    `INSERT INTO feed_batches (feed, sequence, format, rows_read, rows_changed, labels_affected, applied_at, duration_ms)
     VALUES (@feed, @sequence, @format, @rowsRead, @rowsChanged, 0, @appliedAt, NULL)`,
  );
  const finishBatch = sql.prepare(
    "UPDATE feed_batches SET labels_affected = ?, duration_ms = ? WHERE feed = ? AND sequence = ?",
  );
  // A batch's outcome is written after its reply is made and its labels' contents have been handed
  // to the broker, but in the same turn of the event loop, before they leave: an fsync there held
  // every single price change's content back by 2-7 ms. The batch itself was committed with FULL.
  const unsynced = commitsWithoutFsync(sql);
  const lastAppliedStmt = sql.prepare<[], { t: number | null }>(
    "SELECT MAX(applied_at) AS t FROM feed_batches",
  );
  const batchesAbove = sql.prepare<[string, number], { s: number }>(
    "SELECT sequence AS s FROM feed_batches WHERE feed = ? AND sequence > ? ORDER BY sequence",
  );
  const dropBatchesAbove = sql.prepare("DELETE FROM feed_batches WHERE feed = ? AND sequence > ?");
  const historyBounds = sql.prepare<[string, number, number, string, number, number], { t: number }>(
    `SELECT effective_from AS t FROM price_history WHERE sku = ? AND effective_from > ? AND effective_from <= ?
     UNION SELECT effective_to AS t FROM price_history WHERE sku = ? AND effective_to > ? AND effective_to <= ?`,
  );
  const hasBatch = sql.prepare<[string, number], { x: number }>(
    "SELECT 1 AS x FROM feed_batches WHERE feed = ? AND sequence = ?",
  );

  const upsertProduct = sql.prepare(
    `INSERT INTO products (sku, gtin, name, brand, net_quantity, unit, category, url, updated_at, feed_sequence, search_text)
     VALUES (@sku, @gtin, @name, @brand, @netQuantity, @unit, @category, @url, @now, @sequence, @searchText)
     ON CONFLICT(sku) DO UPDATE SET gtin = excluded.gtin, name = excluded.name, brand = excluded.brand,
       net_quantity = excluded.net_quantity, unit = excluded.unit, category = excluded.category,
       url = excluded.url, updated_at = excluded.updated_at, feed_sequence = excluded.feed_sequence,
       search_text = excluded.search_text
     WHERE products.gtin IS NOT excluded.gtin OR products.name IS NOT excluded.name
       OR products.brand IS NOT excluded.brand OR products.net_quantity IS NOT excluded.net_quantity
       OR products.unit IS NOT excluded.unit OR products.category IS NOT excluded.category
       OR products.url IS NOT excluded.url`,
  );

  // The row in force for one SKU at an instant (bound twice): the latest start wins, then the later
  // feed sequence, then the later row. One rule for the point query and the bulk read below.
  const IN_FORCE = `effective_from <= ? AND (effective_to IS NULL OR effective_to > ?)
     ORDER BY effective_from DESC, feed_sequence DESC, id DESC LIMIT 1`;
  // One descending seek per product into (sku, effective_from, feed_sequence, rowid), stopping at the
  // first row in force: the row priceInForce finds, for every SKU at once. The work grows with the
  // catalogue, not with the history (an ordered scan of the whole history read every superseded row:
  // 0.2 s for a 100,000-product store's first reprice, 1 s by its third, the history at 300,000 rows).
  const inForceForAll = sql.prepare<[number, number], InForce & { sku: string }>(
    `SELECT h.sku, h.amount_minor AS a, h.currency AS c, h.effective_to AS "to"
     FROM products AS p JOIN price_history AS h
       ON h.id = (SELECT id FROM price_history WHERE sku = p.sku AND ${IN_FORCE})`,
  );
  const recentBatches = sql.prepare<[number], FeedBatchRecord>(
    `SELECT feed, sequence, format, rows_read AS rowsRead, rows_changed AS rowsChanged,
       labels_affected AS labelsAffected, applied_at AS appliedAt, duration_ms AS durationMs
     FROM feed_batches ORDER BY applied_at DESC, id DESC LIMIT ?`,
  );
  const maxHistoryId = sql.prepare<[], { n: number | null }>("SELECT MAX(id) AS n FROM price_history");
  /** Rows in the price history (from the rowid: entries are never deleted). */
  const historySize = () => maxHistoryId.get()?.n ?? 0;
  const maxProductRowid = sql.prepare<[], { n: number | null }>("SELECT MAX(rowid) AS n FROM products");
  /** Products in the catalogue, read from the rowid in O(log n) (products are never deleted). */
  const catalogueSize = () => maxProductRowid.get()?.n ?? 0;
  const priceInForce = sql.prepare<[string, number, number], InForce>(
    `SELECT amount_minor AS a, currency AS c, effective_to AS "to" FROM price_history
     WHERE sku = ? AND ${IN_FORCE}`,
  );
  const samePriceEntry = sql.prepare<[string, number, number, string, number | null], { x: number }>(
    `SELECT 1 AS x FROM price_history WHERE sku = ? AND effective_from = ? AND amount_minor = ?
     AND currency = ? AND effective_to IS ?`,
  );
  const insertPrice = sql.prepare(
    `INSERT INTO price_history (sku, amount_minor, currency, effective_from, effective_to, feed, feed_sequence, recorded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertPricesAs = (row: string) =>
    sql.prepare(
      `INSERT INTO price_history (sku, amount_minor, currency, effective_from, effective_to, feed, feed_sequence, recorded_at)
       VALUES ${Array.from({ length: PRICE_ROWS_PER_INSERT }, () => row).join(", ")}`,
    );
  const insertPricesNowOpen = insertPricesAs(PRICE_ROW_NOW_OPEN);
  const insertPricesNowOpenOneCurrency = insertPricesAs(PRICE_ROW_NOW_OPEN_ONE_CURRENCY);
  const insertPricesGeneral = insertPricesAs(PRICE_ROW_GENERAL);
  const registerLabel = sql.prepare("INSERT OR IGNORE INTO labels (label_id, created_at) VALUES (?, ?)");
  const relink = sql.prepare("UPDATE labels SET sku = ? WHERE label_id = ? AND sku IS NOT ?");
  const upsertStock = sql.prepare(
    `INSERT INTO stock (sku, on_hand, updated_at, feed_sequence) VALUES (?, ?, ?, ?)
     ON CONFLICT(sku) DO UPDATE SET on_hand = excluded.on_hand, updated_at = excluded.updated_at,
       feed_sequence = excluded.feed_sequence
     WHERE stock.on_hand IS NOT excluded.on_hand`,
  );

  const PRODUCT_COLUMNS = "sku, gtin, name, brand, net_quantity AS netQuantity, unit, category, url";
  const productBySku = sql.prepare<[string], ProductRecord>(
    `SELECT ${PRODUCT_COLUMNS} FROM products WHERE sku = ?`,
  );
  const historyBySku = sql.prepare<[string], PriceHistoryEntry>(
    `SELECT id, sku, amount_minor AS amountMinor, currency, effective_from AS effectiveFrom,
       effective_to AS effectiveTo, feed_sequence AS sequence FROM price_history WHERE sku = ? ORDER BY id`,
  );
  const stockBySku = sql.prepare<[string], { onHand: number }>(
    "SELECT on_hand AS onHand FROM stock WHERE sku = ?",
  );
  // A set of SKUs read by key (a JSON array bound once): a refresh reads its labels' SKUs chunk by
  // chunk through the indexes, never the whole catalogue or the whole (append-only) price history.
  // (json_each's own columns include `id`, hence the qualified names.)
  const KEYS = "json_each(?) AS k";
  // Raw rows (arrays), turned into records here: better-sqlite3 builds each row object key by key,
  // which took about half of a 20,000-label refresh's catalogue read; a literal built in JS costs a
  // fraction of that and gives every record the same shape (faster to read in the pricing engine).
  // The columns are those of PRODUCT_COLUMNS and historyBySku, in order.
  const productsIn = sql
    .prepare<[string], ProductTuple>(
      `SELECT products.sku, gtin, name, brand, net_quantity, unit, category, url
       FROM ${KEYS} JOIN products ON products.sku = k.value`,
    )
    .raw(true);
  const historyIn = sql
    .prepare<[string], HistoryTuple>(
      `SELECT h.id, h.sku, amount_minor, currency, effective_from, effective_to, feed_sequence
       FROM ${KEYS} JOIN price_history AS h ON h.sku = k.value`,
    )
    .raw(true);
  const stockIn = sql.prepare<[string], { sku: string; onHand: number }>(
    `SELECT stock.sku, on_hand AS onHand FROM ${KEYS} JOIN stock ON stock.sku = k.value`,
  );
  const allSkus = sql.prepare<[], { sku: string }>("SELECT sku FROM products ORDER BY sku");
  const totalChanges = sql.prepare<[], { n: number }>("SELECT total_changes() AS n");
  const dataVersion = sql.prepare<[], { v: number }>("SELECT data_version AS v FROM pragma_data_version()");
  /**
   * The live promotions the last bulk snapshot read, and the file's state then. Callers read many
   * SKUs chunk by chunk (a claims review after a Merchant Center batch with 20,000 sales: ten chunks
   * of 2,000), and each chunk read and converted every live promotion again. Reused only outside a
   * transaction (a rolled-back write would leave total_changes moved but the rows as before) and while
   * nothing was written on this connection (total_changes) or by another (data_version). Held weakly:
   * kept for the chunks of one pass, not for the life of the controller.
   */
  let liveMemo: { since: number; version: string; live: WeakRef<Promotion[]> } | undefined;
  const livePromotions = (since: number): Promotion[] => {
    if (sql.inTransaction) {
      liveMemo = undefined;
      return deps.promotions.live(since);
    }
    const version = `${totalChanges.get()?.n ?? 0}:${dataVersion.get()?.v ?? 0}`;
    const kept =
      liveMemo?.since === since && liveMemo.version === version ? liveMemo.live.deref() : undefined;
    if (kept) return kept;
    const live = deps.promotions.live(since);
    liveMemo = { since, version, live: new WeakRef(live) };
    return live;
  };
  const countProducts = sql.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM products");

  /**
   * Price rows a batch has decided to write and not yet inserted, with their lines (an unknown SKU is
   * only found by the insert's foreign key). Flushed before anything in this store reads the price
   * history, and at the end of a batch's write, inside its transaction: no read ever misses one.
   */
  let pending: PendingPrices | null = null;
  /** The columns of `pending` (one batch's rows at a time: a new batch flushes the last first). */
  const queued = pendingColumns();

  function queuePrice(
    p: PriceRow,
    line: number,
    at: number,
    to: number | null,
    feed: LedgerFeed,
    sequence: number,
    now: number,
    errors: FeedRowError[],
  ): void {
    let q = pending;
    if (q === null || q.errors !== errors || q.feed !== feed || q.sequence !== sequence || q.now !== now) {
      flushPrices();
      q = pending = { feed, sequence, now, errors, n: 0, ...queued };
    }
    const k = q.n;
    q.skus[k] = p.sku;
    q.amounts[k] = p.amountMinor;
    q.currencies[k] = p.currency;
    q.froms[k] = at;
    q.tos[k] = to === null ? Number.NaN : to;
    q.lines[k] = line;
    q.n = k + 1;
    if (q.n >= PENDING_ROWS) flushPrices();
  }

  /**
   * Insert the pending price rows, PRICE_ROWS_PER_INSERT to a statement (the statement for rows in
   * force from the batch's instant with no end when all of them are, else the general one), the rest
   * one by one.
   */
  function flushPrices(): void {
    const q = pending;
    pending = null;
    if (q === null || q.n === 0) return;
    const { skus, amounts, currencies, froms, tos, lines, now, n } = q;
    const batch = { feed: q.feed, sequence: q.sequence, now };
    const endOf = (j: number) => (Number.isNaN(tos[j]) ? null : (tos[j] as number));
    const nowOpen: (string | number)[] = new Array(PRICE_ROWS_PER_INSERT * 3);
    const nowOpenOneCurrency: (string | number)[] = new Array(PRICE_ROWS_PER_INSERT * 2);
    const batchInCurrency = { ...batch, currency: "" };
    const general: (string | number | null)[] = new Array(PRICE_ROWS_PER_INSERT * 5);
    let i = 0;
    try {
      for (; i + PRICE_ROWS_PER_INSERT <= n; i += PRICE_ROWS_PER_INSERT) {
        const end = i + PRICE_ROWS_PER_INSERT;
        let open = true;
        const currency = currencies[i]!;
        let oneCurrency = true;
        for (let j = i; j < end; j++) {
          if (froms[j] !== now || !Number.isNaN(tos[j])) {
            open = false;
            break;
          }
          if (currencies[j] !== currency) oneCurrency = false;
        }
        let k = 0;
        if (open && oneCurrency) {
          for (let j = i; j < end; j++) {
            nowOpenOneCurrency[k++] = skus[j]!;
            nowOpenOneCurrency[k++] = amounts[j]!;
          }
          batchInCurrency.currency = currency;
          insertPricesNowOpenOneCurrency.run(nowOpenOneCurrency, batchInCurrency);
        } else if (open) {
          for (let j = i; j < end; j++) {
            nowOpen[k++] = skus[j]!;
            nowOpen[k++] = amounts[j]!;
            nowOpen[k++] = currencies[j]!;
          }
          insertPricesNowOpen.run(nowOpen, batch);
        } else {
          for (let j = i; j < end; j++) {
            general[k++] = skus[j]!;
            general[k++] = amounts[j]!;
            general[k++] = currencies[j]!;
            general[k++] = froms[j]!;
            general[k++] = endOf(j);
          }
          insertPricesGeneral.run(general, batch);
        }
      }
    } catch (e) {
      // A failed statement changed nothing: its rows go one by one below, each unknown SKU named.
      if (!isForeignKeyError(e)) throw e;
    }
    for (; i < n; i++) {
      try {
        insertPrice.run(skus[i], amounts[i], currencies[i], froms[i], endOf(i), q.feed, q.sequence, now);
      } catch (e) {
        if (!isForeignKeyError(e)) throw e;
        if (q.errors.length < MAX_ERRORS) q.errors.push(unknownSku(lines[i]!, skus[i]!));
      }
    }
  }

  /** Drop pending rows (their batch is being rolled back). */
  function discardPrices(): void {
    pending = null;
  }

  const isForeignKeyError = (e: unknown) =>
    typeof e === "object" && e !== null && (e as { code?: string }).code === "SQLITE_CONSTRAINT_FOREIGNKEY";
  const unknownSku = (line: number, sku: string): FeedRowError => ({
    line,
    field: "sku",
    reason: `unknown SKU "${sku}": not in the product catalogue (send it in the products feed first)`,
  });

  /**
   * SKUs with a change waiting for approval, read once per batch: superseding is then a set lookup
   * per row instead of an UPDATE per row (a 100,000-row feed usually has none pending).
   */
  interface PriceBatchState {
    /** The batch's feed (recorded with each history row, and as the source of held changes). */
    feed: LedgerFeed;
    /** SKUs with a change waiting for approval. */
    pendingSkus: Set<string>;
    /** The price in force at the batch's instant per SKU, when read in bulk (see currentPricesAt). */
    inForceNow: Map<string, InForce> | null;
    /**
     * SKUs this batch wrote a price for, while `inForceNow` is used: their next row (a SKU may come
     * twice) asks the history itself. A set of the SKUs rather than their new prices in the map: a
     * 500,000-item first load would otherwise hold half a million price objects until it commits.
     */
    written: Set<string>;
    /**
     * `written` is the writer's own set of changed SKUs, filled by the writer after each changed row:
     * in a batch of the prices feed every changed SKU is a price it wrote, so one set serves both
     * (a set of 100,000 strings costs ~25 ms CPU to build; this saves one, and an add per row).
     */
    writtenByWriter: boolean;
    screen: PriceScreen | undefined;
    /** The store's currency: a price row with no price in force to compare with must be in it. */
    currency: string | undefined;
    held: HeldPrice[];
    /** The batch's row errors (an unknown SKU is found when its queued row is inserted). */
    errors: FeedRowError[];
  }

  /**
   * The price in force at `now` for every SKU a batch may name, read in bulk, or null when a point
   * query per row is cheaper. Bulk when nothing is in force yet (a first load, even in parts: nothing
   * to read, and no query per row either) or when the batch covers at least half of the catalogue
   * (one statement, see inForceForAll, whose work follows the catalogue's size).
   */
  function currentPricesAt(now: number, expectedPriceRows: number): Map<string, InForce> | null {
    if (expectedPriceRows < BULK_READ_THRESHOLD) return null;
    flushPrices();
    const out = new Map<string, InForce>();
    if (historySize() === 0) return out;
    if (expectedPriceRows * 2 < catalogueSize()) return null;
    for (const r of inForceForAll.iterate(now, now)) out.set(r.sku, { a: r.a, c: r.c, to: r.to });
    return out;
  }

  function applyPrice(
    p: PriceRow,
    line: number,
    sequence: number,
    now: number,
    batch: PriceBatchState,
    /** The caller knows the batch has not written the SKU yet (see the first load in priceColumns). */
    unwritten = false,
  ): "changed" | "same" | "held" {
    const { pendingSkus } = batch;
    const to = p.effectiveTo ?? null;
    const at = p.effectiveFrom ?? now;
    let current: InForce | undefined;
    const inForceNow = batch.inForceNow;
    if (p.effectiveFrom === undefined && inForceNow !== null && (unwritten || !batch.written.has(p.sku))) {
      // A first load finds nothing in force: no lookup per row then.
      current = inForceNow.size === 0 ? undefined : inForceNow.get(p.sku);
    } else {
      flushPrices();
      current = priceInForce.get(p.sku, at, at);
    }
    if (p.effectiveFrom === undefined) {
      // A feed that resends the whole catalogue daily must not grow the history: a row equal to the
      // open-ended price already in force is no change.
      if (
        current &&
        current.a === p.amountMinor &&
        current.c === p.currency &&
        current.to === null &&
        to === null
      ) {
        return "same";
      }
    } else if (samePriceEntry.get(p.sku, p.effectiveFrom, p.amountMinor, p.currency, to)) {
      return "same";
    }
    if (!current && batch.currency !== undefined && p.currency !== batch.currency) {
      // A first price fixes what the shelf is priced in: one in another currency than the store's is
      // a feed mistake, not a change for an approver (the guard rail holds later currency changes).
      throw new RowRejected({
        line,
        field: "currency",
        reason: `a first price must be in the store's currency ${batch.currency} (SHELFSYNC_CURRENCY), not ${p.currency}`,
      });
    }
    const currentMoney = current ? { amountMinor: current.a, currency: current.c } : null;
    const hold = batch.screen?.(
      currentMoney,
      { amountMinor: p.amountMinor, currency: p.currency },
      { sku: p.sku, at },
    );
    if (hold) {
      pendingSkus.add(p.sku);
      const approvalId = deps.approvals.hold({
        change: "price",
        sku: p.sku,
        currentAmountMinor: current?.a ?? null,
        currentCurrency: current?.c ?? null,
        proposedAmountMinor: p.amountMinor,
        proposedCurrency: p.currency,
        effectiveFrom: p.effectiveFrom ?? null,
        effectiveTo: to,
        reason: hold.reason,
        source: `feed:${batch.feed}#${sequence} line ${line}`,
        feedSequence: sequence,
        createdAt: now,
      });
      batch.held.push({
        approvalId,
        sku: p.sku,
        line,
        current: currentMoney,
        proposed: { amountMinor: p.amountMinor, currency: p.currency },
        reason: hold.reason,
      });
      return "held";
    }
    queuePrice(p, line, at, to, batch.feed, sequence, now, batch.errors);
    if (inForceNow !== null && !batch.writtenByWriter) batch.written.add(p.sku);
    if (pendingSkus.size > 0 && pendingSkus.delete(p.sku)) {
      deps.approvals.supersedeFor(p.sku, now, `a later price came with feed:${batch.feed}#${sequence}`);
    }
    return "changed";
  }

  /**
   * The writer of one batch. `expectedPriceRows` lets a large batch read the prices in force with one
   * scan instead of one query per row (a planner's choice by sizes, made once per batch).
   */
  function batchWriter(
    feed: LedgerFeed,
    sequence: number,
    now: number,
    expectedPriceRows: number,
    options: BatchOptions,
  ) {
    const skus = new Set<string>();
    const labels: string[] = [];
    const errors: FeedRowError[] = [];
    let changed = 0;
    let priceBatch: PriceBatchState | undefined;
    const prices = (): PriceBatchState => {
      priceBatch ??= {
        feed,
        pendingSkus: deps.approvals.pendingSkus(),
        inForceNow: currentPricesAt(now, expectedPriceRows),
        screen: options.screen,
        currency: options.currency,
        held: [],
        errors,
        written: feed === "prices" ? skus : new Set(),
        writtenByWriter: feed === "prices",
      };
      return priceBatch;
    };
    /** Records a row's store-level problem; false once no more are reported (the write stops). */
    const rowFailed = (e: unknown, line: number, sku: string): boolean => {
      // Rows queued before this one are inserted first, so that errors stay in line order.
      flushPrices();
      if (errors.length >= MAX_ERRORS) return false;
      if (e instanceof RowRejected) errors.push(e.problem);
      else if (isForeignKeyError(e)) errors.push(unknownSku(line, sku));
      else throw e;
      return true;
    };
    const writer: BatchWriter = {
      errors,
      rows(kind, rows) {
        for (const { line, row } of rows) {
          if (errors.length >= MAX_ERRORS) return;
          try {
            if (kind === "promotions") {
              const touched = deps.promotions.save(row as Promotion, now, sequence);
              for (const sku of touched) skus.add(sku);
              changed++;
              continue;
            }
            if (kind === "links") {
              const link = row as LinkRow;
              // A label not announced yet (its access point not installed) is registered: it shows as
              // never seen until it reports. Unlinking a label the store does not know changes nothing.
              if (link.sku !== null) registerLabel.run(link.labelId, now);
              if (relink.run(link.sku, link.labelId, link.sku).changes > 0) {
                changed++;
                labels.push(link.labelId);
              }
              continue;
            }
            const sku = (row as ProductRow | PriceRow | StockRow).sku;
            let didChange = false;
            if (kind === "products") {
              const p = row as ProductRow;
              didChange =
                upsertProduct.run({
                  sku: p.sku,
                  gtin: p.gtin ?? null,
                  name: p.name,
                  brand: p.brand ?? null,
                  netQuantity: p.netQuantity ?? null,
                  unit: p.unit ?? null,
                  category: p.category ?? null,
                  url: p.url ?? null,
                  now,
                  sequence,
                  searchText: productSearchText(p.name, p.brand),
                }).changes > 0;
            } else if (kind === "prices") {
              didChange = applyPrice(row as PriceRow, line, sequence, now, prices()) === "changed";
            } else {
              const st = row as StockRow;
              didChange = upsertStock.run(st.sku, st.onHand, now, sequence).changes > 0;
            }
            if (didChange) {
              changed++;
              skus.add(sku);
            }
          } catch (e) {
            if (!rowFailed(e, line, (row as { sku?: string }).sku ?? "")) return;
          }
        }
      },
      priceColumns(columns) {
        const batch = prices();
        const { lines, skus: rowSkus, amounts, currencies, froms, tos } = columns;
        // One row object for all rows: applyPrice reads it and keeps nothing of it.
        const p: PriceRow = {
          sku: "",
          amountMinor: 0,
          currency: "",
          effectiveFrom: undefined,
          effectiveTo: undefined,
        };
        // A first load (nothing in force) of the prices feed: whether a row's SKU came earlier in the
        // batch is asked of the set of changed SKUs by adding it (one set operation a row instead of
        // a lookup and an add), and taken out again when the row changes nothing. The set keeps the
        // same SKUs in the same order as with the lookup.
        const firstLoad = batch.writtenByWriter && batch.inForceNow !== null && batch.inForceNow.size === 0;
        // columns.length, not lines.length: the number columns have room for more rows than they hold.
        for (let i = 0, n = columns.length; i < n; i++) {
          if (errors.length >= MAX_ERRORS) return;
          const sku = rowSkus[i]!;
          const from = froms[i]!;
          const to = tos[i]!;
          p.sku = sku;
          p.amountMinor = amounts[i]!;
          p.currency = currencies[i]!;
          p.effectiveFrom = Number.isNaN(from) ? undefined : from;
          p.effectiveTo = Number.isNaN(to) ? undefined : to;
          if (firstLoad && p.effectiveFrom === undefined) {
            const size = skus.size;
            skus.add(sku);
            if (skus.size !== size) {
              let outcome: "changed" | "same" | "held";
              try {
                outcome = applyPrice(p, lines[i]!, sequence, now, batch, true);
              } catch (e) {
                skus.delete(sku);
                if (!rowFailed(e, lines[i]!, sku)) return;
                continue;
              }
              if (outcome === "changed") changed++;
              else skus.delete(sku);
              continue;
            }
          }
          try {
            if (applyPrice(p, lines[i]!, sequence, now, batch) === "changed") {
              changed++;
              skus.add(sku);
            }
          } catch (e) {
            if (!rowFailed(e, lines[i]!, sku)) return;
          }
        }
      },
      endPromotion(promotionId) {
        const touched = deps.promotions.remove(promotionId, now);
        if (touched.size > 0) changed++;
        for (const sku of touched) skus.add(sku);
      },
      promotion: (promotionId) => deps.promotions.get(promotionId),
      promotionIds: (prefix) => deps.promotions.idsWithPrefix(prefix),
    };
    return { writer, outcome: () => ({ changed, held: priceBatch?.held ?? [], skus, labels }) };
  }

  return {
    lastSequence(feed: LedgerFeed): number | null {
      return lastSequenceStmt.get(feed)?.s ?? null;
    },

    /** When the last feed batch was applied, by the controller's clock then (null before any). */
    lastAppliedAt(): number | null {
      return lastAppliedStmt.get()?.t ?? null;
    },

    /**
     * The highest price of the history in force at any instant of [from, to] (the price in force
     * changes only where an entry starts or ends, so those instants are the ones to look at); null
     * when none was. For the cumulative guard rail: several cuts in a row measured from the peak.
     */
    peakPriceInForce(sku: string, from: number, to: number): Money | null {
      flushPrices();
      let peak: Money | null = null;
      const look = (t: number) => {
        const p = priceInForce.get(sku, t, t);
        if (p && (!peak || p.a > peak.amountMinor)) peak = { amountMinor: p.a, currency: p.c };
      };
      look(from);
      for (const { t } of historyBounds.all(sku, from, to, sku, from, to)) look(t);
      return peak;
    },

    /**
     * Make `sequence` the feed's last applied one (ops, after a squatted or mistaken number). The
     * ledger rows above it are removed (their data stays applied; the change layer audits which they
     * were), and a `reset` row marks the new last sequence when no batch carries it. Call it inside
     * the change's transaction.
     */
    resetSequence(
      feed: LedgerFeed,
      sequence: number,
      now: number,
    ): { before: number | null; removed: number[] } {
      const before = lastSequenceStmt.get(feed)?.s ?? null;
      const removed = batchesAbove.all(feed, sequence).map((r) => r.s);
      dropBatchesAbove.run(feed, sequence);
      if (!hasBatch.get(feed, sequence))
        insertBatch.run({ feed, sequence, format: "reset", rowsRead: 0, rowsChanged: 0, appliedAt: now });
      return { before, removed };
    },

    /**
     * Apply one validated batch atomically. A sequence not above the last applied one for this feed
     * changes nothing (applied: false). Store-level row errors roll everything back (BatchRejected).
     * Price rows are put to `screen` (the guard rail); those it holds wait for an approval. The batch's
     * audit entries are the caller's (controller/changes), written in the same transaction.
     */
    applyBatch(
      feed: FeedName,
      sequence: number,
      format: string,
      rows: BatchRows,
      now: number,
      options: BatchOptions = {},
    ): AppliedBatch {
      return this.applyWith(feed, sequence, format, now, {
        ...options,
        rowsRead: rows.length,
        expectedPriceRows: feed === "prices" ? rows.length : 0,
        write: (w) => (rows instanceof PriceColumns ? w.priceColumns(rows) : w.rows(feed, rows)),
      });
    },

    /**
     * Apply a batch whose rows are written by `write`, chunk by chunk, inside one immediate
     * transaction with the batch's ledger row: all of it or nothing. Same rules as `applyBatch`;
     * `write` throwing rolls everything back too. `rowsRead` may be a function, read after `write`.
     */
    applyWith(
      feed: LedgerFeed,
      sequence: number,
      format: string,
      now: number,
      options: BatchOptions & {
        write: (w: BatchWriter) => void;
        rowsRead: number | (() => number);
        expectedPriceRows?: number;
      },
    ): AppliedBatch {
      return sql
        .transaction((): AppliedBatch => {
          const last = lastSequenceStmt.get(feed)?.s ?? null;
          const taken = options.gapFill
            ? sequenceApplied.get(feed, sequence) !== undefined
            : last !== null && sequence <= last;
          if (taken)
            return {
              applied: false,
              rowsChanged: 0,
              held: 0,
              heldPrices: [],
              changedSkus: new Set(),
              changedLabels: [],
            };
          const batch = batchWriter(feed, sequence, now, options.expectedPriceRows ?? 0, options);
          try {
            options.write(batch.writer);
            flushPrices();
          } catch (e) {
            discardPrices();
            throw e;
          }
          if (batch.writer.errors.length > 0) throw new BatchRejected([...batch.writer.errors]);
          const { changed, held, skus, labels } = batch.outcome();
          insertBatch.run({
            feed,
            sequence,
            format,
            rowsRead: typeof options.rowsRead === "function" ? options.rowsRead() : options.rowsRead,
            rowsChanged: changed,
            appliedAt: now,
          });
          return {
            applied: true,
            rowsChanged: changed,
            held: held.length,
            heldPrices: held,
            changedSkus: skus,
            changedLabels: labels,
          };
        })
        .immediate();
    },

    recordBatchOutcome(feed: LedgerFeed, sequence: number, labelsAffected: number, durationMs: number): void {
      unsynced(() => finishBatch.run(labelsAffected, durationMs, feed, sequence));
    },

    /** The most recent feed batches, newest first (the console's feeds page). */
    recentBatches(limit: number): FeedBatchRecord[] {
      return recentBatches.all(limit);
    },

    feedLedger(): {
      feed: string;
      lastSequence: number | null;
      appliedAt: number | null;
      gaps: { from: number; to: number }[];
    }[] {
      const last = sql
        .prepare<[], { feed: string; s: number; at: number }>(
          `SELECT feed, sequence AS s, applied_at AS at FROM feed_batches b
           WHERE sequence = (SELECT MAX(sequence) FROM feed_batches WHERE feed = b.feed)`,
        )
        .all();
      const gaps = sql
        .prepare<[], { feed: string; from: number; to: number }>(
          `SELECT feed, prev + 1 AS "from", sequence - 1 AS "to" FROM (
             SELECT feed, sequence, LAG(sequence) OVER (PARTITION BY feed ORDER BY sequence) AS prev FROM feed_batches)
           WHERE prev IS NOT NULL AND sequence - prev > 1 ORDER BY feed, sequence`,
        )
        .all();
      return last.map((l) => ({
        feed: l.feed,
        lastSequence: l.s,
        appliedAt: l.at,
        gaps: gaps.filter((g) => g.feed === l.feed).map(({ from, to }) => ({ from, to })),
      }));
    },

    product: (sku: string): ProductRecord | undefined => productBySku.get(sku),

    /**
     * Everything label content is computed from, for a set of SKUs. Many SKUs are read with one
     * keyed query per table instead of three point queries per SKU; callers with very many (a
     * reprice after a whole-catalogue feed, a restart) ask chunk by chunk (labels/label-sync.ts), so
     * what is held at once stays bounded whatever the size of the catalogue and its price history.
     */
    snapshot(skus: ReadonlySet<string>, since: number): CatalogSnapshot {
      flushPrices();
      if (skus.size <= BULK_READ_THRESHOLD) {
        return {
          product: (sku) => productBySku.get(sku),
          priceHistory: (sku) => historyBySku.all(sku),
          stock: (sku) => stockBySku.get(sku)?.onHand,
          promotions: (sku, category) => deps.promotions.forSku(sku, category, since),
          overrides: (sku) => deps.overrides.forSku(sku),
        };
      }
      const keys = JSON.stringify([...skus]);
      const products = new Map<string, ProductRecord>();
      // all() rather than iterate(): one chunk's rows at once, and a step per row less.
      for (const [sku, gtin, name, brand, netQuantity, unit, category, url] of productsIn.all(keys))
        products.set(sku, { sku, gtin, name, brand, netQuantity, unit, category, url });
      const history = new Map<string, PriceHistoryEntry[]>();
      for (const [id, sku, amountMinor, currency, effectiveFrom, effectiveTo, sequence] of historyIn.all(
        keys,
      )) {
        const h: PriceHistoryEntry = { id, sku, amountMinor, currency, effectiveFrom, effectiveTo, sequence };
        const list = history.get(h.sku);
        if (list) list.push(h);
        else history.set(h.sku, [h]);
      }
      // In id order, as the point query gives them (the index walk gives them by start). Most lists
      // already are (a history grows forward), and sort() allocates a work copy per call even for two
      // entries: 17 MB per 20,000 SKUs, a good part of a reprice's garbage. Sorted only when not.
      for (const list of history.values()) if (!inIdOrder(list)) list.sort((a, b) => a.id - b.id);
      const stock = new Map<string, number>();
      for (const s of stockIn.iterate(keys)) stock.set(s.sku, s.onHand);
      const bySku = new Map<string, Promotion[]>();
      const byCategory = new Map<string, Promotion[]>();
      const push = <K>(m: Map<K, Promotion[]>, k: K, p: Promotion) => {
        const list = m.get(k);
        if (list) list.push(p);
        else m.set(k, [p]);
      };
      for (const p of livePromotions(since)) {
        if (p.category !== undefined) push(byCategory, p.category, p);
        else for (const sku of p.skus) if (skus.has(sku)) push(bySku, sku, p);
      }
      const overrides = deps.overrides.forSkus(skus);
      return {
        product: (sku) => products.get(sku),
        priceHistory: (sku) => history.get(sku) ?? [],
        stock: (sku) => stock.get(sku),
        promotions: (sku, category) => [
          ...(bySku.get(sku) ?? []),
          ...((category && byCategory.get(category)) || []),
        ],
        overrides: (sku) => overrides.get(sku) ?? [],
      };
    },

    priceHistory: (sku: string): PriceHistoryEntry[] => {
      flushPrices();
      return historyBySku.all(sku);
    },

    stock: (sku: string): { onHand: number } | undefined => stockBySku.get(sku),

    /**
     * Put an approved change into force: a price row into the history (keeping its feed sequence), an
     * override into the overrides; either from its own start or from now, whichever is later.
     */
    applyApproved(a: ApprovalRecord, now: number): void {
      const from = Math.max(a.effectiveFrom ?? now, now);
      if (a.change === "override") {
        deps.overrides.add(
          {
            sku: a.sku,
            amountMinor: a.proposedAmountMinor,
            currency: a.proposedCurrency,
            start: from,
            end: a.effectiveTo,
            author: a.author ?? "unknown",
            reason: a.changeReason ?? undefined,
          },
          now,
        );
      } else {
        flushPrices();
        insertPrice.run(
          a.sku,
          a.proposedAmountMinor,
          a.proposedCurrency,
          from,
          a.effectiveTo,
          // The feed it came with, as its source names it (`feed:merchant#7 line 12`).
          /^feed:([a-z-]+)#/.exec(a.source)?.[1] ?? "prices",
          a.feedSequence ?? 0,
          now,
        );
      }
    },

    /** Every SKU in the catalogue, in SKU order. */
    skus: (): string[] => allSkus.all().map((r) => r.sku),

    productCount: (): number => countProducts.get()?.n ?? 0,
  };
}
export type CatalogStore = ReturnType<typeof catalogStore>;
