import type { PriceEntry, PriceOverride } from "./types.ts";

const inForce = (from: number, to: number | null, t: number) => from <= t && (to === null || t < to);

/**
 * The history entry in force at t: the latest `effectiveFrom` wins, a tie goes to the higher
 * `sequence`, then the higher `id`, so the answer never depends on the order entries arrive in.
 */
export function historyEntryAt(history: readonly PriceEntry[], t: number): PriceEntry | undefined {
  let best: PriceEntry | undefined;
  for (const e of history) {
    if (!inForce(e.effectiveFrom, e.effectiveTo, t)) continue;
    if (
      !best ||
      e.effectiveFrom > best.effectiveFrom ||
      (e.effectiveFrom === best.effectiveFrom &&
        (e.sequence > best.sequence || (e.sequence === best.sequence && e.id > best.id)))
    ) {
      best = e;
    }
  }
  return best;
}

function compareText(a: string | undefined, b: string | undefined): number {
  const x = a ?? "";
  const y = b ?? "";
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Newer first: later start, then higher id; the rest only makes duplicates order-independent. */
function overrideOrder(a: PriceOverride, b: PriceOverride): number {
  return (
    b.start - a.start ||
    (b.id ?? -1) - (a.id ?? -1) ||
    a.amountMinor - b.amountMinor ||
    compareText(a.currency, b.currency) ||
    compareText(a.author, b.author) ||
    compareText(a.reason, b.reason) ||
    (a.end ?? Number.POSITIVE_INFINITY) - (b.end ?? Number.POSITIVE_INFINITY)
  );
}

/** The staff override in force at t, if any; the one that started last wins. */
export function overrideAt(overrides: readonly PriceOverride[], t: number): PriceOverride | undefined {
  let best: PriceOverride | undefined;
  for (const o of overrides) {
    if (!inForce(o.start, o.end, t)) continue;
    if (!best || overrideOrder(o, best) < 0) best = o;
  }
  return best;
}

export interface RegularPrice {
  amountMinor: number;
  currency: string;
  entry: PriceEntry | undefined;
  override: PriceOverride | undefined;
}

/** The regular price at t: an override in force replaces the history's price. */
export function regularPriceAt(
  history: readonly PriceEntry[],
  overrides: readonly PriceOverride[],
  t: number,
): RegularPrice | undefined {
  const entry = historyEntryAt(history, t);
  const override = overrides.length > 0 ? overrideAt(overrides, t) : undefined;
  if (override) {
    return { amountMinor: override.amountMinor, currency: override.currency, entry, override };
  }
  if (!entry) return undefined;
  return { amountMinor: entry.amountMinor, currency: entry.currency, entry, override };
}
