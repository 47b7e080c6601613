import { formatMoney } from "../../schemas/money.ts";
import type { PromotionKind } from "../../schemas/promotions.ts";
import type { ClaimFigures } from "./claims.ts";
import type { OfferDetail } from "./offers.ts";

/** Promotion texts per language; money and percentages are formatted by Intl for the full locale. */
interface Phrases {
  percentOff(percent: string): string;
  amountOff(amount: string): string;
  fixedSave(amount: string): string;
  multibuyTotal(quantity: number, total: string): string;
  multibuyShare(quantity: number, percent: string, share: string): string;
  member(price: string): string;
}

function englishOrdinal(n: number): string {
  const tens = n % 100;
  const suffix =
    tens >= 11 && tens <= 13 ? "th" : n % 10 === 1 ? "st" : n % 10 === 2 ? "nd" : n % 10 === 3 ? "rd" : "th";
  return `${n}${suffix}`;
}

const PHRASES: Record<string, Phrases> = {
  en: {
    percentOff: (p) => `${p} off`,
    amountOff: (a) => `${a} off`,
    fixedSave: (a) => `Save ${a}`,
    multibuyTotal: (q, total) => `${q} for ${total}`,
    multibuyShare: (q, p, share) =>
      share === "100"
        ? `${englishOrdinal(q)} free`
        : share === "50"
          ? `${englishOrdinal(q)} at half price`
          : `${englishOrdinal(q)} at ${p} off`,
    member: (price) => `Member price ${price}`,
  },
  de: {
    percentOff: (p) => `${p} Rabatt`,
    amountOff: (a) => `${a} Rabatt`,
    fixedSave: (a) => `Sie sparen ${a}`,
    multibuyTotal: (q, total) => `${q} für ${total}`,
    multibuyShare: (q, p, share) =>
      share === "100" ? `${q}. gratis` : share === "50" ? `${q}. zum halben Preis` : `${q}. ${p} günstiger`,
    member: (price) => `Mitgliederpreis ${price}`,
  },
  fr: {
    percentOff: (p) => `-${p}`,
    amountOff: (a) => `-${a}`,
    fixedSave: (a) => `Économisez ${a}`,
    multibuyTotal: (q, total) => `${q} pour ${total}`,
    multibuyShare: (q, p, share) =>
      share === "100" ? `${q}e offert` : share === "50" ? `${q}e à moitié prix` : `${q}e à -${p}`,
    member: (price) => `Prix fidélité ${price}`,
  },
};

const phraseCache = new Map<string, Phrases>();
function phrasesFor(locale: string): Phrases {
  let p = phraseCache.get(locale);
  if (!p) {
    const language = locale.split(/[-_]/)[0]?.toLowerCase() ?? "en";
    p = PHRASES[language] ?? (PHRASES.en as Phrases);
    phraseCache.set(locale, p);
  }
  return p;
}

const percentFormats = new Map<string, Intl.NumberFormat>();
/** "12,5 %" in de-DE; the decimal string is formatted exactly (Intl.NumberFormat v3). */
export function formatPercent(percent: string, locale: string): string {
  let f = percentFormats.get(locale);
  if (!f) {
    f = new Intl.NumberFormat(locale, { style: "unit", unit: "percent", maximumFractionDigits: 6 });
    percentFormats.set(locale, f);
  }
  return f.format(percent as unknown as number);
}

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

export function offerText(detail: OfferDetail, priceMinor: number, currency: string, locale: string): string {
  const p = phrasesFor(locale);
  switch (detail.kind) {
    case "percent":
      return p.percentOff(formatPercent(detail.percent, locale));
    case "amount":
      return p.amountOff(moneyText(detail.offMinor, currency, locale));
    case "fixed":
      return p.fixedSave(moneyText(detail.saveMinor, currency, locale));
    case "multibuyTotal":
      return p.multibuyTotal(detail.quantity, moneyText(detail.totalMinor, currency, locale));
    case "multibuyShare":
      return p.multibuyShare(detail.quantity, formatPercent(detail.percent, locale), detail.percent);
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
  const saving = moneyText(figures.savingMinor, currency, locale);
  if (kind === "percent" && figures.percent !== undefined) {
    return p.percentOff(formatPercent(String(figures.percent), locale));
  }
  return kind === "amount" ? p.amountOff(saving) : p.fixedSave(saving);
}
