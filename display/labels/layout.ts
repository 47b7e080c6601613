import type { ColorMode } from "../../schemas/common.ts";
import { currencyExponent } from "../../schemas/currency.ts";
import type { LabelContent } from "../../schemas/mqtt.ts";
import { type Catalogue, catalogueFor, fill, formatPercent, lastDayText } from "../i18n/index.ts";
import { labelFont } from "../render/font/fonts.ts";
import { type LinearCode, type MatrixCode, qrCode, retailBarcode } from "./codes.ts";
import { type Box, type FittedText, fitText, type TextStyle } from "./fit.ts";
import { type FittedPrice, fitPrice, priceSizeFor, priceWidth } from "./price.ts";

export const LAYOUT_KINDS = ["regular", "reduction", "multibuy", "member", "out-of-stock"] as const;
export type LayoutKind = (typeof LAYOUT_KINDS)[number];

/**
 * Templates differ in what they give room to: `standard` shows the EAN-13 (or the QR code when
 * the product has no GTIN), `qr` prefers the shop link's QR code, `minimal` shows no code and a
 * larger price.
 */
export const TEMPLATE_NAMES = ["standard", "qr", "minimal"] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

export function isTemplateName(name: string): name is TemplateName {
  return (TEMPLATE_NAMES as readonly string[]).includes(name);
}

/** Which of the layouts the content calls for: stock first, then the promotion, then the prices. */
export function chooseLayout(c: LabelContent): LayoutKind {
  if (c.stock === "out") return "out-of-stock";
  const kind = c.promo?.kind;
  if (kind === "multibuy") return "multibuy";
  if (kind === "member" || c.memberPrice) return "member";
  if (c.regularPrice && c.regularPrice.amountMinor > c.price.amountMinor) return "reduction";
  if (kind === "percent" || kind === "amount" || kind === "fixed") return "reduction";
  return "regular";
}

/** SVG fill colours; the rasteriser maps exactly these to panel inks. */
export const INK = { white: "#ffffff", black: "#000000", red: "#ff0000", yellow: "#ffff00" } as const;

export interface Palette {
  /** Band fill for promotions and notices. */
  accent: string;
  /** Text on the accent band. */
  onAccent: string;
  /** Text meant to stand out on white (a reduced price): red where there is red, else black. */
  accentText: string;
  /** A plate behind a promoted price where the second ink cannot carry text (yellow). */
  plate?: string;
}

export function paletteFor(colors: ColorMode, kind: LayoutKind): Palette {
  switch (colors) {
    case "bw":
      return { accent: INK.black, onAccent: INK.white, accentText: INK.black };
    case "bwr":
      return { accent: INK.red, onAccent: INK.white, accentText: INK.red };
    case "bwy":
      // Yellow text on white cannot be read: yellow only ever lies under black.
      return { accent: INK.yellow, onAccent: INK.black, accentText: INK.black, plate: INK.yellow };
    case "bwry":
      return kind === "member"
        ? { accent: INK.yellow, onAccent: INK.black, accentText: INK.red, plate: INK.yellow }
        : { accent: INK.red, onAccent: INK.white, accentText: INK.red };
  }
}

export type LabelElement =
  | { kind: "rect"; box: Box; fill: string }
  | { kind: "text"; role: string; fitted: FittedText; fill: string; strike?: string }
  | { kind: "price"; fitted: FittedPrice; fill: string }
  | {
      kind: "barcode";
      code: LinearCode;
      x: number;
      y: number;
      module: number;
      barHeight: number;
      digitSize: number;
    }
  | { kind: "qr"; code: MatrixCode; x: number; y: number; module: number }
  | { kind: "picture"; box: Box; href: string };

