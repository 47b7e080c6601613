import { MoneyError, parseDecimalToMinor } from "../../schemas/money.ts";
import type { Promotion } from "../../schemas/promotions.ts";
import { compareFractions, decimalText, divRoundHalfUp, parseDecimal, pow10 } from "./decimal.ts";
import type { PricingProduct } from "./types.ts";

/** What a promotion does to one SKU at its current regular price. */
export type OfferDetail =
  | { kind: "percent"; percent: string }
  | { kind: "amount"; offMinor: number }
  | { kind: "fixed"; saveMinor: number }
  | { kind: "multibuyTotal"; quantity: number; totalMinor: number }
  | { kind: "multibuyShare"; quantity: number; percent: string }
  | { kind: "member" };

export interface Offer {
  promotion: Promotion;
  /** The single-item price while this offer is the one shown (a multi-buy leaves it at regular). */
  priceMinor: number;
  /** Price per item for the shopper taking the deal, as a fraction: what ranks equal-priority offers. */
  perItemNum: bigint;
  perItemDen: bigint;
  detail: OfferDetail;
}

export interface IgnoredPromotion {
  promotionId: string;
  reason: string;
}

const LARGE_TARGET = 16;
const skuSets = new WeakMap<Promotion, Set<string>>();

/** Whether the promotion targets this product (by SKU or by category). */
export function targets(p: Promotion, product: PricingProduct): boolean {
  if (p.category !== undefined && p.category === product.category) return true;
  const skus = p.skus;
  if (skus.length < LARGE_TARGET) return skus.includes(product.sku);
  // A chain-wide promotion lists thousands of SKUs and is checked once per SKU: index it once.
  let set = skuSets.get(p);
  if (!set) {
    set = new Set(skus);
    skuSets.set(p, set);
  }
  return set.has(product.sku);
}

export const inWindow = (p: Promotion, t: number) => p.start <= t && (p.end === null || t < p.end);

/** A percentage as an exact fraction of 1, or a reason it is unusable. */
function share(value: string): { num: bigint; den: bigint; percent: string } | string {
  const d = parseDecimal(value.replace(/\s*%$/, ""));
  if (!d || d.digits === 0n) return `value "${value}" is not a percentage above 0`;
  const den = 100n * pow10(d.scale);
  if (d.digits > den) return `value "${value}" is above 100 %`;
  return { num: d.digits, den, percent: decimalText(d) };
}

function money(value: string, currency: string): number | string {
  try {
    const minor = parseDecimalToMinor(value, currency);
    return minor > 0 ? minor : `value "${value}" is not above zero`;
  } catch (e) {
    if (!(e instanceof MoneyError)) throw e;
    return e.message;
  }
}

const single = (p: Promotion, priceMinor: number, detail: OfferDetail): Offer => ({
  promotion: p,
  priceMinor,
  perItemNum: BigInt(priceMinor),
  perItemDen: 1n,
  detail,
});

/**
 * The offer a promotion makes at `regularMinor`, or why it makes none. A promotion that would not
 * lower what the shopper pays (or would raise it) is no offer at all.
 */
