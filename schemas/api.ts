import { z } from "zod";
import {
  colorModeSchema,
  idSchema,
  moneySchema,
  promoDisplaySchema,
  skuSchema,
  stockStateSchema,
  unitPriceSchema,
} from "./common.ts";
import { FEED_NAMES } from "./feeds.ts";
import { flashOptionsSchema, labelContentSchema, labelDescriptorSchema } from "./mqtt.ts";

/** HTTP API bodies and replies (DESIGN.md §3a). Field names here are a public contract. */

export const labelCreateBodySchema = labelDescriptorSchema;
export type LabelCreateBody = z.infer<typeof labelCreateBodySchema>;

export const linkBodySchema = z.object({ sku: skuSchema });
export type LinkBody = z.infer<typeof linkBodySchema>;

/** `PUT /api/v1/labels/{labelId}/bridge`: the bridge that owns the label from now on. */
export const labelBridgeBodySchema = z.object({ bridgeId: idSchema });
export type LabelBridgeBody = z.infer<typeof labelBridgeBodySchema>;

export const flashBodySchema = flashOptionsSchema.partial();
export type FlashBody = z.infer<typeof flashBodySchema>;

export const errorReplySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorReply = z.infer<typeof errorReplySchema>;

/** One problem in a rejected feed batch; `line` is the 1-based line (CSV: header = line 1; JSON: element). */
export const feedRowErrorSchema = z.object({ line: z.number().int(), field: z.string(), reason: z.string() });
export type FeedRowError = z.infer<typeof feedRowErrorSchema>;

/**
 * Something the author of an accepted change is told beside the outcome (e.g. a reduction claim the
 * controller suppressed). Replies to changes carry a `notes` array when there is any.
 */
export const changeNoteSchema = z.object({
  code: z.string(),
  message: z.string(),
  detail: z.record(z.string(), z.unknown()).optional(),
});
export type ChangeNote = z.infer<typeof changeNoteSchema>;

export const feedReplySchema = z.object({
  feed: z.enum(FEED_NAMES),
  sequence: z.number().int(),
  applied: z.boolean(),
  /** Why a batch was not applied (a sequence already seen). */
  reason: z.string().optional(),
  rowsRead: z.number().int(),
  rowsChanged: z.number().int(),
  /** Price rows held by a guard rail until approved (see /api/v1/approvals). */
  held: z.number().int(),
  labelsAffected: z.number().int(),
  durationMs: z.number(),
  /** What the sender should know about the applied batch (see api-change-note); absent when nothing. */
  notes: z.array(changeNoteSchema).optional(),
});
export type FeedReply = z.infer<typeof feedReplySchema>;

/**
 * `failed`: the label did not acknowledge its current content after every resend
 * (SHELFSYNC_LABEL_RETRIES, controller/labels/retries.ts).
 * `unknown_content`: the label reports a hash the controller never published to it (lately), e.g. a
 * forged state or a content someone else put on the broker; it never counts as in sync.
 */
export const SYNC_STATUSES = [
  "in_sync",
  "pending",
  "failed",
  "offline",
  "never_seen",
  "unlinked",
  "unknown_content",
] as const;
export const syncStatusSchema = z.enum(SYNC_STATUSES);
export type SyncStatus = z.infer<typeof syncStatusSchema>;

/**
 * Why a label is not right: its sync status, or `not_a_reduction` (DESIGN.md §3b) for a label that
 * shows what it must, a promotion's price, whose reduction claim the controller suppressed because
 * the price is not below the art. 6a prior price.
 */
export const NOT_RIGHT_REASONS = [
  "pending",
  "failed",
  "offline",
  "never_seen",
  "unlinked",
  "unknown_content",
  "not_a_reduction",
] as const;

/** A reduction charged without a claim: which promotion, the price charged and the prior price (null: none). */
export const notAReductionSchema = z.object({
  promotionId: z.string(),
  promotionalPrice: moneySchema,
  priorPrice: moneySchema.nullable(),
  /** The look-back in days and when it ends: the start of the reduction (ISO 8601). */
  lookbackDays: z.number().int(),
  reductionStart: z.string(),
});
export type NotAReduction = z.infer<typeof notAReductionSchema>;

