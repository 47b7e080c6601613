import { describe, expect, it } from "vitest";
import {
  CATALOGUES,
  type Catalogue,
  catalogueFor,
  LANGUAGES,
  lastDayText,
  promoTexts,
} from "../display/i18n/index.ts";
import { chooseLayout, LAYOUT_KINDS, labelTextLines } from "../display/labels/layout.ts";
import { PANEL_CATALOGUE } from "../display/labels/panels.ts";
import { SAMPLE_LOCALES, SAMPLE_SCENARIOS, samplesFor } from "../display/labels/samples.ts";
import { labelSvg } from "../display/render/render-label.ts";

/** Every leaf of a catalogue as [path, value]: the shared key set the console will reuse too. */
function leaves(c: Catalogue): [string, string][] {
  const out: [string, string][] = [];
  const walk = (node: unknown, path: string) => {
    if (typeof node === "string") out.push([path, node]);
    else for (const [k, v] of Object.entries(node as object)) walk(v, path ? `${path}.${k}` : k);
  };
  walk(c, "");
  return out;
}
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const en = CATALOGUES.en as Catalogue;
const keysOf = (c: Catalogue) =>
  leaves(c)
    .map(([k]) => k)
    .filter((k) => !k.startsWith("ordinal."))
    .sort();

describe("message catalogues: a language is a file with the shared key set", () => {
  it("has at least de, fr, it, pl, nl, es and en", () => {
    expect(LANGUAGES).toEqual(expect.arrayContaining(["de", "fr", "it", "pl", "nl", "es", "en"]));
  });

  it.each(LANGUAGES)(
    "%s has every key of en, no other, each a non-empty text with en's placeholders",
    (lang) => {
      const c = CATALOGUES[lang] as Catalogue;
      expect(c.language).toBe(lang);
      expect(keysOf(c)).toEqual(keysOf(en));
      const enValues = new Map(leaves(en));
      for (const [key, value] of leaves(c)) {
        expect(value.trim(), key).not.toBe("");
        if (key.startsWith("ordinal.")) {
          expect(value, key).toContain("{n}");
          continue;
        }
        if (key === "language") continue;
        expect(placeholders(value), `${lang} ${key}`).toEqual(placeholders(enValues.get(key) ?? ""));
      }
      expect(c.ordinal.other).toContain("{n}");
    },
  );

  it("picks the catalogue by the locale's language, English for one without", () => {
    expect(catalogueFor("de-AT").language).toBe("de");
    expect(catalogueFor("fr_CA").language).toBe("fr");
    expect(catalogueFor("ja-JP").language).toBe("en");
    expect(catalogueFor(undefined).language).toBe("en");
  });
});

describe("dates: the last day of a promotion, in store time and the locale's short form", () => {
  // The controller writes a promotion's end (exclusive) in store time with its offset.
  const endOfSaturday = "2026-12-06T00:00:00+01:00"; // the promotion runs until the end of 5 December
  it.each([
    ["de-DE", "05.12."],
    ["fr-FR", "05/12"],
    ["it-IT", "05/12"],
    ["pl-PL", "05.12"],
    ["nl-NL", "05-12"],
    ["es-ES", "5/12"],
    ["en-GB", "05/12"],
  ])("%s: %s", (locale, text) => {
    expect(lastDayText(endOfSaturday, locale)).toBe(text);
  });

  it("reads the date in the offset the text carries, not in UTC, and an end during a day is that day", () => {
    // 00:30 on 7 December in Berlin is still 6 December in UTC: the shelf says the 6th (the last day).
    expect(lastDayText("2026-12-07T00:30:00+01:00", "de-DE")).toBe("07.12.");
    expect(lastDayText("2026-12-07T00:00:00+01:00", "de-DE")).toBe("06.12.");
    // Summer time: midnight at +02:00.
    expect(lastDayText("2026-07-01T00:00:00+02:00", "fr-FR")).toBe("30/06");
    expect(lastDayText("not a date", "de-DE")).toBeUndefined();
  });

  it("prints it with the catalogue's wording on a label", () => {
    const sample = samplesFor("fr-FR").reduction;
    const { layout } = labelSvg(sample, { width: 400, height: 300, colors: "bwr" });
    expect(labelTextLines(layout)).toContain("jusqu'au 30/06");
  });
});

/**
 * Words the en catalogue shares with another language's own vocabulary, spelled the same: French
 * "stock" (rupture de stock) and "litre", Italian "non" and "per", Dutch "per". Kept short and
 * explicit, so an English word that slips into a catalogue or a layout is still caught.
 */
const SHARED: Record<string, string[]> = { fr: ["stock", "litre"], it: ["non", "per"], nl: ["per"] };

