/**
 * ISO 4217 minor-unit exponents. Money is held as integer minor units, so the exponent decides how a
 * decimal string converts ("2.49" EUR → 249, "249" JPY → 249, "1.250" KWD → 1250). The table is
 * written out, not taken from Intl: CLDR's display digits differ from ISO 4217 for several codes
 * (e.g. HUF, IDR, COP), and a price feed is specified against ISO 4217.
 */
const EXPONENT_0 = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(" ");
const EXPONENT_3 = "BHD IQD JOD KWD LYD OMR TND".split(" ");
const EXPONENT_4 = "CLF UYW".split(" ");
const EXPONENT_2 = (
  "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD " +
  "CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL " +
  "GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD " +
  "LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN " +
  "PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL " +
  "THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG ZWL"
).split(" ");

const exponents: ReadonlyMap<string, number> = new Map([
  ...EXPONENT_0.map((c) => [c, 0] as const),
  ...EXPONENT_2.map((c) => [c, 2] as const),
  ...EXPONENT_3.map((c) => [c, 3] as const),
  ...EXPONENT_4.map((c) => [c, 4] as const),
]);

/** Minor-unit exponent of an ISO 4217 code, or undefined when the code is not a known currency. */
export function currencyExponent(code: string): number | undefined {
  return exponents.get(code);
}

export function isCurrencyCode(code: string): boolean {
  return exponents.has(code);
}
