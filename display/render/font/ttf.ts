/**
 * A small TrueType reader: just enough of `head`, `hhea`, `OS/2`, `cmap`, `hmtx`, `loca`, `glyf`
 * and GPOS pair kerning to measure text with the font's real advance widths and to turn glyphs into
 * outlines. Text is drawn as paths built from these same numbers, so what the layout engine
 * measures is exactly what the rasteriser fills, on every machine.
 */

export interface GlyphPoint {
  x: number;
  y: number;
  onCurve: boolean;
}

/** One glyph's outline in font units (y up), as closed contours of quadratic B-spline points. */
export type GlyphOutline = GlyphPoint[][];

export interface FontMetrics {
  unitsPerEm: number;
  ascender: number;
  descender: number;
  lineGap: number;
  capHeight: number;
  xHeight: number;
}

interface TableRecord {
  offset: number;
  length: number;
}

const ARG_1_AND_2_ARE_WORDS = 0x0001;
const ARGS_ARE_XY_VALUES = 0x0002;
const WE_HAVE_A_SCALE = 0x0008;
const MORE_COMPONENTS = 0x0020;
const WE_HAVE_AN_X_AND_Y_SCALE = 0x0040;
const WE_HAVE_A_TWO_BY_TWO = 0x0080;

export class TrueTypeFont {
  readonly metrics: FontMetrics;
  readonly numGlyphs: number;
  private readonly view: DataView;
  private readonly tables = new Map<string, TableRecord>();
  private readonly advances: Uint16Array;
  private readonly glyphOffsets: Uint32Array;
  private readonly cmap = new Map<number, number>();
  private readonly outlines = new Map<number, GlyphOutline>();
  private readonly kernCache = new Map<number, number>();
  /** Per script tag of the GPOS script list: its 'kern' lookups, in lookup-list order. */
  private readonly kernLookups = new Map<string, number[]>();
  /** Per kern lookup: its pair-adjustment subtables, in order. */
  private readonly pairSubtables = new Map<number, number[]>();
  /** Resolved script tags → a small number for the kerning cache key. */
  private readonly scriptSlots = new Map<string, { slot: number; lookups: number[] }>();

  constructor(bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const v = this.view;
    const numTables = v.getUint16(4);
    for (let i = 0; i < numTables; i++) {
      const rec = 12 + i * 16;
      const tag = String.fromCharCode(
        v.getUint8(rec),
        v.getUint8(rec + 1),
        v.getUint8(rec + 2),
        v.getUint8(rec + 3),
      );
      this.tables.set(tag, { offset: v.getUint32(rec + 8), length: v.getUint32(rec + 12) });
    }
    const head = this.table("head").offset;
    const hhea = this.table("hhea").offset;
    const maxp = this.table("maxp").offset;
    const unitsPerEm = v.getUint16(head + 18);
    const indexToLocFormat = v.getInt16(head + 50);
    this.numGlyphs = v.getUint16(maxp + 4);

    const os2 = this.tables.get("OS/2");
    const hasCapHeight = os2 !== undefined && v.getUint16(os2.offset) >= 2;
    this.metrics = {
      unitsPerEm,
      ascender: v.getInt16(hhea + 4),
      descender: v.getInt16(hhea + 6),
      lineGap: v.getInt16(hhea + 8),
      capHeight: hasCapHeight ? v.getInt16(os2.offset + 88) : Math.round(unitsPerEm * 0.7),
      xHeight: hasCapHeight ? v.getInt16(os2.offset + 86) : Math.round(unitsPerEm * 0.5),
    };

    const numberOfHMetrics = v.getUint16(hhea + 34);
    const hmtx = this.table("hmtx").offset;
    this.advances = new Uint16Array(this.numGlyphs);
    let last = 0;
    for (let g = 0; g < this.numGlyphs; g++) {
      if (g < numberOfHMetrics) last = v.getUint16(hmtx + g * 4);
      this.advances[g] = last;
    }

    const loca = this.table("loca").offset;
    this.glyphOffsets = new Uint32Array(this.numGlyphs + 1);
    for (let g = 0; g <= this.numGlyphs; g++) {
      this.glyphOffsets[g] =
        indexToLocFormat === 0 ? v.getUint16(loca + g * 2) * 2 : v.getUint32(loca + g * 4);
    }

    this.readCmap();
    this.readKerning();
  }

