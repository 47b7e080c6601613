import type { LabelDescriptor } from "../../schemas/index.ts";
import type { Db } from "./db.ts";

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
  displayedHash: string | null;
  displayedVersion: number | null;
  battery: number | null;
  rssi: number | null;
  lastSeen: number | null;
  createdAt: number;
}

/** What a content refresh needs of a label: not its content or device state. */
export type LabelLink = Pick<LabelRecord, "labelId" | "sku" | "contentHash" | "contentVersion">;
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

export interface ContentUpdate {
  labelId: string;
  contentHash: string | null;
  contentVersion: number;
  contentJson: string | null;
}

const LABEL_COLUMNS = `label_id AS labelId, model, width, height, colors, bridge_id AS bridgeId, sku,
  content_hash AS contentHash, content_version AS contentVersion, content_json AS contentJson,
  displayed_hash AS displayedHash, displayed_version AS displayedVersion, battery, rssi,
  last_seen AS lastSeen, created_at AS createdAt`;

export interface BridgeStats {
  bridgeId: string;
  kind: string | null;
  /** 1 while the bridge's availability is online. */
  online: number;
  labels: number;
  linked: number;
  showingCurrent: number;
}

/** Labels, their links, what was published to them and what they report; and bridge availability. */
export function labelStore(db: Db) {
  const sql = db.$client;

  const upsertDescriptor = sql.prepare(
    `INSERT INTO labels (label_id, model, width, height, colors, bridge_id, created_at)
     VALUES (@labelId, @model, @width, @height, @colors, @bridgeId, @now)
     ON CONFLICT(label_id) DO UPDATE SET model = COALESCE(excluded.model, labels.model),
       width = COALESCE(excluded.width, labels.width), height = COALESCE(excluded.height, labels.height),
       colors = COALESCE(excluded.colors, labels.colors), bridge_id = COALESCE(excluded.bridge_id, labels.bridge_id)
     WHERE labels.model IS NOT COALESCE(excluded.model, labels.model)
       OR labels.width IS NOT COALESCE(excluded.width, labels.width)
       OR labels.height IS NOT COALESCE(excluded.height, labels.height)
       OR labels.colors IS NOT COALESCE(excluded.colors, labels.colors)
       OR labels.bridge_id IS NOT COALESCE(excluded.bridge_id, labels.bridge_id)`,
  );
  const byId = sql.prepare<[string], LabelRecord>(`SELECT ${LABEL_COLUMNS} FROM labels WHERE label_id = ?`);
  const bySku = sql.prepare<[string], LabelRecord>(`SELECT ${LABEL_COLUMNS} FROM labels WHERE sku = ?`);
  const all = sql.prepare<[], LabelRecord>(`SELECT ${LABEL_COLUMNS} FROM labels ORDER BY label_id`);
  const LINK_COLUMNS =
    "label_id AS labelId, sku, content_hash AS contentHash, content_version AS contentVersion";
  const linksBySku = sql.prepare<[string], LabelLink>(`SELECT ${LINK_COLUMNS} FROM labels WHERE sku = ?`);
  const allLinks = sql.prepare<[], LabelLink>(`SELECT ${LINK_COLUMNS} FROM labels`);
  const allLinked = sql.prepare<[], LabelLink>(`SELECT ${LINK_COLUMNS} FROM labels WHERE sku IS NOT NULL`);
  const allStatus = sql.prepare<[], LabelStatusRow>(
    `SELECT ${LABEL_COLUMNS.replace("content_json AS contentJson,", "")} FROM labels ORDER BY label_id`,
  );
  const setSku = sql.prepare("UPDATE labels SET sku = ? WHERE label_id = ?");
  const deleteLabel = sql.prepare("DELETE FROM labels WHERE label_id = ?");
  // Positional parameters: binding by name costs measurably on a 20,000-label reprice.
  const setContent = sql.prepare(
    "UPDATE labels SET content_hash = ?, content_version = ?, content_json = ? WHERE label_id = ?",
  );
  const ensureLabel = sql.prepare("INSERT OR IGNORE INTO labels (label_id, created_at) VALUES (?, ?)");
  // Positional too: a reprice brings one state per label, 50,000 in a few seconds.
  const setState = sql.prepare(
    `UPDATE labels SET displayed_hash = ?, displayed_version = COALESCE(?, displayed_version),
       battery = COALESCE(?, battery), rssi = COALESCE(?, rssi), last_seen = ?
     WHERE label_id = ?`,
  );
  const upsertBridge = sql.prepare(
    `INSERT INTO bridges (bridge_id, kind, online, changed_at) VALUES (@bridgeId, @kind, @online, @now)
     ON CONFLICT(bridge_id) DO UPDATE SET kind = COALESCE(excluded.kind, bridges.kind),
       online = excluded.online, changed_at = excluded.changed_at`,
  );
  const offlineBridges = sql.prepare<[], { bridgeId: string }>(
    "SELECT bridge_id AS bridgeId FROM bridges WHERE online = 0",
  );
  const bridgeStats = sql.prepare<[], BridgeStats>(
    `SELECT b.bridge_id AS bridgeId, b.kind, b.online, COUNT(l.label_id) AS labels,
       COUNT(l.sku) AS linked, COUNT(CASE WHEN l.displayed_hash = l.content_hash THEN 1 END) AS showingCurrent
     FROM bridges b LEFT JOIN labels l ON l.bridge_id = b.bridge_id GROUP BY b.bridge_id ORDER BY b.bridge_id`,
  );

  return {
    get: (labelId: string): LabelRecord | undefined => byId.get(labelId),
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
        for (const l of allLinked.iterate()) {
          if (l.sku !== null && skus.has(l.sku)) add(l as LabelLink & { sku: string });
        }
      } else {
        for (const sku of skus) for (const l of linksBySku.all(sku)) add(l as LabelLink & { sku: string });
      }
      return groups;
    },
    linkedTo: (sku: string): LabelRecord[] => bySku.all(sku),
    all: (): LabelRecord[] => all.all(),
    /** Every label with its link and last published hash (for a full refresh). */
    links: (): LabelLink[] => allLinks.all(),
    /** Every label without its content JSON (for sync views). */
    statusRows: (): LabelStatusRow[] => allStatus.all(),

    /** Register or update labels as announced by a bridge or the API. Returns the ids that were new or changed. */
    upsertDescriptors(descriptors: LabelDescriptor[], bridgeId: string | null, now: number): string[] {
      return sql.transaction(() => {
        const changed: string[] = [];
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
        }
        return changed;
      })();
    },

    setLink(labelId: string, sku: string | null): void {
      setSku.run(sku, labelId);
    },

    /** Forget a label (its state and link go with it); false if there was none. */
    remove(labelId: string): boolean {
      return deleteLabel.run(labelId).changes > 0;
    },

    /** Record newly published content for many labels in one transaction. */
    setContents(updates: ContentUpdate[]): void {
      if (updates.length === 0) return;
      sql.transaction(() => {
        for (const u of updates) setContent.run(u.contentHash, u.contentVersion, u.contentJson, u.labelId);
      })();
    },

    /** Apply a burst of device state reports in one transaction; unknown labels become known. */
    recordStates(updates: LabelStateUpdate[]): void {
      if (updates.length === 0) return;
      const apply = (u: LabelStateUpdate) =>
        setState.run(u.displayedHash, u.displayedVersion, u.battery, u.rssi, u.seenAt, u.labelId).changes;
      sql.transaction(() => {
        for (const u of updates) {
          // Nearly every report is from a known label: one statement, and the insert only when not.
          if (apply(u) > 0) continue;
          ensureLabel.run(u.labelId, u.seenAt);
          apply(u);
        }
      })();
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
