import type { Catalogue } from "./catalogue.ts";

/** Deutsch (Preisschilder im deutschen Handel; Grundpreis nach PAngV als „1 kg = …“). */
export default {
  language: "de",
  label: {
    sale: "Angebot",
    priorPrice: "Niedrigster Preis der letzten {days} Tage",
    priorPriceWithAmount: "Niedrigster Preis der letzten {days} Tage: {price}",
    perishable: "Reduziert wegen kurzer Haltbarkeit",
    memberPrice: "Mitgliederpreis",
    nonMemberPrice: "Ohne Mitgliedschaft: {price}",
    singlePrice: "Einzelpreis: {price}",
    outOfStock: "Ausverkauft",
    lowStock: "Nur noch wenige vorrätig",
    validUntil: "bis {date}",
    percentBadge: "\u2212{percent}",
    unitPrice: "{base} = {price}",
  },
  unitBases: { kg: "1 kg", l: "1 l", "100 g": "100 g", "100 ml": "100 ml", piece: "1 Stück", m: "1 m" },
  promo: {
    percentOff: "{percent} Rabatt",
    amountOff: "{amount} Rabatt",
    save: "Sie sparen {amount}",
    multibuyTotal: "{quantity} für {total}",
    multibuyFree: "{ordinal} gratis",
    multibuyHalf: "{ordinal} zum halben Preis",
    multibuyShare: "{ordinal} {percent} günstiger",
    member: "Mitgliederpreis {price}",
  },
  ordinal: { other: "{n}." },
} satisfies Catalogue;
