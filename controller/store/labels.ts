import { type LabelDescriptor, labelContentJson, type SyncStatus } from "../../schemas/index.ts";
import { commitsWithoutFsync, type Db } from "./db.ts";

export interface LabelRecord {
  labelId: string;
  model: string | null;
  width: number | null;
  height: number | null;
  colors: string | null;
  bridgeId: string | null;
  sku: string | null;
  contentHash: string | null;
  contentVersion: number;
  contentJson: string | null;
  /** The last few hashes published to the label, newest first, space-separated (null: none yet). */
  recentHashes: string | null;
  displayedHash: string | null;
  displayedVersion: number | null;
  battery: number | null;
  rssi: number | null;
  lastSeen: number | null;
  createdAt: number;
}

/**
 * What a content refresh needs of a label: not its content or device state. `row` is its rowid
 * when read for a refresh: the content is written back by it, without the label id's index.
 */
export type LabelLink = Pick<LabelRecord, "labelId" | "sku" | "contentHash" | "contentVersion"> & {
  row?: number;
};
/** A link as read raw: the columns of LabelLink, in its key order. */
type LinkTuple = [
  labelId: string,
  sku: string | null,
  contentHash: string | null,
  contentVersion: number,
  row: number,
];
const linkOf = ([labelId, sku, contentHash, contentVersion, row]: LinkTuple): LabelLink => ({
  labelId,
  sku,
  contentHash,
  contentVersion,
  row,
});
/** A label without its published content (sync views of thousands of labels do not need it). */
export type LabelStatusRow = Omit<LabelRecord, "contentJson">;

export interface LabelStateUpdate {
  labelId: string;
  displayedHash: string | null;
  displayedVersion: number | null;
  battery: number | null;
  rssi: number | null;
  seenAt: number;
}

/** The shown content behind a hash, with the product's quantity it was made from. */
export interface ShownRecord {
  json: string;
  netQuantity: string | null;
  unit: string | null;
}

/**
 * A label's newly published content: its hash and version, and what it shows (kept in
 * label_contents, once per hash and call, from which the label's payload is rebuilt on read); null
 * hash and shown: nothing.
 */
export type ContentUpdate = { labelId: string; row?: number | undefined; contentVersion: number } & (
  | { contentHash: string; shown: ShownRecord }
  | { contentHash: null; shown?: undefined }
);

/** A label's columns, qualified: they are also read joined with label_contents (same column names). */
const STATUS_COLUMNS = `labels.label_id AS labelId, labels.model, labels.width, labels.height, labels.colors,
  labels.bridge_id AS bridgeId, labels.sku, labels.content_hash AS contentHash,
  labels.content_version AS contentVersion, labels.recent_hashes AS recentHashes,
  labels.displayed_hash AS displayedHash, labels.displayed_version AS displayedVersion, labels.battery,
  labels.rssi, labels.last_seen AS lastSeen, labels.created_at AS createdAt`;
/**
 * A label with the shown content of its hash. The payload is not stored per label: it is rebuilt from
 * the content kept in label_contents (the same bytes as published, labelContentJson), the row the
 * label names by id, so a reprice writes each content once and the label rows the sync counters and
 * state reports go through stay small.
 */
const LABEL_FROM = `SELECT ${STATUS_COLUMNS}, c.shown_json AS shownJson
  FROM labels LEFT JOIN label_contents AS c ON c.id = labels.content_id`;
type LabelRow = LabelStatusRow & { shownJson: string | null };
const withContent = (r: LabelRow): LabelRecord => {
  const { shownJson, ...label } = r;
  return {
    ...label,
    contentJson:
      shownJson !== null && label.contentHash !== null
        ? labelContentJson(label.labelId, shownJson, label.contentHash, label.contentVersion)
        : null,
  };
};

/** How many published hashes a label remembers (a label asleep through a few reprices is still "pending"). */
export const RECENT_HASHES = 4;
/** contentHash is 32 hex digits (controller/labels/content.ts); the list is cut at a whole entry. */
const RECENT_HASHES_CHARS = RECENT_HASHES * 33 - 1;
/** Labels (or new contents) written by one statement of a bulk content write (see setContentsByRows). */
const WRITE_ROWS = 64;
/** A VALUES list of WRITE_ROWS rows of `columns` parameters each. */
const valueRows = (columns: number) =>
  Array.from({ length: WRITE_ROWS }, () => `(${Array.from({ length: columns }, () => "?").join(", ")})`).join(
    ", ",
  );

/** Whether the controller published this hash to the label lately (a state claiming another is not believed). */
export function publishedLately(
  label: Pick<LabelRecord, "contentHash" | "recentHashes">,
  hash: string,
): boolean {
  if (hash === label.contentHash) return true;
  return label.recentHashes?.split(" ").includes(hash) ?? false;
}

/** What an inventory did: labels new or changed, and labels it may not touch (another bridge owns them). */
export interface InventoryOutcome {
  changed: string[];
  refused: string[];
}