export const syncReplySchema = z.object({
  total: z.number().int(),
  inSync: z.number().int(),
  pending: z.number().int(),
  /** Labels that did not acknowledge their content after every resend. */
  failed: z.number().int(),
  offline: z.number().int(),
  neverSeen: z.number().int(),
  unlinked: z.number().int(),
  /** Labels reporting a content the controller never published to them (forged or foreign). */
  unknownContent: z.number().int(),
  /** Labels showing a promotion's price whose reduction claim was suppressed (counted in their status too). */
  notAReduction: z.number().int(),
  /** Labels at or below 20 % battery (counted in their status too). */
  lowBattery: z.number().int(),
  /** Labels at or below −85 dBm signal (counted in their status too). */
  weakSignal: z.number().int(),
  notRight: z.array(
    z.object({
      labelId: idSchema,
      sku: skuSchema.nullable(),
      reason: z.enum(NOT_RIGHT_REASONS),
      detail: z.string(),
      /** With reason `failed`: sends of the content (the first publish and every resend), and the last one. */
      attempts: z.number().int().optional(),
      lastTry: z.string().optional(),
      /** With reason `not_a_reduction` (and on any label whose SKU has one): the suppressed claim. */
      notAReduction: notAReductionSchema.optional(),
    }),
  ),
});
export type SyncReply = z.infer<typeof syncReplySchema>;

/**
 * `event: sync` on `GET /api/v1/events` (server-sent events): the counters of `GET /api/v1/sync`, the
 * first not-right labels (at most 100; `notRightTotal` says how many there are) and when it was
 * computed. Sent at once and again whenever something shown changes.
 */
export const syncEventSchema = syncReplySchema.extend({
  notRightTotal: z.number().int(),
  at: z.string(),
});
export type SyncEvent = z.infer<typeof syncEventSchema>;

/** `GET /api/v1/products/{sku}/history?from=&to=`: the price in force over a window, one point per change. */
export const priceHistoryReplySchema = z.object({
  sku: skuSchema,
  from: z.string(),
  to: z.string(),
  /** Each point holds from `at` until the next point's `at` (or `to`). */
  points: z.array(
    z.object({
      at: z.string(),
      price: moneySchema,
      regularPrice: moneySchema,
      referencePrice: moneySchema.optional(),
      promo: promoDisplaySchema.optional(),
    }),
  ),
  /** More changes than the reply holds: the window was cut short at the last point's successor. */
  truncated: z.boolean(),
});
export type PriceHistoryReply = z.infer<typeof priceHistoryReplySchema>;

/**
 * The label list's filters (`GET /api/v1/labels?filter=`): a sync status, `not_a_reduction`, or a
 * device condition. Each is one of the sync dashboard's counters.
 */
export const LABEL_FILTERS = [...SYNC_STATUSES, "not_a_reduction", "low_battery", "weak_signal"] as const;
export const labelFilterSchema = z.enum(LABEL_FILTERS);
export type LabelFilter = z.infer<typeof labelFilterSchema>;

/** `GET /api/v1/labels?filter=&q=&limit=&after=`: all optional; without `limit`, every match. */
export const labelListQuerySchema = z.object({
  filter: labelFilterSchema.optional(),
  /** Part of the label id or the SKU, case-insensitive. */
  q: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  /** The last label id of the previous page (ids sort as text). */
  after: z.string().max(64).optional(),
});
export type LabelListQuery = z.infer<typeof labelListQuerySchema>;

export const labelReplySchema = z.object({
  labelId: idSchema,
  sku: skuSchema.nullable(),
  model: z.string().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  colors: colorModeSchema.nullable(),
  bridgeId: z.string().nullable(),
  content: labelContentSchema.nullable(),
  displayedHash: z.string().nullable(),
  inSync: z.boolean(),
  status: syncStatusSchema,
  battery: z.number().nullable(),
  rssi: z.number().nullable(),
  lastSeen: z.string().nullable(),
});
export type LabelReply = z.infer<typeof labelReplySchema>;

