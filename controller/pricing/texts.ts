import { type PromoTexts, promoTexts } from "../../display/i18n/index.ts";
import { formatMoney } from "../../schemas/money.ts";
import type { PromotionKind } from "../../schemas/promotions.ts";
import type { ClaimFigures } from "./claims.ts";
import type { OfferDetail } from "./offers.ts";

/** Deals that are not price reductions: their texts state their own terms. */
export type DealDetail = Exclude<OfferDetail, { kind: "percent" | "amount" | "fixed" }>;

/**
 * Formatting a price costs more than resolving it, and a store's prices repeat a lot, so texts are
 * cached per currency and locale, bounded (dropped whole when full: cheaper than LRU book-keeping).
 */
const TEXT_CACHE_MAX = 100_000;
const moneyTexts = new Map<string, Map<number, string>>();
let last: { currency: string; locale: string; texts: Map<number, string> } | undefined;
function textsFor(currency: string, locale: string): Map<number, string> {
  // A store prices in one currency and locale: skip building the key for the usual case.
  if (last?.currency === currency && last.locale === locale) return last.texts;
  const key = `${currency}|${locale}`;
  let texts = moneyTexts.get(key);
  if (!texts) {
    texts = new Map();
    moneyTexts.set(key, texts);
  }
  last = { currency, locale, texts };
  return texts;
}

export function moneyText(amountMinor: number, currency: string, locale: string): string {
  const texts = textsFor(currency, locale);
  let text = texts.get(amountMinor);
  if (text === undefined) {
    text = formatMoney(amountMinor, currency, locale);
    if (texts.size >= TEXT_CACHE_MAX) texts.clear();
    texts.set(amountMinor, text);
  }
  return text;
}

/** Phrases per locale (a store has one; the cache stays tiny). */
const phrases = new Map<string, PromoTexts>();
function phrasesFor(locale: string): PromoTexts {
  let p = phrases.get(locale);
  if (!p) {
    p = promoTexts(locale);
    phrases.set(locale, p);
  }
  return p;
}

/**
 * The text of a deal that is not a reduction (multi-buy, member price), in the words of the locale's
 * catalogue (display/i18n). Reductions are written by `reductionText`, from their claim.
 */
export function offerText(detail: DealDetail, priceMinor: number, currency: string, locale: string): string {
  const p = phrasesFor(locale);
  switch (detail.kind) {
    case "multibuyTotal":
      return p.multibuyTotal(detail.quantity, moneyText(detail.totalMinor, currency, locale));
    case "multibuyShare":
      return p.multibuyShare(detail.quantity, detail.percent);
    case "member":
      return p.member(moneyText(priceMinor, currency, locale));
  }
}

/**
 * The text of an announced reduction, from the claim's figures (never from the promotion's own
 * terms: a "30 % off" raised the week before may only announce what the prior price allows). A
 * percentage promotion announces the claim's percentage, the others the saving.
 */
export function reductionText(
  kind: PromotionKind,
  figures: ClaimFigures,
  currency: string,
  locale: string,
): string {
  const p = phrasesFor(locale);
  if (kind === "percent" && figures.percent !== undefined) return p.percentOff(figures.percent);
  const saving = moneyText(figures.savingMinor, currency, locale);
  return kind === "amount" ? p.amountOff(saving) : p.save(saving);
}
