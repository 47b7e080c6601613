import { fill } from "../../../i18n/catalogue.ts";
import { languageFor } from "../../../i18n/locale.ts";
import en, { type Messages } from "./en.ts";

export type { Messages };

/**
 * The console's words, one catalogue per language, a language is a file (`xx.ts` with exactly the
 * keys of en.ts: `satisfies Messages`, and tests/console-i18n.test.ts checks that no key is missing).
 * The languages are the labels' (display/i18n) and the store's language is chosen by the labels'
 * own rule (display/i18n/locale.ts). English ships with the first page; the store's language is
 * fetched before the first draw (a few kB), so no page ever mixes languages.
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

/** The words in use: English until `chooseLocale` has loaded the store's. */
export let msg: Messages = en;
let currentLocale = "en";

/** The store's locale (SHELFSYNC_LOCALE, as the controller wrote it into index.html). */
export const locale = () => currentLocale;

/** Use the catalogue of `tag`'s language, English where there is none (as the labels do). */
export async function chooseLocale(tag: string): Promise<void> {
  currentLocale = tag || "en";
  const language = languageFor(currentLocale, CONSOLE_LANGUAGES);
  const load = CATALOGUES[language];
  msg = load ? (await load()).default : en;
  document.documentElement.lang = language;
}

/** Fill `{name}` placeholders (the labels' helper). */
export { fill };
