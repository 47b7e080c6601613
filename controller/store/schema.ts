import { sql } from "drizzle-orm";
import { index, integer, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * The store's truth, as code (drizzle-kit generates the SQL migrations from this file).
 * Times are unix milliseconds in INTEGER columns; money is integer minor units + ISO 4217 code.
 */

export const products = sqliteTable(
  "products",
  {
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
    /** Name and brand folded for search (lower case, no accents: store/product-search.ts searchFold). */
    searchText: text("search_text"),
  },
  // Product search walks this index in name order and tests SKU, GTIN and words on it alone, so a
  // product that does not match costs no table read; a scanned GTIN is found by its own index.
  (t) => [
    index("products_name_order").on(sql`${t.name} COLLATE NOCASE`, t.sku, t.gtin, t.searchText),
    index("products_gtin").on(t.gtin),
  ],
);

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
    /**
     * The bridge that owns the label: the first to announce it (an ops user may move it). Only its
     * owner's inventory updates the label, and on the embedded broker only its owner may publish
     * its state.
     */
    bridgeId: text("bridge_id"),
    sku: text("sku").references(() => products.sku),
    /** What the controller last published for this label (null = nothing, e.g. unlinked). */
    contentHash: text("content_hash"),
    /** The label_contents row that holds what content_hash shows (its id; null with no content). */
    contentId: integer("content_id"),
    contentVersion: integer("content_version").notNull().default(0),
    /**
     * The last few content hashes published to this label, newest first, space-separated: a state
     * that claims any other hash shows something the controller never sent it (unknown_content).
     */
    recentHashes: text("recent_hashes"),
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

/**
 * Promotions from central feeds and from staff. A promotion that has run is never deleted: its price
 * was applied to shoppers and the Omnibus reference price looks back at it. Deleting one that already
 * started ends it now; deleting one that has not started marks it deleted.
 */
export const promotions = sqliteTable(
  "promotions",
  {
    promotionId: text("promotion_id").primaryKey(),
    kind: text("kind").notNull(),
    /** JSON array of SKUs; empty when the target is a category. */
    skusJson: text("skus_json").notNull(),
    category: text("category"),
    value: text("value").notNull(),
    buyQuantity: integer("buy_quantity"),
    currency: text("currency"),
    start: integer("start").notNull(),
    end: integer("end"),
    priority: integer("priority").notNull().default(0),
    source: text("source").notNull(),
    author: text("author"),
    reason: text("reason"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    deletedAt: integer("deleted_at"),
    feedSequence: integer("feed_sequence"),
  },
  (t) => [index("promotions_end").on(t.end)],
);

/** Which SKUs a promotion names (category targets are resolved through products.category). */
export const promotionSkus = sqliteTable(
  "promotion_skus",
  {
    promotionId: text("promotion_id")
      .notNull()
      .references(() => promotions.promotionId, { onDelete: "cascade" }),
    sku: text("sku").notNull(),
  },
  (t) => [uniqueIndex("promotion_skus_pk").on(t.promotionId, t.sku), index("promotion_skus_sku").on(t.sku)],
);

/** A staff price that replaces the regular price in its window. */
export const priceOverrides = sqliteTable(
  "price_overrides",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    sku: text("sku")
      .notNull()
      .references(() => products.sku),
    amountMinor: integer("amount_minor").notNull(),
    currency: text("currency").notNull(),
    start: integer("start").notNull(),
    end: integer("end"),
    author: text("author").notNull(),
    reason: text("reason"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("price_overrides_sku").on(t.sku)],
);

/** Price changes held back by a guard rail until someone with the right role decides. */
export const approvals = sqliteTable(
  "approvals",
  {
    approvalId: text("approval_id").primaryKey(),
    /** What is held: a feed's `price` row, a staff `override`, or a staff `promotion`. */
    change: text("change").notNull().default("price"),
    sku: text("sku")
      .notNull()
      .references(() => products.sku),
    currentAmountMinor: integer("current_amount_minor"),
    currentCurrency: text("current_currency"),
    proposedAmountMinor: integer("proposed_amount_minor").notNull(),
    proposedCurrency: text("proposed_currency").notNull(),
    /** Absent = from when it is approved. */
    effectiveFrom: integer("effective_from"),
    effectiveTo: integer("effective_to"),
    reason: text("reason").notNull(),
    /** Where the change came from, e.g. `feed:prices#42 line 7` or `staff:Maria`. */
    source: text("source").notNull(),
    /** The feed batch of a held price row (its history entry keeps this sequence once approved). */
    feedSequence: integer("feed_sequence"),
    /** Who asked for a held override, and why (an override needs both). */
    author: text("author"),
    changeReason: text("change_reason"),
    /**
     * A held promotion as it will be saved when approved (JSON, schemas/promotions). The columns above
     * then describe its deepest cut: `sku`, its current price and the promotional price per item.
     */
    promotionJson: text("promotion_json"),
    status: text("status").notNull().default("pending"),
    decidedBy: text("decided_by"),
    decidedAt: integer("decided_at"),
    decisionReason: text("decision_reason"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("approvals_status").on(t.status), index("approvals_sku").on(t.sku)],
);

/** Append-only: every change with who, why, before and after. Triggers refuse UPDATE and DELETE. */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: integer("at").notNull(),
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    entity: text("entity").notNull(),
    entityId: text("entity_id"),
    reason: text("reason"),
    beforeJson: text("before_json"),
    afterJson: text("after_json"),
  },
  (t) => [index("audit_entity").on(t.entity, t.entityId)],
);

/**
 * HTTP bearer tokens (stored as SHA-256 only), each belonging to one named person or device with one
 * role. A revoked token keeps its row (who it was stays readable); an active name is unique, so
 * `revoke <name>` and the audit log's actor are unambiguous.
 */
export const apiTokens = sqliteTable(
  "api_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    name: text("name").notNull(),
    role: text("role").notNull(),
    createdAt: integer("created_at").notNull(),
    revokedAt: integer("revoked_at"),
    /** Written at most once a minute per token (a write per request would cost an fsync each). */
    lastUsedAt: integer("last_used_at"),
    /**
     * The token as Mosquitto's password file wants it (PBKDF2-SHA512, `$7$…`), made when the token
     * is created (only then is it known in the clear); `npm run token -- mosquitto` writes these out.
     */
    mosquittoHash: text("mosquitto_hash"),
  },
  (t) => [uniqueIndex("api_tokens_active_name").on(t.name).where(sql`revoked_at IS NULL`)],
);

