/**
 * Label and screen words per language (display/i18n): one catalogue file per language, the registry,
 * and the helpers that fill them (dates, percentages, ordinals, promotion texts).
 */
export { type Catalogue, fill, formatPercent, lastDayText, ordinal } from "./catalogue.ts";
export { CATALOGUES, catalogueFor, hasCatalogue, LANGUAGES } from "./catalogues.ts";
export { languageFor, languageOf } from "./locale.ts";
export { type PromoTexts, promoTexts } from "./promo.ts";