export interface LabelLayout {
  width: number;
  height: number;
  /** What the label says in words (the SVG's title, for screen readers and tooltips). */
  title: string;
  kind: LayoutKind;
  template: TemplateName;
  elements: LabelElement[];
  /** The main price as laid out, for legibility checks. */
  price: FittedPrice;
  /** Which text elements had to be cut with an ellipsis. */
  truncated: string[];
  /** Boxes holding pictures: the rasteriser dithers these and thresholds everything else. */
  ditherBoxes: Box[];
}

/** The fixed words of a label, from the catalogue of the content's locale (display/i18n). */
export type LabelWords = Catalogue["label"];

export interface LayoutOptions {
  template?: TemplateName;
  /** Words to use instead of the catalogue's for the content's locale (any subset). */
  strings?: Partial<LabelWords>;
  /** A product photo or logo (data: URL, PNG or JPEG), shown where the panel has room for it. */
  picture?: string;
}

/**
 * What a label says, in drawing order, one entry per text block (a wrapped note is one entry) plus
 * the price: the label's text rendering, for previews, screen readers and tests that read what a
 * shopper reads.
 */
export function labelTextLines(layout: LabelLayout): string[] {
  const out: string[] = [];
  for (const el of layout.elements) {
    if (el.kind === "text") out.push(el.fitted.lines.map((l) => l.text).join(" "));
    else if (el.kind === "price") {
      const p = el.fitted.parts;
      out.push(`${p.prefix}${p.major}${p.minor}${p.suffix ? `\u00a0${p.suffix}` : ""}`.trim());
    }
  }
  return out;
}

/** A box snapped outwards-or-inwards to whole pixels (edges rounded), so fills never straddle a pixel. */
export function pixelBox(b: Box): Box {
  const x = Math.round(b.x);
  const y = Math.round(b.y);
  return { x, y, w: Math.round(b.x + b.w) - x, h: Math.round(b.y + b.h) - y };
}

/** The strike-through bars of struck text (a previous price), whole pixels, one per line. */
export function strikeBoxes(fitted: FittedText): Box[] {
  const font = labelFont(fitted.weight);
  const thickness = Math.max(1, Math.round(fitted.size * 0.09));
  return fitted.lines.map((l) => {
    const y = Math.round(Math.round(l.baseline) - font.capHeight(fitted.size) * 0.5 - thickness / 2);
    const x0 = Math.round(l.x - 1);
    return { x: x0, y, w: Math.round(l.x + l.width + 1) - x0, h: thickness };
  });
}

/** Legibility floors, px of em size: below these, 1-bit text stops being readable. */
export const MIN_TEXT_PX = 10;
/** Price digits shorter than this are considered illegible at arm's length on any panel here. */
export const MIN_PRICE_DIGIT_PX = 14;

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

interface InfoLine {
  role: string;
  text: string;
  weight: "regular" | "bold";
  fill: string;
  strike?: string;
  /** Legally required lines (unit price, Omnibus) may wrap to more lines rather than be cut. */
  required: boolean;
}

type Arrangement = "side" | "stack";

/** What a layout attempt leaves out to give the price room, least important first. */
interface Sacrifices {
  brand: boolean;
  optionalLines: boolean;
  nameLines: number;
  /** Share of the usual name size. */
  nameScale: number;
}

/**
 * The layout engine: one function for every panel size and colour mode. Proportions follow the
 * shorter side of the drawing, so the same rules give a 2.13" label and a 7.5" one. The price is
 * placed first and only ever shrinks; everything else gets what is left. When the price would come
 * out small, the engine tries again without the brand, then without optional notes (validity,
 * single-item price, low stock), then with fewer name lines; legally required lines (struck
 * regular price, Omnibus reference price, unit price) are never dropped.
 */