/**
 * What the web shop shows, item by item, from the latest Merchant Center batch of each feed
 * (`merchant`: the product feed; `local-inventory`: this store's rows). The parity audit's reference;
 * for an audit-only source, the only place the batch goes. A batch is the whole feed: items it no
 * longer has are removed. An invalid item is kept with its problems (`online_item_invalid`).
 */
export const onlineOffers = sqliteTable(
  "online_offers",
  {
    feed: text("feed").notNull(),
    itemId: text("item_id").notNull(),
    /** Null when the item's id is not usable as a SKU. */
    sku: text("sku"),
    /** The item as read (schemas/merchant.ts MerchantItem or LocalOffer), JSON; null when invalid. */
    offerJson: text("offer_json"),
    /** Why the item was refused, JSON `[{ field, value, reason }]`; null when valid. */
    problemsJson: text("problems_json"),
    line: integer("line").notNull(),
    sequence: integer("sequence").notNull(),
    /** `import` or `audit-only`: whether the store took the batch, too. */
    mode: text("mode").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("online_offers_pk").on(t.feed, t.itemId),
    index("online_offers_sku").on(t.feed, t.sku),
    index("online_offers_sequence").on(t.feed, t.sequence),
  ],
);

/** The last pull of each feed from its URL: the validators for a conditional GET, and what happened. */
export const feedPulls = sqliteTable("feed_pulls", {
  feed: text("feed").primaryKey(),
  url: text("url").notNull(),
  etag: text("etag"),
  lastModified: text("last_modified"),
  /** Last answer from the server (a 304 too). */
  fetchedAt: integer("fetched_at"),
  /** Last time a new body was read (a 200). */
  changedAt: integer("changed_at"),
  status: integer("status"),
  error: text("error"),
  /** The batch the last new body became. */
  sequence: integer("sequence"),
});

/**
 * Signage screens (issue 11): one row per paired player. The playlist is the show's one full-screen
 * zone as JSON (schemas/screens.ts PlaylistItem[]); `last_seen_at` and `playing_json` are the last
 * heartbeat. The screen's credential is an api_tokens row named `screen:{screenId}`.
 */
export const screens = sqliteTable("screens", {
  screenId: text("screen_id").primaryKey(),
  name: text("name").notNull(),
  pairedAt: integer("paired_at").notNull(),
  playlistJson: text("playlist_json").notNull().default("[]"),
  playlistVersion: integer("playlist_version").notNull().default(0),
  lastSeenAt: integer("last_seen_at"),
  playingJson: text("playing_json"),
  /** The last errors the player reported, JSON string[] (newest last, a few kept). */
  errorsJson: text("errors_json"),
  /**
   * Layout, zones and scheduled playlists (schemas/screens.ts Program), JSON; null = the one-zone
   * program of `playlist_json` (screens paired before programs existed). Setting either writes both.
   */
  programJson: text("program_json"),
});

