/**
 * Regenerate the golden images (tests/golden/*.png) and the docs gallery (docs/labels/). Run it on
 * purpose after a deliberate rendering change, look at the diff, commit: the golden test never
 * rewrites these files itself.
 *
 *   npx tsx scripts/golden/update.ts
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PANEL_CATALOGUE } from "../../display/labels/panels.ts";
import { SAMPLE_LOCALES, SAMPLE_SCENARIOS } from "../../display/labels/samples.ts";
import { RENDERER_VERSION, renderLabel } from "../../display/render/render-label.ts";
import { GOLDEN_COLOR_MODES, goldenCases } from "./cases.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const GOLDEN_DIR = join(root, "tests/golden");
const DOCS_DIR = join(root, "docs/labels");

function main(): void {
  mkdirSync(GOLDEN_DIR, { recursive: true });
  mkdirSync(DOCS_DIR, { recursive: true });
  const cases = goldenCases();
  const names = new Set(cases.map((c) => `${c.name}.png`));
  for (const stale of readdirSync(GOLDEN_DIR).filter((f) => f.endsWith(".png") && !names.has(f))) {
    rmSync(join(GOLDEN_DIR, stale));
  }
  for (const stale of readdirSync(DOCS_DIR).filter((f) => f.endsWith(".png") && !names.has(f))) {
    rmSync(join(DOCS_DIR, stale));
  }
  let bytes = 0;
  for (const c of cases) {
    const png = renderLabel(c.content, c.panel, c.options).png();
    writeFileSync(join(GOLDEN_DIR, `${c.name}.png`), png);
    writeFileSync(join(DOCS_DIR, `${c.name}.png`), png);
    bytes += png.length;
  }
  writeFileSync(join(DOCS_DIR, "README.md"), galleryIndex(cases.map((c) => c.name)));
  console.log(
    `wrote ${cases.length} golden images (${(bytes / 1024).toFixed(0)} KiB) to tests/golden and docs/labels`,
  );
}

function galleryIndex(names: string[]): string {
  const lines = [
    "# Label gallery",
    "",
    `Every layout on every panel in every colour mode, exactly as the panel shows it (renderer \`${RENDERER_VERSION}\`).`,
    "These are the golden images of `tests/render-golden.test.ts`, copied here by",
    "`npx tsx scripts/golden/update.ts`; how they are drawn is in [../rendering.md](../rendering.md).",
    "",
    "Layouts: **regular** (name, price, EAN-13), **unit-price** (adds the unit price line and the brand;",
    "QR code where no EAN fits), **reduction** (band with the percentage measured from the prior price,",
    'the struck prior price captioned "Niedrigster Preis der letzten 30 Tage"), **multibuy**, **member**',
    "price, **out-of-stock**. The main set is a de-DE store (the default `SHELFSYNC_LOCALE`); every other",
    "language with a catalogue in `display/i18n/` follows under Languages.",
    "",
  ];
  for (const scenario of SAMPLE_SCENARIOS) {
    lines.push(
      `## ${scenario}`,
      "",
      `| panel | ${GOLDEN_COLOR_MODES.join(" | ")} |`,
      `| --- | ${GOLDEN_COLOR_MODES.map(() => "---").join(" | ")} |`,
    );
    for (const model of PANEL_CATALOGUE) {
      const cells = GOLDEN_COLOR_MODES.map(
        (colors) => `![${scenario} ${model.id} ${colors}](${scenario}_${model.id}_${colors}.png)`,
      );
      lines.push(`| ${model.id} ${model.width}×${model.height} | ${cells.join(" | ")} |`);
    }
    lines.push("");
  }
  const locales = SAMPLE_LOCALES.filter((l) => l !== "de-DE");
  lines.push(
    "## Languages",
    "",
    `| locale | ${SAMPLE_SCENARIOS.join(" | ")} | reduction 1.54in |`,
    `| --- | ${SAMPLE_SCENARIOS.map(() => "---").join(" | ")} | --- |`,
  );
  for (const locale of locales) {
    const cells = SAMPLE_SCENARIOS.map((s) => `![${s} ${locale}](locale-${locale}_${s}_2.9in_bwr.png)`);
    lines.push(
      `| ${locale} | ${cells.join(" | ")} | ![reduction ${locale} 1.54in](locale-${locale}_reduction_1.54in_bwr.png) |`,
    );
  }
  lines.push("");
  const extras = names.filter(
    (n) =>
      !n.startsWith("locale-") && !SAMPLE_SCENARIOS.some((s) => n.startsWith(`${s}_`) && !n.includes("_rot")),
  );
  lines.push("## Rotations, other templates, stress and pictures", "");
  for (const n of extras) lines.push(`### ${n}`, "", `![${n}](${n}.png)`, "");
  return `${lines.join("\n")}\n`;
}

main();
