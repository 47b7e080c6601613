import { PNG } from "pngjs";
import type { ColorMode } from "../../schemas/common.ts";

/**
 * Panel planes: one bit per pixel per plane, row-major, most significant bit first, each row padded
 * to whole bytes, bit 1 = ink. Plane 0 is black; plane 1 is red (bwr) or yellow (bwy); for bwry,
 * plane 1 is red and plane 2 yellow. A pixel has at most one bit set across its planes; none set is
 * white. docs/rendering.md is the reference.
 */

interface Ink {
  rgb: readonly [number, number, number];
  /** Plane index, or -1 for paper. */
  plane: number;
}

const WHITE: Ink = { rgb: [255, 255, 255], plane: -1 };
const BLACK: Ink = { rgb: [0, 0, 0], plane: 0 };

export function inksFor(colors: ColorMode): Ink[] {
  switch (colors) {
    case "bw":
      return [WHITE, BLACK];
    case "bwr":
      return [WHITE, BLACK, { rgb: [255, 0, 0], plane: 1 }];
    case "bwy":
      return [WHITE, BLACK, { rgb: [255, 255, 0], plane: 1 }];
    case "bwry":
      return [WHITE, BLACK, { rgb: [255, 0, 0], plane: 1 }, { rgb: [255, 255, 0], plane: 2 }];
  }
}

export function planeCount(colors: ColorMode): number {
  return colors === "bw" ? 1 : colors === "bwry" ? 3 : 2;
}

export function rowBytes(width: number): number {
  return (width + 7) >> 3;
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Share of ink a mixed edge pixel needs to count as ink against paper: just under half keeps hairlines. */
const INK_COVERAGE = 0.42;

/**
 * Thresholding for an edge pixel that is a mix of two inks (or ink and paper): find the pair of
 * inks whose blend it lies closest to, then take the nearer end. A grey edge of black text is a
 * black/paper blend, never red, however close grey is to red in plain RGB distance.
 */
export function classify(inks: Ink[], r: number, g: number, b: number): Ink {
  let best = inks[0] ?? WHITE;
  let bestD = Number.POSITIVE_INFINITY;
  for (let i = 0; i < inks.length; i++) {
    const a = inks[i] as Ink;
    for (let j = i + 1; j < inks.length; j++) {
      const c = inks[j] as Ink;
      const dx = c.rgb[0] - a.rgb[0];
      const dy = c.rgb[1] - a.rgb[1];
      const dz = c.rgb[2] - a.rgb[2];
      const len = dx * dx + dy * dy + dz * dz;
      const t = Math.max(
        0,
        Math.min(1, ((r - a.rgb[0]) * dx + (g - a.rgb[1]) * dy + (b - a.rgb[2]) * dz) / len),
      );
      const er = r - (a.rgb[0] + t * dx);
      const eg = g - (a.rgb[1] + t * dy);
      const eb = b - (a.rgb[2] + t * dz);
      const d = er * er + eg * eg + eb * eb;
      if (d < bestD) {
        bestD = d;
        // Against paper, ink wins from INK_COVERAGE on; between two inks, the nearer one.
        const cut = a.plane < 0 ? INK_COVERAGE : c.plane < 0 ? 1 - INK_COVERAGE : 0.5;
        best = t >= cut ? c : a;
      }
    }
  }
  return best;
}

/** Plain nearest ink, for error diffusion (which must quantise without bias). */
function nearest(inks: Ink[], r: number, g: number, b: number): Ink {
  let best = inks[0] ?? WHITE;
  let bestD = Number.POSITIVE_INFINITY;
  for (const ink of inks) {
    const dr = r - ink.rgb[0];
    const dg = g - ink.rgb[1];
    const db = b - ink.rgb[2];
    const d = dr * dr + dg * dg + db * db;
    if (d < bestD) {
      bestD = d;
      best = ink;
    }
  }
  return best;
}

/**
 * RGBA (opaque, from the rasteriser) to panel planes. Every pixel takes the nearest ink (a plain
 * threshold, right for text and vector art: edges stay sharp and no stray dots appear), except
 * inside `ditherBoxes`, where Floyd–Steinberg error diffusion spreads the rounding error so a photo's
 * tones survive as dot density.
 */
export function rgbaToPlanes(
  rgba: Uint8Array,
  width: number,
  height: number,
  colors: ColorMode,
  ditherBoxes: readonly Rect[] = [],
): Uint8Array[] {
  const inks = inksFor(colors);
  const stride = rowBytes(width);
  const planes = Array.from({ length: planeCount(colors) }, () => new Uint8Array(stride * height));
  const set = (ink: Ink, x: number, y: number) => {
    if (ink.plane >= 0) (planes[ink.plane] as Uint8Array)[y * stride + (x >> 3)]! |= 0x80 >> (x & 7);
  };
  // Most pixels are exactly paper or an ink: look those up without the distance search.
  const exact = new Map<number, Ink>();
  for (const ink of inks) exact.set((ink.rgb[0] << 16) | (ink.rgb[1] << 8) | ink.rgb[2], ink);

  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i += 4) {
      const r = rgba[i] ?? 255;
      const g = rgba[i + 1] ?? 255;
      const b = rgba[i + 2] ?? 255;
      const key = (r << 16) | (g << 8) | b;
      if (key === 0xffffff) continue;
      set(exact.get(key) ?? classify(inks, r, g, b), x, y);
    }
  }
  for (const box of ditherBoxes) ditherInto(planes, rgba, width, height, inks, stride, box);
  return planes;
}

