import type { PriceEntry, PriceOverride } from "../controller/pricing/index.ts";
import type { Promotion } from "../schemas/promotions.ts";

/** Builders for the pricing suites: small plain-data inputs with readable defaults. */

export const DAY = 86_400_000;
export const HOUR = 3_600_000;
export const iso = (text: string) => Date.parse(text);

let nextId = 1;

export function entry(
  amountMinor: number,
  effectiveFrom: number,
  rest: Partial<PriceEntry> = {},
): PriceEntry {
  return {
    id: nextId++,
    sku: "A",
    amountMinor,
    currency: "EUR",
    effectiveFrom,
    effectiveTo: null,
    sequence: 1,
    ...rest,
  };
}

export function promo(
  promotionId: string,
  kind: Promotion["kind"],
  value: string,
  start: number,
  end: number | null,
  rest: Partial<Promotion> = {},
): Promotion {
  return {
    promotionId,
    kind,
    skus: ["A"],
    value,
    start,
    end,
    priority: 0,
    source: "central",
    ...rest,
  };
}

export function override(
  amountMinor: number,
  start: number,
  end: number | null,
  rest: Partial<PriceOverride> = {},
): PriceOverride {
  return { sku: "A", amountMinor, currency: "EUR", start, end, author: "staff-1", reason: "test", ...rest };
}