  private table(tag: string): TableRecord {
    const t = this.tables.get(tag);
    if (!t) throw new Error(`font has no '${tag}' table`);
    return t;
  }

  /** Glyph id for a code point; 0 (.notdef) when the font has none. */
  glyphId(codePoint: number): number {
    return this.cmap.get(codePoint) ?? 0;
  }

  hasGlyph(codePoint: number): boolean {
    return this.cmap.has(codePoint);
  }

  /** Advance width in font units. */
  advance(glyphId: number): number {
    return this.advances[glyphId] ?? 0;
  }

  /**
   * Pair kerning in font units (the x advance the GPOS 'kern' feature adds to the first glyph) for
   * text in `script` (an OpenType script tag such as `latn`, `cyrl`, `grek`; `DFLT` for text of no
   * particular script, e.g. digits). As a shaper does it: the script's own 'kern' lookups (its
   * default language system), else those of DFLT, dflt or latn; each lookup applied in lookup-list
   * order, in each the first subtable that applies to the pair, and the adjustments summed.
   */
  kerning(left: number, right: number, script = "DFLT"): number {
    const { slot, lookups } = this.scriptSlot(script);
    const key = (slot * 65536 + left) * 65536 + right;
    let k = this.kernCache.get(key);
    if (k === undefined) {
      k = 0;
      for (const lookup of lookups) k += this.pairAdjustment(lookup, left, right) ?? 0;
      this.kernCache.set(key, k);
    }
    return k;
  }

  private scriptSlot(script: string): { slot: number; lookups: number[] } {
    let s = this.scriptSlots.get(script);
    if (!s) {
      const tag = [script, "DFLT", "dflt", "latn"].find((t) => this.kernLookups.has(t));
      s = { slot: this.scriptSlots.size, lookups: tag ? (this.kernLookups.get(tag) ?? []) : [] };
      this.scriptSlots.set(script, s);
    }
    return s;
  }

  outline(glyphId: number): GlyphOutline {
    let o = this.outlines.get(glyphId);
    if (!o) {
      o = this.readGlyph(glyphId, 0);
      this.outlines.set(glyphId, o);
    }
    return o;
  }

