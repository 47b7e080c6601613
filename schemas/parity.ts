import { z } from "zod";
import { moneySchema } from "./common.ts";

/**
 * The parity audit (DESIGN.md §3b, issue 14 §5): per SKU with a linked label, what the web shop shows
 * for this store at the audit instant against what the label displays (its acknowledged content).
 */
export const PARITY_REASONS = [
  "price",
  "regular_price",
  "currency",
  "net_quantity",
  "stock",
  "not_online",
  "label_pending",
  "online_item_invalid",
  "sources_disagree",
] as const;
export type ParityReason = (typeof PARITY_REASONS)[number];

/** Stock is compared as available / out only (limited availability is available). */
export const PARITY_STOCK = ["available", "out"] as const;
export type ParityStock = (typeof PARITY_STOCK)[number];

/** A quantity as the side states it (`750` `ml`; the shelf's `piece` is Merchant Center's `ct`). */
export const parityQuantitySchema = z.object({ quantity: z.string(), unit: z.string() });

const itemProblemSchema = z.object({ field: z.string(), value: z.string(), reason: z.string() });

/** What the shop shows for the SKU in this store at the audit instant. */
export const parityOnlineSchema = z.object({
  /** The price a shopper pays now (the sale price while a sale is in force). */
  price: moneySchema.nullable(),
  /** The price shown struck through while a sale is in force (null: no sale now). */
  regularPrice: moneySchema.nullable(),
  /** A member price (product pages: `validForMemberTier`), when the page states one. */
  memberPrice: moneySchema.nullable().optional(),
  /** As the source says it (`in_stock`, `limited_availability`, `https://schema.org/InStock`…). */
  availability: z.string().nullable(),
  /** null: not compared (no local row, or on display to order, pre-order, back-order). */
  stock: z.enum(PARITY_STOCK).nullable(),
  netQuantity: parityQuantitySchema.nullable(),
  /** An item the shop's feed or page has but that could not be read: why. */
  problems: z.array(itemProblemSchema).optional(),
  /** Where it was read: `feed` or the product page's URL. */
  from: z.string(),
});
export type ParityOnline = z.infer<typeof parityOnlineSchema>;

/** What the labels of the SKU display (the content of their acknowledged hash). */
export const parityShelfSchema = z.object({
  contentHash: z.string().nullable(),
  price: moneySchema.nullable(),
  /** The struck price the label shows with an announced reduction (null: none). */
  regularPrice: moneySchema.nullable(),
  memberPrice: moneySchema.nullable().optional(),
  stock: z.enum(PARITY_STOCK).nullable(),
  netQuantity: parityQuantitySchema.nullable(),
});
export type ParityShelf = z.infer<typeof parityShelfSchema>;

export const parityMismatchSchema = z.object({
  sku: z.string(),
  labelIds: z.array(z.string()),
  reason: z.enum(PARITY_REASONS),
  online: parityOnlineSchema.nullable(),
  shelf: parityShelfSchema.nullable(),
  /** `sources_disagree`: what the product feed says, beside the page (`online`, which Google takes). */
  feed: parityOnlineSchema.nullable().optional(),
  /** When the first audit of an unbroken run of audits that saw this SKU with this reason ran (ISO 8601). */
  since: z.string(),
});
export type ParityMismatch = z.infer<typeof parityMismatchSchema>;

export const PARITY_SOURCE_KINDS = ["upload", "file", "url", "pages", "none"] as const;
export const paritySourceSchema = z.object({
  /** Where the online side came from: the product feed's last batch (`upload`, `file`, `url`) or product `pages`. */
  kind: z.enum(PARITY_SOURCE_KINDS),
  url: z.string().nullable(),
  fetchedAt: z.string().nullable(),
  etag: z.string().nullable(),
});
export type ParitySource = z.infer<typeof paritySourceSchema>;

export const PARITY_STATUSES = ["running", "done", "failed"] as const;

export const parityAuditSchema = z.object({
  auditId: z.number().int(),
  status: z.enum(PARITY_STATUSES),
  error: z.string().optional(),
  /** The audit instant (ISO 8601): both sides are read as of then. */
  at: z.string(),
  storeCode: z.string(),
  source: paritySourceSchema,
  /** SKUs with a linked label and an item online (valid or not). */
  compared: z.number().int(),
  atParity: z.number().int(),
  mismatched: z.number().int(),
  /** atParity ÷ compared (null when nothing was compared). */
  parityShare: z.number().nullable(),
  /** SKUs with a linked label the shop does not have (listed as `not_online`, not compared). */
  notOnline: z.number().int(),
  /** Mismatches, at most `limit` of them (`?limit=`, `?reason=`); `mismatchesTotal` counts them all. */
  mismatches: z.array(parityMismatchSchema),
  mismatchesTotal: z.number().int(),
});
export type ParityAudit = z.infer<typeof parityAuditSchema>;

export const parityRunReplySchema = z.object({ auditId: z.number().int() });
