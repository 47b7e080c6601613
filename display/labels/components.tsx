/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import { labelFont } from "../render/font/fonts.ts";
import {
  type BarcodeElement,
  barcodeBoxes,
  barcodeDigits,
  type QrElement,
  qrBoxes,
} from "./code-geometry.ts";
import type { FittedText } from "./fit.ts";
import { INK, type LabelElement, type LabelLayout, labelTextLines, strikeBoxes } from "./layout.ts";
import type { Rotation } from "./panels.ts";
import type { FittedPrice } from "./price.ts";

/**
 * Presentational components: the layout engine decides every position, these only turn its
 * decisions into SVG. All text is drawn as glyph outlines from the shipped font, so the SVG looks
 * the same in any viewer and to the rasteriser, and needs no font installed anywhere.
 */

const n = (v: number) => Math.round(v * 100) / 100;

export function TextBlock({
  fitted,
  fill,
  strike,
}: {
  fitted: FittedText;
  fill: string;
  strike?: string | undefined;
}) {
  const font = labelFont(fitted.weight);
  const d = fitted.lines.map((l) => font.path(l.text, fitted.size, l.x, l.baseline)).join("");
  return (
    <g>
      <path d={d} fill={fill} />
      {strike
        ? strikeBoxes(fitted).map((b) => (
            <rect key={b.y} x={b.x} y={b.y} width={b.w} height={b.h} fill={strike} />
          ))
        : null}
    </g>
  );
}

export function Price({ fitted, fill }: { fitted: FittedPrice; fill: string }) {
  const bold = labelFont("bold");
  const d = fitted.runs.map((r) => bold.path(r.text, r.size, r.x, r.baseline)).join("");
  return <path d={d} fill={fill} />;
}

/** EAN-13 / EAN-8: bars on whole pixels (a bar straddling pixels would threshold unevenly), digits under them. */
export function Barcode({ el }: { el: BarcodeElement }) {
  const bold = labelFont("bold");
  let d = "";
  for (const b of barcodeBoxes(el)) d += `M${b.x} ${b.y}h${b.w}v${b.h}h${-b.w}z`;
  for (const t of barcodeDigits(el)) d += bold.path(t.text, t.size, t.x, t.baseline);
  return <path d={d} fill={INK.black} />;
}

/** QR modules merged into horizontal runs, one path. */
export function QrCode({ el }: { el: QrElement }) {
  let d = "";
  for (const b of qrBoxes(el)) d += `M${b.x} ${b.y}h${b.w}v${b.h}h${-b.w}z`;
  return <path d={d} fill={INK.black} />;
}

function Element({ el }: { el: LabelElement }) {
  switch (el.kind) {
    case "rect":
      return <rect x={el.box.x} y={el.box.y} width={el.box.w} height={el.box.h} fill={el.fill} />;
    case "text":
      return <TextBlock fitted={el.fitted} fill={el.fill} strike={el.strike} />;
    case "price":
      return <Price fitted={el.fitted} fill={el.fill} />;
    case "barcode":
      return <Barcode el={el} />;
    case "qr":
      return <QrCode el={el} />;
    case "picture":
      return (
        <image
          href={el.href}
          x={n(el.box.x)}
          y={n(el.box.y)}
          width={n(el.box.w)}
          height={n(el.box.h)}
          preserveAspectRatio="xMidYMid meet"
        />
      );
  }
}

/** The transform that turns the upright drawing into the panel's native scan order. */
export function rotationTransform(
  rotation: Rotation,
  nativeWidth: number,
  nativeHeight: number,
): string | undefined {
  switch (rotation) {
    case 90:
      return `translate(${nativeWidth} 0) rotate(90)`;
    case 180:
      return `translate(${nativeWidth} ${nativeHeight}) rotate(180)`;
    case 270:
      return `translate(0 ${nativeHeight}) rotate(270)`;
    default:
      return undefined;
  }
}

/** A whole label: white paper, then the layout's elements in order, turned to the panel's scan order. */
export function LabelSvg({ layout, rotation = 0 }: { layout: LabelLayout; rotation?: Rotation }) {
  const quarter = rotation === 90 || rotation === 270;
  const width = quarter ? layout.height : layout.width;
  const height = quarter ? layout.width : layout.height;
  const transform = rotationTransform(rotation, width, height);
  return (
    <svg xmlns="http://www.w3.org/2000/svg" width={width} height={height} viewBox={`0 0 ${width} ${height}`}>
      <title>{layout.title}</title>
      <desc>{labelTextLines(layout).join("\n")}</desc>
      <rect width={width} height={height} fill={INK.white} />
      <g transform={transform}>
        {layout.elements.map((el, i) => (
          <Element key={i} el={el} />
        ))}
      </g>
    </svg>
  );
}
