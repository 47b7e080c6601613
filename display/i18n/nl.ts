import type { Catalogue } from "./catalogue.ts";

/** Nederlands (schapkaartjes in de supermarkt; „2e halve prijs“, „t/m“). */
export default {
  language: "nl",
  label: {
    sale: "Aanbieding",
    priorPrice: "Laagste prijs van de afgelopen {days} dagen",
    priorPriceWithAmount: "Laagste prijs van de afgelopen {days} dagen: {price}",
    perishable: "Afgeprijsd: korte houdbaarheid",
    memberPrice: "Ledenprijs",
    nonMemberPrice: "Niet-leden: {price}",
    singlePrice: "Per stuk: {price}",
    outOfStock: "Uitverkocht",
    lowStock: "Bijna uitverkocht",
    validUntil: "t/m {date}",
    percentBadge: "\u2212{percent}",
    unitPrice: "{base}: {price}",
  },
  unitBases: {
    kg: "Prijs per kilo",
    l: "Prijs per liter",
    "100 g": "Prijs per 100 gram",
    "100 ml": "Prijs per 100 ml",
    piece: "Prijs per stuk",
    m: "Prijs per meter",
  },
  promo: {
    percentOff: "{percent} korting",
    amountOff: "{amount} korting",
    save: "Bespaar {amount}",
    multibuyTotal: "{quantity} voor {total}",
    multibuyFree: "{ordinal} gratis",
    multibuyHalf: "{ordinal} halve prijs",
    multibuyShare: "{ordinal} {percent} korting",
    member: "Ledenprijs {price}",
  },
  ordinal: { other: "{n}e" },
} satisfies Catalogue;
