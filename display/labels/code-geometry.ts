import { labelFont, quantizeSize } from "../render/font/fonts.ts";
import type { Box } from "./fit.ts";
import type { LabelLayout } from "./layout.ts";

/**
 * Where the bars, digits and modules of a code go, in whole pixels. The SVG components and the
 * compositor both draw from these, so the two can never disagree.
 */

export type BarcodeElement = Extract<LabelLayout["elements"][number], { kind: "barcode" }>;
export type QrElement = Extract<LabelLayout["elements"][number], { kind: "qr" }>;

/** Bars of an EAN-13/EAN-8 on whole pixels; guard bars reach down into the digit line. */
export function barcodeBoxes(el: BarcodeElement): Box[] {
  const { code, x, y, module: m, barHeight, digitSize } = el;
  const x0 = x + (code.symbology === "ean13" ? 11 : 7) * m;
  const guardExtra = Math.round(digitSize * 0.5);
  const guards = new Set(code.guards);
  const boxes: Box[] = [];
  let cx = x0;
  let bar = 0;
  code.runs.forEach((run, i) => {
    const w = run * m;
    if (i % 2 === 0) {
      boxes.push({ x: cx, y, w, h: barHeight + (guards.has(bar) ? guardExtra : 0) });
      bar++;
    }
    cx += w;
  });
  return boxes;
}

/** The human-readable digits under the bars, grouped as printed on packs. */
export function barcodeDigits(
  el: BarcodeElement,
): { text: string; size: number; x: number; baseline: number }[] {
  const { code, x, y, module: m, barHeight, digitSize } = el;
  const ean13 = code.symbology === "ean13";
  const x0 = x + (ean13 ? 11 : 7) * m;
  const bold = labelFont("bold");
  const baseline = y + barHeight + Math.ceil(bold.capHeight(digitSize)) + 1;
  const groups: [string, number, number][] = ean13
    ? [
        [code.digits.slice(0, 1), x, x0 - m],
        [code.digits.slice(1, 7), x0 + 3 * m, x0 + 45 * m],
        [code.digits.slice(7), x0 + 50 * m, x0 + 92 * m],
      ]
    : [
        [code.digits.slice(0, 4), x0 + 3 * m, x0 + 31 * m],
        [code.digits.slice(4), x0 + 36 * m, x0 + 64 * m],
      ];
  return groups.map(([text, from, to]) => {
    const size = quantizeSize(Math.min(digitSize, ((to - from) / bold.measure(text, 1)) * 0.98));
    const w = bold.measure(text, size);
    return { text, size, x: from + (to - from - w) / 2, baseline };
  });
}

/** QR modules merged into horizontal runs; one module of quiet zone on each side. */
export function qrBoxes(el: QrElement): Box[] {
  const { code, x, y, module: m } = el;
  const boxes: Box[] = [];
  for (let row = 0; row < code.size; row++) {
    let col = 0;
    while (col < code.size) {
      if (!code.modules[row * code.size + col]) {
        col++;
        continue;
      }
      const start = col;
      while (col < code.size && code.modules[row * code.size + col]) col++;
      boxes.push({ x: x + (start + 1) * m, y: y + (row + 1) * m, w: (col - start) * m, h: m });
    }
  }
  return boxes;
}
