import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import en from "../display/console/src/i18n/en.ts";
import { fromPackageRoot } from "../lib/paths.ts";

const keys = (o: object, prefix = ""): string[] =>
  Object.entries(o).flatMap(([k, v]) =>
    v && typeof v === "object" ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`],
  );

/** The console's words: a language is a file, with every key of en.ts and placeholders kept. */
describe("console message catalogues", () => {
  const dir = fromPackageRoot("display", "console", "src", "i18n");
  const files = readdirSync(dir).filter((f) => /^[a-z]{2}\.ts$/.test(f));

  it("has the store languages of the label catalogues", () => {
    expect(files.map((f) => f.slice(0, 2)).sort()).toEqual(["de", "en", "es", "fr", "it", "nl", "pl"]);
  });

  it.each(files.filter((f) => f !== "en.ts"))(
    "%s has every key and keeps every placeholder",
    async (file) => {
      const m = (await import(`${dir}/${file}`)).default;
      expect(m.language).toBe(file.slice(0, 2));
      expect(keys(m).sort()).toEqual(keys(en).sort());
      const at = (o: unknown, path: string) => path.split(".").reduce((x: any, k) => x?.[k], o);
      for (const k of keys(en)) {
        const holes = (s: string) => [...String(s).matchAll(/\{(\w+)\}/g)].map((x) => x[1]).sort();
        expect(holes(at(m, k)), `${file} ${k}`).toEqual(holes(at(en, k)));
      }
    },
  );
});
