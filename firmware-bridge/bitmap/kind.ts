import { parsePanelSpec } from "../../display/render/index.ts";
import { ID_PATTERN } from "../../schemas/index.ts";
import { CliUsageError, flagOrEnvList } from "../cli-options.ts";
import type { BridgeKind } from "../kinds.ts";
import { BitmapAdapter, type BitmapLabel } from "./adapter.ts";

export const BITMAP_LABELS_ENV = "SHELFSYNC_BITMAP_LABELS";

/** `L-0001=2.9in-bwr` or `L-0002=296x128-bwy-90`: a label id and its panel. */
export function parseLabelSpec(spec: string): BitmapLabel | undefined {
  const [labelId, panelSpec] = spec.split("=", 2).map((s) => s.trim());
  if (!labelId || !panelSpec || !ID_PATTERN.test(labelId)) return undefined;
  const panel = parsePanelSpec(panelSpec);
  return panel ? { labelId, panel, model: panelSpec.split(/[-_:,]/)[0] ?? panelSpec } : undefined;
}

export const bitmapKind: BridgeKind = {
  summary: "renders content to panel planes for labels that want pixels (publishes …/label/{id}/image)",
  defaultBridgeId: "bitmap",
  flags: {
    label: {
      type: "string",
      multiple: true,
      placeholder: "ID=PANEL",
      description: `a label and its panel, e.g. L-1=2.9in-bwr, repeatable (or ${BITMAP_LABELS_ENV}, comma-separated)`,
    },
  },
  createAdapter(flags, env) {
    const { values: specs } = flagOrEnvList(flags, "label", env, BITMAP_LABELS_ENV);
    if (specs.length === 0)
      throw new CliUsageError(`--label: give at least one ID=PANEL, or set ${BITMAP_LABELS_ENV}`);
    const labels = specs.map((spec) => {
      const label = parseLabelSpec(spec);
      if (!label) {
        throw new CliUsageError(
          `--label: "${spec}" is not ID=PANEL with a panel such as 2.9in-bwr or 296x128-bwy-90`,
        );
      }
      return label;
    });
    return new BitmapAdapter(labels);
  },
};
