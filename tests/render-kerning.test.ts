import fc from "fast-check";
import * as fontkit from "fontkit";
import { describe, expect, it } from "vitest";
import { type FontWeight, fontFilePaths, labelFont } from "../display/render/font/fonts.ts";

/**
 * fontkit, a complete OpenType layout engine, as the oracle for our kerning: for the same font file
 * and the same glyphs (no ligatures: the label renderer draws one glyph per character), every glyph
 * must advance by the same amount.
 */
const NO_SUBSTITUTIONS = { liga: false, clig: false, calt: false, dlig: false } as unknown as string[];

const LATIN = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzÄÖÜäöüßÉÈÊéèêàâçÀÇŁłŚśŻżĆćŃńÓóĄąĘęñÑ";
const CYRILLIC = "АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдежзийклмнопрстуфхцчшщъыьэюя";
const GREEK = "ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩαβγδεζηθικλμνξοπρστυφχψω";
const COMMON = "0123456789.,:;-–—'’‘\"“”„«»‹›()/%€$£&!? ";
/** Where kerning lives in more than one lookup (GPOS 'kern' of DFLT and of the letter's script). */
const QUOTES = "'’‘\"“”„«»‹›";

const fonts = new Map<FontWeight, fontkit.Font>();
function oracle(weight: FontWeight): fontkit.Font {
  let f = fonts.get(weight);
  if (!f) {
    f = fontkit.openSync(fontFilePaths()[weight]) as fontkit.Font;
    fonts.set(weight, f);
  }
  return f;
}

/** Each glyph's advance including the kerning after it, font units: ours and fontkit's. */
function advances(weight: FontWeight, text: string) {
  const shaped = labelFont(weight).shape(text);
  const ours = Array.from(shaped.glyphs, (_, i) => (shaped.xs[i + 1] ?? shaped.width) - (shaped.xs[i] ?? 0));
  const run = oracle(weight).layout(text, NO_SUBSTITUTIONS);
  return {
    glyphs: [Array.from(shaped.glyphs), run.glyphs.map((g) => g.id)],
    advances: [ours, run.positions.map((p) => p.xAdvance)],
  };
}

/** Texts whose glyphs or advances differ from fontkit's, with both (empty when all agree). */
function differences(weight: FontWeight, texts: Iterable<string>): string[] {
  const out: string[] = [];
  for (const text of texts) {
    const { glyphs, advances: adv } = advances(weight, text);
    const [ours, theirs] = [JSON.stringify(glyphs[0]), JSON.stringify(glyphs[1])];
    if (ours !== theirs) out.push(`${JSON.stringify(text)} glyphs ${ours} vs ${theirs}`);
    else if (JSON.stringify(adv[0]) !== JSON.stringify(adv[1]))
      out.push(
        `${JSON.stringify(text)} advances ${JSON.stringify(adv[0])} vs fontkit ${JSON.stringify(adv[1])}`,
      );
  }
  return out;
}

function expectSameAsFontkit(weight: FontWeight, ...texts: string[]) {
  expect(differences(weight, texts)).toEqual([]);
}

describe.each(["regular", "bold"] as const)("kerning of the %s label font against fontkit", (weight) => {
  it("every pair that starts or ends with a quote or an apostrophe, in Latin, Cyrillic and Greek", () => {
    const pairs: string[] = [];
    for (const letters of [LATIN, CYRILLIC, GREEK])
      for (const q of QUOTES) for (const ch of letters + COMMON) pairs.push(q + ch, ch + q);
    expect(pairs.length).toBeGreaterThan(6000);
    expect(differences(weight, pairs)).toEqual([]);
  });

  it("the pairs that were wrong when lookups of every script were mixed and the first one won", () => {
    expectSameAsFontkit(
      weight,
      "'A",
      "’A",
      "‘A",
      "’s",
      '"A',
      "L’Oréal",
      "l'été",
      "d’Italia",
      "„Bio“",
      "«Ёлка»",
    );
  });

  it("label texts: names, prices, unit prices, promotions", () => {
    expectSameAsFontkit(
      weight,
      "Arabica Kaffee 500 g",
      "1,29 €",
      "2,49 € / kg",
      "-20 %",
      "Niedrigster Preis der letzten 30 Tage: 3,19 €",
      "Prix le plus bas des 30 derniers jours",
      "3 für 2",
      "Nur für Mitglieder",
      "Кофе молотый 250 г",
      "Ελληνικός καφές",
      "AVANTI Tee, Waldfrüchte",
      "12345",
    );
  });

  it("random single-script strings", () => {
    for (const letters of [LATIN, CYRILLIC, GREEK]) {
      const alphabet = [...letters, ...COMMON];
      fc.assert(
        fc.property(fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 16 }), (chars) => {
          expectSameAsFontkit(weight, chars.join(""));
        }),
        { numRuns: 300, seed: 13 },
      );
    }
  });

  it("text in two scripts is two runs: each kerned as its script, not kerned across", () => {
    // The apostrophe belongs to the Cyrillic run; ’A would be kerned in one run.
    const [shaped, oneRun] = advances(weight, "Кофе ’Arabica").advances;
    const [, cyrillic = []] = advances(weight, "Кофе ’").advances;
    const [, latin = []] = advances(weight, "Arabica").advances;
    expect(shaped).toEqual([...cyrillic, ...latin]);
    expect(shaped).not.toEqual(oneRun);
  });
});
