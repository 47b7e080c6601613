import type { Promotion, PromotionKind, PromotionSource } from "../../schemas/index.ts";
import type { Db } from "./db.ts";

interface PromotionRow {
  promotionId: string;
  kind: string;
  skusJson: string;
  category: string | null;
  value: string;
  buyQuantity: number | null;
  currency: string | null;
  start: number;
  end: number | null;
  priority: number;
  source: string;
  author: string | null;
  reason: string | null;
  deletedAt: number | null;
}

const COLUMNS = `promotion_id AS promotionId, kind, skus_json AS skusJson, category, value,
  buy_quantity AS buyQuantity, currency, start, "end", priority, source, author, reason, deleted_at AS deletedAt`;

function toPromotion(r: PromotionRow): Promotion {
  return {
    promotionId: r.promotionId,
    kind: r.kind as PromotionKind,
    skus: JSON.parse(r.skusJson) as string[],
    ...(r.category === null ? {} : { category: r.category }),
    value: r.value,
    ...(r.buyQuantity === null ? {} : { buyQuantity: r.buyQuantity }),
    ...(r.currency === null ? {} : { currency: r.currency }),
    start: r.start,
    end: r.end,
    priority: r.priority,
    source: r.source as PromotionSource,
    ...(r.author === null ? {} : { author: r.author }),
    ...(r.reason === null ? {} : { reason: r.reason }),
  };
}

/** Promotions in force from this far back still matter: the Omnibus look-back sees their prices. */
export const PROMOTION_LOOKBACK_MS = 32 * 86_400_000;

