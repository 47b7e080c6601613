import type { PriceOverride } from "../pricing/index.ts";
import type { Db } from "./db.ts";

const COLUMNS = `id, sku, amount_minor AS amountMinor, currency, start, "end", author, reason`;

/** Staff prices that replace the regular price in a window. */
export function overrideStore(db: Db) {
  const sql = db.$client;
  const bySku = sql.prepare<[string], PriceOverride>(`SELECT ${COLUMNS} FROM price_overrides WHERE sku = ?`);
  const all = sql.prepare<[], PriceOverride>(`SELECT ${COLUMNS} FROM price_overrides`);
  const byId = sql.prepare<[number], PriceOverride>(`SELECT ${COLUMNS} FROM price_overrides WHERE id = ?`);
  const insert = sql.prepare(
    `INSERT INTO price_overrides (sku, amount_minor, currency, start, "end", author, reason, created_at)
     VALUES (@sku, @amountMinor, @currency, @start, @end, @author, @reason, @now)`,
  );
  const setEnd = sql.prepare(`UPDATE price_overrides SET "end" = ? WHERE id = ?`);

  return {
    forSku: (sku: string): PriceOverride[] => bySku.all(sku),
    /** Every override of these SKUs, grouped by SKU, from one table scan. */
    forSkus(skus: ReadonlySet<string>): Map<string, PriceOverride[]> {
      const out = new Map<string, PriceOverride[]>();
      for (const o of all.iterate()) {
        if (!skus.has(o.sku)) continue;
        const list = out.get(o.sku);
        if (list) list.push(o);
        else out.set(o.sku, [o]);
      }
      return out;
    },
    get: (id: number): PriceOverride | undefined => byId.get(id),
    add(o: Omit<PriceOverride, "id">, now: number): number {
      return Number(insert.run({ ...o, reason: o.reason ?? null, now }).lastInsertRowid);
    },
    /** Ends an override now (a future one ends at its own start, so it never shows). */
    end(id: number, now: number): void {
      const o = byId.get(id);
      if (o) setEnd.run(Math.max(o.start, Math.min(now, o.end ?? now)), id);
    },
  };
}
export type OverrideStore = ReturnType<typeof overrideStore>;
