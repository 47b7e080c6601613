import type { Catalogue } from "./catalogue.ts";

/** Polski (etykiety cenowe w handlu; „Najniższa cena z 30 dni przed obniżką”). */
export default {
  language: "pl",
  label: {
    sale: "Promocja",
    priorPrice: "Najniższa cena z {days} dni przed obniżką",
    priorPriceWithAmount: "Najniższa cena z {days} dni przed obniżką: {price}",
    perishable: "Obniżka: krótki termin przydatności",
    memberPrice: "Cena z kartą",
    nonMemberPrice: "Bez karty: {price}",
    singlePrice: "Cena za sztukę: {price}",
    outOfStock: "Brak towaru",
    lowStock: "Ostatnie sztuki",
    validUntil: "do {date}",
    percentBadge: "\u2212{percent}",
    unitPrice: "Cena za {base}: {price}",
  },
  unitBases: { kg: "1 kg", l: "1 l", "100 g": "100 g", "100 ml": "100 ml", piece: "1 szt.", m: "1 m" },
  promo: {
    percentOff: "Rabat {percent}",
    amountOff: "Rabat {amount}",
    save: "Oszczędzasz {amount}",
    multibuyTotal: "{quantity} za {total}",
    multibuyFree: "{ordinal} produkt gratis",
    multibuyHalf: "{ordinal} produkt za pół ceny",
    multibuyShare: "{ordinal} produkt {percent} taniej",
    member: "Cena z kartą {price}",
  },
  ordinal: { other: "{n}." },
} satisfies Catalogue;
