import type { Db } from "./db.ts";
import { searchFold } from "./search-fold.ts";

/** A product as the search lists it (the catalogue's own fields). */
export interface ProductHit {
  sku: string;
  gtin: string | null;
  name: string;
  brand: string | null;
  netQuantity: string | null;
  unit: string | null;
  category: string | null;
  url: string | null;
}

/** Where a page ends: the next page starts after this (name, then SKU), the listing's order. */
export interface SearchPosition {
  name: string;
  sku: string;
}

const COLUMNS = `sku, gtin, name, brand, net_quantity AS netQuantity, unit, category, url`;
/** Above every character in UTF-8 order: `x >= q AND x < q || TOP` is "starts with q". */
const TOP = "\u{10FFFF}";
/** Words of a query beyond this are ignored (a scan pays per word). */
const MAX_WORDS = 8;

/**
 * Product search for the console and scanners (GET /api/v1/products?q=): a SKU that starts with
 * `q` (as typed or in capitals), a GTIN that starts with it (a 12-digit UPC scan also finds its
 * GTIN-13/14 with leading zeros), or a name or brand that contains every word of it, folded
 * (`kase` finds `Bergkäse`: German names are compounds). In name order (case-insensitive), then
 * SKU, paged by keyset.
 *
 * One walk of the name-order index that stops at the page's last row. A rare word walks all of it:
 * on 100,000 products that costs tens of milliseconds (bench: `npm run bench -- --only search`),
 * which a full-text index would buy with an index larger than the catalogue and a feed of new
 * products several times slower to apply. A scanned GTIN is found through its own index first.
 */
export function productSearch(db: Db) {
  const sql = db.$client;
  const statements = new Map<string, ReturnType<typeof sql.prepare>>();
  const prepared = (text: string) => {
    let st = statements.get(text);
    if (!st) {
      st = sql.prepare(text);
      statements.set(text, st);
    }
    return st;
  };
  const byGtin = sql.prepare<[string, string, string], ProductHit>(
    `SELECT ${COLUMNS} FROM products WHERE gtin IN (?, ?, ?) ORDER BY name COLLATE NOCASE, sku`,
  );

  return {
    search(options: {
      q?: string | undefined;
      limit: number;
      after?: SearchPosition | undefined;
    }): ProductHit[] {
      const q = options.q?.trim() ?? "";
      const params: Record<string, string | number> = { limit: options.limit };
      const where: string[] = [];
      if (options.after) {
        where.push("(name COLLATE NOCASE, sku) > (@afterName, @afterSku)");
        params.afterName = options.after.name;
        params.afterSku = options.after.sku;
      }
      if (q !== "") {
        // A whole GTIN (a scan) is one product, found by index: no walk at all.
        if (/^\d{8}$|^\d{12,14}$/.test(q) && !options.after) {
          const exact = byGtin.all(q, q.padStart(13, "0"), q.padStart(14, "0"));
          if (exact.length > 0) return exact.slice(0, options.limit);
        }
        const any = ["(sku >= @sku AND sku < @skuTop)", "(sku >= @SKU AND sku < @SKUTop)"];
        params.sku = q;
        params.skuTop = q + TOP;
        params.SKU = q.toUpperCase();
        params.SKUTop = q.toUpperCase() + TOP;
        if (/^\d+$/.test(q)) {
          any.push("(gtin >= @gtin AND gtin < @gtinTop)");
          params.gtin = q;
          params.gtinTop = q + TOP;
        }
        const words = searchFold(q).split(" ").filter(Boolean).slice(0, MAX_WORDS);
        if (words.length > 0) {
          any.push(`(${words.map((_, i) => `instr(search_text, @w${i}) > 0`).join(" AND ")})`);
          for (const [i, w] of words.entries()) params[`w${i}`] = w;
        }
        where.push(`(${any.join(" OR ")})`);
      }
      return prepared(
        `SELECT ${COLUMNS} FROM products INDEXED BY products_name_order
         ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
         ORDER BY name COLLATE NOCASE, sku LIMIT @limit`,
      ).all(params) as ProductHit[];
    },
  };
}
export type ProductSearch = ReturnType<typeof productSearch>;
