import type { Catalogue } from "./catalogue.ts";

/** Italiano (cartellini della grande distribuzione; "prezzo al kg"). */
export default {
  language: "it",
  label: {
    sale: "Offerta",
    priorPrice: "Prezzo più basso degli ultimi {days} giorni",
    priorPriceWithAmount: "Prezzo più basso degli ultimi {days} giorni: {price}",
    perishable: "Ribassato: scadenza ravvicinata",
    memberPrice: "Prezzo soci",
    nonMemberPrice: "Non soci: {price}",
    singlePrice: "Prezzo singolo: {price}",
    outOfStock: "Esaurito",
    lowStock: "Ultimi pezzi",
    validUntil: "fino al {date}",
    percentBadge: "\u2212{percent}",
    unitPrice: "{base}: {price}",
  },
  unitBases: {
    kg: "Prezzo al kg",
    l: "Prezzo al litro",
    "100 g": "Prezzo all'etto",
    "100 ml": "Prezzo per 100 ml",
    piece: "Prezzo al pezzo",
    m: "Prezzo al metro",
  },
  promo: {
    percentOff: "Sconto {percent}",
    amountOff: "Sconto {amount}",
    save: "Risparmi {amount}",
    multibuyTotal: "{quantity} pezzi a {total}",
    multibuyFree: "Il {ordinal} pezzo è gratis",
    multibuyHalf: "Il {ordinal} pezzo a metà prezzo",
    multibuyShare: "Il {ordinal} pezzo con sconto {percent}",
    member: "Prezzo soci {price}",
  },
  ordinal: { other: "{n}°" },
} satisfies Catalogue;
