export {
  checkGuardRail,
  DEFAULT_GUARD_RAIL,
  type GuardRailCode,
  type GuardRailHold,
  type GuardRailPolicy,
} from "./guard-rail.ts";
export { compareOffers, type Offer, type OfferDetail, offerFor, selectOffers, targets } from "./offers.ts";
export { DEFAULT_PRICING_POLICY, pricingPolicy } from "./policy.ts";
export { historyEntryAt, overrideAt, regularPriceAt } from "./regular.ts";
export { displayKey, nextTransitions, resolvePrice } from "./resolve.ts";
export { offerText, reductionText } from "./texts.ts";
export type * from "./types.ts";
export { UNIT_BASES } from "./types.ts";
export { unitBaseFor, unitPriceMinor } from "./unit-price.ts";