/** The sync statuses the store counts (all but `failed`), as numbers in SQL (cheaper to group by). */
const STATUS_CODE = {
  in_sync: 0,
  pending: 1,
  offline: 2,
  never_seen: 3,
  unlinked: 4,
  unknown_content: 5,
} as const satisfies Record<Exclude<SyncStatus, "failed">, number>;
const STATUS_OF_CODE = Object.keys(STATUS_CODE) as Exclude<SyncStatus, "failed">[];
/**
 * A label that is linked, has content, has reported, and shows an older content of ours: pending or
 * offline, decided at the moment of counting by its bridge's availability and its silence.
 */
const BEHIND = 6;
/** No label at this rowid (the tally's arrays are indexed by rowid). */
const NO_LABEL = 7;

/** At or below this charge (percent) a label counts as low on battery. */
export const LOW_BATTERY_PERCENT = 20;
/** At or below this signal (dBm) a label counts as weakly connected. */
export const WEAK_SIGNAL_DBM = -85;

/**
 * A label row's sync class without the clock: labelSyncStatus (labels/sync-status.ts) rule by rule,
 * in its order, up to the rules that need the time or the bridges (BEHIND), and without `failed` (a
 * set held in memory, applied by syncCounts). One text for the SQL count and the in-memory tally.
 */
const CLASS_SQL = `CASE
  WHEN sku IS NULL THEN ${STATUS_CODE.unlinked}
  WHEN content_hash IS NULL THEN ${STATUS_CODE.pending}
  WHEN last_seen IS NULL THEN ${STATUS_CODE.never_seen}
  WHEN displayed_hash IS content_hash THEN ${STATUS_CODE.in_sync}
  WHEN displayed_hash IS NOT NULL AND recent_hashes IS NOT NULL
    AND (instr(displayed_hash, ' ') > 0
      OR instr(' ' || recent_hashes || ' ', ' ' || displayed_hash || ' ') = 0)
    THEN ${STATUS_CODE.unknown_content}
  ELSE ${BEHIND} END`;
/** The class with the battery and signal flags (bits 3 and 4): what the tally keeps per label. */
const CODE_SQL = `(${CLASS_SQL}) + CASE WHEN battery <= ${LOW_BATTERY_PERCENT} THEN 8 ELSE 0 END
  + CASE WHEN rssi <= ${WEAK_SIGNAL_DBM} THEN 16 ELSE 0 END`;
/** Rowid and code in one number (a statement that returns one integer allocates no row object). */
const ROW_CODE_SQL = `rowid * 32 + ${CODE_SQL}`;

/** Labels of one sync status (as sync-status.ts names them, `failed` aside), counted. */
export interface StatusCount {
  status: Exclude<SyncStatus, "failed">;
  n: number;
  /** Of these, how many are low on battery and how many weakly connected. */
  lowBattery: number;
  weakSignal: number;
}

/** What the sync counters are counted with: the clock, the silence limit and the bridges down. */
export interface CountQuery {
  offlineBridges: Iterable<string>;
  now: number;
  offlineAfterMs: number;
}

/** Labels by sync status (`failed` aside) and in all, low on battery and weakly connected. */
export interface StatusTally {
  byStatus: Record<Exclude<SyncStatus, "failed">, number>;
  lowBattery: number;
  weakSignal: number;
}

export interface BridgeStats {
  bridgeId: string;
  kind: string | null;
  /** 1 while the bridge's availability is online. */
  online: number;
  labels: number;
  linked: number;
  showingCurrent: number;
}

/**
 * The sync counters, kept in memory: each label's class (CLASS_SQL, with its battery and signal
 * flags) by rowid, counted per class, and for the labels that are BEHIND their silence and bridge,
 * judged at the moment of counting. A dashboard or a bench polls the counters while 50,000 labels
 * acknowledge a reprice; each poll scanned every label row before (0.1-0.2 s under load).
 *
 * The two writes a reprice makes per label move the counts: a state's UPDATE returns the row's new
 * class, and the rows a refresh wrote content to are read again (those rows only) at the next
 * count. Every other write (an inventory, a links feed, a removal, a write
 * by another process, a rolled-back transaction) is noticed and the tally is read again from the
 * table at the next count: SQLite's total_changes() counts every row this connection has written to
 * any table, and data_version moves when another connection commits. The tally knows how many rows
 * its own writes wrote; any difference means something else was written (perhaps not a label: a
 * feed's prices too cause one more read of the table, as the refresh after them does anyway). A
 * state write that fails, or runs inside a caller's transaction that could still roll back, makes
 * the tally read everything again (recordStates). A TEMP trigger counted the label rows before: it
 * ran once more per row written, ~2 µs of the ~12 µs each of a reprice's 100,000 label writes.
 */