/**
 * Proof of play: what a screen showed, from when to when. `play_id` is made by the player, so a
 * record it sends again (it could not tell the first one arrived) is stored once.
 */
export const screenPlays = sqliteTable(
  "screen_plays",
  {
    playId: text("play_id").primaryKey(),
    screenId: text("screen_id").notNull(),
    itemIndex: integer("item_index").notNull(),
    kind: text("kind").notNull(),
    sku: text("sku"),
    contentHash: text("content_hash"),
    /** The zone and scheduled playlist it played in (null: a one-zone player). */
    zone: text("zone"),
    playlist: text("playlist"),
    startAt: integer("start_at").notNull(),
    endAt: integer("end_at").notNull(),
    receivedAt: integer("received_at").notNull(),
  },
  (t) => [
    index("screen_plays_screen_start").on(t.screenId, t.startAt),
    // Pruning by age (SHELFSYNC_SCREEN_PLAYS_RETENTION_DAYS) deletes by received_at.
    index("screen_plays_received").on(t.receivedAt),
  ],
);

/**
 * Media uploaded for screens: the file is on disk beside the database, named by its content hash
 * (`media/{sha256}.{ext}`), so an upload of the same bytes is stored once and a player may cache it
 * for good.
 */
export const screenMedia = sqliteTable("screen_media", {
  hash: text("hash").primaryKey(),
  type: text("type").notNull(),
  size: integer("size").notNull(),
  /** The name it was uploaded under (shown in the console). */
  name: text("name").notNull(),
  uploadedAt: integer("uploaded_at").notNull(),
  uploadedBy: text("uploaded_by").notNull(),
});

/**
 * What labels were sent, with their content hash (the hash is of the shown content, the same for
 * every label of a product showing it). A label row holds only its hash, version and the id of the
 * row here that holds its content; its payload is rebuilt from here (store/labels.ts), and the parity
 * audit compares what a label DISPLAYS (its acknowledged `displayed_hash`), which may be one of its
 * last few published contents, not the latest: it reads them all by hash. A row is kept while any
 * label still names its hash (pruned by the audit). `net_quantity` and `unit` are the product's when
 * the content was made (the label shows a unit price made from them, not the quantity).
 *
 * Rows are appended in id order and there is no index on the hash: a reprice writes 50,000 new
 * hashes in chunks, and with the hash as key each chunk's inserts landed on most leaf pages of a
 * random-keyed index (each commit wrote them all to the WAL again: ~1 s of a reprice). The same
 * hash may therefore be kept twice (a label relinked to a product other labels already show); the
 * audit drops the copies no label's content_id names.
 */
export const labelContents = sqliteTable("label_contents", {
  id: integer("id").primaryKey(),
  contentHash: text("content_hash").notNull(),
  shownJson: text("shown_json").notNull(),
  netQuantity: text("net_quantity"),
  unit: text("unit"),
  publishedAt: integer("published_at").notNull(),
});

/**
 * Parity audits (issue 14 §5): one row per run, its counters and where the online side came from.
 * `status` is `running` until the comparison is stored, then `done` (or `failed` with `error`).
 */
export const parityAudits = sqliteTable("parity_audits", {
  auditId: integer("audit_id").primaryKey({ autoIncrement: true }),
  at: integer("at").notNull(),
  storeCode: text("store_code").notNull(),
  status: text("status").notNull(),
  error: text("error"),
  sourceJson: text("source_json").notNull(),
  compared: integer("compared").notNull().default(0),
  atParity: integer("at_parity").notNull().default(0),
  mismatched: integer("mismatched").notNull().default(0),
  notOnline: integer("not_online").notNull().default(0),
  finishedAt: integer("finished_at"),
});

/** One audit's mismatches: per SKU and reason, the labels, both sides, and since when it is seen. */
export const parityMismatches = sqliteTable(
  "parity_mismatches",
  {
    auditId: integer("audit_id").notNull(),
    sku: text("sku").notNull(),
    reason: text("reason").notNull(),
    labelIdsJson: text("label_ids_json").notNull(),
    onlineJson: text("online_json"),
    shelfJson: text("shelf_json"),
    /** `at` of the first audit, in an unbroken run of audits, that saw this SKU with this reason. */
    since: integer("since").notNull(),
  },
  (t) => [uniqueIndex("parity_mismatches_pk").on(t.auditId, t.sku, t.reason)],
);
