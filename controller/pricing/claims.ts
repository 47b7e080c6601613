import type { ClaimBasis } from "./types.ts";

/**
 * The arithmetic of a reduction claim (Directive 98/6/EC art. 6a, CJEU C-330/23): the saving and the
 * percentage a label may announce, both measured from one compare price. The percentage is the one
 * number every text and badge shows, so it is computed here only.
 */
export interface ClaimFigures {
  basis: ClaimBasis;
  compareMinor: number;
  savingMinor: number;
  /** Whole percent, rounded down; undefined below 1 %. */
  percent: number | undefined;
}

/**
 * saving / compare in whole percent, rounded down: a label never promises more than the till gives
 * (1.99 → 1.74 is 12.56 % off: "−12 %"). Integer arithmetic in BigInt, so no float rounding creeps
 * in at any amount.
 */
export function claimPercent(savingMinor: number, compareMinor: number): number | undefined {
  if (compareMinor <= 0 || savingMinor <= 0) return undefined;
  const percent = Number((BigInt(savingMinor) * 100n) / BigInt(compareMinor));
  return percent >= 1 ? percent : undefined;
}

/** The figures of a reduction to `priceMinor` measured from `compareMinor`, or null when it is none. */
export function claimFigures(
  basis: ClaimBasis,
  compareMinor: number,
  priceMinor: number,
): ClaimFigures | null {
  if (!(compareMinor > priceMinor)) return null;
  const savingMinor = compareMinor - priceMinor;
  return { basis, compareMinor, savingMinor, percent: claimPercent(savingMinor, compareMinor) };
}
