import { createHash } from "node:crypto";
import { formatMoney } from "../../schemas/money.ts";
import type { LabelContent } from "../../schemas/mqtt.ts";
import { promoTexts } from "../i18n/index.ts";

/**
 * Sample label contents, one per layout (plus the unit-price line on its own), as the controller
 * would publish them for a store in a given locale: money formatted by Intl, promotion texts from the
 * locale's catalogue, a reduction measured from its prior price. The golden images, the docs gallery,
 * template previews and the benchmark all draw these; `SAMPLES` is the default store's (de-DE).
 */

function withHash(c: Omit<LabelContent, "contentHash" | "version" | "v">): LabelContent {
  const contentHash = createHash("sha256").update(JSON.stringify(c)).digest("hex").slice(0, 32);
  return { v: 1, version: 1, contentHash, ...c };
}

export const SAMPLE_SCENARIOS = [
  "regular",
  "unit-price",
  "reduction",
  "multibuy",
  "member",
  "out-of-stock",
] as const;
export type SampleScenario = (typeof SAMPLE_SCENARIOS)[number];

/** The locales the sample set is drawn in (the golden images cover each). */
export const SAMPLE_LOCALES = ["de-DE", "en-GB", "fr-FR", "it-IT", "pl-PL", "nl-NL", "es-ES"] as const;

/** Product names as a shop in each language would list them (product data, not label words). */
const NAMES: Record<string, Record<SampleScenario, string>> = {
  de: {
    regular: "Stabilo Boss Original Textmarker, gelb",
    "unit-price": "Arabica Kaffeebohnen, mittlere Röstung 500 g",
    reduction: "Natives Olivenöl extra 0,75 l",
    multibuy: "Joghurt griechischer Art 150 g",
    member: "Bergkäse, 12 Monate gereift, in Scheiben 200 g",
    "out-of-stock": "Grüner Tee Sencha, 20 Beutel",
  },
  en: {
    regular: "Stabilo Boss Original highlighter, yellow",
    "unit-price": "Arabica coffee beans, medium roast 500 g",
    reduction: "Extra virgin olive oil 0.75 l",
    multibuy: "Greek style yoghurt 150 g",
    member: "Mountain cheese, aged 12 months, sliced 200 g",
    "out-of-stock": "Green tea sencha, 20 bags",
  },
  fr: {
    regular: "Surligneur Stabilo Boss Original, jaune",
    "unit-price": "Café en grains arabica, torréfaction moyenne 500 g",
    reduction: "Huile d'olive vierge extra 0,75 l",
    multibuy: "Yaourt à la grecque 150 g",
    member: "Fromage de montagne affiné 12 mois, tranches 200 g",
    "out-of-stock": "Thé vert sencha, 20 sachets",
  },
  it: {
    regular: "Evidenziatore Stabilo Boss Original, giallo",
    "unit-price": "Caffè in grani arabica, tostatura media 500 g",
    reduction: "Olio extravergine di oliva 0,75 l",
    multibuy: "Yogurt greco 150 g",
    member: "Formaggio di montagna stagionato 12 mesi, a fette 200 g",
    "out-of-stock": "Tè verde sencha, 20 filtri",
  },
  pl: {
    regular: "Zakreślacz Stabilo Boss Original, żółty",
    "unit-price": "Kawa ziarnista arabica, średnio palona 500 g",
    reduction: "Oliwa z oliwek extra virgin 0,75 l",
    multibuy: "Jogurt typu greckiego 150 g",
    member: "Ser górski dojrzewający 12 miesięcy, plastry 200 g",
    "out-of-stock": "Herbata zielona sencha, 20 torebek",
  },
  nl: {
    regular: "Stabilo Boss Original markeerstift, geel",
    "unit-price": "Arabica koffiebonen, medium branding 500 g",
    reduction: "Extra vierge olijfolie 0,75 l",
    multibuy: "Griekse yoghurt 150 g",
    member: "Bergkaas, 12 maanden gerijpt, plakken 200 g",
    "out-of-stock": "Groene thee sencha, 20 zakjes",
  },
  es: {
    regular: "Subrayador Stabilo Boss Original, amarillo",
    "unit-price": "Café en grano arábica, tueste medio 500 g",
    reduction: "Aceite de oliva virgen extra 0,75 l",
    multibuy: "Yogur estilo griego 150 g",
    member: "Queso de montaña curado 12 meses, en lonchas 200 g",
    "out-of-stock": "Té verde sencha, 20 bolsitas",
  },
};