function labelTally(sql: Db["$client"]) {
  const writesStmt = sql.prepare<[], number>("SELECT total_changes()").pluck();
  const versionStmt = sql.prepare<[], number>("SELECT data_version FROM pragma_data_version()").pluck();
  const rowsStmt = sql.prepare<[], { r: number; code: number; seen: number | null; bridge: string | null }>(
    `SELECT rowid AS r, ${CODE_SQL} AS code, last_seen AS seen, bridge_id AS bridge FROM labels`,
  );
  const someRowsStmt = sql
    .prepare<[string], number>(
      `SELECT ${ROW_CODE_SQL} FROM labels WHERE rowid IN (SELECT value FROM json_each(?))`,
    )
    .pluck();

  let code = new Uint8Array(0);
  let seen = new Float64Array(0);
  let bridge = new Int32Array(0);
  let bridgeIds: string[] = [];
  /** Labels per class (index: the class code), and in all low on battery and weakly connected. */
  const perClass = [0, 0, 0, 0, 0, 0, 0, 0];
  let low = 0;
  let weak = 0;
  /** Rows written on this connection (total_changes) as far as the tally knows; -1: read it again. */
  let writes = -1;
  let version = -1;
  /**
   * Rows whose content a refresh wrote since the last count: read again (those rows only) at the
   * next count. A refresh in turns records a chunk at a time while the console or a bench polls
   * the counters; reading every label again at each such poll cost more than the chunks' writes.
   */
  let dirty: number[] = [];
  /**
   * No label that is BEHIND was seen before this (a lower bound; NaN-free): while the silence limit
   * has not passed it and no bridge is down, every BEHIND label is pending and none need be looked at.
   */
  let minSeenBehind = Number.POSITIVE_INFINITY;

  const add = (c: number, sign: 1 | -1) => {
    (perClass[c & 7] as number) += sign;
    if (c & 8) low += sign;
    if (c & 16) weak += sign;
  };

  function reload(): void {
    perClass.fill(0);
    low = 0;
    weak = 0;
    dirty = [];
    minSeenBehind = Number.POSITIVE_INFINITY;
    const rows = rowsStmt.all();
    let size = 0;
    for (const row of rows) if (row.r >= size) size = row.r + 1;
    code = new Uint8Array(Math.max(1, Math.ceil(size * 1.25))).fill(NO_LABEL);
    seen = new Float64Array(code.length);
    bridge = new Int32Array(code.length).fill(-1);
    const index = new Map<string, number>();
    bridgeIds = [];
    for (const row of rows) {
      code[row.r] = row.code;
      seen[row.r] = row.seen ?? Number.NaN;
      if (row.bridge !== null) {
        let b = index.get(row.bridge);
        if (b === undefined) {
          b = bridgeIds.push(row.bridge) - 1;
          index.set(row.bridge, b);
        }
        bridge[row.r] = b;
      }
      add(row.code, 1);
      if ((row.code & 7) === BEHIND && row.seen !== null && row.seen < minSeenBehind)
        minSeenBehind = row.seen;
    }
    writes = writesStmt.get() ?? 0;
    version = versionStmt.get() ?? 0;
  }

  /** A row's new code (rowid * 32 + code, as ROW_CODE_SQL); false for a row the tally has not read. */
  function moved(rowCode: number, seenAt: number | undefined): boolean {
    const r = Math.floor(rowCode / 32);
    const c = rowCode - r * 32;
    const old = r < code.length ? (code[r] as number) : NO_LABEL;
    if (old === NO_LABEL) return false;
    if (old !== c) {
      add(old, -1);
      add(c, 1);
      code[r] = c;
    }
    if (seenAt !== undefined) seen[r] = seenAt;
    if ((c & 7) === BEHIND && (seen[r] as number) < minSeenBehind) minSeenBehind = seen[r] as number;
    return true;
  }

  return {
    /** Many rows are being written: read every label again at the next count. */
    stale(): void {
      writes = -1;
    },
    /** One row written by recordStates: its rowid and new code, and when seen. */
    wrote(rowCode: number, seenAt: number | undefined): void {
      if (writes < 0) return;
      writes++;
      // A row the tally has not read (inserted since): everything is read again at the next count.
      if (!moved(rowCode, seenAt)) writes = -1;
    },
    /**
     * Content written to these rows (rowids), `changes` rows written in all (total_changes: the
     * label rows and the stored contents): those rows are read again at the next count.
     */
    wroteContents(rows: readonly number[], changes: number): void {
      if (writes < 0) return;
      writes += changes;
      for (const r of rows) dirty.push(r);
    },

    count(q: CountQuery): StatusTally {
      if (writes < 0 || writesStmt.get() !== writes || versionStmt.get() !== version) reload();
      else if (dirty.length > 0) {
        const rows = dirty;
        dirty = [];
        let read = 0;
        for (const rowCode of someRowsStmt.iterate(JSON.stringify(rows))) {
          read++;
          if (!moved(rowCode, undefined)) {
            read = -1;
            break;
          }
        }
        // A row gone or new meanwhile (which total_changes would have shown): read everything.
        if (read !== new Set(rows).size) reload();
      }
      // Counted inside a transaction that may still roll back (which total_changes() would not
      // show): right for now, read again at the next count.
      if (sql.inTransaction) writes = -1;
      const byStatus: StatusTally["byStatus"] = {
        in_sync: perClass[STATUS_CODE.in_sync] as number,
        pending: perClass[STATUS_CODE.pending] as number,
        offline: 0,
        never_seen: perClass[STATUS_CODE.never_seen] as number,
        unlinked: perClass[STATUS_CODE.unlinked] as number,
        unknown_content: perClass[STATUS_CODE.unknown_content] as number,
      };
      if ((perClass[BEHIND] as number) > 0) {
        const down = new Uint8Array(bridgeIds.length);
        const offline = new Set(q.offlineBridges);
        let anyDown = false;
        for (const [i, id] of bridgeIds.entries())
          if (offline.has(id)) {
            down[i] = 1;
            anyDown = true;
          }
        if (!anyDown && !(q.now - minSeenBehind > q.offlineAfterMs)) {
          // None of them can be offline (a reprice's 50,000 labels waiting for their state).
          byStatus.pending += perClass[BEHIND] as number;
        } else {
          // As the SQL count: a label of a bridge that is down is offline, else one silent too long.
          let min = Number.POSITIVE_INFINITY;
          for (let r = 0; r < code.length; r++) {
            if (((code[r] as number) & 7) !== BEHIND) continue;
            const b = bridge[r] as number;
            const at = seen[r] as number;
            if (at < min) min = at;
            if ((b >= 0 && down[b] === 1) || q.now - at > q.offlineAfterMs) byStatus.offline++;
            else byStatus.pending++;
          }
          minSeenBehind = min;
        }
      }
      return { byStatus, lowBattery: low, weakSignal: weak };
    },
  };
}