/** English words of the en catalogue (three letters or more, placeholders left out), for `lang`. */
function englishWordsFor(lang: string): Set<string> {
  const words = leaves(en)
    .filter(([k]) => k !== "language")
    .flatMap(
      ([, v]) =>
        v
          .replace(/\{\w+\}/g, " ")
          .toLowerCase()
          .match(/\p{L}{3,}/gu) ?? [],
    );
  const shared = new Set(SHARED[lang] ?? []);
  return new Set(words.filter((w) => !shared.has(w)));
}

describe("the store's language: no English on a label of another language", () => {
  const panels = PANEL_CATALOGUE.filter((p) => ["1.54in", "2.9in", "7.5in"].includes(p.id));
  it.each(SAMPLE_LOCALES.filter((l) => !l.startsWith("en")))("%s: every layout, every word", (locale) => {
    const english = englishWordsFor(locale.split("-")[0] as string);
    const kinds = new Set<string>();
    for (const scenario of SAMPLE_SCENARIOS) {
      const content = samplesFor(locale)[scenario];
      kinds.add(chooseLayout(content));
      for (const panel of panels) {
        const { svg, layout } = labelSvg(content, {
          width: panel.width,
          height: panel.height,
          colors: "bwr",
        });
        // The SVG carries its words as text (title and desc) beside the glyph outlines it draws.
        const text = [...svg.matchAll(/<(title|desc)>([^<]*)<\/\1>/g)].map((m) => m[2]).join("\n");
        expect(text).toContain(labelTextLines(layout)[0]);
        const leaked = (text.toLowerCase().match(/\p{L}{3,}/gu) ?? []).filter((w) => english.has(w));
        expect(leaked, `${locale} ${scenario} ${panel.id}: ${text}`).toEqual([]);
      }
    }
    expect([...kinds].sort()).toEqual([...LAYOUT_KINDS].sort());
  });

  it("would catch an English word: the check is not vacuous", () => {
    const english = englishWordsFor("de");
    expect(english.has("lowest")).toBe(true);
    expect(english.has("until")).toBe(true);
    expect(english.has("member")).toBe(true);
    const content = { ...samplesFor("de-DE").reduction, locale: "en-GB" };
    const { layout } = labelSvg(content, { width: 296, height: 128, colors: "bwr" });
    expect(labelTextLines(layout).join(" ").toLowerCase()).toContain("lowest price");
  });

  it("writes promotion texts from the same catalogue for every language", () => {
    const texts = (locale: string) => {
      const t = promoTexts(locale);
      return [
        t.percentOff(20),
        t.save("1,50 €"),
        t.multibuyShare(2, "50"),
        t.multibuyShare(3, "100"),
        t.member("3,29 €"),
      ];
    };
    expect(texts("de-DE")).toEqual([
      "20\u00a0% Rabatt",
      "Sie sparen 1,50 €",
      "2. zum halben Preis",
      "3. gratis",
      "Mitgliederpreis 3,29 €",
    ]);
    expect(texts("nl-NL")).toEqual([
      "20% korting",
      "Bespaar 1,50 €",
      "2e halve prijs",
      "3e gratis",
      "Ledenprijs 3,29 €",
    ]);
    expect(texts("en-GB")[2]).toBe("2nd at half price");
    expect(texts("pl-PL")[3]).toBe("3. produkt gratis");
  });
});

describe("what the struck price is captioned with", () => {
  const panel = { width: 400, height: 300, colors: "bwr" } as const;
  const lines = (c: Parameters<typeof labelSvg>[0]) => labelTextLines(labelSvg(c, panel).layout);

  it("the prior price, over the look-back the content names", () => {
    const c = { ...samplesFor("pl-PL").reduction, referenceDays: 45 };
    expect(lines(c)).toContain("Najniższa cena z 45 dni przed obniżką");
  });

  it("the perishable-goods reason when the reduction is exempt (art. 6a(3)), and no prior-price line", () => {
    const { referencePrice: _r, referenceDays: _d, ...sample } = samplesFor("de-DE").reduction;
    const c = { ...sample, promo: { ...sample.promo!, basis: "perishable" as const } };
    const text = lines(c);
    expect(text).toContain("Reduziert wegen kurzer Haltbarkeit");
    expect(text.join(" ")).not.toContain("Niedrigster");
  });

  it("no caption and no badge without a claim: a struck price is only ever the one a claim names", () => {
    const { regularPrice: _p, referencePrice: _r, promo: _promo, ...plain } = samplesFor("it-IT").reduction;
    const text = lines(plain);
    expect(text.join(" ")).not.toMatch(/%|Prezzo più basso|Offerta/);
  });
});
