import { currencyExponent } from "./currency.ts";
import { excerpt } from "./excerpt.ts";

/**
 * Money is integer minor units plus an ISO 4217 code. Conversions here go through strings and
 * integer arithmetic only: no float ever holds an amount.
 */
export interface Money {
  amountMinor: number;
  currency: string;
}

export class MoneyError extends Error {}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * Parse a decimal string ("2.49", "1250", "0.5") into integer minor units for `currency`.
 * Rejects more fraction digits than the currency has (no silent rounding), exponents, commas,
 * and amounts that would not stay a safe integer.
 */
export function parseDecimalToMinor(text: string, currency: string): number {
  const exponent = currencyExponent(currency);
  if (exponent === undefined) throw new MoneyError(`unknown ISO 4217 currency "${excerpt(currency)}"`);
  const fast = plainDecimalToMinor(text, exponent);
  if (fast !== undefined) return fast;
  const m = DECIMAL.exec(text.trim());
  if (!m) throw new MoneyError(`"${excerpt(text)}" is not a decimal amount like "2.49"`);
  const [, sign, whole = "", fraction = ""] = m;
  if (fraction.length > exponent) {
    throw new MoneyError(
      `"${excerpt(text)}" has ${fraction.length} decimal places; ${currency} allows ${exponent === 0 ? "none" : exponent}`,
    );
  }
  const digits = (whole + fraction.padEnd(exponent, "0")).replace(/^0+(?=\d)/, "");
  const minor = Number(digits);
  if (!Number.isSafeInteger(minor)) throw new MoneyError(`"${excerpt(text)}" is too large`);
  return sign && minor !== 0 ? -minor : minor;
}

/** Powers of ten for the fraction digits a currency has and a price left out ("2.5" EUR → ×10). */
const POW10 = [1, 10, 100, 1_000, 10_000];

/**
 * The common case of parseDecimalToMinor in one pass over the characters, for a feed's hot path:
 * digits, at most one point with 1 to `exponent` digits after it, an optional leading minus, at most
 * 15 characters (so the result is a safe integer). Anything else (spaces, too many decimals, no
 * digit after the point…) is undefined, and the regular expression above decides and explains it.
 */
function plainDecimalToMinor(text: string, exponent: number): number | undefined {
  return plainDecimalToMinorIn(text, 0, text.length, exponent);
}

/**
 * plainDecimalToMinor over `text.slice(start, end)` without making the slice: the CSV price path reads
 * a price cell where it stands in the body's text (controller/feeds/price-csv.ts).
 */
export function plainDecimalToMinorIn(
  text: string,
  start: number,
  end: number,
  exponent: number,
): number | undefined {
  const n = end - start;
  if (n <= 0 || n > 15) return undefined;
  const negative = text.charCodeAt(start) === 45; // "-"
  let i = negative ? start + 1 : start;
  if (i === end) return undefined;
  let minor = 0;
  let wholeDigits = 0;
  for (; i < end; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    minor = minor * 10 + c;
    wholeDigits++;
  }
  if (wholeDigits === 0) return undefined;
  let fractionDigits = 0;
  if (i < end) {
    if (text.charCodeAt(i) !== 46) return undefined; // "."
    for (i++; i < end; i++) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return undefined;
      minor = minor * 10 + c;
      fractionDigits++;
    }
    if (fractionDigits === 0 || fractionDigits > exponent) return undefined;
  }
  const scale = POW10[exponent - fractionDigits];
  if (scale === undefined) return undefined;
  minor *= scale;
  if (!Number.isSafeInteger(minor)) return undefined;
  return negative && minor !== 0 ? -minor : minor;
}

/** Integer minor units back to a plain decimal string: 249 EUR → "2.49", 5 KWD → "0.005". */
export function minorToDecimalString(amountMinor: number, currency: string): string {
  if (!Number.isSafeInteger(amountMinor)) throw new MoneyError(`${amountMinor} is not an integer amount`);
  const exponent = currencyExponent(currency);
  if (exponent === undefined) throw new MoneyError(`unknown ISO 4217 currency "${excerpt(currency)}"`);
  const negative = amountMinor < 0;
  const digits = String(Math.abs(amountMinor)).padStart(exponent + 1, "0");
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  return (negative ? "-" : "") + (exponent === 0 ? whole : `${whole}.${fraction}`);
}

const formatters = new Map<string, Intl.NumberFormat>();

/**
 * Format for a locale ("2,49 €" in de-DE). Intl.NumberFormat takes the decimal as a string, which
 * it formats exactly (Intl.NumberFormat v3), so no float is involved here either.
 */
export function formatMoney(amountMinor: number, currency: string, locale: string): string {
  const key = `${locale}|${currency}`;
  let f = formatters.get(key);
  if (!f) {
    const exponent = currencyExponent(currency) ?? 2;
    f = new Intl.NumberFormat(locale, {
      style: "currency",
      currency,
      minimumFractionDigits: exponent,
      maximumFractionDigits: exponent,
    });
    formatters.set(key, f);
  }
  // The string overload is exact; TypeScript's lib still types format() as number | bigint.
  return f.format(minorToDecimalString(amountMinor, currency) as unknown as number);
}