/** Promotions and their SKU targets. Category targets are resolved through products.category. */
export function promotionStore(db: Db) {
  const sql = db.$client;
  const upsert = sql.prepare(
    `INSERT INTO promotions (promotion_id, kind, skus_json, category, value, buy_quantity, currency, start, "end",
       priority, source, author, reason, created_at, updated_at, deleted_at, feed_sequence)
     VALUES (@promotionId, @kind, @skusJson, @category, @value, @buyQuantity, @currency, @start, @end, @priority,
       @source, @author, @reason, @now, @now, NULL, @sequence)
     ON CONFLICT(promotion_id) DO UPDATE SET kind = excluded.kind, skus_json = excluded.skus_json,
       category = excluded.category, value = excluded.value, buy_quantity = excluded.buy_quantity,
       currency = excluded.currency, start = excluded.start, "end" = excluded."end", priority = excluded.priority,
       source = excluded.source, author = excluded.author, reason = excluded.reason, updated_at = excluded.updated_at,
       deleted_at = NULL, feed_sequence = excluded.feed_sequence`,
  );
  const clearSkus = sql.prepare("DELETE FROM promotion_skus WHERE promotion_id = ?");
  const addSku = sql.prepare("INSERT OR IGNORE INTO promotion_skus (promotion_id, sku) VALUES (?, ?)");
  const idsInRange = sql.prepare<[string, string], { id: string }>(
    "SELECT promotion_id AS id FROM promotions WHERE promotion_id >= ? AND promotion_id < ?",
  );
  const byId = sql.prepare<[string], PromotionRow>(
    `SELECT ${COLUMNS} FROM promotions WHERE promotion_id = ?`,
  );
  const live = sql.prepare<[number], PromotionRow>(
    `SELECT ${COLUMNS} FROM promotions WHERE deleted_at IS NULL AND ("end" IS NULL OR "end" > ?)`,
  );
  const forSku = sql.prepare<[string, number], PromotionRow>(
    `SELECT ${COLUMNS.replaceAll("promotion_id AS", "p.promotion_id AS")} FROM promotions p
     JOIN promotion_skus s ON s.promotion_id = p.promotion_id
     WHERE s.sku = ? AND p.deleted_at IS NULL AND (p."end" IS NULL OR p."end" > ?)`,
  );
  const forCategory = sql.prepare<[string, number], PromotionRow>(
    `SELECT ${COLUMNS} FROM promotions WHERE category = ? AND deleted_at IS NULL AND ("end" IS NULL OR "end" > ?)`,
  );
  const endNow = sql.prepare(`UPDATE promotions SET "end" = ?, updated_at = ? WHERE promotion_id = ?`);
  const markDeleted = sql.prepare(
    "UPDATE promotions SET deleted_at = ?, updated_at = ? WHERE promotion_id = ?",
  );
  const skusInCategory = sql.prepare<[string], { sku: string }>(
    "SELECT sku FROM products WHERE category = ?",
  );
  const knownSku = sql.prepare<[string], { x: number }>("SELECT 1 AS x FROM products WHERE sku = ?");

  function saveNow(p: Promotion, now: number, sequence: number | null): Set<string> {
    const before = store.get(p.promotionId);
    upsert.run({
      promotionId: p.promotionId,
      kind: p.kind,
      skusJson: JSON.stringify(p.skus),
      category: p.category ?? null,
      value: p.value,
      buyQuantity: p.buyQuantity ?? null,
      currency: p.currency ?? null,
      start: p.start,
      end: p.end,
      priority: p.priority,
      source: p.source,
      author: p.author ?? null,
      reason: p.reason ?? null,
      now,
      sequence,
    });
    clearSkus.run(p.promotionId);
    for (const sku of p.skus) addSku.run(p.promotionId, sku);
    return new Set([...(before ? store.targetSkus(before) : []), ...store.targetSkus(p)]);
  }

  const store = {
    get(promotionId: string): (Promotion & { deleted: boolean }) | undefined {
      const r = byId.get(promotionId);
      return r ? { ...toPromotion(r), deleted: r.deletedAt !== null } : undefined;
    },

    /** Ids of every promotion whose id starts with `prefix` (one range scan of the primary key). */
    idsWithPrefix(prefix: string): Set<string> {
      return new Set(idsInRange.all(prefix, `${prefix}\uffff`).map((r) => r.id));
    },

    /** SKUs of this store a promotion reaches (SKUs the store does not carry are ignored). */
    targetSkus(p: Pick<Promotion, "skus" | "category">): string[] {
      if (p.category !== undefined) return skusInCategory.all(p.category).map((r) => r.sku);
      return p.skus.filter((sku) => knownSku.get(sku) !== undefined);
    },

    /** Insert or replace; returns the SKUs whose shelf may change (old and new targets). */
    save(p: Promotion, now: number, sequence: number | null): Set<string> {
      // Its own transaction, so that a 20,000-SKU promotion is one commit. Inside a transaction (a
      // feed batch writing its sales) no savepoint: the batch is applied whole or rolled back whole.
      if (sql.inTransaction) return saveNow(p, now, sequence);
      return sql.transaction(() => saveNow(p, now, sequence))();
    },

    /**
     * Remove a promotion. One that already started is ended now (its price was applied and stays in
     * the Omnibus look-back); one that has not started is marked deleted and never shows.
     */

    /**
     * Remove a promotion. One that already started is ended now (its price was applied and stays in
     * the Omnibus look-back); one that has not started is marked deleted and never shows.
     */
    remove(promotionId: string, now: number): Set<string> {
      const p = store.get(promotionId);
      if (!p || p.deleted) return new Set();
      if (p.start <= now) {
        if (p.end === null || p.end > now) endNow.run(now, now, promotionId);
      } else {
        markDeleted.run(now, now, promotionId);
      }
      return new Set(store.targetSkus(p));
    },

    /** Promotions that can still matter at or after `since` (ended ones within the look-back included). */
    live(since: number): Promotion[] {
      return live.all(since - PROMOTION_LOOKBACK_MS).map(toPromotion);
    },

    /** Promotions reaching one SKU (by name or by its category) that can matter at or after `since`. */
    forSku(sku: string, category: string | null | undefined, since: number): Promotion[] {
      const from = since - PROMOTION_LOOKBACK_MS;
      const rows = forSku.all(sku, from);
      if (category) rows.push(...forCategory.all(category, from));
      return rows.map(toPromotion);
    },
  };
  return store;
}
export type PromotionStore = ReturnType<typeof promotionStore>;