function ditherInto(
  planes: Uint8Array[],
  rgba: Uint8Array,
  width: number,
  height: number,
  inks: Ink[],
  stride: number,
  box: Rect,
): void {
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(width, Math.ceil(box.x + box.w));
  const y1 = Math.min(height, Math.ceil(box.y + box.h));
  const w = x1 - x0;
  if (w <= 0 || y1 <= y0) return;
  // Two rows of accumulated error (RGB), one pixel of margin each side.
  let cur = new Float32Array((w + 2) * 3);
  let next = new Float32Array((w + 2) * 3);
  for (let y = y0; y < y1; y++) {
    next.fill(0);
    for (let x = x0; x < x1; x++) {
      const i = (y * width + x) * 4;
      const e = (x - x0 + 1) * 3;
      const r = clampByte((rgba[i] ?? 255) + (cur[e] ?? 0));
      const g = clampByte((rgba[i + 1] ?? 255) + (cur[e + 1] ?? 0));
      const b = clampByte((rgba[i + 2] ?? 255) + (cur[e + 2] ?? 0));
      const ink = nearest(inks, r, g, b);
      const byte = y * stride + (x >> 3);
      const bit = 0x80 >> (x & 7);
      for (const p of planes) p[byte]! &= ~bit;
      if (ink.plane >= 0) (planes[ink.plane] as Uint8Array)[byte]! |= bit;
      const er = r - ink.rgb[0];
      const eg = g - ink.rgb[1];
      const eb = b - ink.rgb[2];
      for (let c = 0; c < 3; c++) {
        const err = c === 0 ? er : c === 1 ? eg : eb;
        cur[e + 3 + c]! += (err * 7) / 16;
        next[e - 3 + c]! += (err * 3) / 16;
        next[e + c]! += (err * 5) / 16;
        next[e + 3 + c]! += err / 16;
      }
    }
    [cur, next] = [next, cur];
  }
}

function clampByte(v: number): number {
  return Math.max(0, Math.min(255, v));
}

/** The planes back to RGBA in the panel's inks: exactly what the panel will show. */
export function planesToRgba(
  planes: readonly Uint8Array[],
  width: number,
  height: number,
  colors: ColorMode,
): Uint8Array {
  const inks = inksFor(colors);
  const byPlane = inks.filter((i) => i.plane >= 0).sort((a, b) => a.plane - b.plane);
  const out = new Uint8Array(width * height * 4).fill(255);
  const stride = rowBytes(width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const byte = y * stride + (x >> 3);
      const bit = 0x80 >> (x & 7);
      for (const ink of byPlane) {
        if ((planes[ink.plane]?.[byte] ?? 0) & bit) {
          const o = (y * width + x) * 4;
          out[o] = ink.rgb[0];
          out[o + 1] = ink.rgb[1];
          out[o + 2] = ink.rgb[2];
          break;
        }
      }
    }
  }
  return out;
}

/** PNG (8-bit RGB) of the planes as the panel shows them. */
export function planesToPng(
  planes: readonly Uint8Array[],
  width: number,
  height: number,
  colors: ColorMode,
): Buffer {
  const png = new PNG({ width, height, colorType: 2, inputColorType: 6, inputHasAlpha: true });
  png.data = Buffer.from(planesToRgba(planes, width, height, colors));
  return PNG.sync.write(png, { colorType: 2, inputColorType: 6, inputHasAlpha: true });
}

/** Turn planes drawn upright (width × height) clockwise by `rotation` into the panel's scan order. */
export function rotatePlanes(
  planes: Uint8Array[],
  width: number,
  height: number,
  rotation: 0 | 90 | 180 | 270,
): Uint8Array[] {
  if (rotation === 0) return planes;
  const quarter = rotation === 90 || rotation === 270;
  const nw = quarter ? height : width;
  const nh = quarter ? width : height;
  const src = rowBytes(width);
  const dst = rowBytes(nw);
  return planes.map((plane) => {
    const out = new Uint8Array(dst * nh);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (!((plane[y * src + (x >> 3)] ?? 0) & (0x80 >> (x & 7)))) continue;
        const nx = rotation === 90 ? height - 1 - y : rotation === 180 ? width - 1 - x : y;
        const ny = rotation === 90 ? x : rotation === 180 ? height - 1 - y : width - 1 - x;
        out[ny * dst + (nx >> 3)]! |= 0x80 >> (nx & 7);
      }
    }
    return out;
  });
}
