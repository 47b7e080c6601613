import type { UnitBase } from "../../schemas/common.ts";

/**
 * Every fixed word a shopper reads on a label or a screen, one catalogue per language, one file per
 * language (display/i18n/<language>.ts), all with exactly this key set (a test checks it). Plain
 * strings with `{name}` placeholders, so a catalogue is data: it travels to render workers, into cache
 * keys and, later, to the console in the browser as it is. Money and percentages arrive formatted for
 * the store's full locale (Intl); dates are formatted here, in the locale's short form.
 *
 * Wording follows what shops in each market print (and, for the prior price, what the national
 * transpositions of Directive 98/6/EC art. 6a made customary).
 */
export interface Catalogue {
  /** BCP 47 language subtag the file is for ("de"). */
  language: string;
  label: {
    /** Band of a reduction without a wording of its own. */
    sale: string;
    /** Caption under the struck prior price (art. 6a): `{days}`. */
    priorPrice: string;
    /** The prior price on a line of its own: `{days}`, `{price}`. */
    priorPriceWithAmount: string;
    /** Why a perishable product's reduction is measured from its regular price (art. 6a(3)). */
    perishable: string;
    /** Band of a member-price label. */
    memberPrice: string;
    /** The public price beside a member price: `{price}`. */
    nonMemberPrice: string;
    /** The single-item price beside a multi-buy: `{price}`. */
    singlePrice: string;
    outOfStock: string;
    lowStock: string;
    /** Last day of a promotion: `{date}` (the locale's short date, e.g. 06.12.). */
    validUntil: string;
    /** The reduction badge: `{percent}` (formatted, e.g. "20 %"). */
    percentBadge: string;
    /** The unit price line: `{price}`, `{base}` (one of `unitBases`). */
    unitPrice: string;
  };
  /** What a unit price is per, as the unit price line reads it. */
  unitBases: Record<UnitBase, string>;
  /** Promotion texts (the controller writes them into `promo.text`). */
  promo: {
    /** `{percent}` formatted, e.g. "20 %". */
    percentOff: string;
    /** `{amount}` formatted money. */
    amountOff: string;
    /** `{amount}` formatted money. */
    save: string;
    /** `{quantity}` items for `{total}`. */
    multibuyTotal: string;
    /** `{ordinal}`: the last item of the deal, e.g. "3rd". */
    multibuyFree: string;
    multibuyHalf: string;
    /** `{ordinal}`, `{percent}` off it. */
    multibuyShare: string;
    /** `{price}` formatted money. */
    member: string;
  };
  /** Ordinal numbers by the locale's ordinal plural category (Intl.PluralRules); `{n}`. */
  ordinal: { other: string } & Partial<Record<Intl.LDMLPluralRule, string>>;
}

/** Fill `{name}` placeholders; unknown names are left as they are (a test catches them). */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    key in values ? String(values[key]) : whole,
  );
}

const ordinalRules = new Map<string, Intl.PluralRules>();
/** "3rd", "3.", "3e", "3ª": the ordinal of `n` in the catalogue's wording for the locale's rules. */
export function ordinal(n: number, catalogue: Catalogue, locale: string): string {
  let rules = ordinalRules.get(locale);
  if (!rules) {
    rules = new Intl.PluralRules(locale, { type: "ordinal" });
    ordinalRules.set(locale, rules);
  }
  return fill(catalogue.ordinal[rules.select(n)] ?? catalogue.ordinal.other, { n });
}

const percentFormats = new Map<string, Intl.NumberFormat>();
/** "12 %" in de-DE, "12%" in en-GB; a decimal string is formatted exactly (Intl.NumberFormat v3). */
export function formatPercent(percent: string | number, locale: string): string {
  let f = percentFormats.get(locale);
  if (!f) {
    f = new Intl.NumberFormat(locale, { style: "unit", unit: "percent", maximumFractionDigits: 6 });
    percentFormats.set(locale, f);
  }
  return f.format(percent as unknown as number);
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:Z|[+-]\d{2}:?\d{2})$/;
const dateFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * The last day of a window ending at `end` (ISO 8601, exclusive), in the locale's short day-month
 * form: "06.12." (de), "06/12" (fr, it, es, en-GB), "06.12" (pl), "06-12" (nl). The date is read in
 * the offset the string carries (the controller writes store time), so no time zone database is
 * needed to draw it. An end at midnight is the end of the day before: a promotion "until Sunday"
 * ends at 00:00 on Monday.
 */
export function lastDayText(end: string, locale: string): string | undefined {
  const m = ISO.exec(end);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = "0", frac = "0"] = m;
  let day = Date.UTC(Number(y), Number(mo) - 1, Number(d));
  if (Number(h) === 0 && Number(mi) === 0 && Number(s) === 0 && Number(frac) === 0) day -= 86_400_000;
  let f = dateFormats.get(locale);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { day: "2-digit", month: "2-digit", timeZone: "UTC" });
    dateFormats.set(locale, f);
  }
  return f.format(new Date(day));
}
