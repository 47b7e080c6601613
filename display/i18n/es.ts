import type { Catalogue } from "./catalogue.ts";

/** Español (etiquetas de lineal; «2.ª unidad a mitad de precio», «precio por kilo»). */
export default {
  language: "es",
  label: {
    sale: "Oferta",
    priorPrice: "Precio más bajo de los últimos {days} días",
    priorPriceWithAmount: "Precio más bajo de los últimos {days} días: {price}",
    perishable: "Rebajado: fecha de consumo próxima",
    memberPrice: "Precio socio",
    nonMemberPrice: "No socios: {price}",
    singlePrice: "Precio unidad: {price}",
    outOfStock: "Agotado",
    lowStock: "Últimas unidades",
    validUntil: "hasta el {date}",
    percentBadge: "\u2212{percent}",
    unitPrice: "{base}: {price}",
  },
  unitBases: {
    kg: "Precio por kilo",
    l: "Precio por litro",
    "100 g": "Precio por 100 g",
    "100 ml": "Precio por 100 ml",
    piece: "Precio por unidad",
    m: "Precio por metro",
  },
  promo: {
    percentOff: "{percent} de descuento",
    amountOff: "{amount} de descuento",
    save: "Ahorra {amount}",
    multibuyTotal: "{quantity} por {total}",
    multibuyFree: "{ordinal} unidad gratis",
    multibuyHalf: "{ordinal} unidad a mitad de precio",
    multibuyShare: "{ordinal} unidad al {percent} de descuento",
    member: "Precio socio {price}",
  },
  ordinal: { other: "{n}.ª" },
} satisfies Catalogue;
