import { readFileSync } from "node:fs";
import { fromPackageRoot } from "../../../lib/paths.ts";
import { TrueTypeFont } from "./ttf.ts";

/**
 * The label typeface: Roboto Condensed, committed in `files/` with its licence (OFL 1.1), so every
 * machine draws the same pixels (no system font is ever consulted) and no dependency update can
 * change a golden image. Condensed, because shelf labels are short of width.
 */
export type FontWeight = "regular" | "bold";

const FONT_DIR = ["display", "render", "font", "files"];
const FONT_FILES: Record<FontWeight, string> = {
  regular: "RobotoCondensed-Regular.ttf",
  bold: "RobotoCondensed-Bold.ttf",
};

/** Absolute paths of the shipped font files (for the docs and for anyone who wants to reuse them). */
export function fontFilePaths(): Record<FontWeight, string> {
  return {
    regular: fromPackageRoot(...FONT_DIR, FONT_FILES.regular),
    bold: fromPackageRoot(...FONT_DIR, FONT_FILES.bold),
  };
}

export interface ShapedText {
  glyphs: Uint16Array;
  /** Pen x of each glyph, font units. */
  xs: Float64Array;
  /** Advance of the whole run, font units. */
  width: number;
}

/** A stretch of text in one script; `script` is its OpenType script tag. */
interface ScriptRun {
  script: string;
}
const NO_SCRIPT: ScriptRun = { script: "DFLT" };

/** OpenType tags of the scripts the label font covers; letters of any other script shape as DFLT. */
const SCRIPT_TAGS: [RegExp, string][] = [
  [/\p{Script=Latin}/u, "latn"],
  [/\p{Script=Greek}/u, "grek"],
  [/\p{Script=Cyrillic}/u, "cyrl"],
];
const WEAK = /[\p{Script=Common}\p{Script=Inherited}]/u;

/** The script tag of a code point, or null for one that takes its neighbours' (digits, punctuation). */
function scriptOf(cp: number): string | null {
  const ch = String.fromCodePoint(cp);
  if (WEAK.test(ch)) return null;
  for (const [re, tag] of SCRIPT_TAGS) if (re.test(ch)) return tag;
  return "DFLT";
}

/**
 * The script run of each code point, as a shaper itemises text: a run lasts until a letter of
 * another script; digits, punctuation and spaces belong to the run they are in (those before the
 * first letter to the first letter's run). Text without letters is one DFLT run. Same object = same run.
 */
