import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  currencyExponent,
  formatMoney,
  MoneyError,
  minorToDecimalString,
  parseDecimalToMinor,
} from "../schemas/index.ts";

describe("money: decimal strings ↔ integer minor units per ISO 4217", () => {
  it.each([
    ["2.49", "EUR", 249],
    ["2.4", "EUR", 240],
    ["2", "EUR", 200],
    ["0.01", "EUR", 1],
    ["0", "EUR", 0],
    ["007.10", "EUR", 710],
    ["249", "JPY", 249],
    ["1.250", "KWD", 1250],
    ["0.005", "KWD", 5],
    ["19.99", "USD", 1999],
    ["1.5", "CLF", 15000],
    ["-3.20", "EUR", -320],
  ])("%s %s → %i", (text, currency, minor) => {
    expect(parseDecimalToMinor(text, currency)).toBe(minor);
  });

  it.each([
    ["2.499", "EUR", "has 3 decimal places; EUR allows 2"],
    ["2.5", "JPY", "JPY allows none"],
    ["1.2345", "KWD", "KWD allows 3"],
    ["2,49", "EUR", "is not a decimal amount"],
    ["1e3", "EUR", "is not a decimal amount"],
    [".5", "EUR", "is not a decimal amount"],
    ["", "EUR", "is not a decimal amount"],
    ["2.49", "XXY", 'unknown ISO 4217 currency "XXY"'],
    ["99999999999999999", "EUR", "too large"],
  ])("rejects %j %s", (text, currency, message) => {
    expect(() => parseDecimalToMinor(text, currency)).toThrow(MoneyError);
    expect(() => parseDecimalToMinor(text, currency)).toThrow(message);
  });

  it("round-trips every safe integer amount exactly, for exponents 0, 2 and 3", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.constantFrom("JPY", "EUR", "KWD"),
        (minor, cur) => {
          expect(parseDecimalToMinor(minorToDecimalString(minor, cur), cur)).toBe(minor);
        },
      ),
    );
  });

  it("formats exactly for the locale, even beyond float precision", () => {
    expect(formatMoney(249, "EUR", "de-DE")).toBe("2,49\u00a0€");
    expect(formatMoney(249, "EUR", "en-IE")).toBe("€2.49");
    expect(formatMoney(1250, "KWD", "en-US")).toBe("KWD\u00a01.250");
    expect(formatMoney(500, "JPY", "ja-JP")).toBe("￥500");
    // 2^53 - 1 cents: a float would print ...409.92 or lose the last digit.
    expect(formatMoney(9007199254740991, "EUR", "en-US")).toBe("€90,071,992,547,409.91");
  });

  it("knows the exponents that differ from 2", () => {
    expect([
      currencyExponent("JPY"),
      currencyExponent("EUR"),
      currencyExponent("KWD"),
      currencyExponent("ZZZ"),
    ]).toEqual([0, 2, 3, undefined]);
  });
});