export function layoutLabel(
  content: LabelContent,
  size: { width: number; height: number },
  colors: ColorMode,
  options: LayoutOptions = {},
): LabelLayout {
  const u = Math.min(size.width, size.height);
  const nameLines = u >= 400 ? 3 : 2;
  const attempts: Sacrifices[] = [
    { brand: false, optionalLines: false, nameLines, nameScale: 1 },
    { brand: true, optionalLines: false, nameLines, nameScale: 1 },
    { brand: true, optionalLines: true, nameLines, nameScale: 1 },
    { brand: true, optionalLines: true, nameLines, nameScale: 0.8 },
    { brand: true, optionalLines: true, nameLines: Math.max(1, nameLines - 1), nameScale: 0.8 },
  ];
  // Digits at least this tall (a share of the label height) count as "the price reads from afar".
  const wanted = Math.max(MIN_PRICE_DIGIT_PX, size.height * 0.22);
  let best: { layout: LabelLayout; ok: boolean } | undefined;
  for (const sacrifices of attempts) {
    // A shorter name is the last resort, for when the required notes do not fit otherwise.
    if (sacrifices.nameLines < nameLines && best?.ok) break;
    // Notes beside the price suit wide panels, notes under it tall ones; near 4:3 both are tried.
    const ratio = size.width / size.height;
    const arrangements: Arrangement[] = ratio >= 2 ? ["side"] : ratio < 1.2 ? ["stack"] : ["side", "stack"];
    let attempt: { layout: LabelLayout; ok: boolean } | undefined;
    for (const arrangement of arrangements) {
      const a = layoutAttempt(content, size, colors, options, sacrifices, arrangement);
      if (
        !attempt ||
        (a.ok && !attempt.ok) ||
        (a.ok === attempt.ok && a.layout.price.digitHeight > attempt.layout.price.digitHeight)
      ) {
        attempt = a;
      }
    }
    if (!attempt) continue;
    if (attempt.ok && attempt.layout.price.digitHeight >= wanted) return attempt.layout;
    if (
      !best ||
      (attempt.ok && !best.ok) ||
      (attempt.ok === best.ok && attempt.layout.price.digitHeight > best.layout.price.digitHeight + 0.5)
    ) {
      best = attempt;
    }
  }
  return best!.layout;
}