export function offerFor(p: Promotion, regularMinor: number, currency: string): Offer | string {
  if (p.currency !== undefined && p.currency !== currency) {
    return `priced in ${p.currency}, the product in ${currency}`;
  }
  const regular = BigInt(regularMinor);
  switch (p.kind) {
    case "percent": {
      const s = share(p.value);
      if (typeof s === "string") return s;
      const off = divRoundHalfUp(regular * s.num, s.den);
      if (off === 0n) return "the reduction rounds to nothing at this price";
      return single(p, Number(regular - off), { kind: "percent", percent: s.percent });
    }
    case "amount": {
      const off = money(p.value, currency);
      if (typeof off === "string") return off;
      if (regularMinor === 0) return "the price is already zero";
      // More off than the price costs makes the item free, never a negative price.
      return single(p, Math.max(0, regularMinor - off), {
        kind: "amount",
        offMinor: Math.min(off, regularMinor),
      });
    }
    case "fixed": {
      const fixed = money(p.value, currency);
      if (typeof fixed === "string") return fixed;
      if (fixed >= regularMinor) return "the promotional price is not below the regular price";
      return single(p, fixed, { kind: "fixed", saveMinor: regularMinor - fixed });
    }
    case "member": {
      const member = money(p.value, currency);
      if (typeof member === "string") return member;
      if (member >= regularMinor) return "the member price is not below the regular price";
      return single(p, member, { kind: "member" });
    }
    case "multibuy": {
      const quantity = p.buyQuantity;
      if (quantity === undefined || !Number.isInteger(quantity) || quantity < 2) {
        return "a multi-buy needs a buyQuantity of 2 or more";
      }
      const q = BigInt(quantity);
      if (/%\s*$/.test(p.value)) {
        const s = share(p.value);
        if (typeof s === "string") return s;
        const off = divRoundHalfUp(regular * s.num, s.den);
        if (off === 0n) return "the reduction rounds to nothing at this price";
        return {
          promotion: p,
          priceMinor: regularMinor,
          perItemNum: q * regular - off,
          perItemDen: q,
          detail: { kind: "multibuyShare", quantity, percent: s.percent },
        };
      }
      const total = money(p.value, currency);
      if (typeof total === "string") return total;
      if (BigInt(total) >= q * regular)
        return `${quantity} items cost no more than ${quantity} at the regular price`;
      return {
        promotion: p,
        priceMinor: regularMinor,
        perItemNum: BigInt(total),
        perItemDen: q,
        detail: { kind: "multibuyTotal", quantity, totalMinor: total },
      };
    }
  }
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The overlap rule: higher priority first; then the lower price per item for the shopper; then the
 * smaller promotionId. The remaining keys only make duplicated ids independent of input order.
 */
export function compareOffers(a: Offer, b: Offer): number {
  const pa = a.promotion;
  const pb = b.promotion;
  return (
    pb.priority - pa.priority ||
    compareFractions(a.perItemNum, a.perItemDen, b.perItemNum, b.perItemDen) ||
    compareText(pa.promotionId, pb.promotionId) ||
    pa.start - pb.start ||
    (pa.end ?? Number.POSITIVE_INFINITY) - (pb.end ?? Number.POSITIVE_INFINITY) ||
    compareText(pa.kind, pb.kind) ||
    compareText(pa.value, pb.value) ||
    (pa.buyQuantity ?? 0) - (pb.buyQuantity ?? 0)
  );
}

export interface OfferSelection {
  /** The public promotion shown: a price reduction or a multi-buy deal. */
  public: Offer | undefined;
  /** The member price shown beside the public price: only offers below it compete. */
  member: Offer | undefined;
  ignored: IgnoredPromotion[];
}

/** Pick the winners among promotions already known to target the product and be in force. */
export function selectOffers(
  promotions: readonly Promotion[],
  regularMinor: number,
  currency: string,
): OfferSelection {
  let best: Offer | undefined;
  const members: Offer[] = [];
  const ignored: IgnoredPromotion[] = [];
  for (const p of promotions) {
    const offer = offerFor(p, regularMinor, currency);
    if (typeof offer === "string") {
      ignored.push({ promotionId: p.promotionId, reason: offer });
    } else if (p.kind === "member") {
      members.push(offer);
    } else if (!best || compareOffers(offer, best) < 0) {
      best = offer;
    }
  }
  const shown = best ? best.priceMinor : regularMinor;
  let member: Offer | undefined;
  for (const m of members) {
    if (m.priceMinor >= shown) {
      ignored.push({
        promotionId: m.promotion.promotionId,
        reason: "the member price is not below the price shown",
      });
    } else if (!member || compareOffers(m, member) < 0) {
      member = m;
    }
  }
  ignored.sort((a, b) => compareText(a.promotionId, b.promotionId) || compareText(a.reason, b.reason));
  return { public: best, member, ignored };
}

/** Price reductions (not multi-buy deals, not member prices) are what the Omnibus rule is about. */
export const isReduction = (o: Offer | undefined): o is Offer =>
  o !== undefined && (o.detail.kind === "percent" || o.detail.kind === "amount" || o.detail.kind === "fixed");
