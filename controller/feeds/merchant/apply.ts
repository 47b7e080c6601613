import {
  effectiveOffer,
  finishPromotion,
  type LocalOffer,
  type MerchantItem,
  minorToDecimalString,
  type OnlineSale,
  type PriceRow,
} from "../../../schemas/index.ts";
import type { BatchWriter } from "../../store/catalog.ts";
import type { OnlineOfferRecord } from "../../store/online.ts";

/** The store's promotion for a web-shop sale: one per SKU, a stable id (feeds replace it in place). */
export const ONLINE_SALE_PREFIX = "online-sale-";
export const onlineSaleId = (sku: string) => `${ONLINE_SALE_PREFIX}${sku}`;

/**
 * Ids of the online sales the store has, read once per batch: most items of a feed have no sale and
 * never had one, and need no lookup at all.
 */
export const onlineSaleIds = (w: BatchWriter): Set<string> => w.promotionIds(ONLINE_SALE_PREFIX);

/** The national item and this store's local row of one SKU, as the store imported them. */
export interface OnlineSides {
  national?: Pick<MerchantItem, "price" | "sale"> | undefined;
  local?: Pick<LocalOffer, "price" | "sale"> | undefined;
}

/** An offer record's JSON as the item it is, when valid and imported (an audit-only one is not). */
export function importedOffer<T>(record: OnlineOfferRecord | undefined): T | undefined {
  if (!record || record.offerJson === null || record.mode !== "import") return undefined;
  return JSON.parse(record.offerJson) as T;
}

/**
 * Make the store charge what the shop charges in this store: the price (local over national) into
 * the price history as any price feed row would go (guard rails included), and the sale as a `fixed`
 * promotion with a stable id. A sale without a window starts when first seen and stays in force until
 * a later feed drops it; an unchanged sale is left alone, so a daily full feed writes nothing.
 */
export function reconcileOnline(
  w: BatchWriter,
  sku: string,
  sides: OnlineSides,
  line: number,
  now: number,
  saleIds: ReadonlySet<string>,
): void {
  const base = sides.national ?? (sides.local?.price ? { price: sides.local.price } : undefined);
  if (!base) {
    syncSale(w, sku, undefined, line, now, saleIds);
    return;
  }
  const { price, sale } = effectiveOffer(base, sides.local);
  const row: PriceRow = { sku, amountMinor: price.amountMinor, currency: price.currency };
  w.rows("prices", [{ line, row }]);
  syncSale(w, sku, sale, line, now, saleIds);
}

/** Put the shop's sale (or its absence) into the store's promotion for this SKU. */
export function syncSale(
  w: BatchWriter,
  sku: string,
  sale: OnlineSale | undefined,
  line: number,
  now: number,
  saleIds: ReadonlySet<string>,
): void {
  const id = onlineSaleId(sku);
  if (!sale && !saleIds.has(id)) return;
  const existing = saleIds.has(id) ? w.promotion(id) : undefined;
  const live = existing !== undefined && !existing.deleted && (existing.end === null || existing.end > now);
  if (!sale) {
    if (live) w.endPromotion(id);
    return;
  }
  const value = minorToDecimalString(sale.amountMinor, sale.currency);
  const draft = {
    promotionId: id,
    kind: "fixed" as const,
    skus: [sku],
    value,
    currency: sale.currency,
    start: sale.window?.start ?? now,
    end: sale.window?.end ?? null,
    priority: 0,
    source: "central" as const,
    reason: "sale_price of the web shop (Merchant Center)",
  };
  const made = finishPromotion(draft);
  if (!made.ok) throw new Error(`online sale for ${sku}: ${made.issues.map((i) => i.reason).join("; ")}`);
  const promotion = made.promotion;
  if (existing && live && !sale.window && existing.end === null && existing.start <= now) {
    // An open-ended sale already running keeps its start (the Omnibus look-back depends on it).
    promotion.start = existing.start;
  }
  if (
    existing &&
    !existing.deleted &&
    existing.kind === promotion.kind &&
    existing.value === promotion.value &&
    existing.currency === promotion.currency &&
    existing.start === promotion.start &&
    existing.end === promotion.end &&
    existing.skus.length === 1 &&
    existing.skus[0] === sku
  ) {
    return;
  }
  w.rows("promotions", [{ line, row: promotion }]);
}
