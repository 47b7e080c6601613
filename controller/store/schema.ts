import { index, integer, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * The store's truth, as code (drizzle-kit generates the SQL migrations from this file).
 * Times are unix milliseconds in INTEGER columns; money is integer minor units + ISO 4217 code.
 */

export const products = sqliteTable("products", {
  sku: text("sku").primaryKey(),
  gtin: text("gtin"),
  name: text("name").notNull(),
  brand: text("brand"),
  /** Exact decimal string ("500", "0.75"), for unit prices. */
  netQuantity: text("net_quantity"),
  unit: text("unit"),
  category: text("category"),
  url: text("url"),
  updatedAt: integer("updated_at").notNull(),
  feedSequence: integer("feed_sequence"),
});

/** Every price that was ever in force, append-only: resolution is a pure function of these rows. */
export const priceHistory = sqliteTable(
  "price_history",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    sku: text("sku")
      .notNull()
      .references(() => products.sku),
    amountMinor: integer("amount_minor").notNull(),
    currency: text("currency").notNull(),
    effectiveFrom: integer("effective_from").notNull(),
    /** Exclusive end; null = open-ended (until a later entry takes over). */
    effectiveTo: integer("effective_to"),
    feed: text("feed").notNull().default("prices"),
    feedSequence: integer("feed_sequence").notNull(),
    recordedAt: integer("recorded_at").notNull(),
  },
  // Covers the in-force lookup including its tie-break order, so no sort step per row.
  (t) => [index("price_history_sku_from_seq").on(t.sku, t.effectiveFrom, t.feedSequence)],
);

export const stock = sqliteTable("stock", {
  sku: text("sku")
    .primaryKey()
    .references(() => products.sku),
  onHand: integer("on_hand").notNull(),
  updatedAt: integer("updated_at").notNull(),
  feedSequence: integer("feed_sequence"),
});

export const bridges = sqliteTable("bridges", {
  bridgeId: text("bridge_id").primaryKey(),
  kind: text("kind"),
  online: integer("online", { mode: "boolean" }).notNull().default(false),
  changedAt: integer("changed_at").notNull(),
});

export const labels = sqliteTable(
  "labels",
  {
    labelId: text("label_id").primaryKey(),
    model: text("model"),
    width: integer("width"),
    height: integer("height"),
    colors: text("colors"),
    bridgeId: text("bridge_id"),
    sku: text("sku").references(() => products.sku),
    /** What the controller last published for this label (null = nothing, e.g. unlinked). */
    contentHash: text("content_hash"),
    contentVersion: integer("content_version").notNull().default(0),
    contentJson: text("content_json"),
    /** What the device last reported it displays. */
    displayedHash: text("displayed_hash"),
    displayedVersion: integer("displayed_version"),
    battery: real("battery"),
    rssi: real("rssi"),
    lastSeen: integer("last_seen"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("labels_sku").on(t.sku)],
);

export const feedBatches = sqliteTable(
  "feed_batches",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    feed: text("feed").notNull(),
    sequence: integer("sequence").notNull(),
    format: text("format").notNull(),
    rowsRead: integer("rows_read").notNull(),
    rowsChanged: integer("rows_changed").notNull(),
    labelsAffected: integer("labels_affected").notNull().default(0),
    appliedAt: integer("applied_at").notNull(),
    durationMs: real("duration_ms"),
  },
  (t) => [uniqueIndex("feed_batches_feed_sequence").on(t.feed, t.sequence)],
);

export const schemaTables = { products, priceHistory, stock, bridges, labels, feedBatches };
