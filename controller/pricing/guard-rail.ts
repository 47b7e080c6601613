import type { Money } from "../../schemas/money.ts";
import { type Decimal, divRoundHalfUp, parseShare, pow10 } from "./decimal.ts";

export interface GuardRailPolicy {
  /** A cut by more than this share of the current price needs approval (0.5 = 50 %). */
  maxCutShare: number | string;
  /** A raise by more than this share of the current price needs approval. */
  maxRaiseShare: number | string;
  /**
   * Days a feed's cut looks back: it is also measured from the highest price in force in them, so
   * several cuts in a row are held once together they pass `maxCutShare` (controller/changes/guard-rail.ts).
   * 0 or absent: each change alone.
   */
  windowDays?: number;
}

export const DEFAULT_GUARD_RAIL: GuardRailPolicy = Object.freeze({ maxCutShare: 0.5, maxRaiseShare: 0.5 });

export type GuardRailCode = "zero" | "cut" | "raise" | "currency";

export interface GuardRailHold {
  code: GuardRailCode;
  reason: string;
}

/** `part / whole` as a percentage text with one decimal, e.g. "62.5 %", in integers. */
function percentOf(part: bigint, whole: bigint): string {
  const tenths = divRoundHalfUp(part * 1000n, whole);
  return `${tenths / 10n}${tenths % 10n === 0n ? "" : `.${tenths % 10n}`} %`;
}

const exceeds = (change: bigint, current: bigint, share: Decimal) =>
  change * pow10(share.scale) > current * share.digits;

/**
 * Whether moving a price from `current` to `proposed` must wait for an approval, and why; null when
 * it may go straight to the shelf. A new price (no current one) is held only when it is zero. The
 * shares are compared exactly: change × 10^s > current × share digits.
 */
export function checkGuardRail(
  current: Money | null | undefined,
  proposed: Money,
  policy: Partial<GuardRailPolicy> = DEFAULT_GUARD_RAIL,
): GuardRailHold | null {
  if (proposed.amountMinor <= 0) {
    if (current && current.amountMinor === proposed.amountMinor && current.currency === proposed.currency) {
      return null;
    }
    return { code: "zero", reason: "sets the price to zero" };
  }
  if (!current) return null;
  if (current.currency !== proposed.currency) {
    return {
      code: "currency",
      reason: `changes the currency from ${current.currency} to ${proposed.currency}`,
    };
  }
  // Parsed only here: most rows of a feed (new or unchanged prices) never get this far.
  const cut = parseShare(policy.maxCutShare ?? DEFAULT_GUARD_RAIL.maxCutShare);
  const raise = parseShare(policy.maxRaiseShare ?? DEFAULT_GUARD_RAIL.maxRaiseShare);
  const before = BigInt(current.amountMinor);
  const after = BigInt(proposed.amountMinor);
  if (before === 0n) {
    // Any raise from zero is an unbounded share; the usual cause is undoing a mistake, which still deserves a look.
    return after === 0n ? null : { code: "raise", reason: "raises the price from zero" };
  }
  if (after < before && exceeds(before - after, before, cut)) {
    return {
      code: "cut",
      reason: `cuts the price by ${percentOf(before - after, before)}, more than the ${percentOf(cut.digits, pow10(cut.scale))} allowed without approval`,
    };
  }
  if (after > before && exceeds(after - before, before, raise)) {
    return {
      code: "raise",
      reason: `raises the price by ${percentOf(after - before, before)}, more than the ${percentOf(raise.digits, pow10(raise.scale))} allowed without approval`,
    };
  }
  return null;
}
