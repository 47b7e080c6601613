import { z } from "zod";
import { idSchema, PROTOCOL_VERSION } from "./common.ts";
import { CHAIN_FEEDS } from "./topics.ts";

/**
 * Chain broker payloads (DESIGN.md §3 "central side", §3b; docs/chain.md). Central stamps one
 * sequence per feed for the whole chain; every message names it, so a store can tell a gap.
 *
 * On `shelfsync/chain/{feed}` (every store):
 *   - a batch: `body` holds the rows exactly as they would be POSTed (format `csv`/`ndjson`/`json`);
 *   - a batch too large for one message: no `body`; the store pulls it over HTTP catch-up;
 *   - a change for some stores only: `stores` lists them and there is no `body`; every other store
 *     takes the sequence as an empty batch (nothing changes but the number), the listed ones get the
 *     batch on `shelfsync/chain/store/{storeId}/{feed}`.
 */
const sequence = z.number().int().min(1).max(999_999_999_999_999);

export const chainBatchSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  /** `{feed}-{sequence}`: what `npm run central -- publish` prints and `status --change` takes. */
  changeId: z.string().min(1).max(80),
  feed: z.enum(CHAIN_FEEDS),
  sequence,
  format: z.enum(["csv", "ndjson", "json"]),
  /** The rows as posted; absent when the store must pull them (too large) or they are not its. */
  body: z.string().optional(),
  /** Size of the body in bytes (also when it is not in the message). */
  bytes: z.number().int().min(0),
  /** Only these stores take the rows (a per-store change); absent: every store. */
  stores: z.array(idSchema).min(1).optional(),
  publishedAt: z.string(),
});
export type ChainBatch = z.infer<typeof chainBatchSchema>;

/** The id of a change: its feed and sequence (unique per central log). */
export const changeIdOf = (feed: string, seq: number) => `${feed}-${seq}`;
export function parseChangeId(id: string): { feed: (typeof CHAIN_FEEDS)[number]; sequence: number } | null {
  const m = /^(products|prices|stock|promotions)-(\d{1,15})$/.exec(id);
  return m ? { feed: m[1] as (typeof CHAIN_FEEDS)[number], sequence: Number(m[2]) } : null;
}

const feedProgress = z.object({
  /** The last sequence applied (null: none yet). */
  sequence: z.number().int().nullable(),
  /** Sequences below it that are still missing (waiting for the HTTP catch-up). */
  gaps: z.array(z.object({ from: z.number().int(), to: z.number().int() })),
});

/** `shelfsync/chain/store/{storeId}/status`, retained, QoS 1, debounced: what the store shows. */
export const chainStoreStatusSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  storeId: idSchema,
  /** When this summary was taken. */
  at: z.string(),
  feeds: z.record(z.string(), feedProgress),
  labels: z.object({ total: z.number().int().min(0), inSync: z.number().int().min(0) }),
  /** The last chain change the store applied, and when. */
  lastChange: z
    .object({ changeId: z.string(), feed: z.string(), sequence: z.number().int(), appliedAt: z.string() })
    .nullable(),
});
export type ChainStoreStatus = z.infer<typeof chainStoreStatusSchema>;

/** Whether a store's status says it has applied this change (its sequence reached, none missing at or below). */
export function storeHasChange(status: ChainStoreStatus, feed: string, seq: number): boolean {
  const f = status.feeds[feed];
  if (!f || f.sequence === null || f.sequence < seq) return false;
  return !f.gaps.some((g) => g.from <= seq);
}
