import { labelFont, quantizeSize } from "../render/font/fonts.ts";
import type { Align, Box } from "./fit.ts";

/**
 * A price set the way shelf labels set it: the whole units large, the minor units raised and
 * smaller, the currency sign small (under the minor units when it follows the amount). The text
 * is the money object's `text`, formatted by the controller; this only styles it.
 */
export interface PriceParts {
  /** Leading currency sign or code ("$", "CHF "), drawn small and raised. */
  prefix: string;
  /** Whole units ("12", "1 249"). */
  major: string;
  /** Decimal separator and minor units (",49"), raised. */
  minor: string;
  /** Trailing currency sign or code ("€", "zł"), under the minor units. */
  suffix: string;
}

const PLAIN = /^(\D*?)(\d(?:[\d\s.,'\u00a0\u202f\u2009]*\d)?)(\D*)$/u;
const priceWithMinor = new Map<number, RegExp>();

/**
 * Split a formatted price. `minorDigits` is the currency's exponent (2 for EUR, 0 for JPY, 3 for
 * KWD): only a separator followed by exactly that many digits is a decimal separator, so
 * "¥1,250" stays one thousand two hundred and fifty.
 */
export function splitPrice(text: string, minorDigits = 2): PriceParts {
  const t = text.trim();
  let re = priceWithMinor.get(minorDigits);
  if (!re) {
    re = new RegExp(
      `^(\\D*?)(\\d(?:[\\d\\s.,'\u00a0\u202f\u2009]*\\d)?)([.,]\\d{${minorDigits}})(\\D*)$`,
      "u",
    );
    priceWithMinor.set(minorDigits, re);
  }
  const m = minorDigits > 0 ? re.exec(t) : null;
  if (m) return { prefix: m[1] ?? "", major: m[2] ?? "", minor: m[3] ?? "", suffix: (m[4] ?? "").trim() };
  const p = PLAIN.exec(t);
  if (p) return { prefix: p[1] ?? "", major: p[2] ?? "", minor: "", suffix: (p[3] ?? "").trim() };
  return { prefix: "", major: t, minor: "", suffix: "" };
}

/** Relative sizes of the parts, in units of the major size. */
const MINOR_SCALE = 0.52;
const SUFFIX_SCALE = 0.36;
const PREFIX_SCALE = 0.45;
const GAP = 0.04;

export interface PieceRun {
  text: string;
  size: number;
  x: number;
  baseline: number;
}

export interface FittedPrice {
  parts: PriceParts;
  /** Em size of the major part. */
  size: number;
  /** Height of the digits (cap height) of the major part: what legibility is judged by. */
  digitHeight: number;
  runs: PieceRun[];
  /** The ink box of the digits and signs, drawing pixels. */
  bounds: Box;
}

interface Shape {
  width: number;
  runs: { text: string; scale: number; dx: number; raise: number }[];
}

/** The price laid out at em size 1 with its baseline at y = 0; every offset scales with the size. */
function shapeAtUnit(parts: PriceParts): Shape {
  const bold = labelFont("bold");
  const cap = bold.capHeight(1);
  const runs: Shape["runs"] = [];
  let x = 0;
  const trimmedPrefix = parts.prefix.trimEnd();
  if (trimmedPrefix) {
    runs.push({ text: trimmedPrefix, scale: PREFIX_SCALE, dx: x, raise: cap - bold.capHeight(PREFIX_SCALE) });
    x += bold.measure(trimmedPrefix, PREFIX_SCALE) + GAP;
  }
  runs.push({ text: parts.major, scale: 1, dx: x, raise: 0 });
  x += bold.measure(parts.major, 1);
  if (parts.minor || parts.suffix) {
    x += GAP / 2;
    const minorW = parts.minor ? bold.measure(parts.minor, MINOR_SCALE) : 0;
    const suffixW = parts.suffix ? bold.measure(parts.suffix, SUFFIX_SCALE) : 0;
    if (parts.minor)
      runs.push({ text: parts.minor, scale: MINOR_SCALE, dx: x, raise: cap - bold.capHeight(MINOR_SCALE) });
    if (parts.suffix) {
      // Under the minor units when there are any; otherwise after the amount on the baseline.
      runs.push({ text: parts.suffix, scale: SUFFIX_SCALE, dx: parts.minor ? x : x + GAP, raise: 0 });
      x += parts.minor ? Math.max(minorW, suffixW) : GAP + suffixW;
    } else {
      x += minorW;
    }
  }
  return { width: x, runs };
}

const shapes = new Map<string, Shape>();

function cachedShape(text: string, minorDigits: number): { parts: PriceParts; shape: Shape } {
  const parts = splitPrice(text, minorDigits);
  const key = `${minorDigits}|${text}`;
  let shape = shapes.get(key);
  if (!shape) {
    shape = shapeAtUnit(parts);
    if (shapes.size > 10_000) shapes.clear();
    shapes.set(key, shape);
  }
  return { parts, shape };
}

/** Size at which the price's digits fill `box` (cap height to the box height) without leaving its width. */
export function priceSizeFor(text: string, box: { w: number; h: number }, minorDigits = 2): number {
  const { shape } = cachedShape(text, minorDigits);
  const bold = labelFont("bold");
  // Keep room under the baseline for a comma's tail.
  const heightPerEm = bold.capHeight(1) + 0.1;
  return Math.min(box.h / heightPerEm, shape.width > 0 ? box.w / shape.width : box.h) - 1e-6;
}

/** Natural width of the price at em size `size`. */
export function priceWidth(text: string, size: number, minorDigits = 2): number {
  return cachedShape(text, minorDigits).shape.width * size;
}

/**
 * Lay the price out at the largest size up to `maxSize` that fits `box` in both directions. Nothing
 * is ever cut: if the box is small the price just gets smaller, so its digits are always whole.
 */
export function fitPrice(
  text: string,
  box: Box,
  opts: { maxSize?: number; align?: Align; valign?: "top" | "middle" | "bottom"; minorDigits?: number } = {},
): FittedPrice {
  const minorDigits = opts.minorDigits ?? 2;
  const { parts, shape } = cachedShape(text, minorDigits);
  const bold = labelFont("bold");
  const size = Math.max(
    1,
    Math.min(opts.maxSize ?? Number.POSITIVE_INFINITY, priceSizeFor(text, box, minorDigits)),
  );
  const width = shape.width * size;
  const digitHeight = bold.capHeight(size);
  const inkH = digitHeight + 0.1 * size;
  const align = opts.align ?? "end";
  const x0 =
    align === "start" ? box.x : align === "end" ? box.x + box.w - width : box.x + (box.w - width) / 2;
  const valign = opts.valign ?? "bottom";
  const top =
    valign === "top" ? box.y : valign === "bottom" ? box.y + box.h - inkH : box.y + (box.h - inkH) / 2;
  const baseline = top + digitHeight;
  const runs = shape.runs.map((r) => ({
    text: r.text,
    size: quantizeSize(r.scale * size),
    x: x0 + r.dx * size,
    baseline: baseline - r.raise * size,
  }));
  return { parts, size, digitHeight, runs, bounds: { x: x0, y: top, w: width, h: inkH } };
}
