/**
 * How a store's locale picks the language of its words: one rule for the labels (display/i18n) and
 * the console (display/console), so a store never shows its shelf in one language and its staff
 * screens in another. Dependency-free: the console bundles it.
 */

/** The language subtag of a BCP 47 locale: "de-DE" → "de". */
export const languageOf = (locale: string): string => locale.split(/[-_]/)[0]?.toLowerCase() ?? "";

/** The language a locale's words come in among `available`: its own, else English. */
export function languageFor(locale: string | undefined, available: readonly string[]): string {
  const language = locale ? languageOf(locale) : "";
  return available.includes(language) ? language : "en";
}
