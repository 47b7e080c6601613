import { createHash } from "node:crypto";
import type { LabelContent } from "../../schemas/mqtt.ts";

/**
 * Sample label contents, one per layout (plus the unit-price line on its own). The golden images,
 * the docs gallery, template previews and the benchmark all draw these.
 */

const eur = (amountMinor: number) => {
  const whole = Math.floor(amountMinor / 100);
  const cents = String(amountMinor % 100).padStart(2, "0");
  const grouped = String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f");
  return { amountMinor, currency: "EUR", text: `${grouped},${cents}\u00a0€` };
};

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

export const SAMPLES: Record<SampleScenario, LabelContent> = {
  regular: withHash({
    labelId: "L-0001",
    sku: "4006381",
    gtin: "4006381333931",
    name: "Stabilo Boss Original highlighter, yellow",
    brand: "Stabilo",
    price: eur(179),
    stock: "in_stock",
  }),
  "unit-price": withHash({
    labelId: "L-0002",
    sku: "COF-500",
    gtin: "4012345678901",
    name: "Arabica coffee beans, medium roast 500 g",
    brand: "Bergkaffee",
    url: "https://shop.example.com/p/COF-500",
    price: eur(749),
    unitPrice: { ...eur(1498), per: "kg" },
    stock: "in_stock",
  }),
  reduction: withHash({
    labelId: "L-0003",
    sku: "OLV-750",
    gtin: "8001234567897",
    name: "Extra virgin olive oil 0.75 l",
    brand: "Oliveto",
    price: eur(599),
    regularPrice: eur(799),
    referencePrice: eur(749),
    unitPrice: { ...eur(799), per: "l" },
    promo: {
      promotionId: "P-100",
      kind: "amount",
      text: "Weekly deal",
      percent: 25,
      validUntil: "2025-06-30T21:59:59Z",
    },
    stock: "in_stock",
  }),
  multibuy: withHash({
    labelId: "L-0004",
    sku: "YOG-150",
    gtin: "4001234567891",
    name: "Greek style yoghurt 150 g",
    brand: "Alpenmilch",
    price: eur(89),
    unitPrice: { ...eur(593), per: "kg" },
    promo: { promotionId: "P-200", kind: "multibuy", text: "3 for 2,00 €" },
    stock: "low",
  }),
  member: withHash({
    labelId: "L-0005",
    sku: "CHS-200",
    gtin: "4009876543211",
    name: "Mountain cheese, aged 12 months, sliced 200 g",
    brand: "Hofkäserei",
    price: eur(399),
    memberPrice: eur(329),
    unitPrice: { ...eur(1995), per: "kg" },
    promo: { promotionId: "P-300", kind: "member", text: "Member price" },
    stock: "in_stock",
  }),
  "out-of-stock": withHash({
    labelId: "L-0006",
    sku: "TEA-020",
    url: "https://shop.example.com/p/TEA-020",
    name: "Green tea sencha, 20 bags",
    brand: "Teahouse",
    price: eur(299),
    unitPrice: { ...eur(8543), per: "kg" },
    stock: "out",
  }),
};

/** A label meant to break layouts: a very long name and a six-digit price. */
export const STRESS_SAMPLE: LabelContent = withHash({
  labelId: "L-9999",
  sku: "TV-OLED-98",
  gtin: "4006381333931",
  name: "Ultra-wide OLED television with extraordinarily long marketing name, 98 inch, anti-glare, wall mount included",
  brand: "Vision Systems International",
  price: eur(99_999_999),
  regularPrice: eur(129_999_999),
  referencePrice: eur(109_999_999),
  unitPrice: { ...eur(99_999_999), per: "piece" },
  promo: { promotionId: "P-999", kind: "amount", text: "Clearance sale, while stocks last", percent: 23 },
  stock: "low",
});