export function scriptRuns(cps: readonly number[]): ScriptRun[] {
  const scripts = cps.map(scriptOf);
  let current: ScriptRun = { script: scripts.find((t) => t !== null) ?? "DFLT" };
  return scripts.map((tag) => {
    if (tag !== null && tag !== current.script) current = { script: tag };
    return current;
  });
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

  /**
   * Glyphs and pen positions with pair kerning; left to right, one glyph per code point. Kerning is
   * that of the script run each pair is in (see scriptRuns); two runs are not kerned against each other.
   */
  shape(text: string): ShapedText {
    let s = this.shaped.get(text);
    if (s) return s;
    const cps = Array.from(text.normalize("NFC"), (ch) => ch.codePointAt(0) ?? 0);
    const runs = scriptRuns(cps);
    const glyphs = new Uint16Array(cps.length);
    const xs = new Float64Array(cps.length);
    let x = 0;
    let prev = -1;
    for (let i = 0; i < cps.length; i++) {
      const cp = cps[i] ?? 0;
      // Locale formatters emit no-break and narrow spaces the font may lack: draw them as a space.
      const g = this.ttf.hasGlyph(cp) ? this.ttf.glyphId(cp) : isSpace(cp) ? this.spaceGlyph : 0;
      const run = runs[i] ?? NO_SCRIPT;
      if (prev >= 0 && run === runs[i - 1]) x += this.ttf.kerning(prev, g, run.script);
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
   * Where each visible glyph of `text` goes at `size` px with the baseline's left end at (x, y).
   * Pen positions snap to a quarter pixel across (a whole one from 40 px) and the baseline to a whole pixel (a light form of
   * hinting: stems and baselines land the same way every time), which also bounds how many distinct
   * glyph bitmaps the compositor ever needs.
   */
  placements(text: string, size: number, x: number, y: number): GlyphPlacement[] {
    const shaped = this.shape(text);
    const scale = size / this.unitsPerEm;
    const baseline = Math.round(y);
    // Large glyphs gain nothing visible from sub-pixel positions; whole pixels keep their bitmaps few.
    const phases = size >= 40 ? 1 : X_PHASES;
    const out: GlyphPlacement[] = [];
    for (let i = 0; i < shaped.glyphs.length; i++) {
      const glyph = shaped.glyphs[i] ?? 0;
      const outline = this.glyphOutline(glyph, size);
      if (!outline.path) continue;
      out.push({
        glyph,
        outline,
        x: Math.round((x + (shaped.xs[i] ?? 0) * scale) * phases) / phases,
        y: baseline,
      });
    }
    return out;
  }

  /**
   * SVG path data of `text` (see `placements`): per glyph an absolute move to its pen position and
   * then its outline in relative commands, cached per glyph and size. All coordinates lie on a
   * 1/64 px grid, exact in binary floating point, so a glyph drawn alone and the same glyph drawn
   * inside a whole label cover exactly the same pixels.
   */
  path(text: string, size: number, x: number, y: number): string {
    let out = "";
    for (const p of this.placements(text, size, x, y)) out += `M${p.x} ${p.y}${p.outline.path}`;
    return out;
  }

  private readonly glyphOutlines = new Map<number | string, GlyphOutlineAtSize>();

  glyphOutline(glyph: number, size: number): GlyphOutlineAtSize {
    // Quantised sizes (whole quarter pixels) get a numeric key: cheaper than building a string per glyph.
    const q = size * 4;
    const key = Number.isInteger(q) && q < 16384 ? glyph * 16384 + q : `${glyph}@${size}`;
    let o = this.glyphOutlines.get(key);
    if (o === undefined) {
      const scale = size / this.unitsPerEm;
      const cmds: Command[] = [];
      for (const contour of this.ttf.outline(glyph)) appendContour(cmds, contour, scale);
      let minX = 0;
      let minY = 0;
      let maxX = 0;
      let maxY = 0;
      for (const c of cmds) {
        if (c.op === "Z") continue;
        const xs = c.op === "Q" ? [c.cx, c.x] : [c.x];
        const ys = c.op === "Q" ? [c.cy, c.y] : [c.y];
        minX = Math.min(minX, ...xs);
        maxX = Math.max(maxX, ...xs);
        minY = Math.min(minY, ...ys);
        maxY = Math.max(maxY, ...ys);
      }
      o = {
        path: toRelative(cmds),
        minX: minX / GRID,
        minY: minY / GRID,
        maxX: maxX / GRID,
        maxY: maxY / GRID,
      };
      if (this.glyphOutlines.size > 50_000) this.glyphOutlines.clear();
      this.glyphOutlines.set(key, o);
    }
    return o;
  }
}

/** Sub-pixel pen positions across for text under 40 px: quarter pixels. */
export const X_PHASES = 4;
/** Outline coordinates are whole multiples of 1/GRID px. */
const GRID = 64;

/**
 * Text sizes step by a quarter pixel below 16 px, half a pixel below 40 px, one pixel below 80 px
 * and two above: steps no eye can tell apart on a panel, so equal-looking text is equal and a
 * store's labels share a bounded set of glyph bitmaps. Always rounds down, so fitted text never grows.
 */
export function quantizeSize(size: number): number {
  const perPx = size < 16 ? 4 : size < 40 ? 2 : size < 80 ? 1 : 0.5;
  return Math.floor(size * perPx + 1e-9) / perPx;
}

export interface GlyphOutlineAtSize {
  /** Relative path data from the pen position; "" for a glyph with no ink (a space). */
  path: string;
  /** Control-point bounds relative to the pen position, px, y down. */
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export interface GlyphPlacement {
  glyph: number;
  outline: GlyphOutlineAtSize;
  /** Pen position, px (x on quarter pixels, y whole). */
  x: number;
  y: number;
}

function isSpace(cp: number): boolean {
  return cp === 0xa0 || cp === 0x202f || cp === 0x2009 || cp === 0x2007 || cp === 0x2008 || cp === 0x3000;
}

/** A path command with points in whole 1/GRID px, glyph origin at (0, 0), y down. */
type Command =
  | { op: "M" | "L"; x: number; y: number }
  | { op: "Q"; cx: number; cy: number; x: number; y: number }
  | { op: "Z" };

/** A TrueType contour (on-curve points and quadratic controls; two controls in a row imply an on-curve midpoint). */
function appendContour(
  out: Command[],
  contour: readonly { x: number; y: number; onCurve: boolean }[],
  scale: number,
): void {
  const n = contour.length;
  if (n === 0) return;
  const at = (i: number) => contour[(i + n) % n] ?? { x: 0, y: 0, onCurve: true };
  const px = (i: number) => at(i).x * scale * GRID;
  const py = (i: number) => -at(i).y * scale * GRID;
  const R = Math.round;

  const start = contour.findIndex((p) => p.onCurve);
  if (start < 0) {
    // All off-curve: start at the implied point between the last and the first control.
    out.push({ op: "M", x: R((px(-1) + px(0)) / 2), y: R((py(-1) + py(0)) / 2) });
    for (let k = 0; k < n; k++) {
      out.push({
        op: "Q",
        cx: R(px(k)),
        cy: R(py(k)),
        x: R((px(k) + px(k + 1)) / 2),
        y: R((py(k) + py(k + 1)) / 2),
      });
    }
    out.push({ op: "Z" });
    return;
  }
  out.push({ op: "M", x: R(px(start)), y: R(py(start)) });
  for (let k = 1; k <= n; k++) {
    const i = start + k;
    if (at(i).onCurve) {
      out.push({ op: "L", x: R(px(i)), y: R(py(i)) });
      continue;
    }
    if (at(i + 1).onCurve) {
      out.push({ op: "Q", cx: R(px(i)), cy: R(py(i)), x: R(px(i + 1)), y: R(py(i + 1)) });
      k++;
    } else {
      out.push({
        op: "Q",
        cx: R(px(i)),
        cy: R(py(i)),
        x: R((px(i) + px(i + 1)) / 2),
        y: R((py(i) + py(i + 1)) / 2),
      });
    }
  }
  out.push({ op: "Z" });
}

/** Relative path data from the glyph origin; whole grid units keep every step exact. */
function toRelative(cmds: Command[]): string {
  let out = "";
  let cx = 0;
  let cy = 0;
  let sx = 0;
  let sy = 0;
  const h = (v: number) => String(v / GRID);
  for (const c of cmds) {
    if (c.op === "Z") {
      out += "z";
      cx = sx;
      cy = sy;
    } else if (c.op === "Q") {
      out += `q${h(c.cx - cx)} ${h(c.cy - cy)} ${h(c.x - cx)} ${h(c.y - cy)}`;
      cx = c.x;
      cy = c.y;
    } else {
      out += `${c.op === "M" ? "m" : "l"}${h(c.x - cx)} ${h(c.y - cy)}`;
      cx = c.x;
      cy = c.y;
      if (c.op === "M") {
        sx = cx;
        sy = cy;
      }
    }
  }
  return out;
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
