import type { PricingPolicy, PricingPolicyInput } from "./types.ts";

export const DEFAULT_PRICING_POLICY: PricingPolicy = Object.freeze({
  locale: "en-GB",
  omnibus: Object.freeze({
    enabled: true,
    lookbackDays: 30,
    basis: "lowestApplied",
    progressiveExemption: true,
    perishableCategories: Object.freeze([]),
  }),
  unitPrice: Object.freeze({ enabled: true, byCategory: Object.freeze({}) }),
}) as PricingPolicy;

const resolved = new WeakMap<PricingPolicyInput, PricingPolicy>();

/** The policy with defaults filled in; memoized per input object, since a store's policy rarely changes. */
export function pricingPolicy(input: PricingPolicyInput | undefined): PricingPolicy {
  if (input === undefined) return DEFAULT_PRICING_POLICY;
  let policy = resolved.get(input);
  if (!policy) {
    const lookbackDays = input.omnibus?.lookbackDays ?? DEFAULT_PRICING_POLICY.omnibus.lookbackDays;
    if (!Number.isInteger(lookbackDays) || lookbackDays < 0) {
      throw new RangeError(`omnibus.lookbackDays must be a whole number of days, got ${lookbackDays}`);
    }
    policy = {
      locale: input.locale ?? DEFAULT_PRICING_POLICY.locale,
      timeZone: input.timeZone,
      omnibus: { ...DEFAULT_PRICING_POLICY.omnibus, ...input.omnibus, lookbackDays },
      unitPrice: { ...DEFAULT_PRICING_POLICY.unitPrice, ...input.unitPrice },
    };
    resolved.set(input, policy);
  }
  return policy;
}
