import { type FontWeight, labelFont, quantizeSize } from "../render/font/fonts.ts";

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export type Align = "start" | "middle" | "end";

export interface TextStyle {
  weight: FontWeight;
  /** Largest em size, px. */
  maxSize: number;
  /** Smallest em size, px: below this the text is cut with an ellipsis instead. */
  minSize: number;
  maxLines?: number;
  align?: Align;
  valign?: "top" | "middle" | "bottom";
  /** Line pitch in em. */
  lineHeight?: number;
}

export interface FittedLine {
  text: string;
  /** Left end of the baseline. */
  x: number;
  baseline: number;
  width: number;
}

export interface FittedText {
  weight: FontWeight;
  size: number;
  lines: FittedLine[];
  /** True when words were dropped for an ellipsis. */
  truncated: boolean;
  /** Ink-box of the block (line boxes: ascent to descent), in drawing pixels. */
  bounds: Box;
}

const ELLIPSIS = "…";
/** How far a single line may shrink, as a share of the largest size, before wrapping is tried. */
const SHRINK_BEFORE_WRAP = 0.8;
const STEP = 0.5;

/**
 * Fit `text` into `box`: shrink on one line (down to 80 % of the largest size), then wrap over up
 * to `maxLines` lines while shrinking to the smallest size, then cut the last line with an ellipsis.
 * Widths come from the font's advance widths and kerning, the same numbers the glyph paths are
 * built from, so a fitted line never pokes out of its box. Returns undefined when the box cannot
 * hold even one line at the smallest size.
 */
export function fitText(text: string, box: Box, style: TextStyle): FittedText | undefined {
  const font = labelFont(style.weight);
  const clean = text.replace(/\s+/g, " ").trim();
  const pitch = style.lineHeight ?? 1.12;
  const lineBox = (size: number) => font.ascent(size) + font.descent(size);
  const maxLines = Math.max(1, style.maxLines ?? 1);
  const linesThatFit = (size: number) =>
    Math.min(maxLines, 1 + Math.floor((box.h - lineBox(size)) / (size * pitch) + 1e-9));

  if (clean === "" || box.w <= 0 || lineBox(style.minSize) > box.h + 1e-9) return undefined;

  const oneLine = (font.measure(clean, 1) > 0 ? box.w / font.measure(clean, 1) : style.maxSize) - 1e-9;
  const heightCap = maxSizeForHeight(box.h, lineBox(1));
  const single = Math.min(style.maxSize, oneLine, heightCap);
  if (
    single >= Math.max(style.minSize, style.maxSize * SHRINK_BEFORE_WRAP) ||
    (maxLines === 1 && single >= style.minSize)
  ) {
    return place([clean], single, false);
  }

  for (let size = Math.min(style.maxSize, heightCap); size >= style.minSize; size -= STEP) {
    const n = linesThatFit(size);
    if (n < 2) continue;
    const lines = wrap(clean, size, n);
    if (lines) return place(lines, size, false);
  }

  const size = style.minSize;
  return place(wrapWithEllipsis(clean, size, linesThatFit(size)), size, true);

  function wrap(t: string, size: number, n: number): string[] | undefined {
    const words = t.split(" ");
    const lines: string[] = [];
    let current = "";
    for (const word of words) {
      const candidate = current ? `${current} ${word}` : word;
      if (font.measure(candidate, size) <= box.w) {
        current = candidate;
        continue;
      }
      if (!current || font.measure(word, size) > box.w) return undefined;
      lines.push(current);
      current = word;
      if (lines.length >= n) return undefined;
    }
    lines.push(current);
    return lines.length <= n ? lines : undefined;
  }

  function wrapWithEllipsis(t: string, size: number, n: number): string[] {
    const lines: string[] = [];
    let rest = t;
    while (lines.length < n && rest) {
      const last = lines.length === n - 1;
      const [line, remainder] = takeLine(rest, size, last);
      lines.push(line);
      rest = remainder;
    }
    return lines;
  }

  /** The longest prefix (at a word boundary if possible) that fits; the last line gets the ellipsis. */
  function takeLine(t: string, size: number, last: boolean): [string, string] {
    if (font.measure(t, size) <= box.w) return [t, ""];
    const chars = Array.from(t);
    const fits = (k: number) => {
      const head = chars.slice(0, k).join("").trimEnd();
      return font.measure(last ? head + ELLIPSIS : head, size) <= box.w;
    };
    let lo = 0;
    let hi = chars.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (fits(mid)) lo = mid;
      else hi = mid - 1;
    }
    let cut = lo;
    const space = chars.slice(0, lo + 1).lastIndexOf(" ");
    if (space > 0 && (!last || space > lo * 0.6)) cut = space;
    const head = chars.slice(0, cut).join("").trimEnd();
    const tail = chars.slice(cut).join("").trimStart();
    return [last ? (head ? head + ELLIPSIS : ELLIPSIS) : head || chars.slice(0, 1).join(""), tail];
  }

  function place(lines: string[], unquantized: number, truncated: boolean): FittedText {
    const size = quantizeSize(unquantized);
    const ascent = font.ascent(size);
    const blockH = lineBox(size) + (lines.length - 1) * size * pitch;
    const valign = style.valign ?? "top";
    const top =
      valign === "top" ? box.y : valign === "bottom" ? box.y + box.h - blockH : box.y + (box.h - blockH) / 2;
    const placed = lines.map((line, i) => {
      const width = font.measure(line, size);
      const align = style.align ?? "start";
      const x =
        align === "start" ? box.x : align === "end" ? box.x + box.w - width : box.x + (box.w - width) / 2;
      return { text: line, x, baseline: top + ascent + i * size * pitch, width };
    });
    const width = Math.max(...placed.map((l) => l.width));
    const left = Math.min(...placed.map((l) => l.x));
    return {
      weight: style.weight,
      size,
      lines: placed,
      truncated,
      bounds: { x: left, y: top, w: width, h: blockH },
    };
  }
}

function maxSizeForHeight(h: number, lineBoxPerPx: number): number {
  return h / lineBoxPerPx - 1e-9;
}