  private readCmap(): void {
    const v = this.view;
    const cmap = this.table("cmap").offset;
    const count = v.getUint16(cmap + 2);
    let best = -1;
    let bestRank = -1;
    for (let i = 0; i < count; i++) {
      const rec = cmap + 4 + i * 8;
      const platform = v.getUint16(rec);
      const encoding = v.getUint16(rec + 2);
      const offset = cmap + v.getUint32(rec + 4);
      const format = v.getUint16(offset);
      // Prefer the full-repertoire Unicode table (format 12), then the BMP one (format 4).
      const unicode = platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10));
      const rank = !unicode ? -1 : format === 12 ? 2 : format === 4 ? 1 : -1;
      if (rank > bestRank) {
        bestRank = rank;
        best = offset;
      }
    }
    if (best < 0) throw new Error("font has no Unicode cmap (format 4 or 12)");
    if (v.getUint16(best) === 12) {
      const groups = v.getUint32(best + 12);
      for (let i = 0; i < groups; i++) {
        const g = best + 16 + i * 12;
        const start = v.getUint32(g);
        const end = v.getUint32(g + 4);
        const startGlyph = v.getUint32(g + 8);
        for (let c = start; c <= end; c++) this.cmap.set(c, startGlyph + (c - start));
      }
      return;
    }
    const segCount = v.getUint16(best + 6) / 2;
    const endCodes = best + 14;
    const startCodes = endCodes + segCount * 2 + 2;
    const idDeltas = startCodes + segCount * 2;
    const idRangeOffsets = idDeltas + segCount * 2;
    for (let s = 0; s < segCount; s++) {
      const end = v.getUint16(endCodes + s * 2);
      const start = v.getUint16(startCodes + s * 2);
      const delta = v.getInt16(idDeltas + s * 2);
      const rangeOffsetPos = idRangeOffsets + s * 2;
      const rangeOffset = v.getUint16(rangeOffsetPos);
      for (let c = start; c <= end && c !== 0xffff; c++) {
        let glyph: number;
        if (rangeOffset === 0) {
          glyph = (c + delta) & 0xffff;
        } else {
          const raw = v.getUint16(rangeOffsetPos + rangeOffset + (c - start) * 2);
          glyph = raw === 0 ? 0 : (raw + delta) & 0xffff;
        }
        if (glyph !== 0) this.cmap.set(c, glyph);
      }
    }
  }

  private readGlyph(glyphId: number, depth: number): GlyphOutline {
    const v = this.view;
    const start = this.glyphOffsets[glyphId];
    const end = this.glyphOffsets[glyphId + 1];
    if (start === undefined || end === undefined || end <= start || depth > 8) return [];
    const at = this.table("glyf").offset + start;
    const numberOfContours = v.getInt16(at);
    if (numberOfContours >= 0) return this.readSimpleGlyph(at, numberOfContours);

    const contours: GlyphOutline = [];
    let p = at + 10;
    let flags = MORE_COMPONENTS;
    while (flags & MORE_COMPONENTS) {
      flags = v.getUint16(p);
      const component = v.getUint16(p + 2);
      p += 4;
      let dx = 0;
      let dy = 0;
      if (flags & ARG_1_AND_2_ARE_WORDS) {
        dx = v.getInt16(p);
        dy = v.getInt16(p + 2);
        p += 4;
      } else {
        dx = v.getInt8(p);
        dy = v.getInt8(p + 1);
        p += 2;
      }
      // Point-matching placement (args are point numbers) is rare in Latin fonts; treat it as no offset.
      if (!(flags & ARGS_ARE_XY_VALUES)) {
        dx = 0;
        dy = 0;
      }
      let a = 1;
      let b = 0;
      let c = 0;
      let d = 1;
      const f2dot14 = (o: number) => v.getInt16(o) / 16384;
      if (flags & WE_HAVE_A_SCALE) {
        a = d = f2dot14(p);
        p += 2;
      } else if (flags & WE_HAVE_AN_X_AND_Y_SCALE) {
        a = f2dot14(p);
        d = f2dot14(p + 2);
        p += 4;
      } else if (flags & WE_HAVE_A_TWO_BY_TWO) {
        a = f2dot14(p);
        b = f2dot14(p + 2);
        c = f2dot14(p + 4);
        d = f2dot14(p + 6);
        p += 8;
      }
      for (const contour of this.readGlyph(component, depth + 1)) {
        contours.push(
          contour.map((pt) => ({
            x: a * pt.x + c * pt.y + dx,
            y: b * pt.x + d * pt.y + dy,
            onCurve: pt.onCurve,
          })),
        );
      }
    }
    return contours;
  }

  private readSimpleGlyph(at: number, numberOfContours: number): GlyphOutline {
    const v = this.view;
    const endPts: number[] = [];
    for (let i = 0; i < numberOfContours; i++) endPts.push(v.getUint16(at + 10 + i * 2));
    const numPoints = numberOfContours === 0 ? 0 : (endPts[numberOfContours - 1] ?? -1) + 1;
    let p = at + 10 + numberOfContours * 2;
    p += 2 + v.getUint16(p); // skip hinting instructions

    const flags = new Uint8Array(numPoints);
    for (let i = 0; i < numPoints; ) {
      const f = v.getUint8(p++);
      flags[i++] = f;
      if (f & 0x08) {
        let repeat = v.getUint8(p++);
        while (repeat-- > 0 && i < numPoints) flags[i++] = f;
      }
    }
    const xs = new Int32Array(numPoints);
    const ys = new Int32Array(numPoints);
    for (const [coords, shortBit, sameBit] of [
      [xs, 0x02, 0x10],
      [ys, 0x04, 0x20],
    ] as const) {
      let value = 0;
      for (let i = 0; i < numPoints; i++) {
        const f = flags[i] ?? 0;
        if (f & shortBit) {
          const delta = v.getUint8(p++);
          value += f & sameBit ? delta : -delta;
        } else if (!(f & sameBit)) {
          value += v.getInt16(p);
          p += 2;
        }
        coords[i] = value;
      }
    }
    const contours: GlyphOutline = [];
    let first = 0;
    for (const last of endPts) {
      const contour: GlyphPoint[] = [];
      for (let i = first; i <= last; i++) {
        contour.push({ x: xs[i] ?? 0, y: ys[i] ?? 0, onCurve: ((flags[i] ?? 0) & 0x01) !== 0 });
      }
      if (contour.length > 0) contours.push(contour);
      first = last + 1;
    }
    return contours;
  }

  /**
   * Reads, per script of the GPOS script list, which lookups its 'kern' features name (from the
   * script's default language system and its required feature), and each such lookup's pair
   * adjustment subtables (through extension lookups).
   */
  private readKerning(): void {
    const gpos = this.tables.get("GPOS");
    if (!gpos) return;
    const v = this.view;
    const base = gpos.offset;
    const scriptList = base + v.getUint16(base + 4);
    const featureList = base + v.getUint16(base + 6);
    const lookupList = base + v.getUint16(base + 8);
    const tagAt = (at: number) =>
      String.fromCharCode(v.getUint8(at), v.getUint8(at + 1), v.getUint8(at + 2), v.getUint8(at + 3));
    const kernLookupsOf = (featureIndex: number): number[] => {
      if (featureIndex === 0xffff) return [];
      const rec = featureList + 2 + featureIndex * 6;
      if (tagAt(rec) !== "kern") return [];
      const feature = featureList + v.getUint16(rec + 4);
      const n = v.getUint16(feature + 2);
      return Array.from({ length: n }, (_, j) => v.getUint16(feature + 4 + j * 2));
    };
    const scriptCount = v.getUint16(scriptList);
    for (let i = 0; i < scriptCount; i++) {
      const rec = scriptList + 2 + i * 6;
      const script = scriptList + v.getUint16(rec + 4);
      const defaultLangSys = v.getUint16(script);
      if (defaultLangSys === 0) continue;
      const langSys = script + defaultLangSys;
      const lookups = new Set(kernLookupsOf(v.getUint16(langSys + 2)));
      const featureCount = v.getUint16(langSys + 4);
      for (let f = 0; f < featureCount; f++) {
        for (const l of kernLookupsOf(v.getUint16(langSys + 6 + f * 2))) lookups.add(l);
      }
      this.kernLookups.set(
        tagAt(rec),
        [...lookups].sort((a, b) => a - b),
      );
      for (const index of lookups) {
        if (this.pairSubtables.has(index)) continue;
        const lookup = lookupList + v.getUint16(lookupList + 2 + index * 2);
        const type = v.getUint16(lookup);
        const subCount = v.getUint16(lookup + 4);
        const subtables: number[] = [];
        for (let s = 0; s < subCount; s++) {
          let sub = lookup + v.getUint16(lookup + 6 + s * 2);
          let subType = type;
          if (type === 9) {
            subType = v.getUint16(sub + 2);
            sub += v.getUint32(sub + 4);
          }
          if (subType === 2) subtables.push(sub);
        }
        this.pairSubtables.set(index, subtables);
      }
    }
  }

  /**
   * What one lookup does to the pair: the first of its subtables that applies decides (format 1: the
   * pair is listed; format 2: the first glyph is covered, whatever the second's class), undefined
   * when none applies.
   */
  private pairAdjustment(lookup: number, left: number, right: number): number | undefined {
    const v = this.view;
    for (const sub of this.pairSubtables.get(lookup) ?? []) {
      const format = v.getUint16(sub);
      const coverageIndex = this.coverageIndex(sub + v.getUint16(sub + 2), left);
      if (coverageIndex < 0) continue;
      const vf1 = v.getUint16(sub + 4);
      const vf2 = v.getUint16(sub + 6);
      const size1 = popcount(vf1) * 2;
      const size2 = popcount(vf2) * 2;
      if (format === 1) {
        const pairSet = sub + v.getUint16(sub + 10 + coverageIndex * 2);
        const count = v.getUint16(pairSet);
        const recordSize = 2 + size1 + size2;
        let lo = 0;
        let hi = count - 1;
        while (lo <= hi) {
          const mid = (lo + hi) >> 1;
          const rec = pairSet + 2 + mid * recordSize;
          const second = v.getUint16(rec);
          if (second === right) return xAdvance(v, rec + 2, vf1);
          if (second < right) lo = mid + 1;
          else hi = mid - 1;
        }
      } else if (format === 2) {
        const class1 = this.classOf(sub + v.getUint16(sub + 8), left);
        const class2 = this.classOf(sub + v.getUint16(sub + 10), right);
        const class1Count = v.getUint16(sub + 12);
        const class2Count = v.getUint16(sub + 14);
        if (class1 >= class1Count || class2 >= class2Count) continue;
        const rec = sub + 16 + (class1 * class2Count + class2) * (size1 + size2);
        return xAdvance(v, rec, vf1);
      }
    }
    return undefined;
  }

  private coverageIndex(coverage: number, glyph: number): number {
    const v = this.view;
    const format = v.getUint16(coverage);
    const count = v.getUint16(coverage + 2);
    let lo = 0;
    let hi = count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (format === 1) {
        const g = v.getUint16(coverage + 4 + mid * 2);
        if (g === glyph) return mid;
        if (g < glyph) lo = mid + 1;
        else hi = mid - 1;
      } else {
        const rec = coverage + 4 + mid * 6;
        const start = v.getUint16(rec);
        const end = v.getUint16(rec + 2);
        if (glyph < start) hi = mid - 1;
        else if (glyph > end) lo = mid + 1;
        else return v.getUint16(rec + 4) + glyph - start;
      }
    }
    return -1;
  }

  private classOf(classDef: number, glyph: number): number {
    const v = this.view;
    const format = v.getUint16(classDef);
    if (format === 1) {
      const startGlyph = v.getUint16(classDef + 2);
      const count = v.getUint16(classDef + 4);
      const i = glyph - startGlyph;
      return i >= 0 && i < count ? v.getUint16(classDef + 6 + i * 2) : 0;
    }
    const count = v.getUint16(classDef + 2);
    let lo = 0;
    let hi = count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const rec = classDef + 4 + mid * 6;
      if (glyph < v.getUint16(rec)) hi = mid - 1;
      else if (glyph > v.getUint16(rec + 2)) lo = mid + 1;
      else return v.getUint16(rec + 4);
    }
    return 0;
  }
}

function popcount(n: number): number {
  let c = 0;
  for (let x = n; x; x &= x - 1) c++;
  return c;
}

/** The XAdvance field of a ValueRecord (bit 0x0004), after XPlacement/YPlacement when present. */
function xAdvance(v: DataView, record: number, valueFormat: number): number {
  if (!(valueFormat & 0x0004)) return 0;
  return v.getInt16(record + popcount(valueFormat & 0x0003) * 2);
}