/** The sample set as a store in `locale` would show it. */
export function samplesFor(locale: string): Record<SampleScenario, LabelContent> {
  const money = (amountMinor: number) => ({
    amountMinor,
    currency: "EUR",
    text: formatMoney(amountMinor, "EUR", locale),
  });
  const names = NAMES[locale.split("-")[0] ?? "en"] ?? NAMES.en!;
  const texts = promoTexts(locale);
  return {
    regular: withHash({
      labelId: "L-0001",
      sku: "4006381",
      gtin: "4006381333931",
      name: names.regular,
      brand: "Stabilo",
      price: money(179),
      stock: "in_stock",
      locale,
    }),
    "unit-price": withHash({
      labelId: "L-0002",
      sku: "COF-500",
      gtin: "4012345678901",
      name: names["unit-price"],
      brand: "Bergkaffee",
      url: "https://shop.example.com/p/COF-500",
      price: money(749),
      stock: "in_stock",
      locale,
      unitPrice: { ...money(1498), per: "kg" },
    }),
    // 1.50 off: measured from the prior price 7.49 (the lowest of the 30 days before), 20 %.
    reduction: withHash({
      labelId: "L-0003",
      sku: "OLV-750",
      gtin: "8001234567897",
      name: names.reduction,
      brand: "Oliveto",
      price: money(599),
      stock: "in_stock",
      locale,
      regularPrice: money(749),
      referencePrice: money(749),
      referenceDays: 30,
      unitPrice: { ...money(799), per: "l" },
      promo: {
        promotionId: "P-100",
        kind: "amount",
        text: texts.amountOff(money(150).text),
        percent: 20,
        basis: "prior",
        validUntil: "2025-07-01T00:00:00+02:00",
      },
    }),
    multibuy: withHash({
      labelId: "L-0004",
      sku: "YOG-150",
      gtin: "4001234567891",
      name: names.multibuy,
      brand: "Alpenmilch",
      price: money(89),
      stock: "low",
      locale,
      unitPrice: { ...money(593), per: "kg" },
      promo: { promotionId: "P-200", kind: "multibuy", text: texts.multibuyTotal(3, money(200).text) },
    }),
    member: withHash({
      labelId: "L-0005",
      sku: "CHS-200",
      gtin: "4009876543211",
      name: names.member,
      brand: "Hofkäserei",
      price: money(399),
      stock: "in_stock",
      locale,
      unitPrice: { ...money(1995), per: "kg" },
      promo: { promotionId: "P-300", kind: "member", text: texts.member(money(329).text) },
      memberPrice: money(329),
    }),
    "out-of-stock": withHash({
      labelId: "L-0006",
      sku: "TEA-020",
      url: "https://shop.example.com/p/TEA-020",
      name: names["out-of-stock"],
      brand: "Teahouse",
      price: money(299),
      stock: "out",
      locale,
      unitPrice: { ...money(8543), per: "kg" },
    }),
  };
}

/** The default store's samples (de-DE, SHELFSYNC_LOCALE's default). */
export const SAMPLES: Record<SampleScenario, LabelContent> = samplesFor("de-DE");

/** A label meant to break layouts: a very long name, a long promotion text and a six-digit price. */
export const STRESS_SAMPLE: LabelContent = withHash({
  labelId: "L-9999",
  sku: "TV-OLED-98",
  gtin: "4006381333931",
  name: "Ultrabreiter OLED-Fernseher mit außergewöhnlich langem Werbenamen, 98 Zoll, entspiegelt, inklusive Wandhalterung",
  brand: "Vision Systems International",
  price: { amountMinor: 99_999_999, currency: "EUR", text: formatMoney(99_999_999, "EUR", "de-DE") },
  stock: "low",
  locale: "de-DE",
  regularPrice: { amountMinor: 129_999_999, currency: "EUR", text: formatMoney(129_999_999, "EUR", "de-DE") },
  referencePrice: {
    amountMinor: 129_999_999,
    currency: "EUR",
    text: formatMoney(129_999_999, "EUR", "de-DE"),
  },
  referenceDays: 30,
  unitPrice: {
    amountMinor: 99_999_999,
    currency: "EUR",
    text: formatMoney(99_999_999, "EUR", "de-DE"),
    per: "piece",
  },
  promo: {
    promotionId: "P-999",
    kind: "amount",
    text: "Räumungsverkauf, nur solange der Vorrat reicht",
    percent: 23,
    basis: "prior",
  },
});