/** Labels, their links, what was published to them and what they report; and bridge availability. */
export function labelStore(db: Db) {
  const sql = db.$client;

  const upsertDescriptor = sql.prepare(
    `INSERT INTO labels (label_id, model, width, height, colors, bridge_id, created_at)
     VALUES (@labelId, @model, @width, @height, @colors, @bridgeId, @now)
     ON CONFLICT(label_id) DO UPDATE SET model = COALESCE(excluded.model, labels.model),
       width = COALESCE(excluded.width, labels.width), height = COALESCE(excluded.height, labels.height),
       colors = COALESCE(excluded.colors, labels.colors), bridge_id = COALESCE(labels.bridge_id, excluded.bridge_id)
     WHERE (labels.bridge_id IS NULL OR excluded.bridge_id IS NULL OR labels.bridge_id = excluded.bridge_id)
       AND (labels.model IS NOT COALESCE(excluded.model, labels.model)
         OR labels.width IS NOT COALESCE(excluded.width, labels.width)
         OR labels.height IS NOT COALESCE(excluded.height, labels.height)
         OR labels.colors IS NOT COALESCE(excluded.colors, labels.colors)
         OR labels.bridge_id IS NOT COALESCE(labels.bridge_id, excluded.bridge_id))`,
  );
  const ownerOf = sql.prepare<[string], { bridgeId: string | null }>(
    "SELECT bridge_id AS bridgeId FROM labels WHERE label_id = ?",
  );
  const setOwner = sql.prepare("UPDATE labels SET bridge_id = ? WHERE label_id = ?");
  const owned = sql.prepare<[], { labelId: string; bridgeId: string }>(
    "SELECT label_id AS labelId, bridge_id AS bridgeId FROM labels WHERE bridge_id IS NOT NULL ORDER BY label_id",
  );
  const byId = sql.prepare<[string], LabelRow>(`${LABEL_FROM} WHERE labels.label_id = ?`);
  const bySku = sql.prepare<[string], LabelRow>(`${LABEL_FROM} WHERE labels.sku = ?`);
  const all = sql.prepare<[], LabelRow>(`${LABEL_FROM} ORDER BY labels.label_id`);
  // Links are read raw (arrays) and built here: better-sqlite3 builds each row object key by key,
  // a measurable part of a 20,000-label refresh; a literal costs a fraction and has one shape.
  const LINK_COLUMNS = "label_id, sku, content_hash, content_version, rowid";
  const linksBySku = sql
    .prepare<[string], LinkTuple>(`SELECT ${LINK_COLUMNS} FROM labels WHERE sku = ?`)
    .raw(true);
  const allLinks = sql.prepare<[], LinkTuple>(`SELECT ${LINK_COLUMNS} FROM labels`).raw(true);
  const allLinked = sql
    .prepare<[], LinkTuple>(`SELECT ${LINK_COLUMNS} FROM labels WHERE sku IS NOT NULL`)
    .raw(true);
  const linksOfRows = sql
    .prepare<[string], LinkTuple>(
      `SELECT ${LINK_COLUMNS} FROM labels WHERE rowid IN (SELECT value FROM json_each(?))`,
    )
    .raw(true);
  const allStatus = sql.prepare<[], LabelStatusRow>(`SELECT ${STATUS_COLUMNS} FROM labels ORDER BY label_id`);
  const setSku = sql.prepare("UPDATE labels SET sku = ? WHERE label_id = ?");
  const deleteLabel = sql.prepare("DELETE FROM labels WHERE label_id = ?");
  // Positional parameters: binding by name costs measurably on a 20,000-label reprice.
  // The new hash goes in front of the remembered ones in the same statement (no read first); a cleared
  // content (null) leaves them as they are. By rowid when the refresh read it (no index lookup).
  const SET_CONTENT = `UPDATE labels SET content_hash = ?, content_id = ?, content_version = ?,
       recent_hashes = CASE WHEN ? IS NULL THEN recent_hashes
         ELSE substr(? || COALESCE(' ' || recent_hashes, ''), 1, ${RECENT_HASHES_CHARS}) END`;
  const setContent = sql.prepare(`${SET_CONTENT} WHERE label_id = ?`);
  const setContentByRow = sql.prepare(`${SET_CONTENT} WHERE rowid = ?`);
  // A refresh writes thousands of labels a call: by rowid they go in statements of WRITE_ROWS labels
  // (one VALUES list joined on rowid), as the new contents go in multi-row INSERTs. A statement run
  // from JS costs about as much as the row it writes; at 20,000 labels the per-row statements were a
  // third of the refresh's SQLite time. The rest (a label named by id, a short tail) take one each.
  const setContentsByRows = sql.prepare(
    `UPDATE labels SET content_hash = v.column1, content_id = v.column2, content_version = v.column3,
       recent_hashes = CASE WHEN v.column1 IS NULL THEN labels.recent_hashes
         ELSE substr(v.column1 || COALESCE(' ' || labels.recent_hashes, ''), 1, ${RECENT_HASHES_CHARS}) END
     FROM (VALUES ${valueRows(4)}) AS v
     WHERE labels.rowid = v.column4`,
  );
  const contentHashOfRow = sql
    .prepare<[number], string>("SELECT content_hash FROM label_contents WHERE id = ?")
    .pluck();
  const keepShownRows = sql.prepare(
    `INSERT INTO label_contents (content_hash, shown_json, net_quantity, unit, published_at)
     VALUES ${valueRows(5)}`,
  );
  // One row per distinct shown content of a call (all labels of a product share it), appended: the
  // table has no index on the hash (store/schema.ts says why), the labels name the row by its id.
  const keepShown = sql.prepare(
    `INSERT INTO label_contents (content_hash, shown_json, net_quantity, unit, published_at)
     VALUES (?, ?, ?, ?, ?)`,
  );
  // Positional too: a reprice brings one state per label, 50,000 in a few seconds. It returns the
  // row's new tally code (rowid and sync class, see ROW_CODE_SQL): the sync counters follow each
  // state without reading the row again.
  const setState = sql
    .prepare<[string | null, number | null, number | null, number | null, number, string], number>(
      `UPDATE labels SET displayed_hash = ?, displayed_version = COALESCE(?, displayed_version),
         battery = COALESCE(?, battery), rssi = COALESCE(?, rssi), last_seen = ?
       WHERE label_id = ? RETURNING ${ROW_CODE_SQL}`,
    )
    .pluck();
  // A burst of states (a reprice's acknowledgements) in statements of WRITE_ROWS labels, each row
  // returning its label's tally code and last_seen (in no particular order: the code carries the rowid).
  const setStates = sql
    .prepare<unknown[], [number, number]>(
      `UPDATE labels SET displayed_hash = v.column2, displayed_version = COALESCE(v.column3, displayed_version),
         battery = COALESCE(v.column4, battery), rssi = COALESCE(v.column5, rssi), last_seen = v.column6
       FROM (VALUES ${valueRows(6)}) AS v
       WHERE labels.label_id = v.column1 RETURNING ${ROW_CODE_SQL}, last_seen`,
    )
    .raw(true);
  const labelExists = sql.prepare<[string], number>("SELECT 1 FROM labels WHERE label_id = ?").pluck();
  const upsertBridge = sql.prepare(
    `INSERT INTO bridges (bridge_id, kind, online, changed_at) VALUES (@bridgeId, @kind, @online, @now)
     ON CONFLICT(bridge_id) DO UPDATE SET kind = COALESCE(excluded.kind, bridges.kind),
       online = excluded.online, changed_at = excluded.changed_at`,
  );
  const offlineBridges = sql.prepare<[], { bridgeId: string }>(
    "SELECT bridge_id AS bridgeId FROM bridges WHERE online = 0",
  );
  // The sync dashboard's counters (labels/views.ts syncCounts), counted in SQL without reading a
  // label into JavaScript: a dashboard polls them while 50,000 labels acknowledge a reprice. The CASE
  // is labelSyncStatus (labels/sync-status.ts) rule by rule, in its order, except `failed` (a set held
  // in memory, applied by syncCounts); a test holds the two equal over labels in every state.
  const statusCounts = sql.prepare<
    [string, number, number],
    Omit<StatusCount, "status"> & { status: number }
  >(
    `SELECT status, COUNT(*) AS n, COUNT(CASE WHEN battery <= ${LOW_BATTERY_PERCENT} THEN 1 END) AS lowBattery,
       COUNT(CASE WHEN rssi <= ${WEAK_SIGNAL_DBM} THEN 1 END) AS weakSignal
     FROM (SELECT battery, rssi, CASE class
         WHEN ${BEHIND} THEN CASE
           WHEN bridge_id IN (SELECT value FROM json_each(?)) THEN ${STATUS_CODE.offline}
           WHEN ? - last_seen > ? THEN ${STATUS_CODE.offline}
           ELSE ${STATUS_CODE.pending} END
         ELSE class END AS status
       FROM (SELECT battery, rssi, bridge_id, last_seen, ${CLASS_SQL} AS class FROM labels))
     GROUP BY status`,
  );
  const linkedToSkus = sql.prepare<[string], { n: number }>(
    "SELECT COUNT(*) AS n FROM json_each(?) AS k JOIN labels ON labels.sku = k.value",
  );
  const statusById = sql.prepare<[string], LabelStatusRow>(
    `SELECT ${STATUS_COLUMNS} FROM labels WHERE label_id = ?`,
  );
  const bridgeStats = sql.prepare<[], BridgeStats>(
    `SELECT b.bridge_id AS bridgeId, b.kind, b.online, COUNT(l.label_id) AS labels,
       COUNT(l.sku) AS linked, COUNT(CASE WHEN l.displayed_hash = l.content_hash THEN 1 END) AS showingCurrent
     FROM bridges b LEFT JOIN labels l ON l.bridge_id = b.bridge_id GROUP BY b.bridge_id ORDER BY b.bridge_id`,
  );

  /**
   * Owners already read, by label. The embedded broker asks for a label's owner at every state a
   * bridge publishes (50,000 after a reprice); a point query each cost more than the state's write.
   * Only owners are kept (a label without one may get one from any inventory): an owner changes
   * only by setOwner and goes with remove, both below, so the cache cannot go stale in this process.
   */
  const owners = new Map<string, string>();
  const tally = labelTally(sql);

  /** Contents and states are derived data: committed without an fsync (see commitsWithoutFsync). */
  const derived = commitsWithoutFsync(sql);

  /**
   * The label_contents rows of a call's distinct new contents (all labels of a product share one),
   * appended WRITE_ROWS to a statement. The ids of a multi-row INSERT are consecutive (a table without
   * AUTOINCREMENT gives each new row max(rowid) + 1), so the last insert rowid names them all.
   */
  function keepContents(updates: readonly ContentUpdate[], now: number) {
    const byHash = new Map<string, number>();
    const fresh: ContentUpdate[] = [];
    for (const u of updates)
      if (u.contentHash !== null && !byHash.has(u.contentHash)) {
        byHash.set(u.contentHash, 0);
        fresh.push(u);
      }
    let inserted = 0;
    const whole = fresh.length - (fresh.length % WRITE_ROWS);
    const values: (string | number | null)[] = new Array(WRITE_ROWS * 5);
    for (let from = 0; from < whole; from += WRITE_ROWS) {
      for (let i = 0; i < WRITE_ROWS; i++) {
        const u = fresh[from + i] as ContentUpdate & { contentHash: string };
        values[i * 5] = u.contentHash;
        values[i * 5 + 1] = u.shown.json;
        values[i * 5 + 2] = u.shown.netQuantity;
        values[i * 5 + 3] = u.shown.unit;
        values[i * 5 + 4] = now;
      }
      const r = keepShownRows.run(values);
      inserted += r.changes;
      const last = Number(r.lastInsertRowid);
      const first = fresh[from] as ContentUpdate & { contentHash: string };
      if (contentHashOfRow.get(last - WRITE_ROWS + 1) !== first.contentHash)
        throw new Error("label_contents: a multi-row insert was not given consecutive ids");
      for (let i = 0; i < WRITE_ROWS; i++)
        byHash.set((fresh[from + i] as ContentUpdate).contentHash as string, last - WRITE_ROWS + 1 + i);
    }
    for (let i = whole; i < fresh.length; i++) {
      const u = fresh[i] as ContentUpdate & { contentHash: string };
      const r = keepShown.run(u.contentHash, u.shown.json, u.shown.netQuantity, u.shown.unit, now);
      inserted += r.changes;
      byHash.set(u.contentHash, Number(r.lastInsertRowid));
    }
    return { byHash, inserted };
  }

  /** Register or update announced labels; see upsertDescriptors. */
  function announce(descriptors: LabelDescriptor[], bridgeId: string | null, now: number): InventoryOutcome {
    return sql.transaction(() => {
      const changed: string[] = [];
      const refused: string[] = [];
      for (const d of descriptors) {
        const r = upsertDescriptor.run({
          labelId: d.labelId,
          model: d.model ?? null,
          width: d.width ?? null,
          height: d.height ?? null,
          colors: d.colors ?? null,
          bridgeId,
          now,
        });
        if (r.changes > 0) changed.push(d.labelId);
        else if (bridgeId !== null) {
          const owner = ownerOf.get(d.labelId)?.bridgeId;
          if (owner && owner !== bridgeId) refused.push(d.labelId);
        }
      }
      return { changed, refused };
    })();
  }

  return {
    get(labelId: string): LabelRecord | undefined {
      const r = byId.get(labelId);
      return r && withContent(r);
    },
    /**
     * Labels linked to any of these SKUs, grouped by SKU. A large set (a whole-catalogue feed) is
     * answered by one scan of the linked labels instead of one lookup per SKU.
     */
    linkedToAny(skus: ReadonlySet<string>): Map<string, LabelLink[]> {
      const groups = new Map<string, LabelLink[]>();
      const add = (l: LabelLink & { sku: string }) => {
        const g = groups.get(l.sku);
        if (g) g.push(l);
        else groups.set(l.sku, [l]);
      };
      if (skus.size > 512) {
        for (const t of allLinked.iterate()) {
          if (t[1] !== null && skus.has(t[1])) add(linkOf(t) as LabelLink & { sku: string });
        }
      } else {
        for (const sku of skus)
          for (const t of linksBySku.all(sku)) add(linkOf(t) as LabelLink & { sku: string });
      }
      return groups;
    },
    linkedTo: (sku: string): LabelRecord[] => bySku.all(sku).map(withContent),
    all: (): LabelRecord[] => all.all().map(withContent),
    /** Every label with its link and last published hash (for a full refresh). */
    links: (): LabelLink[] => allLinks.all().map(linkOf),
    /**
     * The links and last published hashes of these rows (rowids) as they are now: a refresh that
     * takes turns reads each chunk again before resolving it, since other changes ran meanwhile.
     */
    linksOfRows: (rows: readonly number[]): LabelLink[] => linksOfRows.all(JSON.stringify(rows)).map(linkOf),
    /** Every label without its content JSON (for sync views). */
    statusRows: (): LabelStatusRow[] => allStatus.all(),

    /** What the sync counters are made of (labels/views.ts syncCounts). */
    syncCountSource: {
      /**
       * Labels counted by status as labelSyncStatus judges them without its `failed` rule, at `now`,
       * with these bridges offline; and how many are low on battery or weakly connected. Kept in
       * memory as contents and states are written (see labelTally): no scan of the labels per call.
       */
      tally: (q: CountQuery): StatusTally => tally.count(q),
      /** The same counts by one SQL aggregate over every label (the reference the tally is held to). */
      byStatus: (q: CountQuery): StatusCount[] =>
        statusCounts.all(JSON.stringify([...q.offlineBridges]), q.now, q.offlineAfterMs).map((c) => ({
          ...c,
          status: STATUS_OF_CODE[c.status as unknown as number] as StatusCount["status"],
        })),
      /** Labels linked to any of these SKUs. */
      linkedTo: (skus: Iterable<string>): number => linkedToSkus.get(JSON.stringify([...skus]))?.n ?? 0,
      statusRow: (labelId: string): LabelStatusRow | undefined => statusById.get(labelId),
    },

    /** upsertDescriptors, also telling which labels another bridge owns. */
    announce,

    /**
     * Register or update labels as announced by a bridge (`bridgeId`) or the API (null). A label
     * belongs to the first bridge that announces it: another bridge's inventory neither takes it
     * over nor changes its model or size (those ids come back as `refused`). Returns the ids that
     * were new or changed.
     */
    upsertDescriptors(descriptors: LabelDescriptor[], bridgeId: string | null, now: number): string[] {
      return announce(descriptors, bridgeId, now).changed;
    },

    /** The bridge that owns a label (null: none yet; undefined: no such label). */
    owner(labelId: string): string | null | undefined {
      const known = owners.get(labelId);
      if (known !== undefined) return known;
      const owner = ownerOf.get(labelId)?.bridgeId;
      if (owner) owners.set(labelId, owner);
      return owner;
    },

    /** Every owned label's id, by its bridge (for Mosquitto's ACL file). */
    labelsByBridge(): Map<string, string[]> {
      const out = new Map<string, string[]>();
      for (const { labelId, bridgeId } of owned.iterate()) {
        const list = out.get(bridgeId);
        if (list) list.push(labelId);
        else out.set(bridgeId, [labelId]);
      }
      return out;
    },

    /** Give a label to another bridge (an ops decision: the label was moved to another access point). */
    setOwner(labelId: string, bridgeId: string | null): boolean {
      owners.delete(labelId);
      return setOwner.run(bridgeId, labelId).changes > 0;
    },

    setLink(labelId: string, sku: string | null): void {
      setSku.run(sku, labelId);
    },

    /** Forget a label (its state and link go with it); false if there was none. */
    remove(labelId: string): boolean {
      owners.delete(labelId);
      return deleteLabel.run(labelId).changes > 0;
    },

    /** Record newly published content for many labels in one transaction. */
    setContents(updates: ContentUpdate[]): void {
      if (updates.length === 0) return;
      const now = Date.now();
      // The rows written are read again at the next count (only they, see labelTally) rather than
      // each UPDATE returning its row's class: a refresh writes thousands of rows at once. Inside a
      // caller's transaction (which may roll back), or by label id, the whole tally is read again.
      if (sql.inTransaction) tally.stale();
      const rows: number[] = [];
      let changes = 0;
      try {
        derived(() => {
          const ids = keepContents(updates, now);
          changes += ids.inserted;
          // By rowid in whole statements when every update names a distinct row, as a refresh's
          // do: one UPDATE … FROM takes one match per row, and a label named by id may be one of
          // the rows, so any other call keeps its order through the one-by-one path.
          const seen = new Set<number>();
          let bulk = updates.length >= WRITE_ROWS;
          for (let i = 0; bulk && i < updates.length; i++) {
            const row = (updates[i] as ContentUpdate).row;
            if (row === undefined || seen.has(row)) bulk = false;
            else seen.add(row);
          }
          const whole = bulk ? updates.length - (updates.length % WRITE_ROWS) : 0;
          const values: (string | number | null)[] = new Array(WRITE_ROWS * 4);
          for (let from = 0; from < whole; from += WRITE_ROWS) {
            for (let i = 0; i < WRITE_ROWS; i++) {
              const u = updates[from + i] as ContentUpdate;
              values[i * 4] = u.contentHash;
              values[i * 4 + 1] = u.contentHash === null ? null : (ids.byHash.get(u.contentHash) ?? null);
              values[i * 4 + 2] = u.contentVersion;
              values[i * 4 + 3] = u.row as number;
              rows.push(u.row as number);
            }
            changes += setContentsByRows.run(values).changes;
          }
          const single = whole === 0 ? updates : updates.slice(whole);
          for (const u of single) {
            const id = u.contentHash === null ? null : (ids.byHash.get(u.contentHash) ?? null);
            if (u.row !== undefined) {
              changes += setContentByRow.run(
                u.contentHash,
                id,
                u.contentVersion,
                u.contentHash,
                u.contentHash,
                u.row,
              ).changes;
              rows.push(u.row);
            } else {
              tally.stale();
              setContent.run(u.contentHash, id, u.contentVersion, u.contentHash, u.contentHash, u.labelId);
            }
          }
        });
      } catch (e) {
        tally.stale();
        throw e;
      }
      tally.wroteContents(rows, changes);
    },

    /**
     * Apply a burst of device state reports in one transaction. A state never creates a label (50,000
     * invented ids would make 50,000 labels nobody can remove): only an owner's inventory or the API
     * does. Returns the ids that matched no label.
     */
    recordStates(updates: LabelStateUpdate[]): string[] {
      const unknown: string[] = [];
      if (updates.length === 0) return unknown;
      // Inside a caller's transaction these writes may still roll back, which total_changes() would
      // not show: the tally reads the table again instead of following them.
      if (sql.inTransaction) tally.stale();
      try {
        derived(() => {
          // Whole statements when the labels are distinct (a flush's are: one state per label), as
          // in setContents; the rest one by one.
          let whole = 0;
          if (updates.length >= WRITE_ROWS) {
            const seen = new Set<string>();
            for (const u of updates) seen.add(u.labelId);
            if (seen.size === updates.length) whole = updates.length - (updates.length % WRITE_ROWS);
          }
          const values: (string | number | null)[] = new Array(WRITE_ROWS * 6);
          for (let from = 0; from < whole; from += WRITE_ROWS) {
            for (let i = 0; i < WRITE_ROWS; i++) {
              const u = updates[from + i] as LabelStateUpdate;
              values[i * 6] = u.labelId;
              values[i * 6 + 1] = u.displayedHash;
              values[i * 6 + 2] = u.displayedVersion;
              values[i * 6 + 3] = u.battery;
              values[i * 6 + 4] = u.rssi;
              values[i * 6 + 5] = u.seenAt;
            }
            const written = setStates.all(values);
            for (const [code, seenAt] of written) tally.wrote(code, seenAt);
            // Fewer rows than states: some name no label (nothing was written for those).
            if (written.length < WRITE_ROWS)
              for (let i = from; i < from + WRITE_ROWS; i++) {
                const id = (updates[i] as LabelStateUpdate).labelId;
                if (labelExists.get(id) === undefined) unknown.push(id);
              }
          }
          for (let n = whole; n < updates.length; n++) {
            const u = updates[n] as LabelStateUpdate;
            const code = setState.get(
              u.displayedHash,
              u.displayedVersion,
              u.battery,
              u.rssi,
              u.seenAt,
              u.labelId,
            );
            if (code === undefined) unknown.push(u.labelId);
            else tally.wrote(code, u.seenAt);
          }
        });
      } catch (e) {
        // Rolled back: the counts followed writes that are not there.
        tally.stale();
        throw e;
      }
      return unknown;
    },

    setBridgeOnline(bridgeId: string, online: boolean, kind: string | null, now: number): void {
      upsertBridge.run({ bridgeId, kind, online: online ? 1 : 0, now });
    },

    /** Every bridge ever seen, with its availability and how many of its labels show their current content. */
    bridgeStats: (): BridgeStats[] => bridgeStats.all(),
    offlineBridgeIds(): Set<string> {
      return new Set(offlineBridges.all().map((b) => b.bridgeId));
    },
  };
}
export type LabelStore = ReturnType<typeof labelStore>;
