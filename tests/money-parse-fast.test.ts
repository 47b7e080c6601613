import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MoneyError, parseDecimalToMinor } from "../schemas/money.ts";

/**
 * parseDecimalToMinor reads plain decimals ("2.49") in one pass over the characters and leaves
 * everything else to its regular expression; both paths must agree with an independent oracle
 * (BigInt arithmetic on the same grammar) on every input, the ones the fast path declines included.
 */
const EXPONENTS: Record<string, number> = { EUR: 2, JPY: 0, KWD: 3, CLF: 4 };

function oracle(text: string, currency: string): number | "error" {
  const exponent = EXPONENTS[currency] as number;
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m) return "error";
  const [, sign, whole = "", fraction = ""] = m;
  if (fraction.length > exponent) return "error";
  const minor = BigInt(whole) * 10n ** BigInt(exponent) + BigInt(fraction.padEnd(exponent, "0") || "0");
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) return "error";
  const value = Number(minor);
  return sign && value !== 0 ? -value : value;
}

const decimalText = fc
  .tuple(
    fc.constantFrom("", " ", "-", "+", "--", " -"),
    fc.stringMatching(/^[0-9]{0,18}$/),
    fc.constantFrom("", ".", ",", "e"),
    fc.stringMatching(/^[0-9]{0,5}$/),
    fc.constantFrom("", " ", "x", "."),
  )
  .map((parts) => parts.join(""));

describe("parseDecimalToMinor", () => {
  it("agrees with the oracle on generated decimals, the declined ones included", () => {
    fc.assert(
      fc.property(decimalText, fc.constantFrom("EUR", "JPY", "KWD", "CLF"), (text, currency) => {
        const want = oracle(text, currency);
        let got: number | "error";
        try {
          got = parseDecimalToMinor(text, currency);
        } catch (e) {
          expect(e).toBeInstanceOf(MoneyError);
          got = "error";
        }
        expect(got).toBe(want);
      }),
      { numRuns: 20_000 },
    );
  });

  it("reads the common shapes exactly", () => {
    expect(parseDecimalToMinor("2.49", "EUR")).toBe(249);
    expect(parseDecimalToMinor("2.5", "EUR")).toBe(250);
    expect(parseDecimalToMinor("-0.00", "EUR")).toBe(0);
    expect(parseDecimalToMinor("-1.05", "EUR")).toBe(-105);
    expect(parseDecimalToMinor("1250", "JPY")).toBe(1250);
    expect(parseDecimalToMinor("0.005", "KWD")).toBe(5);
    expect(parseDecimalToMinor("007.10", "EUR")).toBe(710);
    expect(parseDecimalToMinor(" 2.49 ", "EUR")).toBe(249);
    expect(() => parseDecimalToMinor("2.", "EUR")).toThrow(MoneyError);
    expect(() => parseDecimalToMinor("2.499", "EUR")).toThrow("3 decimal places");
    expect(() => parseDecimalToMinor("999999999999999", "EUR")).toThrow("too large");
  });
});
