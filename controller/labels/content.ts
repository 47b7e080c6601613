import { createHash } from "node:crypto";
import {
  formatMoney,
  type LabelContent,
  type MoneyObject,
  PROTOCOL_VERSION,
  type StockState,
} from "../../schemas/index.ts";
import type { PriceHistoryEntry, ProductRecord } from "../store/catalog.ts";

/** What a label shows, before it is stamped with a hash and version. */
export type LabelBody = Omit<LabelContent, "contentHash" | "version">;

export interface ContentContext {
  locale: string;
  stockLowThreshold: number;
}

export function stockState(onHand: number | undefined, lowThreshold: number): StockState {
  if (onHand === undefined) return "in_stock";
  if (onHand <= 0) return "out";
  return onHand <= lowThreshold ? "low" : "in_stock";
}

export function money(amountMinor: number, currency: string, locale: string): MoneyObject {
  return { amountMinor, currency, text: formatMoney(amountMinor, currency, locale) };
}

/**
 * The regular price in force at `at`: among entries with effectiveFrom ≤ at < effectiveTo, the latest
 * effectiveFrom wins; ties go to the higher feed sequence, then the later entry. Pure: the same history
 * and instant always give the same answer, whatever order the entries come in.
 */
export function priceInForce(
  history: readonly PriceHistoryEntry[],
  at: number,
): PriceHistoryEntry | undefined {
  let best: PriceHistoryEntry | undefined;
  for (const e of history) {
    if (e.effectiveFrom > at || (e.effectiveTo !== null && e.effectiveTo <= at)) continue;
    if (
      !best ||
      e.effectiveFrom > best.effectiveFrom ||
      (e.effectiveFrom === best.effectiveFrom &&
        (e.sequence > best.sequence || (e.sequence === best.sequence && e.id > best.id)))
    ) {
      best = e;
    }
  }
  return best;
}

/** Label content for a product, or null when there is no price in force (nothing correct to show). */
export function buildLabelBody(
  labelId: string,
  product: ProductRecord,
  history: readonly PriceHistoryEntry[],
  onHand: number | undefined,
  at: number,
  ctx: ContentContext,
): LabelBody | null {
  const price = priceInForce(history, at);
  if (!price) return null;
  const body: LabelBody = {
    v: PROTOCOL_VERSION,
    labelId,
    sku: product.sku,
    name: product.name,
    price: money(price.amountMinor, price.currency, ctx.locale),
    stock: stockState(onHand, ctx.stockLowThreshold),
  };
  if (product.gtin) body.gtin = product.gtin;
  if (product.brand) body.brand = product.brand;
  if (product.url) body.url = product.url;
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
