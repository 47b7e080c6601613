import type { Unit } from "../../schemas/feeds.ts";
import { compareFractions, divRoundHalfUp, parseDecimal, pow10 } from "./decimal.ts";
import type { PricingProduct, UnitBase, UnitPricePolicy } from "./types.ts";

type Dimension = "mass" | "volume" | "length" | "count";

/** Each unit in the smallest unit of its dimension (mg, ml, m, piece). */
const UNITS: Record<Unit, { dimension: Dimension; size: bigint }> = {
  mg: { dimension: "mass", size: 1n },
  g: { dimension: "mass", size: 1_000n },
  kg: { dimension: "mass", size: 1_000_000n },
  ml: { dimension: "volume", size: 1n },
  cl: { dimension: "volume", size: 10n },
  l: { dimension: "volume", size: 1_000n },
  m: { dimension: "length", size: 1n },
  piece: { dimension: "count", size: 1n },
};

const BASES: Record<UnitBase, { dimension: Dimension; size: bigint }> = {
  kg: { dimension: "mass", size: 1_000_000n },
  "100 g": { dimension: "mass", size: 100_000n },
  l: { dimension: "volume", size: 1_000n },
  "100 ml": { dimension: "volume", size: 100n },
  m: { dimension: "length", size: 1n },
  piece: { dimension: "count", size: 1n },
};

const DEFAULT_BASE: Record<Dimension, UnitBase> = { mass: "kg", volume: "l", length: "m", count: "piece" };
const SMALL_BASE: Partial<Record<Dimension, UnitBase>> = { mass: "100 g", volume: "100 ml" };
/** g and ml in the smallest unit, for the small-pack threshold. */
const THRESHOLD_UNIT: Partial<Record<Dimension, bigint>> = { mass: 1_000n, volume: 1n };

/** The base a product's unit price is given per: category choice, else small-pack rule, else kg / l / m / piece. */
export function unitBaseFor(product: PricingProduct, policy: UnitPricePolicy): UnitBase | undefined {
  if (product.unit === undefined) return undefined;
  const unit = UNITS[product.unit];
  if (!unit) return undefined;
  const chosen = product.category === undefined ? undefined : policy.byCategory[product.category];
  if (chosen !== undefined && BASES[chosen]?.dimension === unit.dimension) return chosen;
  const small = SMALL_BASE[unit.dimension];
  const thresholdUnit = THRESHOLD_UNIT[unit.dimension];
  if (small && thresholdUnit && policy.smallPackMax !== undefined && product.netQuantity !== undefined) {
    const max = parseDecimal(policy.smallPackMax);
    const net = parseDecimal(product.netQuantity);
    // net·size/10^ns ≤ max·threshold/10^ms, in whole numbers.
    if (
      max &&
      net &&
      compareFractions(
        net.digits * unit.size,
        pow10(net.scale),
        max.digits * thresholdUnit,
        pow10(max.scale),
      ) <= 0
    ) {
      return small;
    }
  }
  return DEFAULT_BASE[unit.dimension];
}

/**
 * Unit price in minor units, rounded half-up once: price × base / net quantity, all in integers.
 * Undefined when the product has no usable net quantity.
 */
export function unitPriceMinor(
  priceMinor: number,
  product: PricingProduct,
  policy: UnitPricePolicy,
): { amountMinor: number; per: UnitBase } | undefined {
  if (!policy.enabled || product.netQuantity === undefined || product.unit === undefined) return undefined;
  const per = unitBaseFor(product, policy);
  const unit = UNITS[product.unit];
  const net = parseDecimal(product.netQuantity);
  if (per === undefined || !unit || !net || net.digits === 0n) return undefined;
  const base = BASES[per];
  const amount = divRoundHalfUp(BigInt(priceMinor) * base.size * pow10(net.scale), net.digits * unit.size);
  // A few milligrams of something dear could price a kilogram past what a label can show exactly.
  if (amount > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return { amountMinor: Number(amount), per };
}
