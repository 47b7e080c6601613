import type { Context } from "hono";
import { type ProductSearchReply, productSearchQuerySchema } from "../../schemas/index.ts";
import type { ControllerServices } from "../services.ts";
import { apiError } from "./errors.ts";

const encodeCursor = (sku: string) => Buffer.from(sku, "utf8").toString("base64url");
const decodeCursor = (cursor: string) => Buffer.from(cursor, "base64url").toString("utf8");

/**
 * `GET /api/v1/products?q=&limit=&cursor=` → `{ items, nextCursor }`: products by SKU, GTIN, or a
 * piece of the SKU, name or brand, ordered by SKU, each with the price in force now. The cursor is
 * opaque to clients (the last SKU of the page).
 */
export function searchProducts(s: ControllerServices, c: Context): Response {
  const parsed = productSearchQuerySchema.safeParse(c.req.query());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? "");
    return apiError(c, 400, "invalid_query", `${field}: ${issue?.message}`, [
      { field, reason: issue?.message },
    ]);
  }
  const { q, limit, cursor } = parsed.data;
  const rows = s.catalog.searchProducts(q.trim(), cursor ? decodeCursor(cursor) : "", limit + 1);
  const page = rows.slice(0, limit);
  const now = s.clock.now();
  const reply: ProductSearchReply = {
    items: page.map((p) => ({
      sku: p.sku,
      gtin: p.gtin,
      name: p.name,
      brand: p.brand,
      price: s.sync.resolveSku(p.sku, now)?.price ?? null,
    })),
    nextCursor:
      rows.length > limit && page.length > 0 ? encodeCursor(page[page.length - 1]?.sku ?? "") : null,
  };
  return c.json(reply);
}
