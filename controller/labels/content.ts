import { createHash } from "node:crypto";
import {
  formatMoney,
  type LabelContent,
  type MoneyObject,
  PROTOCOL_VERSION,
  type StockState,
  type Unit,
} from "../../schemas/index.ts";
import { type PricingPolicy, type ResolvedPrice, resolvePrice } from "../pricing/index.ts";
import type { CatalogSnapshot, ProductRecord } from "../store/catalog.ts";

/** What a label shows, before it is stamped with a hash and version. */
export type LabelBody = Omit<LabelContent, "contentHash" | "version">;

export interface ContentContext {
  locale: string;
  stockLowThreshold: number;
  policy: PricingPolicy;
}

export function stockState(onHand: number | undefined, lowThreshold: number): StockState {
  if (onHand === undefined) return "in_stock";
  if (onHand <= 0) return "out";
  return onHand <= lowThreshold ? "low" : "in_stock";
}

export function money(amountMinor: number, currency: string, locale: string): MoneyObject {
  return { amountMinor, currency, text: formatMoney(amountMinor, currency, locale) };
}

/** The pricing engine's input for one SKU, read from a catalogue snapshot. */
export function resolveFor(
  source: CatalogSnapshot,
  product: ProductRecord,
  at: number,
  policy: PricingPolicy,
): ResolvedPrice | null {
  return resolvePrice({
    product: {
      sku: product.sku,
      category: product.category ?? undefined,
      netQuantity: product.netQuantity ?? undefined,
      unit: (product.unit ?? undefined) as Unit | undefined,
    },
    history: source.priceHistory(product.sku),
    promotions: source.promotions(product.sku, product.category),
    overrides: source.overrides(product.sku),
    policy,
    at,
  });
}

/** Label content for a product, or null when there is no price in force (nothing correct to show). */
export function buildLabelBody(
  labelId: string,
  product: ProductRecord,
  resolved: ResolvedPrice | null,
  onHand: number | undefined,
  ctx: ContentContext,
): LabelBody | null {
  if (!resolved) return null;
  const body: LabelBody = {
    v: PROTOCOL_VERSION,
    labelId,
    sku: product.sku,
    name: product.name,
    price: resolved.price,
    stock: stockState(onHand, ctx.stockLowThreshold),
  };
  if (product.gtin) body.gtin = product.gtin;
  if (product.brand) body.brand = product.brand;
  if (product.url) body.url = product.url;
  // The regular price is shown (struck through) only when something else is charged.
  if (resolved.regularPrice.amountMinor !== resolved.price.amountMinor)
    body.regularPrice = resolved.regularPrice;
  if (resolved.referencePrice) body.referencePrice = resolved.referencePrice;
  if (resolved.unitPrice) body.unitPrice = resolved.unitPrice;
  if (resolved.promo) {
    const { promotionId, kind, text, validUntil } = resolved.promo;
    body.promo = { promotionId, kind, text, ...(validUntil ? { validUntil } : {}) };
  }
  if (resolved.memberPrice) body.memberPrice = resolved.memberPrice;
  return body;
}

/**
 * Hash of what the label shows: the body without protocol version and label id, so that equal shelf
 * content gives an equal hash whatever label or version it is sent to. Keys are hashed in a fixed
 * order, so the hash does not depend on how the object was assembled.
 */
export function contentHash(body: LabelBody): string {
  const { v: _v, labelId: _id, ...shown } = body;
  return createHash("sha256").update(canonicalJson(shown)).digest("hex").slice(0, 32);
}

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}
