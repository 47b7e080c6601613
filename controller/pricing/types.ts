import type { Unit } from "../../schemas/feeds.ts";
import type { Promotion, PromotionKind } from "../../schemas/promotions.ts";

/** One entry of a SKU's price history. Windows are [effectiveFrom, effectiveTo), unix ms. */
export interface PriceEntry {
  id: number;
  sku: string;
  amountMinor: number;
  currency: string;
  effectiveFrom: number;
  effectiveTo: number | null;
  /** Feed sequence the entry came with: breaks a tie between entries starting at the same instant. */
  sequence: number;
}

/** A staff price that replaces the regular price in [start, end). */
export interface PriceOverride {
  /** Breaks a tie between overrides starting at the same instant (higher = newer wins). */
  id?: number | undefined;
  sku: string;
  amountMinor: number;
  currency: string;
  start: number;
  end: number | null;
  author: string;
  reason?: string | undefined;
}

export interface PricingProduct {
  sku: string;
  category?: string | undefined;
  /** Exact decimal, e.g. "0.75" with unit "l". */
  netQuantity?: string | undefined;
  unit?: Unit | undefined;
}

export const UNIT_BASES = ["kg", "l", "100 g", "100 ml", "piece", "m"] as const;
export type UnitBase = (typeof UNIT_BASES)[number];

export interface OmnibusPolicy {
  /** Show a reference price beside announced reductions (EU Directive 98/6/EC art. 6a). */
  enabled: boolean;
  /** Length of the look-back before a reduction starts; counted in store days when `timeZone` is set. */
  lookbackDays: number;
  /**
   * `lowestApplied` (the law's wording: the lowest price applied to shoppers, earlier reductions
   * included) or `lowestRegular` (earlier reductions left out).
   */
  basis: "lowestApplied" | "lowestRegular";
  /** Art. 6a(5): a reduction that deepens an uninterrupted earlier one keeps the campaign's reference. */
  progressiveExemption: boolean;
}

export interface UnitPricePolicy {
  enabled: boolean;
  /** Base unit per product category, e.g. `{ spices: "100 g" }`; a base of the wrong dimension is ignored. */
  byCategory: Readonly<Record<string, UnitBase>>;
  /**
   * Packs up to this many grams or millilitres (an exact decimal string) get per 100 g / 100 ml;
   * undefined = always per kg / l (as German PAngV 2022 requires).
   */
  smallPackMax?: string | undefined;
}

export interface PricingPolicy {
  /** BCP 47 locale for money and promotion texts. */
  locale: string;
  /** Store's IANA zone: the Omnibus look-back counts calendar days there (DST-exact). */
  timeZone?: string | undefined;
  omnibus: OmnibusPolicy;
  unitPrice: UnitPricePolicy;
}

export type PricingPolicyInput = Partial<Omit<PricingPolicy, "omnibus" | "unitPrice">> & {
  omnibus?: Partial<OmnibusPolicy>;
  unitPrice?: Partial<UnitPricePolicy>;
};

/** Everything the price of one SKU depends on; plain data, any order. */
export interface PricingInput {
  product: PricingProduct;
  history: readonly PriceEntry[];
  promotions?: readonly Promotion[] | undefined;
  overrides?: readonly PriceOverride[] | undefined;
  policy?: PricingPolicyInput | undefined;
}

export interface PricedMoney {
  amountMinor: number;
  currency: string;
  /** Formatted for the policy's locale. */
  text: string;
}

export interface PromoDisplay {
  promotionId: string;
  kind: PromotionKind;
  text: string;
  /** The promotion's end as ISO 8601 (UTC); absent when open-ended. */
  validUntil?: string | undefined;
}

export interface ResolvedPrice {
  /** What the shelf shows as the price of one item. */
  price: PricedMoney;
  /** The price without promotions (a staff override included). */
  regularPrice: PricedMoney;
  /** Omnibus prior price, present whenever a reduction is shown and the policy is on. */
  referencePrice?: PricedMoney | undefined;
  unitPrice?: (PricedMoney & { per: UnitBase }) | undefined;
  /** The public promotion that won (a price reduction or a multi-buy deal). */
  promo?: PromoDisplay | undefined;
  /** Shown beside `price`, only when below it. */
  memberPrice?: PricedMoney | undefined;
  memberPromo?: PromoDisplay | undefined;
  /** Next instant (unix ms) at which this answer may change; absent when nothing is scheduled. */
  validUntil?: number | undefined;
  /** Why the answer is what it is (audit, replay, support). */
  trace: PriceTrace;
  /** Things a person should look at, e.g. a reduction whose reference price is not above it. */
  warnings?: string[] | undefined;
}

export interface PriceTrace {
  priceEntryId: number | null;
  override?: { id?: number | undefined; author: string; reason?: string | undefined } | undefined;
  /** When the shown reduction started for this SKU. */
  reductionStart?: number | undefined;
  /** Start of the uninterrupted progressive campaign the reduction belongs to (= reductionStart if none). */
  campaignStart?: number | undefined;
  /** The Omnibus look-back window [from, to). */
  referenceWindow?: { from: number; to: number } | undefined;
  /** Promotions in force for this SKU that were not used, with why. */
  ignored?: { promotionId: string; reason: string }[] | undefined;
}

export interface PriceTransition {
  at: number;
  /** The answer from `at` on; null when no price is in force. */
  result: ResolvedPrice | null;
}
