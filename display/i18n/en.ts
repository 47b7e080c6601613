import type { Catalogue } from "./catalogue.ts";

/** English (UK shelf-edge wording). */
export default {
  language: "en",
  label: {
    sale: "Offer",
    priorPrice: "Lowest price in the last {days} days",
    priorPriceWithAmount: "Lowest price in the last {days} days: {price}",
    perishable: "Reduced: short shelf life",
    memberPrice: "Member price",
    nonMemberPrice: "Non-members: {price}",
    singlePrice: "Single item: {price}",
    outOfStock: "Out of stock",
    lowStock: "Only a few left",
    validUntil: "Until {date}",
    percentBadge: "\u2212{percent}",
    unitPrice: "{price} per {base}",
  },
  unitBases: { kg: "kg", l: "litre", "100 g": "100 g", "100 ml": "100 ml", piece: "item", m: "metre" },
  promo: {
    percentOff: "{percent} off",
    amountOff: "{amount} off",
    save: "Save {amount}",
    multibuyTotal: "{quantity} for {total}",
    multibuyFree: "{ordinal} free",
    multibuyHalf: "{ordinal} at half price",
    multibuyShare: "{ordinal} at {percent} off",
    member: "Member price {price}",
  },
  ordinal: { one: "{n}st", two: "{n}nd", few: "{n}rd", other: "{n}th" },
} satisfies Catalogue;
