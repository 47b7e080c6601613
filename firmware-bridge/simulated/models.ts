import type { ColorMode } from "../../schemas/index.ts";

export interface PanelModel {
  model: string;
  width: number;
  height: number;
  colors: ColorMode;
}

/** Sizes and colour sets of panels common on shelves (native pixels, landscape). */
export const SIMULATED_PANELS: readonly PanelModel[] = [
  { model: "sim-2.9-bwr", width: 296, height: 128, colors: "bwr" },
  { model: "sim-2.13-bw", width: 250, height: 122, colors: "bw" },
  { model: "sim-4.2-bwr", width: 400, height: 300, colors: "bwr" },
  { model: "sim-1.54-bwy", width: 152, height: 152, colors: "bwy" },
  { model: "sim-2.6-bwry", width: 296, height: 152, colors: "bwry" },
];

/** The n-th label (1-based) gets the panels in turn, so any fleet has a mix of every model. */
export function panelFor(n: number): PanelModel {
  return SIMULATED_PANELS[(n - 1) % SIMULATED_PANELS.length]!;
}
