import { type Catalogue, fill, formatPercent, ordinal } from "./catalogue.ts";
import { catalogueFor } from "./catalogues.ts";

/**
 * Promotion texts from a catalogue, the one place their phrasing is chosen. Money arrives formatted
 * (the caller formats it for the store's locale); percentages are formatted here. The pricing
 * engine writes `promo.text` with these, so labels, screens and the API all say the same.
 */
export const promoTexts = (locale: string, catalogue: Catalogue = catalogueFor(locale)) => {
  const words = catalogue.promo;
  return {
    /** A reduction's percentage (the claim's: whole percent, measured from the prior price). */
    percentOff: (percent: number | string) =>
      fill(words.percentOff, { percent: formatPercent(percent, locale) }),
    amountOff: (amount: string) => fill(words.amountOff, { amount }),
    save: (amount: string) => fill(words.save, { amount }),
    multibuyTotal: (quantity: number, total: string) => fill(words.multibuyTotal, { quantity, total }),
    /** `share` off the `quantity`-th item, a decimal percentage string ("50", "100", "30"). */
    multibuyShare: (quantity: number, share: string) => {
      const nth = ordinal(quantity, catalogue, locale);
      if (share === "100") return fill(words.multibuyFree, { ordinal: nth });
      if (share === "50") return fill(words.multibuyHalf, { ordinal: nth });
      return fill(words.multibuyShare, { ordinal: nth, percent: formatPercent(share, locale) });
    },
    member: (price: string) => fill(words.member, { price }),
  };
};
export type PromoTexts = ReturnType<typeof promoTexts>;