function layoutAttempt(
  content: LabelContent,
  size: { width: number; height: number },
  colors: ColorMode,
  options: LayoutOptions,
  sacrifices: Sacrifices,
  arrangement: Arrangement,
): { layout: LabelLayout; ok: boolean } {
  const W = size.width;
  const H = size.height;
  const template = options.template ?? "standard";
  const catalogue = catalogueFor(content.locale);
  const words: Words = {
    label: { ...catalogue.label, ...options.strings },
    unitBases: catalogue.unitBases,
    locale: content.locale ?? "en-GB",
  };
  const kind = chooseLayout(content);
  const pal = paletteFor(colors, kind);
  const u = Math.min(W, H);
  const landscape = arrangement === "side";
  const pad = clamp(Math.round(u * 0.04), 3, 18);
  const gap = clamp(Math.round(u * 0.03), 2, 14);
  const elements: LabelElement[] = [];
  const truncated: string[] = [];
  const ditherBoxes: Box[] = [];
  const regular = labelFont("regular");
  const lineBox = (s: number) => regular.ascent(s) + regular.descent(s);
  // Thin regular strokes break up on a 1-bit panel below ~13 px; small notes are set bold there.
  const noteWeight = u < 200 ? "bold" : "regular";

  const text = (role: string, t: string, box: Box, style: TextStyle, fill: string) => {
    const fitted = fitText(t, box, style);
    if (!fitted) return undefined;
    if (fitted.truncated) truncated.push(role);
    elements.push({ kind: "text", role, fitted, fill });
    return fitted;
  };

  // Band: the promotion or notice, across the top.
  let top = pad;
  const band = bandTexts(content, kind, words);
  if (band) {
    const share = kind === "multibuy" ? 0.21 : 0.17;
    const bandH = clamp(Math.round(H * (landscape ? share : share * 0.85)), 17, 96);
    elements.push({ kind: "rect", box: { x: 0, y: 0, w: W, h: bandH }, fill: pal.accent });
    const inner = { x: pad, y: 1, w: W - 2 * pad, h: bandH - 2 };
    const bandStyle = (align: "start" | "end"): TextStyle => ({
      weight: "bold",
      maxSize: bandH * 0.78,
      minSize: MIN_TEXT_PX,
      align,
      valign: "middle",
    });
    let leftW = inner.w;
    if (band.right) {
      const rightBox = { ...inner, x: inner.x + inner.w * 0.55, w: inner.w * 0.45 };
      const right = text("band-right", band.right, rightBox, bandStyle("end"), pal.onAccent);
      if (right) leftW = right.bounds.x - inner.x - gap;
    }
    text("band", band.left, { ...inner, w: leftW }, bandStyle("start"), pal.onAccent);
    // The right part was fitted first (the left gets what it leaves); it reads after the left.
    const right = elements.findIndex((e) => e.kind === "text" && e.role === "band-right");
    if (right >= 0) elements.push(...elements.splice(right, 1));
    top = bandH + gap;
  }

  // Brand and name.
  const nameMax = clamp(u * 0.125, 12, 44) * sacrifices.nameScale;
  if (content.brand && H >= 140 && !sacrifices.brand) {
    const brandSize = clamp(u * 0.075, 10, 28);
    const brandH = lineBox(brandSize);
    const brandBox = { x: pad, y: top, w: W - 2 * pad, h: brandH };
    text(
      "brand",
      content.brand,
      brandBox,
      { weight: "regular", maxSize: brandSize, minSize: MIN_TEXT_PX },
      INK.black,
    );
    top += brandH;
  }
  const nameH = lineBox(nameMax) + (sacrifices.nameLines - 1) * nameMax * 1.12;
  const name = text(
    "name",
    content.name,
    { x: pad, y: top, w: W - 2 * pad, h: nameH },
    {
      weight: "bold",
      maxSize: nameMax,
      minSize: Math.max(MIN_TEXT_PX, nameMax * 0.6),
      maxLines: sacrifices.nameLines,
    },
    INK.black,
  );

  // A name shorter than its room gives the rest to the price and notes.
  const regionTop = (name ? name.bounds.y + name.bounds.h : top + nameH) + gap;
  const regionBottom = H - pad;
  const regionH = regionBottom - regionTop;
  const main = mainPrice(content, kind);
  const minorDigits = currencyExponent(main.currency) ?? 2;
  const priceFill = kind === "reduction" || kind === "member" ? pal.accentText : INK.black;
  const lines = infoLines(content, kind, words, pal).filter((l) => l.required || !sacrifices.optionalLines);
  const noteMax = clamp(u * 0.075, 11, 24);
  const codes = template === "minimal" ? [] : codeCandidates(content, template);

  let price: FittedPrice;
  let codeArea: Box;
  let laid: PlacedLines;
  if (landscape) {
    // Price right, notes and code left. The price takes as much width as the notes can spare.
    const hasLeft = lines.length > 0 || codes.length > 0;
    const shares = !hasLeft
      ? [1]
      : template === "minimal"
        ? [0.7, 0.62, 0.55, 0.48, 0.4]
        : [0.62, 0.55, 0.48, 0.4];
    let chosen: { price: FittedPrice; laid: PlacedLines } | undefined;
    for (const share of shares) {
      const s = priceSizeFor(main.text, { w: share * (W - 2 * pad), h: regionH }, minorDigits);
      const pw = priceWidth(main.text, s, minorDigits);
      const leftBox = { x: pad, y: regionTop, w: W - 2 * pad - pw - gap, h: regionH };
      const fitted = fitPrice(
        main.text,
        { x: W - pad - pw, y: regionTop, w: pw, h: regionH },
        { minorDigits },
      );
      chosen = { price: fitted, laid: stackLines(lines, leftBox, noteMax, noteWeight, gap) };
      if (chosen.laid.ok) break;
    }
    price = chosen!.price;
    laid = chosen!.laid;
    codeArea = { x: pad, y: regionTop, w: W - 2 * pad - price.bounds.w - gap, h: laid.top - gap - regionTop };
  } else {
    // Portrait or square: notes across the bottom, the price above them, a code beside the price.
    laid = { lines: [], top: regionBottom, ok: true, size: noteMax };
    // Give the notes more height only while they would otherwise come out much smaller than usual.
    for (const share of [0.4, 0.55, 0.7]) {
      laid = stackLines(
        lines,
        { x: pad, y: regionBottom - regionH * share, w: W - 2 * pad, h: regionH * share },
        noteMax,
        noteWeight,
        gap,
      );
      if (laid.ok && laid.size >= Math.min(noteMax, Math.max(MIN_TEXT_PX + 1, noteMax * 0.75))) break;
    }
    const priceBox = {
      x: pad,
      y: regionTop,
      w: W - 2 * pad,
      h: (lines.length ? laid.top - gap : regionBottom) - regionTop,
    };
    price = fitPrice(main.text, priceBox, { minorDigits });
    codeArea = { x: pad, y: regionTop, w: price.bounds.x - gap - pad, h: priceBox.h };
  }
  for (const l of laid.lines) {
    if (l.fitted.truncated) truncated.push(l.line.role);
    const strike = l.line.strike ? { strike: l.line.strike } : {};
    elements.push({ kind: "text", role: l.line.role, fitted: l.fitted, fill: l.line.fill, ...strike });
  }

  if (pal.plate && (kind === "reduction" || kind === "member")) {
    const m = Math.max(2, Math.round(price.size * 0.06));
    const b = price.bounds;
    elements.push({
      kind: "rect",
      box: pixelBox({ x: b.x - m, y: b.y - m, w: b.w + 2 * m, h: b.h + 2 * m }),
      fill: pal.plate,
    });
  }
  elements.push({ kind: "price", fitted: price, fill: priceFill });

  if (options.picture && codeArea.h >= 48 && codeArea.w >= 48) {
    // A picture takes the free corner first; a code then gets what is left beside it.
    const side = Math.floor(Math.min(codeArea.h, codeArea.w * 0.5));
    const box = { x: Math.round(codeArea.x), y: Math.round(codeArea.y), w: side, h: side };
    elements.push({ kind: "picture", box, href: options.picture });
    ditherBoxes.push(box);
    codeArea = { x: codeArea.x + side + gap, y: codeArea.y, w: codeArea.w - side - gap, h: codeArea.h };
  }
  const code = placeCode(codes, codeArea, u, landscape ? "top" : "bottom");
  if (code) elements.push(code);

  const layout = {
    width: W,
    height: H,
    title: `${content.name}: ${main.text}`,
    kind,
    template,
    elements,
    price,
    truncated,
    ditherBoxes,
  };
  return { layout, ok: laid.ok };
}

