import { z } from "zod";
import { approvalReplySchema, syncReplySchema } from "./api.ts";
import { idSchema, offsetInstantSchema, skuSchema } from "./common.ts";
import { labelContentSchema } from "./mqtt.ts";
import { PROMOTION_KINDS, PROMOTION_SOURCES, type Promotion } from "./promotions.ts";

/**
 * Replies (and query strings) of routes beside those in api.ts: a label's content at an instant, a
 * removed label, the sync summary, promotions and overrides with ISO 8601 instants, approvals and
 * the audit log's filters. Field names here are a public contract, as in api.ts.
 */

const iso = (ms: number) => new Date(ms).toISOString();

/** `GET /api/v1/labels/{labelId}/content?at=`: the content without `v` and `version` (null: nothing to show). */
export const labelContentAtReplySchema = z.object({
  labelId: idSchema,
  at: z.string(),
  content: labelContentSchema.omit({ v: true, version: true }).nullable(),
});

export const labelRemovedReplySchema = z.object({ labelId: idSchema, removed: z.literal(true) });

/** `GET /api/v1/sync/summary`: the counters of `GET /sync` without the list (for a live dashboard). */
export const syncSummaryReplySchema = syncReplySchema.omit({ notRight: true }).extend({
  /** When the counts were taken. */
  at: z.string(),
});
export type SyncSummaryReply = z.infer<typeof syncSummaryReplySchema>;

/** A promotion in a reply: as stored, with `start` and `end` as ISO 8601. */
export const promotionReplySchema = z.object({
  promotionId: z.string(),
  kind: z.enum(PROMOTION_KINDS),
  skus: z.array(z.string()),
  category: z.string().optional(),
  value: z.string(),
  buyQuantity: z.number().int().optional(),
  currency: z.string().optional(),
  start: z.string(),
  /** Exclusive; null = open-ended. */
  end: z.string().nullable(),
  priority: z.number().int(),
  source: z.enum(PROMOTION_SOURCES),
  author: z.string().optional(),
  reason: z.string().optional(),
  /** Withdrawn before it started (`GET /promotions/{id}` only). */
  deleted: z.boolean().optional(),
});
export type PromotionReply = z.infer<typeof promotionReplySchema>;

export function promotionView(p: Promotion & { deleted?: boolean }): PromotionReply {
  const { start, end, ...rest } = p;
  return { ...rest, start: iso(start), end: end === null ? null : iso(end) };
}

export const promotionChangeReplySchema = z.object({
  promotion: promotionReplySchema,
  labelsAffected: z.number().int(),
  /** Present (true, with status 202) when the guard rail holds the promotion for an approval. */
  held: z.boolean().optional(),
  approvalId: z.string().optional(),
  holdReason: z.string().optional(),
  notes: z.array(z.unknown()).optional(),
});

/** A staff override in a reply, instants as ISO 8601. */
export const overrideReplySchema = z.object({
  sku: skuSchema,
  amountMinor: z.number().int(),
  currency: z.string(),
  start: z.string(),
  end: z.string().nullable(),
  author: z.string(),
  reason: z.string().optional(),
});
export type OverrideReply = z.infer<typeof overrideReplySchema>;

export function overrideView(o: {
  sku: string;
  amountMinor: number;
  currency: string;
  start: number;
  end: number | null;
  author: string;
  reason?: string | undefined;
}): OverrideReply {
  return {
    sku: o.sku,
    amountMinor: o.amountMinor,
    currency: o.currency,
    start: iso(o.start),
    end: o.end === null ? null : iso(o.end),
    author: o.author,
    ...(o.reason === undefined ? {} : { reason: o.reason }),
  };
}

export const overrideCreatedReplySchema = overrideReplySchema.extend({
  /** Set when it applied at once (201). */
  id: z.number().int().optional(),
  labelsAffected: z.number().int().optional(),
  /** Set when a guard rail holds it for an approver (202). */
  held: z.literal(true).optional(),
  approvalId: z.string().optional(),
  holdReason: z.string().optional(),
  notes: z.array(z.unknown()).optional(),
});

/** `GET /api/v1/approvals?status=`: pending unless asked. */
export const approvalsQuerySchema = z.object({
  status: z.enum(["pending", "approved", "rejected", "superseded"]).default("pending"),
});

/** `POST /api/v1/approvals/{id}/approve|reject` reply: the approval as decided, and labels changed. */
export const decisionReplySchema = approvalReplySchema.extend({
  labelsAffected: z.number().int(),
  notes: z.array(z.unknown()).optional(),
});

/** `GET /api/v1/audit` filters. */
export const auditQuerySchema = z.object({
  entity: z.string().max(50).optional(),
  entityId: z.string().max(200).optional(),
  action: z.string().max(100).optional(),
  /** A token's name (`Anna K`) or the whole recorded actor (`Anna K (staff)`, `feed:prices#42`). */
  actor: z.string().max(200).optional(),
  /** ISO 8601 instants; `until` is exclusive. */
  since: offsetInstantSchema().optional(),
  until: offsetInstantSchema().optional(),
  /** Entries older than this id (the last `id` of the previous page). */
  before: z.coerce.number({ error: "must be an entry id" }).int().positive().optional(),
  limit: z.coerce
    .number({ error: "must be a whole number from 1 to 1000" })
    .int("must be a whole number from 1 to 1000")
    .min(1, "must be a whole number from 1 to 1000")
    .max(1000, "must be a whole number from 1 to 1000")
    .default(100),
});

export const auditEntryReplySchema = z.object({
  id: z.number().int(),
  at: z.string(),
  /** Who: a token's person and role (`Anna K (staff)`), or a process (`feed:prices#42`, `controller`). */
  actor: z.string(),
  action: z.string(),
  entity: z.string(),
  entityId: z.string().nullable(),
  reason: z.string().nullable(),
  /** The entity as it was, and as it became (entries since roles landed carry ISO 8601 instants). */
  before: z.unknown(),
  after: z.unknown(),
});
