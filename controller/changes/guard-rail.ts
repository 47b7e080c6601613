import type { Money } from "../../schemas/money.ts";
import { minorToDecimalString } from "../../schemas/money.ts";
import { checkGuardRail, type GuardRailHold, type GuardRailPolicy } from "../pricing/index.ts";
import type { CatalogStore, PriceScreen } from "../store/catalog.ts";

const DAY_MS = 86_400_000;

/**
 * What the cumulative guard rail reads: the highest price in force over a span (the catalogue), and
 * when a person last approved a price for the SKU (the approvals: the look-back starts there).
 */
export interface GuardRailHistory extends Pick<CatalogStore, "peakPriceInForce"> {
  lastApprovedPriceAt?(sku: string, at: number): number | null;
}

/**
 * The guard rail as every change applies it (feed rows, Merchant Center rows, staff overrides and
 * promotions): whether moving `sku`'s price from `current` to `proposed` at `at` must wait for an
 * approval, and why; null when it may go through.
 *
 * A cut is also measured from the highest price in force in the look-back window before it takes
 * effect, so that a run of cuts each under the threshold (eleven feeds of −49 % walked 13.49 € to
 * 0.02 €) is held once together they pass it, whichever way each cut came (a feed, a staff price, a
 * promotion on a price a feed already cut). The look-back starts no earlier than the newest price an
 * approver accepted for the SKU: a cut a person approved is the new baseline. Raises are checked against the current price only: a
 * price restored after a sale is not a raise from the sale's bottom, nor is it held.
 */
export function guardRailHold(
  policy: GuardRailPolicy,
  history: GuardRailHistory | undefined,
  current: Money | null | undefined,
  proposed: Money,
  row?: { sku: string; at: number },
): GuardRailHold | null {
  const single = checkGuardRail(current, proposed, policy);
  const windowDays = policy.windowDays ?? 0;
  if (single || !history || windowDays <= 0 || !row || !current) return single;
  if (proposed.amountMinor >= current.amountMinor) return null;
  const approvedAt = history.lastApprovedPriceAt?.(row.sku, row.at) ?? null;
  const from = Math.max(row.at - windowDays * DAY_MS, approvedAt ?? Number.NEGATIVE_INFINITY);
  const peak = history.peakPriceInForce(row.sku, from, row.at);
  if (!peak || peak.currency !== proposed.currency || peak.amountMinor <= current.amountMinor) return null;
  const fromPeak = checkGuardRail(peak, proposed, policy);
  if (!fromPeak) return null;
  return {
    ...fromPeak,
    reason: `${fromPeak.reason}, counted from ${minorToDecimalString(peak.amountMinor, peak.currency)} ${peak.currency}, the highest price in force in the ${windowDays} days before (several cuts in a row)`,
  };
}

/** The same rule as the store asks it inside a price write (the policy lives here, not there). */
export const guardRailScreen =
  (policy: GuardRailPolicy, history?: GuardRailHistory): PriceScreen =>
  (current: Money | null, proposed: Money, row) =>
    guardRailHold(policy, history, current, proposed, row);
