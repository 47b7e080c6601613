import type { Catalogue } from "./catalogue.ts";

/** Français (étiquettes de la grande distribution ; « prix au kg »). */
export default {
  language: "fr",
  label: {
    sale: "Promo",
    priorPrice: "Prix le plus bas des {days} derniers jours",
    priorPriceWithAmount: "Prix le plus bas des {days} derniers jours\u00a0: {price}",
    perishable: "Prix réduit\u00a0: date courte",
    memberPrice: "Prix fidélité",
    nonMemberPrice: "Sans carte\u00a0: {price}",
    singlePrice: "Prix à l'unité\u00a0: {price}",
    outOfStock: "Rupture de stock",
    lowStock: "Derniers articles",
    validUntil: "jusqu'au {date}",
    percentBadge: "\u2212{percent}",
    unitPrice: "{base}\u00a0: {price}",
  },
  unitBases: {
    kg: "Prix au kg",
    l: "Prix au litre",
    "100 g": "Prix aux 100 g",
    "100 ml": "Prix aux 100 ml",
    piece: "Prix à la pièce",
    m: "Prix au mètre",
  },
  promo: {
    percentOff: "\u2212{percent}",
    amountOff: "\u2212{amount}",
    save: "Économisez {amount}",
    multibuyTotal: "{quantity} pour {total}",
    multibuyFree: "Le {ordinal} offert",
    multibuyHalf: "Le {ordinal} à moitié prix",
    multibuyShare: "Le {ordinal} à \u2212{percent}",
    member: "Prix fidélité {price}",
  },
  ordinal: { one: "{n}er", other: "{n}e" },
} satisfies Catalogue;
