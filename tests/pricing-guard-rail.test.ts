import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkGuardRail } from "../controller/pricing/index.ts";

const eur = (amountMinor: number) => ({ amountMinor, currency: "EUR" });

describe("guard rail: cuts, raises and zero prices that need an approval", () => {
  it.each([
    [1000, 500, null], // exactly 50 % off: allowed
    [1000, 499, "cut"],
    [1000, 1500, null], // exactly +50 %: allowed
    [1000, 1501, "raise"],
    [1000, 0, "zero"],
    [249, 2490, "raise"], // the fat finger: a decimal point moved
    [2490, 249, "cut"],
    [0, 0, null],
    [0, 100, "raise"],
  ])("%i → %i: %s", (current, proposed, code) => {
    expect(checkGuardRail(eur(current), eur(proposed))?.code ?? null).toBe(code);
  });

  it("explains the hold in words", () => {
    expect(checkGuardRail(eur(1000), eur(375))).toEqual({
      code: "cut",
      reason: "cuts the price by 62.5 %, more than the 50 % allowed without approval",
    });
  });

  it("lets a first price through unless it is zero", () => {
    expect(checkGuardRail(null, eur(249))).toBeNull();
    expect(checkGuardRail(undefined, eur(0))?.code).toBe("zero");
  });

  it("holds a currency change, which cannot be compared", () => {
    expect(checkGuardRail(eur(249), { amountMinor: 249, currency: "USD" })?.code).toBe("currency");
  });

  it("takes shares as numbers or decimal strings, compared exactly", () => {
    const policy = { maxCutShare: "0.1", maxRaiseShare: 0.2 };
    expect(checkGuardRail(eur(1000), eur(900), policy)).toBeNull();
    expect(checkGuardRail(eur(1000), eur(899), policy)?.code).toBe("cut");
    expect(checkGuardRail(eur(1000), eur(1200), policy)).toBeNull();
    expect(checkGuardRail(eur(1000), eur(1201), policy)?.code).toBe("raise");
    // 0.1 + 0.2 as floats is 0.30000000000000004: typed as a string, the share stays exact.
    expect(checkGuardRail(eur(10), eur(13), { maxRaiseShare: "0.3" })).toBeNull();
    expect(() => checkGuardRail(eur(10), eur(13), { maxRaiseShare: "-1" })).toThrow(RangeError);
  });

  it("agrees with exact rational arithmetic for any pair of prices", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 1, max: 10_000_000 }),
        (c, p) => {
          const hold = checkGuardRail(eur(c), eur(p));
          // cut when (c − p) / c > 1/2 ⇔ 2(c − p) > c; raise when 2(p − c) > c
          const expected = 2 * (c - p) > c ? "cut" : 2 * (p - c) > c ? "raise" : null;
          expect(hold?.code ?? null).toBe(expected);
        },
      ),
    );
  });
});