function placeCode(
  candidates: Code[],
  area: Box,
  unit: number,
  valign: "top" | "bottom",
): LabelElement | undefined {
  const maxModule = Math.max(1, Math.floor(unit / 110));
  for (const c of candidates) {
    if (c.kind === "linear") {
      // Quiet zones in modules: EAN-13 11 left (the first digit sits there) and 7 right; EAN-8 7 and 7.
      const quiet = c.code.symbology === "ean13" ? 18 : 14;
      // Bars at least ~22 modules tall (a quarter of the width), as truncated EAN symbols on shelves are.
      for (
        let module = Math.min(maxModule, Math.floor(area.w / (c.code.modules + quiet)));
        module >= 1;
        module--
      ) {
        const digitSize = Math.min(13 * module, 24);
        const digitsH = Math.ceil(labelFont("bold").capHeight(digitSize)) + 2;
        const barHeight = Math.min(Math.floor(area.h - digitsH), 45 * module);
        if (barHeight < Math.max(16, 22 * module)) continue;
        const y = valign === "top" ? area.y : area.y + area.h - (barHeight + digitsH);
        return {
          kind: "barcode",
          code: c.code,
          x: Math.round(area.x),
          y: Math.round(y),
          module,
          barHeight,
          digitSize,
        };
      }
      continue;
    }
    // Phones need about two pixels a module on these panels' pitch; one module of quiet zone each side.
    const side = Math.min(area.w, area.h);
    const module = Math.min(maxModule + 1, Math.floor(side / (c.code.size + 2)));
    if (module < 2) continue;
    const y = valign === "top" ? area.y : area.y + area.h - (c.code.size + 2) * module;
    return { kind: "qr", code: c.code, x: Math.round(area.x), y: Math.round(y), module };
  }
  return undefined;
}

