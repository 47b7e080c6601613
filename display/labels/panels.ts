import type { ColorMode } from "../../schemas/common.ts";

export type Rotation = 0 | 90 | 180 | 270;

/** What a label's display is: native pixels (the controller's scan order), inks, and how it is mounted. */
export interface Panel {
  width: number;
  height: number;
  colors: ColorMode;
  /** Clockwise turn applied to the drawing so it reads upright on a label mounted turned. */
  rotation?: Rotation;
}

export interface PanelModel {
  id: string;
  diagonalInch: number;
  width: number;
  height: number;
}

/** The common e-paper shelf-label sizes, native resolution (landscape where the glass is landscape). */
export const PANEL_CATALOGUE: readonly PanelModel[] = [
  { id: "1.54in", diagonalInch: 1.54, width: 200, height: 200 },
  { id: "2.13in", diagonalInch: 2.13, width: 250, height: 122 },
  { id: "2.6in", diagonalInch: 2.6, width: 296, height: 152 },
  { id: "2.9in", diagonalInch: 2.9, width: 296, height: 128 },
  { id: "4.2in", diagonalInch: 4.2, width: 400, height: 300 },
  { id: "7.5in", diagonalInch: 7.5, width: 800, height: 480 },
];

export const ROTATIONS: readonly Rotation[] = [0, 90, 180, 270];
export const PANEL_COLOR_MODES: readonly ColorMode[] = ["bw", "bwr", "bwy", "bwry"];

/**
 * A panel from a short spec, as a query string would carry it: a catalogue id ("2.9in") or a size
 * ("296x128"), optionally followed by a colour mode and a rotation: "2.9in-bwr", "296x128-bwy-90".
 * Returns undefined for anything else.
 */
export function parsePanelSpec(spec: string, defaults: { colors?: ColorMode } = {}): Panel | undefined {
  const [size, ...rest] = spec
    .trim()
    .toLowerCase()
    .split(/[-_:,]/);
  if (!size) return undefined;
  const model = PANEL_CATALOGUE.find((p) => p.id === size || p.id === `${size}in`);
  let width = model?.width;
  let height = model?.height;
  if (!model) {
    const m = /^(\d{1,4})x(\d{1,4})$/.exec(size);
    if (!m) return undefined;
    width = Number(m[1]);
    height = Number(m[2]);
  }
  if (!width || !height || width > 4096 || height > 4096) return undefined;
  let colors: ColorMode = defaults.colors ?? "bwr";
  let rotation: Rotation = 0;
  for (const part of rest) {
    if ((PANEL_COLOR_MODES as readonly string[]).includes(part)) colors = part as ColorMode;
    else if ((ROTATIONS as readonly number[]).includes(Number(part)) && part !== "")
      rotation = Number(part) as Rotation;
    else return undefined;
  }
  return { width, height, colors, rotation };
}

/** The catalogue entry with these native dimensions, if any. */
export function panelModelFor(width: number, height: number): PanelModel | undefined {
  return PANEL_CATALOGUE.find((p) => p.width === width && p.height === height);
}

/** Drawing-space size: rotated a quarter turn, the drawing is as wide as the panel is tall. */
export function logicalSize(panel: Panel): { width: number; height: number } {
  const quarter = panel.rotation === 90 || panel.rotation === 270;
  return quarter
    ? { width: panel.height, height: panel.width }
    : { width: panel.width, height: panel.height };
}
