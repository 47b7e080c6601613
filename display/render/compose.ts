import { Resvg } from "@resvg/resvg-js";
import type { ColorMode } from "../../schemas/common.ts";
import { barcodeBoxes, barcodeDigits, qrBoxes } from "../labels/code-geometry.ts";
import type { Box } from "../labels/fit.ts";
import type { LabelLayout } from "../labels/layout.ts";
import { strikeBoxes } from "../labels/layout.ts";
import type { Rotation } from "../labels/panels.ts";
import { type FontWeight, labelFont } from "./font/fonts.ts";
import { classify, inksFor, planeCount, rowBytes } from "./planes.ts";

/**
 * The fast raster path. A label is rectangles (bands, plates, bars, QR modules, strike-throughs)
 * and glyphs. Rectangles are whole pixels by construction, so they are filled directly; each
 * glyph is rasterised once per (font, size, quarter-pixel phase) by resvg, from the very same path
 * data the label's SVG carries, and then stamped wherever it recurs. resvg draws without
 * anti-aliasing (pixel centres inside the outline), which does not depend on where in the image
 * a shape sits, so stamping gives the pixels resvg gives for the whole SVG; the test
 * `render-compose.test.ts` holds the two paths to that.
 */

/** Ink per pixel in drawing orientation: 0 paper, 1 black, 2 red, 3 yellow. */
export interface InkCanvas {
  width: number;
  height: number;
  ink: Uint8Array;
}

const INK_INDEX: Record<string, number> = { "#ffffff": 0, "#000000": 1, "#ff0000": 2, "#ffff00": 3 };
const INK_RGB: [number, number, number][] = [
  [255, 255, 255],
  [0, 0, 0],
  [255, 0, 0],
  [255, 255, 0],
];

function inkOf(fill: string): number {
  const i = INK_INDEX[fill.toLowerCase()];
  if (i === undefined) throw new Error(`fill ${fill} is not a panel ink`);
  return i;
}

interface GlyphMask {
  /** Offset of the mask's top-left pixel from the pen's whole-pixel position. */
  dx: number;
  dy: number;
  /** Filled runs as [row, start, length] triples. */
  runs: Int32Array;
}

const MASK_OPTIONS = { font: { loadSystemFonts: false }, shapeRendering: 1, logLevel: "off" } as const;
const masks = new Map<number | string, GlyphMask>();
const MASK_LIMIT = 40_000;

function maskKey(weight: FontWeight, glyph: number, size: number, phase: number): number | string {
  const q = size * 4;
  return Number.isInteger(q) && q < 16384
    ? ((glyph * 16384 + q) * 4 + phase * 4) * 2 + (weight === "bold" ? 1 : 0)
    : `${weight}|${glyph}|${size}|${phase}`;
}

/**
 * Rasterise the missing glyph bitmaps of one text run in a single resvg call: each glyph gets its
 * own cell of a strip, at a whole-pixel offset plus its phase, and is cut out afterwards. One call
 * per run instead of one per glyph keeps a cold cache cheap.
 */
function rasteriseMasks(weight: FontWeight, size: number, wanted: { glyph: number; phase: number }[]): void {
  const font = labelFont(weight);
  const cells: { key: number | string; bx: number; by: number; x0: number; w: number }[] = [];
  let d = "";
  let x0 = 0;
  let h = 1;
  const seen = new Set<number | string>();
  for (const { glyph, phase } of wanted) {
    const key = maskKey(weight, glyph, size, phase);
    if (seen.has(key)) continue;
    seen.add(key);
    const outline = font.glyphOutline(glyph, size);
    const bx = Math.ceil(-outline.minX) + 1;
    const by = Math.ceil(-outline.minY) + 1;
    const w = Math.ceil(outline.maxX + bx + phase) + 2;
    h = Math.max(h, Math.ceil(outline.maxY + by) + 2);
    d += `M${x0 + bx + phase} ${by}${outline.path}`;
    cells.push({ key, bx, by, x0, w });
    x0 += w;
  }
  if (cells.length === 0) return;
  const width = x0;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${h}"><path d="${d}"/></svg>`;
  const pixels = new Resvg(svg, MASK_OPTIONS).render().pixels;
  for (const cell of cells) {
    const runs: number[] = [];
    for (let y = 0; y < h; y++) {
      let x = 0;
      while (x < cell.w) {
        if ((pixels[(y * width + cell.x0 + x) * 4 + 3] ?? 0) < 128) {
          x++;
          continue;
        }
        const start = x;
        while (x < cell.w && (pixels[(y * width + cell.x0 + x) * 4 + 3] ?? 0) >= 128) x++;
        runs.push(y, start, x - start);
      }
    }
    if (masks.size >= MASK_LIMIT) masks.delete(masks.keys().next().value as number | string);
    masks.set(cell.key, { dx: -cell.bx, dy: -cell.by, runs: Int32Array.from(runs) });
  }
}

function fillBox(canvas: InkCanvas, box: Box, ink: number): void {
  const x0 = Math.max(0, box.x);
  const y0 = Math.max(0, box.y);
  const x1 = Math.min(canvas.width, box.x + box.w);
  const y1 = Math.min(canvas.height, box.y + box.h);
  for (let y = y0; y < y1; y++) canvas.ink.fill(ink, y * canvas.width + x0, y * canvas.width + x1);
}

