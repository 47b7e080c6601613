import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { TrueTypeFont } from "./ttf.ts";

/**
 * The label typeface: Roboto Condensed from an npm package, so every machine draws the same pixels
 * (no system font is ever consulted). Condensed, because shelf labels are short of width.
 */
export type FontWeight = "regular" | "bold";

const FONT_PACKAGE = "@expo-google-fonts/roboto-condensed";
const FONT_FILES: Record<FontWeight, string> = {
  regular: "400Regular/RobotoCondensed_400Regular.ttf",
  bold: "700Bold/RobotoCondensed_700Bold.ttf",
};

const require = createRequire(import.meta.url);

/** Absolute paths of the shipped font files (for the docs and for anyone who wants to reuse them). */
export function fontFilePaths(): Record<FontWeight, string> {
  return {
    regular: require.resolve(`${FONT_PACKAGE}/${FONT_FILES.regular}`),
    bold: require.resolve(`${FONT_PACKAGE}/${FONT_FILES.bold}`),
  };
}

export interface ShapedText {
  glyphs: Uint16Array;
  /** Pen x of each glyph, font units. */
  xs: Float64Array;
  /** Advance of the whole run, font units. */
  width: number;
}

export class LabelFont {
  readonly ttf: TrueTypeFont;
  readonly unitsPerEm: number;
  private readonly shaped = new Map<string, ShapedText>();
  private readonly spaceGlyph: number;

  constructor(bytes: Uint8Array) {
    this.ttf = new TrueTypeFont(bytes);
    this.unitsPerEm = this.ttf.metrics.unitsPerEm;
    this.spaceGlyph = this.ttf.glyphId(0x20);
  }

  /** Glyphs and pen positions with pair kerning; left to right, one glyph per code point. */
  shape(text: string): ShapedText {
    let s = this.shaped.get(text);
    if (s) return s;
    const cps = Array.from(text.normalize("NFC"), (ch) => ch.codePointAt(0) ?? 0);
    const glyphs = new Uint16Array(cps.length);
    const xs = new Float64Array(cps.length);
    let x = 0;
    let prev = -1;
    for (let i = 0; i < cps.length; i++) {
      const cp = cps[i] ?? 0;
      // Locale formatters emit no-break and narrow spaces the font may lack: draw them as a space.
      const g = this.ttf.hasGlyph(cp) ? this.ttf.glyphId(cp) : isSpace(cp) ? this.spaceGlyph : 0;
      if (prev >= 0) x += this.ttf.kerning(prev, g);
      glyphs[i] = g;
      xs[i] = x;
      x += this.ttf.advance(g);
      prev = g;
    }
    s = { glyphs, xs, width: x };
    if (this.shaped.size > 20_000) this.shaped.clear();
    this.shaped.set(text, s);
    return s;
  }

  /** Width in pixels of `text` at `size` px (the em size). */
  measure(text: string, size: number): number {
    return (this.shape(text).width * size) / this.unitsPerEm;
  }

  /** Height in pixels of capital letters and digits at `size` (digits share the cap height here). */
  capHeight(size: number): number {
    return (this.ttf.metrics.capHeight * size) / this.unitsPerEm;
  }

  ascent(size: number): number {
    return (this.ttf.metrics.ascender * size) / this.unitsPerEm;
  }

  descent(size: number): number {
    return (-this.ttf.metrics.descender * size) / this.unitsPerEm;
  }

  /**
   * SVG path data of `text` at `size` px with its baseline's left end at (x, y). Coordinates are
   * rounded to 1/100 px, far below what a panel pixel can show.
   */
  path(text: string, size: number, x: number, y: number): string {
    const shaped = this.shape(text);
    const scale = size / this.unitsPerEm;
    const out: string[] = [];
    for (let i = 0; i < shaped.glyphs.length; i++) {
      const ox = x + (shaped.xs[i] ?? 0) * scale;
      for (const contour of this.ttf.outline(shaped.glyphs[i] ?? 0)) {
        appendContour(out, contour, scale, ox, y);
      }
    }
    return out.join("");
  }
}

function isSpace(cp: number): boolean {
  return cp === 0xa0 || cp === 0x202f || cp === 0x2009 || cp === 0x2007 || cp === 0x2008 || cp === 0x3000;
}

function r(n: number): string {
  return String(Math.round(n * 100) / 100);
}

/** A TrueType contour (on-curve points and quadratic controls; two controls in a row imply an on-curve midpoint). */
function appendContour(
  out: string[],
  contour: readonly { x: number; y: number; onCurve: boolean }[],
  scale: number,
  ox: number,
  oy: number,
): void {
  const n = contour.length;
  if (n === 0) return;
  const px = (i: number) => ox + (contour[(i + n) % n]?.x ?? 0) * scale;
  const py = (i: number) => oy - (contour[(i + n) % n]?.y ?? 0) * scale;
  const on = (i: number) => contour[(i + n) % n]?.onCurve ?? true;

  let start = contour.findIndex((p) => p.onCurve);
  let sx: number;
  let sy: number;
  if (start >= 0) {
    sx = px(start);
    sy = py(start);
  } else {
    // All off-curve: start at the implied point between the last and the first control.
    start = 0;
    sx = (px(-1) + px(0)) / 2;
    sy = (py(-1) + py(0)) / 2;
    out.push(`M${r(sx)} ${r(sy)}`);
    for (let k = 0; k < n; k++) {
      const mx = (px(k) + px(k + 1)) / 2;
      const my = (py(k) + py(k + 1)) / 2;
      out.push(`Q${r(px(k))} ${r(py(k))} ${r(mx)} ${r(my)}`);
    }
    out.push("Z");
    return;
  }
  out.push(`M${r(sx)} ${r(sy)}`);
  for (let k = 1; k <= n; k++) {
    const i = start + k;
    if (on(i)) {
      out.push(`L${r(px(i))} ${r(py(i))}`);
      continue;
    }
    const cx = px(i);
    const cy = py(i);
    let ex: number;
    let ey: number;
    if (on(i + 1)) {
      ex = px(i + 1);
      ey = py(i + 1);
      k++;
    } else {
      ex = (cx + px(i + 1)) / 2;
      ey = (cy + py(i + 1)) / 2;
    }
    out.push(`Q${r(cx)} ${r(cy)} ${r(ex)} ${r(ey)}`);
  }
  out.push("Z");
}

let loaded: Record<FontWeight, LabelFont> | undefined;

export function labelFonts(): Record<FontWeight, LabelFont> {
  if (!loaded) {
    const paths = fontFilePaths();
    loaded = {
      regular: new LabelFont(readFileSync(paths.regular)),
      bold: new LabelFont(readFileSync(paths.bold)),
    };
  }
  return loaded;
}

export function labelFont(weight: FontWeight): LabelFont {
  return labelFonts()[weight];
}
