import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import en from "../display/console/src/i18n/en.ts";
import { CONSOLE_LANGUAGES } from "../display/console/src/i18n/index.ts";
import { catalogueFor, LANGUAGES, languageFor } from "../display/i18n/index.ts";
import { fromPackageRoot } from "../lib/paths.ts";

const keys = (o: object, prefix = ""): string[] =>
  Object.entries(o).flatMap(([k, v]) =>
    v && typeof v === "object" ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
const at = (o: unknown, path: string): unknown => path.split(".").reduce((x: any, k) => x?.[k], o);

/** The console's words: a language is a file, with every key of en.ts and placeholders kept. */
describe("console message catalogues", () => {
  const dir = fromPackageRoot("display", "console", "src", "i18n");
  const files = readdirSync(dir).filter((f) => /^[a-z]{2}\.ts$/.test(f));

  it("has a file for every label language, and the console loads each", () => {
    expect(files.map((f) => f.slice(0, 2)).sort()).toEqual([...LANGUAGES].sort());
    expect([...CONSOLE_LANGUAGES].sort()).toEqual([...LANGUAGES].sort());
  });

  it("picks the console's language with the labels' rule", () => {
    for (const locale of [
      "de-DE",
      "de-AT",
      "fr-BE",
      "nl-BE",
      "pl-PL",
      "it-CH",
      "es-ES",
      "en-GB",
      "pt-PT",
      "",
    ]) {
      expect(languageFor(locale, CONSOLE_LANGUAGES), locale).toBe(catalogueFor(locale).language);
    }
  });

  it.each(files.filter((f) => f !== "en.ts"))(
    "%s has every key itself (no English fallback), in its own words, keeping every placeholder",
    async (file) => {
      const m = (await import(`${dir}/${file}`)).default;
      expect(m.language).toBe(file.slice(0, 2));
      expect(keys(m).sort()).toEqual(keys(en).sort());
      const holes = (s: unknown) => [...String(s).matchAll(/\{(\w+)\}/g)].map((x) => x[1]).sort();
      let same = 0;
      for (const k of keys(en)) {
        const text = at(m, k);
        expect(typeof text === "string" && text.trim().length > 0, `${file} ${k} is empty`).toBe(true);
        expect(holes(text), `${file} ${k}`).toEqual(holes(at(en, k)));
        if (text === at(en, k)) same++;
      }
      // Words shared with English exist ("Live", "Tokens", "{id} → {name}"), but few.
      expect(same / keys(en).length, `${file}: ${same} strings left in English`).toBeLessThan(0.1);
    },
  );
});
