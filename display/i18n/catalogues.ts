import type { Catalogue } from "./catalogue.ts";
import de from "./de.ts";
import en from "./en.ts";
import es from "./es.ts";
import fr from "./fr.ts";
import it from "./it.ts";
import { languageFor, languageOf } from "./locale.ts";
import nl from "./nl.ts";
import pl from "./pl.ts";

/**
 * The message catalogues, by language. A language is a file: add `xx.ts` with the same keys (the
 * type and tests/i18n.test.ts check them) and list it here.
 */
export const CATALOGUES: Readonly<Record<string, Catalogue>> = Object.freeze({ de, en, es, fr, it, nl, pl });
export const LANGUAGES = Object.keys(CATALOGUES);

/** Whether labels can be written in this locale's language. */
export const hasCatalogue = (locale: string): boolean => languageOf(locale) in CATALOGUES;

/** The catalogue of a locale's language; English for a language without one (config refuses those). */
export function catalogueFor(locale: string | undefined): Catalogue {
  return CATALOGUES[languageFor(locale, LANGUAGES)] ?? en;
}