/** `GET /api/v1/products?q=&limit=&cursor=` (DESIGN.md §3b). */
export const productSearchQuerySchema = z.object({
  /** SKU, GTIN, or a piece of the SKU, name or brand; empty lists every product. */
  q: z.string().max(200).default(""),
  limit: z.coerce.number().int().min(1).max(200).default(25),
  /** `nextCursor` of the previous page. */
  cursor: z.string().max(200).optional(),
});
export const productSearchReplySchema = z.object({
  items: z.array(
    z.object({
      sku: skuSchema,
      gtin: z.string().nullable(),
      name: z.string(),
      brand: z.string().nullable(),
      /** The price in force now; null without one. */
      price: moneySchema.nullable(),
    }),
  ),
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: z.string().nullable(),
});
export type ProductSearchReply = z.infer<typeof productSearchReplySchema>;

export const productReplySchema = z.object({
  sku: skuSchema,
  gtin: z.string().nullable(),
  name: z.string(),
  brand: z.string().nullable(),
  netQuantity: z.string().nullable(),
  unit: z.string().nullable(),
  category: z.string().nullable(),
  url: z.string().nullable(),
  price: moneySchema.nullable(),
  /** The price without promotions; differs from `price` while a reduction is shown. */
  regularPrice: moneySchema.nullable(),
  stock: z.object({ onHand: z.number().int(), state: stockStateSchema }).nullable(),
  labels: z.array(idSchema),
});
export type ProductReply = z.infer<typeof productReplySchema>;

export const healthReplySchema = z.object({
  status: z.enum(["ok", "degraded"]),
  storeId: z.string(),
  version: z.string(),
  uptimeSeconds: z.number(),
  mqtt: z.object({ connected: z.boolean(), url: z.string(), embedded: z.boolean() }),
  db: z.object({ path: z.string() }),
  feeds: z.record(
    z.string(),
    z.object({
      lastSequence: z.number().int().nullable(),
      appliedAt: z.string().nullable(),
      /** Sequence numbers skipped between applied batches, waiting for catch-up. */
      gaps: z.array(z.object({ from: z.number().int(), to: z.number().int() })),
    }),
  ),
  /**
   * What needs an operator: the database locked by another process, full, read-only, or its file gone
   * (`code` as in a 503 reply's `error.code`). Any alarm makes `status` "degraded".
   */
  alarms: z.array(
    z.object({
      code: z.string(),
      message: z.string(),
      sqliteCode: z.string().optional(),
      where: z.string(),
      since: z.string(),
      lastAt: z.string(),
      count: z.number().int(),
    }),
  ),
  /**
   * Central catch-up (SHELFSYNC_CENTRAL_URL; absent when unset): whether central answered the last
   * run, when it was tried, and how far behind the store is (missing sequences plus batches central
   * has above the last applied one). Meanwhile the store serves what it has.
   */
  central: z
    .object({
      url: z.string(),
      reachable: z.boolean().nullable(),
      lastTry: z.string().nullable(),
      lastSuccess: z.string().nullable(),
      error: z.string().nullable(),
      behindBy: z.number().int(),
      feeds: z.record(z.string(), z.object({ missing: z.number().int(), newer: z.number().int() })),
    })
    .optional(),
});
export type HealthReply = z.infer<typeof healthReplySchema>;

/** `GET /api/v1/health` without a person's token: liveness, and nothing about the store. */
export const healthPublicReplySchema = healthReplySchema.pick({ status: true });
export type HealthPublicReply = z.infer<typeof healthPublicReplySchema>;

