/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import { labelFont } from "../render/font/fonts.ts";
import type { LinearCode, MatrixCode } from "./codes.ts";
import type { FittedText } from "./fit.ts";
import { INK, type LabelElement, type LabelLayout } from "./layout.ts";
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
  const thickness = Math.max(1, Math.round(fitted.size * 0.09));
  return (
    <g>
      <path d={d} fill={fill} />
      {strike
        ? fitted.lines.map((l) => (
            <rect
              key={l.baseline}
              x={n(l.x - 1)}
              y={Math.round(l.baseline - font.capHeight(fitted.size) * 0.5 - thickness / 2)}
              width={n(l.width + 2)}
              height={thickness}
              fill={strike}
            />
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

/** EAN-13 / EAN-8 bars on whole pixels (a bar that straddles pixels would threshold unevenly), digits under them. */
export function Barcode(props: {
  code: LinearCode;
  x: number;
  y: number;
  module: number;
  barHeight: number;
  digitSize: number;
}) {
  const { code, x, y, module: m, barHeight, digitSize } = props;
  const ean13 = code.symbology === "ean13";
  const x0 = x + (ean13 ? 11 : 7) * m;
  const guardExtra = Math.round(digitSize * 0.5);
  const guards = new Set(code.guards);
  let d = "";
  let cx = x0;
  let bar = 0;
  code.runs.forEach((run, i) => {
    const w = run * m;
    if (i % 2 === 0) {
      const h = barHeight + (guards.has(bar) ? guardExtra : 0);
      d += `M${cx} ${y}h${w}v${h}h${-w}z`;
      bar++;
    }
    cx += w;
  });
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
  for (const [digits, from, to] of groups) {
    const size = Math.min(digitSize, ((to - from) / bold.measure(digits, 1)) * 0.98);
    const w = bold.measure(digits, size);
    d += bold.path(digits, size, from + (to - from - w) / 2, baseline);
  }
  return <path d={d} fill={INK.black} />;
}

/** QR modules merged into horizontal runs, one path; one module of quiet zone on each side. */
export function QrCode({
  code,
  x,
  y,
  module: m,
}: {
  code: MatrixCode;
  x: number;
  y: number;
  module: number;
}) {
  let d = "";
  for (let row = 0; row < code.size; row++) {
    let col = 0;
    while (col < code.size) {
      if (!code.modules[row * code.size + col]) {
        col++;
        continue;
      }
      const start = col;
      while (col < code.size && code.modules[row * code.size + col]) col++;
      d += `M${x + (start + 1) * m} ${y + (row + 1) * m}h${(col - start) * m}v${m}h${-(col - start) * m}z`;
    }
  }
  return <path d={d} fill={INK.black} />;
}

function Element({ el }: { el: LabelElement }) {
  switch (el.kind) {
    case "rect":
      return <rect x={n(el.box.x)} y={n(el.box.y)} width={n(el.box.w)} height={n(el.box.h)} fill={el.fill} />;
    case "text":
      return <TextBlock fitted={el.fitted} fill={el.fill} strike={el.strike} />;
    case "price":
      return <Price fitted={el.fitted} fill={el.fill} />;
    case "barcode":
      return <Barcode {...el} />;
    case "qr":
      return <QrCode code={el.code} x={el.x} y={el.y} module={el.module} />;
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
      <rect width={width} height={height} fill={INK.white} />
      <g transform={transform}>
        {layout.elements.map((el, i) => (
          <Element key={i} el={el} />
        ))}
      </g>
    </svg>
  );
}