type Code = { kind: "linear"; code: LinearCode } | { kind: "matrix"; code: MatrixCode };

function codeCandidates(content: LabelContent, template: TemplateName): Code[] {
  const linear = retailBarcode(content.gtin);
  const matrix = qrCode(content.url);
  const list: Code[] = [];
  if (linear) list.push({ kind: "linear", code: linear });
  if (matrix) list.push({ kind: "matrix", code: matrix });
  return template === "qr" ? list.reverse() : list;
}

function mainPrice(c: LabelContent, kind: LayoutKind) {
  return kind === "member" && c.memberPrice ? c.memberPrice : c.price;
}

/** What the band and notes are written with: the words, the unit bases and the locale for numbers and dates. */
interface Words {
  label: LabelWords;
  unitBases: Catalogue["unitBases"];
  locale: string;
}

function bandTexts(
  c: LabelContent,
  kind: LayoutKind,
  { label: s, locale }: Words,
): { left: string; right?: string } | undefined {
  switch (kind) {
    case "reduction": {
      // The badge shows the one percentage the controller measured from the prior price; a label
      // never works out a percentage of its own. A percentage promotion's text is that same number,
      // so the band then says "Sale" beside it rather than the percentage twice.
      const percent = c.promo?.percent;
      const left = c.promo?.kind === "percent" && percent ? s.sale : c.promo?.text || s.sale;
      if (!percent) return { left };
      return { left, right: fill(s.percentBadge, { percent: formatPercent(percent, locale) }) };
    }
    case "multibuy":
      return { left: c.promo?.text || s.sale };
    case "member":
      return { left: c.promo?.text || s.memberPrice };
    case "out-of-stock":
      return { left: s.outOfStock };
    default:
      return undefined;
  }
}

/** Omnibus look-back when content does not say (older content): the directive's 30 days. */
const DEFAULT_REFERENCE_DAYS = 30;

