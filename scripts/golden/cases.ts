import { PNG } from "pngjs";
import type { TemplateName } from "../../display/labels/layout.ts";
import { PANEL_CATALOGUE, type Panel, type Rotation } from "../../display/labels/panels.ts";
import {
  SAMPLE_LOCALES,
  SAMPLE_SCENARIOS,
  SAMPLES,
  STRESS_SAMPLE,
  samplesFor,
} from "../../display/labels/samples.ts";
import type { RenderOptions } from "../../display/render/render-label.ts";
import type { ColorMode } from "../../schemas/common.ts";
import type { LabelContent } from "../../schemas/mqtt.ts";

/**
 * The golden-image set: every sample layout on every catalogue panel in every colour mode, plus
 * rotations, the other templates, a long-text stress label and a dithered picture. The test and
 * `update-golden.ts` both read this list, so they can never disagree about what is covered.
 */
export interface GoldenCase {
  /** File name without extension, unique. */
  name: string;
  content: LabelContent;
  panel: Panel;
  options?: RenderOptions;
}

export const GOLDEN_COLOR_MODES: readonly ColorMode[] = ["bw", "bwr", "bwy", "bwry"];

let picture: string | undefined;

/** A small synthetic photo (a lit sphere on a gradient), so dithering has real tones to work on. */
export function samplePicture(): string {
  if (picture) return picture;
  const size = 96;
  const png = new PNG({ width: size, height: size });
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 4;
      const dx = (x - 40) / 34;
      const dy = (y - 44) / 34;
      const inside = dx * dx + dy * dy <= 1;
      const shade = inside ? Math.max(0, 1 - Math.hypot(dx + 0.4, dy + 0.4) / 1.6) : 0.35 + (0.5 * y) / size;
      png.data[i] = Math.round(inside ? 60 + 195 * shade : 220 * shade);
      png.data[i + 1] = Math.round(inside ? 40 + 120 * shade : 220 * shade);
      png.data[i + 2] = Math.round(inside ? 30 + 60 * shade : 230 * shade);
      png.data[i + 3] = 255;
    }
  }
  picture = `data:image/png;base64,${PNG.sync.write(png).toString("base64")}`;
  return picture;
}

export function goldenCases(): GoldenCase[] {
  const cases: GoldenCase[] = [];
  for (const scenario of SAMPLE_SCENARIOS) {
    for (const model of PANEL_CATALOGUE) {
      for (const colors of GOLDEN_COLOR_MODES) {
        cases.push({
          name: `${scenario}_${model.id}_${colors}`,
          content: SAMPLES[scenario],
          panel: { width: model.width, height: model.height, colors },
        });
      }
    }
  }
  const rotations: Rotation[] = [90, 180, 270];
  for (const rotation of rotations) {
    cases.push({
      name: `reduction_2.9in_bwr_rot${rotation}`,
      content: SAMPLES.reduction,
      panel: { width: 296, height: 128, colors: "bwr", rotation },
    });
  }
  cases.push({
    name: "unit-price_1.54in_bw_rot90",
    content: SAMPLES["unit-price"],
    panel: { width: 200, height: 200, colors: "bw", rotation: 90 },
  });
  const templates: TemplateName[] = ["qr", "minimal"];
  for (const template of templates) {
    for (const id of ["2.9in", "4.2in"]) {
      const model = PANEL_CATALOGUE.find((p) => p.id === id)!;
      cases.push({
        name: `template-${template}_${id}_bwr`,
        content: SAMPLES["unit-price"],
        panel: { width: model.width, height: model.height, colors: "bwr" },
        options: { template },
      });
    }
  }
  for (const model of PANEL_CATALOGUE) {
    cases.push({
      name: `stress_${model.id}_bwr`,
      content: STRESS_SAMPLE,
      panel: { width: model.width, height: model.height, colors: "bwr" },
    });
  }
  // Quotes and apostrophes are kerned by lookups shared by every script (GPOS 'kern' of DFLT) on top
  // of the script's own: names like these showed whether both are applied and summed.
  for (const id of ["2.9in", "4.2in"]) {
    const model = PANEL_CATALOGUE.find((p) => p.id === id)!;
    cases.push({
      name: `quotes_${id}_bwr`,
      content: {
        ...SAMPLES["unit-price"],
        name: "Grandma’s ‘Apple’ pie, Nature’s “Aroma” tea, L’Oréal 250 g",
        brand: "Nature’s",
      },
      panel: { width: model.width, height: model.height, colors: "bwr" },
    });
  }
  // Every other language the store can run in: each layout on the commonest panel, and the
  // reduction (the longest legal wording) on the small square one as well.
  for (const locale of SAMPLE_LOCALES) {
    if (locale === "de-DE") continue;
    const samples = samplesFor(locale);
    for (const scenario of SAMPLE_SCENARIOS) {
      cases.push({
        name: `locale-${locale}_${scenario}_2.9in_bwr`,
        content: samples[scenario],
        panel: { width: 296, height: 128, colors: "bwr" },
      });
    }
    cases.push({
      name: `locale-${locale}_reduction_1.54in_bwr`,
      content: samples.reduction,
      panel: { width: 200, height: 200, colors: "bwr" },
    });
  }
  for (const colors of ["bw", "bwr"] as const) {
    cases.push({
      name: `picture_4.2in_${colors}`,
      content: SAMPLES["unit-price"],
      panel: { width: 400, height: 300, colors },
      options: { picture: samplePicture() },
    });
  }
  return cases;
}