function drawText(
  canvas: InkCanvas,
  weight: FontWeight,
  text: string,
  size: number,
  x: number,
  y: number,
  ink: number,
): void {
  const placed = labelFont(weight).placements(text, size, x, y);
  const missing: { glyph: number; phase: number }[] = [];
  for (const p of placed) {
    const phase = p.x - Math.floor(p.x);
    if (!masks.has(maskKey(weight, p.glyph, size, phase))) missing.push({ glyph: p.glyph, phase });
  }
  if (missing.length > 0) rasteriseMasks(weight, size, missing);
  for (const p of placed) {
    const ix = Math.floor(p.x);
    const key = maskKey(weight, p.glyph, size, p.x - ix);
    let mask = masks.get(key);
    if (!mask) {
      // Evicted while this run's missing glyphs were added (only when the cache is full).
      rasteriseMasks(weight, size, [{ glyph: p.glyph, phase: p.x - ix }]);
      mask = masks.get(key)!;
    }
    const ox = ix + mask.dx;
    const oy = p.y + mask.dy;
    const runs = mask.runs;
    for (let i = 0; i < runs.length; i += 3) {
      const row = oy + runs[i]!;
      if (row < 0 || row >= canvas.height) continue;
      const start = Math.max(0, ox + runs[i + 1]!);
      const end = Math.min(canvas.width, ox + runs[i + 1]! + runs[i + 2]!);
      if (end > start) canvas.ink.fill(ink, row * canvas.width + start, row * canvas.width + end);
    }
  }
}

/** Draw a layout (without pictures) into an ink canvas, in the layout's own orientation. */
export function composeLayout(layout: LabelLayout): InkCanvas {
  const canvas: InkCanvas = {
    width: layout.width,
    height: layout.height,
    ink: new Uint8Array(layout.width * layout.height),
  };
  for (const el of layout.elements) {
    switch (el.kind) {
      case "rect":
        fillBox(canvas, el.box, inkOf(el.fill));
        break;
      case "text": {
        const ink = inkOf(el.fill);
        for (const l of el.fitted.lines)
          drawText(canvas, el.fitted.weight, l.text, el.fitted.size, l.x, l.baseline, ink);
        if (el.strike) for (const b of strikeBoxes(el.fitted)) fillBox(canvas, b, inkOf(el.strike));
        break;
      }
      case "price": {
        const ink = inkOf(el.fill);
        for (const r of el.fitted.runs) drawText(canvas, "bold", r.text, r.size, r.x, r.baseline, ink);
        break;
      }
      case "barcode":
        for (const b of barcodeBoxes(el)) fillBox(canvas, b, 1);
        for (const t of barcodeDigits(el)) drawText(canvas, "bold", t.text, t.size, t.x, t.baseline, 1);
        break;
      case "qr":
        for (const b of qrBoxes(el)) fillBox(canvas, b, 1);
        break;
      case "picture":
        throw new Error("pictures are drawn by the SVG path");
    }
  }
  return canvas;
}

/** Ink canvas (drawing orientation) to panel planes (native orientation). */
export function canvasToPlanes(canvas: InkCanvas, colors: ColorMode, rotation: Rotation = 0): Uint8Array[] {
  const inks = inksFor(colors);
  // Which plane each ink lands on for this panel: the same quantiser as the SVG path uses.
  const planeOf = INK_RGB.map(([r, g, b]) => classify(inks, r, g, b).plane);
  const lw = canvas.width;
  const lh = canvas.height;
  const quarter = rotation === 90 || rotation === 270;
  const nw = quarter ? lh : lw;
  const nh = quarter ? lw : lh;
  const stride = rowBytes(nw);
  const planes = Array.from({ length: planeCount(colors) }, () => new Uint8Array(stride * nh));
  const ink = canvas.ink;
  if (rotation === 0) {
    packUpright(ink, lw, lh, planeOf, planes, stride);
    return planes;
  }
  // Four pixels at a time: most of a label is paper, and a zero word skips four at once.
  const words =
    ink.byteOffset % 4 === 0 && ink.length % 4 === 0
      ? new Uint32Array(ink.buffer, ink.byteOffset, ink.length / 4)
      : undefined;
  for (let y = 0, i = 0; y < lh; y++) {
    for (let x = 0; x < lw; x++, i++) {
      if (words && (i & 3) === 0 && x + 4 <= lw && words[i >> 2] === 0) {
        x += 3;
        i += 3;
        continue;
      }
      const v = ink[i]!;
      if (v === 0) continue;
      const plane = planeOf[v]!;
      if (plane < 0) continue;
      let nx = x;
      let ny = y;
      if (rotation === 90) {
        nx = lh - 1 - y;
        ny = x;
      } else if (rotation === 180) {
        nx = lw - 1 - x;
        ny = lh - 1 - y;
      } else if (rotation === 270) {
        nx = y;
        ny = lw - 1 - x;
      }
      planes[plane]![ny * stride + (nx >> 3)]! |= 0x80 >> (nx & 7);
    }
  }
  return planes;
}

/** Upright packing, eight pixels to a byte: the common case, kept tight. */
function packUpright(
  ink: Uint8Array,
  width: number,
  height: number,
  planeOf: number[],
  planes: Uint8Array[],
  stride: number,
): void {
  const p0 = planes[0]!;
  const p1 = planes[1];
  const p2 = planes[2];
  const fullBytes = width >> 3;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const out = y * stride;
    for (let bx = 0; bx <= fullBytes; bx++) {
      const x0 = bx << 3;
      const n = Math.min(8, width - x0);
      if (n <= 0) break;
      let b0 = 0;
      let b1 = 0;
      let b2 = 0;
      for (let k = 0; k < n; k++) {
        const v = ink[row + x0 + k]!;
        if (v === 0) continue;
        const plane = planeOf[v]!;
        const bit = 0x80 >> k;
        if (plane === 0) b0 |= bit;
        else if (plane === 1) b1 |= bit;
        else if (plane === 2) b2 |= bit;
      }
      if (b0) p0[out + bx] = b0;
      if (b1 && p1) p1[out + bx] = b1;
      if (b2 && p2) p2[out + bx] = b2;
    }
  }
}