function infoLines(c: LabelContent, kind: LayoutKind, words: Words, pal: Palette): InfoLine[] {
  const s = words.label;
  const lines: InfoLine[] = [];
  const days = c.referenceDays ?? DEFAULT_REFERENCE_DAYS;
  const struck = kind === "reduction" && c.regularPrice && c.regularPrice.amountMinor > c.price.amountMinor;
  if (struck && c.regularPrice) {
    lines.push({
      role: "regular-price",
      text: c.regularPrice.text,
      weight: "bold",
      fill: INK.black,
      strike: pal.accentText,
      required: true,
    });
  }
  if (kind === "reduction" && c.promo?.basis === "perishable") {
    lines.push({
      role: "perishable",
      text: s.perishable,
      weight: "regular",
      fill: INK.black,
      required: true,
    });
  } else if (c.referencePrice && (kind === "reduction" || kind === "member")) {
    // The struck price is the prior price (art. 6a): a caption under it says what it is. Anywhere
    // else the prior price gets a line of its own.
    const captionsStruck = struck && c.regularPrice?.amountMinor === c.referencePrice.amountMinor;
    lines.push({
      role: "omnibus",
      text: captionsStruck
        ? fill(s.priorPrice, { days })
        : fill(s.priorPriceWithAmount, { days, price: c.referencePrice.text }),
      weight: "regular",
      fill: INK.black,
      required: true,
    });
  }
  if (kind === "member") {
    lines.push({
      role: "non-member-price",
      text: fill(s.nonMemberPrice, { price: c.price.text }),
      weight: "bold",
      fill: INK.black,
      required: true,
    });
  }
  if (kind === "multibuy") {
    lines.push({
      role: "single-price",
      text: fill(s.singlePrice, { price: c.price.text }),
      weight: "regular",
      fill: INK.black,
      required: false,
    });
  }
  const lastDay = c.promo?.validUntil ? lastDayText(c.promo.validUntil, words.locale) : undefined;
  if (lastDay && kind !== "out-of-stock" && kind !== "regular") {
    lines.push({
      role: "valid-until",
      text: fill(s.validUntil, { date: lastDay }),
      weight: "regular",
      fill: INK.black,
      required: false,
    });
  }
  if (c.stock === "low") {
    lines.push({
      role: "low-stock",
      text: s.lowStock,
      weight: "bold",
      fill: pal.accentText,
      required: false,
    });
  }
  if (c.unitPrice) {
    const per = c.unitPrice.per.trim();
    const base = (words.unitBases as Record<string, string>)[per] ?? per;
    lines.push({
      role: "unit-price",
      text: fill(s.unitPrice, { price: c.unitPrice.text, base }),
      weight: "regular",
      fill: INK.black,
      required: true,
    });
  }
  return lines;
}

interface PlacedLines {
  lines: { line: InfoLine; fitted: FittedText }[];
  /** Top of the highest placed line. */
  top: number;
  /** Every required line placed whole (not cut). */
  ok: boolean;
  /** Em size of the notes. */
  size: number;
}

/**
 * Stack the notes upwards from the box's bottom, all at one size: the largest that fits every line
 * (required ones may wrap), so notes on a label never mix sizes. Only when even the smallest size
 * does not fit do lines get cut, and then `ok` is false.
 */
function stackLines(
  lines: InfoLine[],
  box: Box,
  maxSize: number,
  weight: "regular" | "bold",
  gap: number,
): PlacedLines {
  const lineGap = Math.max(1, Math.round(gap / 3));
  const at = (size: number): PlacedLines => {
    const placed: PlacedLines["lines"] = [];
    let y = box.y + box.h;
    let ok = true;
    for (const line of [...lines].reverse()) {
      const s = line.role === "regular-price" ? size * 1.25 : size;
      const area = { x: box.x, y: box.y, w: box.w, h: y - box.y };
      const fitted = fitText(line.text, area, {
        weight: line.weight === "bold" ? "bold" : weight,
        maxSize: s,
        minSize: Math.min(s, Math.max(MIN_TEXT_PX, size)),
        maxLines: line.required ? 3 : 1,
        valign: "bottom",
      });
      if (!fitted || fitted.truncated) ok = false;
      if (!fitted) continue;
      placed.push({ line, fitted });
      y = fitted.bounds.y - lineGap;
    }
    return { lines: placed.reverse(), top: y + lineGap, ok, size };
  };
  // Largest fitting size on a half-pixel grid, by bisection (fitting only gets easier as text shrinks).
  const steps = Math.floor((maxSize - MIN_TEXT_PX) * 2);
  const first = at(maxSize);
  if (first.ok) return first;
  let lo = 0; // steps below maxSize known not to fit: none yet beyond 0
  let hi = steps + 1;
  let found: PlacedLines | undefined;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    const laid = at(maxSize - mid / 2);
    if (laid.ok) {
      hi = mid;
      found = laid;
    } else {
      lo = mid;
    }
  }
  if (found && hi <= steps) return found;
  const last = at(MIN_TEXT_PX);
  // Optional notes may be cut; the result is only "not ok" when a required one is.
  return {
    ...last,
    ok:
      last.lines.length === lines.length && last.lines.every((l) => !l.line.required || !l.fitted.truncated),
  };
}
