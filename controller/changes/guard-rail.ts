import type { Money } from "../../schemas/money.ts";
import { checkGuardRail, type GuardRailPolicy } from "../pricing/index.ts";
import type { PriceScreen } from "../store/catalog.ts";

/**
 * The guard rail as the store applies it to price rows: the store reads the price in force inside its
 * write and asks this whether the new one must wait for an approval; the policy lives here, not there.
 */
export const guardRailScreen =
  (policy: GuardRailPolicy): PriceScreen =>
  (current: Money | null, proposed: Money) =>
    checkGuardRail(current, proposed, policy);
