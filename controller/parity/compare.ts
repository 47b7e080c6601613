import {
  MERCHANT_UNITS,
  type ParityOnline,
  type ParityReason,
  type ParityShelf,
  type ParityStock,
} from "../../schemas/index.ts";

/**
 * One label content against what the shop shows: the reasons they differ, in a fixed order.
 * Rules, in order:
 * 1. Currency first: amounts in two currencies are not compared (one `currency` reason says it all).
 * 2. The price a shopper pays now, to the minor unit.
 * 3. The struck price: a label that shows one must show the shop's (its regular price while its sale
 *    is in force), and none when the shop shows none. A sale online with no struck price on a label
 *    that charges the same is not a difference: the label may not announce that reduction (98/6/EC
 *    art. 6a: no lowest price of the prior 30 days above it), and the shopper pays the same.
 * 4. Net quantity, exactly, in the unit's dimension (750 ml = 75 cl): unit prices are made from price
 *    and quantity, so comparing both compares the unit price without ever reading a rounded text.
 * 5. Stock as available / out, only when both sides state one.
 */
export function compareSides(online: ParityOnline, shelf: ParityShelf): ParityReason[] {
  const reasons: ParityReason[] = [];
  if (online.price && shelf.price) {
    if (online.price.currency !== shelf.price.currency) reasons.push("currency");
    else if (online.price.amountMinor !== shelf.price.amountMinor) reasons.push("price");
  } else if (online.price || shelf.price) reasons.push("price");
  if (!reasons.includes("currency")) {
    const o = online.regularPrice?.amountMinor ?? null;
    const s = shelf.regularPrice?.amountMinor ?? null;
    if (s !== null && o !== s) reasons.push("regular_price");
  }
  if (online.netQuantity && shelf.netQuantity && !sameQuantity(online.netQuantity, shelf.netQuantity)) {
    reasons.push("net_quantity");
  }
  if (online.stock && shelf.stock && online.stock !== shelf.stock) reasons.push("stock");
  return reasons;
}

/** The shelf's units as Merchant Center names them (`piece` is a count: `ct`). */
const SHELF_UNIT: Readonly<Record<string, string>> = { piece: "ct" };

/** An exact decimal as digits × 10^-scale. */
interface Exact {
  digits: bigint;
  scale: number;
}

function exact(decimal: string): Exact | undefined {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(decimal.trim());
  if (!m) return undefined;
  const fraction = m[2] ?? "";
  return { digits: BigInt((m[1] as string) + fraction), scale: fraction.length };
}

const times = (a: Exact, b: Exact): Exact => ({ digits: a.digits * b.digits, scale: a.scale + b.scale });

function equal(a: Exact, b: Exact): boolean {
  const scale = Math.max(a.scale, b.scale);
  return a.digits * 10n ** BigInt(scale - a.scale) === b.digits * 10n ** BigInt(scale - b.scale);
}

/** In the dimension's reference unit (g, ml, cm, sqm, ct), exactly; undefined for a unit we do not know. */
function reference(q: { quantity: string; unit: string }): { dimension: string; size: Exact } | undefined {
  const unit = MERCHANT_UNITS[SHELF_UNIT[q.unit] ?? q.unit];
  const amount = exact(q.quantity);
  const size = unit ? exact(unit.size) : undefined;
  if (!unit || !amount || !size) return undefined;
  return { dimension: unit.dimension, size: times(amount, size) };
}

/** Whether two quantities are the same amount (750 ml and 75 cl are; 1 kg and 1 l are not). */
export function sameQuantity(
  a: { quantity: string; unit: string },
  b: { quantity: string; unit: string },
): boolean {
  const ra = reference(a);
  const rb = reference(b);
  if (!ra || !rb) return a.quantity === b.quantity && a.unit === b.unit;
  return ra.dimension === rb.dimension && equal(ra.size, rb.size);
}

/**
 * The shop's availability as available / out, or null when it is not compared: on display to order,
 * pre-order and back-order say nothing about the shelf, and neither does a missing local row.
 */
export function onlineStock(availability: string | null | undefined): ParityStock | null {
  switch (availability) {
    case "in_stock":
    case "limited_availability":
    case "https://schema.org/InStock":
    case "https://schema.org/LimitedAvailability":
    case "https://schema.org/InStoreOnly":
      return "available";
    case "out_of_stock":
    case "https://schema.org/OutOfStock":
    case "https://schema.org/SoldOut":
    case "https://schema.org/Discontinued":
      return "out";
    default:
      return null;
  }
}

/** A label's stock badge as available / out (low stock is still on the shelf). */
export const shelfStock = (stock: string | undefined): ParityStock | null =>
  stock === undefined ? null : stock === "out" ? "out" : "available";
