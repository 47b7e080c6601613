import en, { type Messages } from "./en.ts";

export type { Messages };

/**
 * The console's words, one catalogue per language, a language is a file (`xx.ts` with the same keys
 * as en.ts; the type checks them, tests/console-i18n.test.ts too). English ships with the first page;
 * the store's language is fetched before the first draw (a few kB), so no page ever mixes languages.
 */
const CATALOGUES: Record<string, () => Promise<{ default: Messages }>> = {
  de: () => import("./de.ts"),
  es: () => import("./es.ts"),
  fr: () => import("./fr.ts"),
  it: () => import("./it.ts"),
  nl: () => import("./nl.ts"),
  pl: () => import("./pl.ts"),
};
export const CONSOLE_LANGUAGES = ["en", ...Object.keys(CATALOGUES)];

/** The words in use: English until `useLocale` has loaded the store's. */
export let msg: Messages = en;
let currentLocale = "en";

/** The store's locale (SHELFSYNC_LOCALE, as the controller wrote it into index.html). */
export const locale = () => currentLocale;

/** The language subtag of a BCP 47 locale: "de-DE" → "de". */
export const languageOf = (tag: string): string => tag.split(/[-_]/)[0]?.toLowerCase() ?? "";

/** Use the catalogue of `tag`'s language, English where there is none. */
export async function chooseLocale(tag: string): Promise<void> {
  currentLocale = tag || "en";
  const load = CATALOGUES[languageOf(currentLocale)];
  msg = load ? (await load()).default : en;
  document.documentElement.lang = load ? languageOf(currentLocale) : "en";
}

/** Fill `{name}` placeholders. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    key in values ? String(values[key]) : whole,
  );
}
