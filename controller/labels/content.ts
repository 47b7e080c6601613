import { hash } from "node:crypto";
import {
  formatMoney,
  type LabelContent,
  type MoneyObject,
  PROTOCOL_VERSION,
  type StockState,
  type Unit,
} from "../../schemas/index.ts";
import { type PricingInput, type PricingPolicy, type ResolvedPrice, resolvePrice } from "../pricing/index.ts";
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

/** The pricing engine's input for one SKU, read from a catalogue snapshot (without the instant). */
export function pricingInputFor(
  source: CatalogSnapshot,
  product: ProductRecord,
  policy: PricingPolicy,
): PricingInput {
  return {
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
  };
}

/** What is in force for one SKU at `at`, read from a catalogue snapshot. */
export function resolveFor(
  source: CatalogSnapshot,
  product: ProductRecord,
  at: number,
  policy: PricingPolicy,
): ResolvedPrice | null {
  return resolvePrice({ ...pricingInputFor(source, product, policy), at });
}

/** What a label shows: its content without protocol version, label id, hash and version. */
export type ShownContent = Omit<LabelContent, "v" | "labelId" | "contentHash" | "version">;

const moneyOf = (m: MoneyObject): MoneyObject => ({
  amountMinor: m.amountMinor,
  currency: m.currency,
  text: m.text,
});

/**
 * What every label linked to a product shows, or null when no price is in force (nothing correct to
 * show). Keys, nested ones included, are always set in the same order (that of the label content
 * schema), so its JSON is canonical: equal content gives equal JSON and an equal hash.
 */
export function shownContent(
  product: ProductRecord,
  resolved: ResolvedPrice | null,
  onHand: number | undefined,
  ctx: ContentContext,
): ShownContent | null {
  if (!resolved) return null;
  // Built field by field so that the key order is fixed; every required field is set below.
  const shown = { sku: product.sku } as ShownContent;
  if (product.gtin) shown.gtin = product.gtin;
  shown.name = product.name;
  if (product.brand) shown.brand = product.brand;
  if (product.url) shown.url = product.url;
  shown.price = moneyOf(resolved.price);
  shown.stock = stockState(onHand, ctx.stockLowThreshold);
  shown.locale = ctx.locale;
  // A struck price only with an announced reduction, and then the one it is measured from (the art.
  // 6a prior price): a reduction that may not be announced shows its price and nothing else.
  if (resolved.claim) shown.regularPrice = moneyOf(resolved.claim.comparePrice);
  if (resolved.referencePrice) shown.referencePrice = moneyOf(resolved.referencePrice);
  if (resolved.claim?.lookbackDays !== undefined) shown.referenceDays = resolved.claim.lookbackDays;
  if (resolved.unitPrice) shown.unitPrice = { ...moneyOf(resolved.unitPrice), per: resolved.unitPrice.per };
  if (resolved.promo) {
    const { promotionId, kind, text, percent, basis, validUntil } = resolved.promo;
    const promo: NonNullable<ShownContent["promo"]> = { promotionId, kind, text };
    if (percent !== undefined) promo.percent = percent;
    if (basis) promo.basis = basis;
    if (validUntil) promo.validUntil = validUntil;
    shown.promo = promo;
  }
  if (resolved.memberPrice) shown.memberPrice = moneyOf(resolved.memberPrice);
  return shown;
}

/** SHA-256 (first 128 bits, hex) of the canonical JSON of what the label shows. */
export function contentHash(shownJson: string): string {
  // The one-shot form: no Hash object per label (measurably cheaper over a 20,000-label reprice).
  return hash("sha256", shownJson, "hex").slice(0, 32);
}

/** The content a label has (or had, or will have) to show, stamped with its hash; no version. */
export function labelBody(labelId: string, shown: ShownContent): LabelBody & { contentHash: string } {
  return { v: PROTOCOL_VERSION, labelId, ...shown, contentHash: contentHash(JSON.stringify(shown)) };
}
