/**
 * Exact decimal arithmetic for prices: decimals become BigInt fractions, results are rounded once,
 * half-up, to whole minor units. No float ever holds an amount or a share.
 */

/** value = digits / 10^scale, digits ≥ 0. */
export interface Decimal {
  digits: bigint;
  scale: number;
}

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;
const POW10: bigint[] = [];

export function pow10(n: number): bigint {
  let p = POW10[n];
  if (p === undefined) {
    p = 10n ** BigInt(n);
    POW10[n] = p;
  }
  return p;
}

/**
 * A non-negative decimal string ("12.5", "0.75"); undefined if it is not one. Pack sizes and
 * percentages repeat across a catalogue, so parses are memoized (bounded; results are frozen).
 */
const parsed = new Map<string, Decimal | undefined>();
export function parseDecimal(text: string): Decimal | undefined {
  if (parsed.has(text)) return parsed.get(text);
  const m = DECIMAL.exec(text);
  const fraction = m?.[2] ?? "";
  const d = m
    ? Object.freeze({ digits: BigInt((m[1] ?? "0") + fraction), scale: fraction.length })
    : undefined;
  if (parsed.size >= 10_000) parsed.clear();
  parsed.set(text, d);
  return d;
}

/** Canonical text of a decimal: "050.50" → "50.5", "7.0" → "7". */
export function decimalText(d: Decimal): string {
  const digits = d.digits.toString().padStart(d.scale + 1, "0");
  if (d.scale === 0) return digits;
  const fraction = digits.slice(digits.length - d.scale).replace(/0+$/, "");
  const whole = digits.slice(0, digits.length - d.scale);
  return fraction === "" ? whole : `${whole}.${fraction}`;
}

/**
 * A share given in configuration (0.5, "0.5"). A JS number is read through its shortest decimal
 * form, which is what the person typed, so 0.5 means exactly 5/10.
 */
export function parseShare(share: number | string): Decimal {
  const text = typeof share === "number" ? String(share) : share.trim();
  const d = parseDecimal(text);
  if (!d) throw new RangeError(`share "${text}" must be a plain non-negative decimal such as 0.5`);
  return d;
}

/** round(n / d) with ties away from zero, for n ≥ 0 and d > 0. */
export function divRoundHalfUp(n: bigint, d: bigint): bigint {
  return (2n * n + d) / (2n * d);
}

/** Sign of a/b − c/d for positive denominators. */
export function compareFractions(a: bigint, b: bigint, c: bigint, d: bigint): number {
  const l = a * d;
  const r = c * b;
  return l < r ? -1 : l > r ? 1 : 0;
}
