import { Hono } from "hono";
import {
  type ProductReply,
  type ProductSearchReply,
  productReplySchema,
  productSearchQuerySchema,
  productSearchReplySchema,
} from "../../schemas/index.ts";
import { stockState } from "../labels/content.ts";
import type { ControllerServices } from "../services.ts";
import type { SearchPosition } from "../store/product-search.ts";
import { apiError } from "./errors.ts";
import { doc, query } from "./openapi.ts";

const TAGS = ["products"];

/** An opaque keyset cursor: where the previous page ended (name, SKU). */
const encodeCursor = (p: SearchPosition) =>
  Buffer.from(JSON.stringify([p.name, p.sku])).toString("base64url");
function decodeCursor(cursor: string): SearchPosition | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === "string" && typeof v[1] === "string")
      return { name: v[0], sku: v[1] };
  } catch {}
  return null;
}

/** Product search and one product (its price in force, stock and labels). */
export function productRoutes(s: ControllerServices): Hono {
  const api = new Hono();
  const stockOf = (sku: string) => {
    const onHand = s.catalog.stock(sku)?.onHand;
    return onHand === undefined ? null : { onHand, state: stockState(onHand, s.config.stockLowThreshold) };
  };

  api.get(
    "/products",
    doc({
      summary: "Search products by SKU, GTIN or name",
      description:
        "`q` matches a SKU or GTIN that starts with it (a 12-digit scan also finds the GTIN-13 with a leading zero) or a name or brand that contains every word of it (case and accents ignored: `kase` finds `Bergkäse`). In name order, then SKU; `nextCursor` gives the next page.",
      tags: TAGS,
      ok: { schema: productSearchReplySchema },
      errors: [400],
    }),
    query(productSearchQuerySchema),
    (c) => {
      const { q, limit, cursor } = c.req.valid("query");
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      if (after === null) return apiError(c, 400, "invalid_cursor", "cursor: give nextCursor as it was");
      const hits = s.stores.productSearch.search({ q, limit: limit + 1, after });
      const page = hits.slice(0, limit);
      const now = s.clock.now();
      const items: ProductSearchReply["items"] = page.map((p) => ({
        sku: p.sku,
        gtin: p.gtin,
        name: p.name,
        brand: p.brand,
        price: s.sync.resolveSku(p.sku, now)?.price ?? null,
      }));
      const last = page.at(-1);
      const reply: ProductSearchReply = {
        items,
        nextCursor: hits.length > limit && last ? encodeCursor(last) : null,
      };
      return c.json(reply);
    },
  );

  api.get(
    "/products/:sku",
    doc({
      summary: "One product: price in force, stock, linked labels",
      tags: TAGS,
      ok: { schema: productReplySchema },
      errors: [404],
    }),
    (c) => {
      const sku = c.req.param("sku");
      const product = s.catalog.product(sku);
      if (!product) return apiError(c, 404, "unknown_sku", `no product with SKU "${sku}"`);
      const resolved = s.sync.resolveSku(sku, s.clock.now());
      const reply: ProductReply = {
        ...product,
        price: resolved?.price ?? null,
        regularPrice: resolved?.regularPrice ?? null,
        stock: stockOf(sku),
        labels: s.labels.linkedTo(sku).map((l) => l.labelId),
      };
      return c.json(reply);
    },
  );

  return api;
}