/** `GET /api/v1/feeds`: the feed ledger (as in health) and the most recent batches, newest first. */
export const feedsReplySchema = z.object({
  feeds: healthReplySchema.shape.feeds,
  batches: z.array(
    z.object({
      feed: z.string(),
      sequence: z.number().int(),
      format: z.string(),
      rowsRead: z.number().int(),
      rowsChanged: z.number().int(),
      labelsAffected: z.number().int(),
      appliedAt: z.string(),
      durationMs: z.number().nullable(),
    }),
  ),
});
/**
 * `PUT /api/v1/feeds/{feed}/sequence` (ops): make `sequence` the feed's last applied one, e.g. after
 * a batch was posted with a wrong, huge number. Audited with the reason.
 */
export const feedSequenceResetBodySchema = z.object({
  sequence: z
    .number({ error: "must be a whole number from 0 to 999999999999999" })
    .int("must be a whole number from 0 to 999999999999999")
    .min(0, "must be a whole number from 0 to 999999999999999")
    .max(999_999_999_999_999, "must be a whole number from 0 to 999999999999999"),
  reason: z.string().trim().min(1, "say why (it goes into the audit log)").max(500),
});
export const feedSequenceResetReplySchema = z.object({
  feed: z.string(),
  lastSequence: z.number().int(),
  before: z.number().int().nullable(),
  /** Ledger rows above the new sequence that were removed (their data stays applied). */
  removedBatches: z.number().int(),
});
export type FeedSequenceResetReply = z.infer<typeof feedSequenceResetReplySchema>;

export type FeedsReply = z.infer<typeof feedsReplySchema>;

/** `GET /api/v1/products/{sku}/price?at=…`: what was (or will be) in force at an instant. */
export const priceReplySchema = z.object({
  sku: skuSchema,
  at: z.string(),
  price: moneySchema,
  regularPrice: moneySchema,
  referencePrice: moneySchema.optional(),
  unitPrice: unitPriceSchema.optional(),
  promo: promoDisplaySchema.optional(),
  memberPrice: moneySchema.optional(),
  validUntil: z.string().optional(),
  warnings: z.array(z.string()).optional(),
  /** A reduction charged but not announced (its price is not below the art. 6a prior price). */
  notAReduction: notAReductionSchema.optional(),
});
export type PriceReply = z.infer<typeof priceReplySchema>;

export const approvalReplySchema = z.object({
  approvalId: z.string(),
  /**
   * A feed's price row, a staff override, or a staff promotion (then `sku`, `current` and `proposed`
   * are its deepest cut: the price per item it makes for that SKU).
   */
  change: z.enum(["price", "override", "promotion"]),
  /** The held promotion's id (`change: promotion` only). */
  promotionId: z.string().optional(),
  sku: skuSchema,
  current: moneySchema.nullable(),
  proposed: moneySchema,
  reason: z.string(),
  source: z.string(),
  status: z.enum(["pending", "approved", "rejected", "superseded"]),
  effectiveFrom: z.string().nullable(),
  createdAt: z.string(),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
});
export type ApprovalReply = z.infer<typeof approvalReplySchema>;

export const decisionBodySchema = z.object({ reason: z.string().max(500).optional() });
export type DecisionBody = z.infer<typeof decisionBodySchema>;

/**
 * Who the API records as doing a change is the token's name. `author` is still accepted in bodies
 * (clients from before tokens named people send it) and otherwise ignored.
 */
const compatAuthor = z.string().max(100).optional();

/** Why a removal is made: `DELETE /api/v1/promotions/{id}` and `DELETE /api/v1/overrides/{id}` (body optional). */
export const actorBodySchema = z.object({
  author: compatAuthor,
  reason: z.string().max(500).optional(),
});
export type ActorBody = z.infer<typeof actorBodySchema>;

/** `POST /api/v1/overrides`: a staff price replacing the regular price from `start` to `end` (store time without an offset). */
export const overrideBodySchema = z.object({
  sku: skuSchema,
  price: z.string({ error: 'must be a decimal string such as "2.49"' }),
  currency: z.string().length(3).optional(),
  start: z.string().optional(),
  end: z.string().optional(),
  author: compatAuthor,
  reason: z.string().min(1).max(500),
});
export type OverrideBody = z.infer<typeof overrideBodySchema>;
