import { UNIT_BASES, type UnitBase } from "../../schemas/common.ts";
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

export { UNIT_BASES, type UnitBase };

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
  /**
   * Art. 6a(3): categories of goods liable to deteriorate or expire rapidly whose reductions the
   * store's law exempts from the prior-price rule (e.g. PAngV § 11(4) in Germany). Their reductions
   * are measured from the regular price and say why on the label. Empty by default: the general
   * rule applies to every product.
   */
  perishableCategories: readonly string[];
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
  /**
   * The one percentage a reduction may announce (whole percent, rounded down), the same number the
   * text uses; absent for deals that are not reductions and for reductions under 1 %.
   */
  percent?: number | undefined;
  /** What an announced reduction is measured from (see ReductionClaim); absent for other deals. */
  basis?: ClaimBasis | undefined;
  /**
   * The promotion's end (exclusive) as ISO 8601 in store time with its offset when the policy has a
   * time zone (`2026-04-17T00:00:00+02:00`: the last day is the 16th), else UTC; absent when open-ended.
   */
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
  /**
   * What a shown reduction may announce: its percentage, saving and struck price are all measured
   * from `comparePrice`. Present exactly when a reduction is announced.
   */
  claim?: ReductionClaim | undefined;
  /**
   * A reduction whose price is charged but may not be announced as one (no prior price below it):
   * `promo`, `claim` and `referencePrice` are then absent.
   */
  notAReduction?: SuppressedClaim | undefined;
  /** Things a person should look at, e.g. a reduction that cannot be announced. */
  warnings?: string[] | undefined;
}

/**
 * What a reduction is measured from: `prior`, the art. 6a prior price (the lowest price in the
 * look-back, CJEU C-330/23); `regular`, the regular price when the Omnibus rule is off; `perishable`,
 * the regular price under the perishable-goods exemption (art. 6a(3)).
 */
export type ClaimBasis = "prior" | "regular" | "perishable";

export interface ReductionClaim {
  basis: ClaimBasis;
  /** The price the reduction is measured from, the one shown struck through. */
  comparePrice: PricedMoney;
  /** comparePrice − price. */
  saving: PricedMoney;
  /** saving / comparePrice in whole percent, rounded down (never up in the shop's favour); absent below 1 %. */
  percent?: number | undefined;
  /** With basis `prior`: the look-back the prior price is the lowest of, in days. */
  lookbackDays?: number | undefined;
}

export interface SuppressedClaim {
  reason: "not_a_reduction";
  promotionId: string;
  kind: PromotionKind;
  /** The price charged (lawful; only the claim is suppressed). */
  promotionalPrice: PricedMoney;
  /** The art. 6a prior price; absent when no price was in force in the look-back (reduced from day one). */
  priorPrice?: PricedMoney | undefined;
  /** Look-back in days, and when the reduction (or its progressive campaign) started, unix ms. */
  lookbackDays: number;
  reductionStart: number;
  /** For a person: what was suppressed and why. */
  detail: string;
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
