import { availableParallelism } from "node:os";
import { performance } from "node:perf_hooks";
import type { Panel } from "../display/labels/panels.ts";
import { SAMPLES } from "../display/labels/samples.ts";
import { LabelRenderer } from "../display/render/label-renderer.ts";
import { renderLabel } from "../display/render/render-label.ts";
import type { RenderJob } from "../display/render/render-pool.ts";
import type { LabelContent } from "../schemas/mqtt.ts";
import type { BenchRow } from "./support.ts";

/**
 * Label rendering throughput.
 * - one core: 2.9" 296×128 BWR labels, each with its own name and price (goal ≥ 2,000/s/core),
 *   beside the whole-SVG resvg path as the raw baseline, measured in the same run;
 * - a full re-render of a 50,000-label store (mixed panel sizes) over a worker per core, really
 *   rendered (in chunks of 5,000 so the planes do not pile up in memory);
 * - the same store unchanged: what "render only what changed" costs when nothing did.
 */

export type RenderBenchRow = BenchRow;

const WORDS = [
  "Organic",
  "whole",
  "milk",
  "Arabica",
  "coffee",
  "beans",
  "Greek",
  "yoghurt",
  "olive",
  "oil",
  "extra",
  "virgin",
  "sliced",
  "cheese",
  "sparkling",
  "water",
  "dark",
  "chocolate",
  "70 %",
  "pasta",
  "tomato",
  "basil",
  "sauce",
  "crunchy",
  "muesli",
];
const SCENARIOS = [
  ...Array(14).fill("regular"),
  ...Array(3).fill("reduction"),
  "multibuy",
  "member",
  "out-of-stock",
] as (keyof typeof SAMPLES)[];

const euro = (minor: number) => ({
  amountMinor: minor,
  currency: "EUR",
  text: `${Math.floor(minor / 100)},${String(minor % 100).padStart(2, "0")}\u00a0€`,
});

/** A store catalogue: deterministic, every label different (its own name, price and hash). */
export function storeContents(n: number, seed = 1): LabelContent[] {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
  return Array.from({ length: n }, (_, i) => {
    const scenario = SCENARIOS[i % SCENARIOS.length]!;
    const base = SAMPLES[scenario === "regular" && i % 2 ? "unit-price" : scenario];
    const words = Array.from(
      { length: 3 + Math.floor(rnd() * 5) },
      () => WORDS[Math.floor(rnd() * WORDS.length)]!,
    );
    const amount = 49 + Math.floor(rnd() * 4950);
    const content: LabelContent = {
      ...base,
      labelId: `L${i}`,
      sku: `SKU${i}`,
      name: `${words.join(" ")} ${100 + (i % 900)} g`,
      price: euro(amount),
      unitPrice: { ...euro(amount * 4), per: "kg" },
      contentHash: `${seed.toString(16)}${i.toString(16)}`.padStart(16, "0"),
    };
    if (base.regularPrice) content.regularPrice = euro(Math.round(amount * 1.25));
    if (base.referencePrice) content.referencePrice = euro(Math.round(amount * 1.15));
    if (base.memberPrice) content.memberPrice = euro(Math.round(amount * 0.85));
    return content;
  });
}

/** Shelf-edge mix of a typical store: mostly 2.9" and 2.13", some 2.6", a few 4.2" and 7.5". */
function storePanel(i: number): Panel {
  const k = i % 20;
  if (k < 10) return { width: 296, height: 128, colors: "bwr" };
  if (k < 15) return { width: 250, height: 122, colors: "bwr" };
  if (k < 18) return { width: 296, height: 152, colors: "bwy" };
  if (k < 19) return { width: 400, height: 300, colors: "bwr" };
  return { width: 800, height: 480, colors: "bwr" };
}

function row(name: string, ops: number, ms: number, extra: Partial<RenderBenchRow> = {}): RenderBenchRow {
  return { name, ops, ms: Math.round(ms * 10) / 10, opsPerSec: Math.round((ops / ms) * 1000), ...extra };
}

function timeSync(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

export async function benchRender(): Promise<RenderBenchRow[]> {
  const rows: RenderBenchRow[] = [];
  const panel: Panel = { width: 296, height: 128, colors: "bwr" };

  // One core. Warm-up renders other labels first, as a running controller would have: glyph
  // bitmaps for the panel's sizes are then cached (a cold process pays ~0.1 ms per new glyph size).
  const warm = storeContents(2_000, 7);
  for (const c of warm) renderLabel(c, panel);
  const labels = storeContents(5_000, 3);
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    best = Math.min(
      best,
      timeSync(() => {
        for (const c of labels) renderLabel(c, panel);
      }),
    );
  }
  const one = row('render 2.9" 296×128 BWR, 1 core', labels.length, best, {
    note: "goal ≥ 2,000/s/core; layout → planes, no PNG",
  });

  const baselineLabels = labels.slice(0, 500);
  const baselineMs = timeSync(() => {
    for (const c of baselineLabels) renderLabel(c, panel, { raster: "svg" });
  });
  const baseline = row(
    "  baseline: whole label SVG through resvg, 1 core",
    baselineLabels.length,
    baselineMs,
    {
      note: "same pixels, raw resvg path",
    },
  );
  rows.push({ ...one, ratio: one.opsPerSec / baseline.opsPerSec }, baseline);

  const pngMs = timeSync(() => {
    for (const c of baselineLabels) renderLabel(c, panel).png();
  });
  rows.push(
    row("  render + PNG preview encode, 1 core", baselineLabels.length, pngMs, {
      note: "previews only, not the device path",
    }),
  );

  // The whole store over every core.
  const cores = availableParallelism();
  // Cache sized for a whole chunk of mixed panels (a 7.5" BWR label alone is 96 KB of planes).
  const renderer = new LabelRenderer({ size: cores, batchSize: 100, cacheBytes: 256 * 1024 * 1024 });
  try {
    await renderer.pool.warm();
    const warmJobs: RenderJob[] = storeContents(2_000, 9).map((content, i) => ({
      content,
      panel: storePanel(i),
    }));
    await renderer.pool.renderMany(warmJobs);

    const same = storeContents(10_000, 13).map((content) => ({ content, panel }));
    const sameStart = performance.now();
    const sameDone = (await renderer.renderMany(same)).rendered;
    const sameMs = performance.now() - sameStart;
    rows.push(
      row(`pool: 10,000 2.9" BWR labels, ${cores} workers`, sameDone, sameMs, {
        note: `${Math.round(sameDone / (sameMs / 1000) / cores)}/s per core incl. messaging`,
      }),
    );
    renderer.cache.clear();

    const STORE = 50_000;
    const CHUNK = 5_000;
    const contents = storeContents(STORE, 11);
    const start = performance.now();
    let rendered = 0;
    for (let i = 0; i < STORE; i += CHUNK) {
      const jobs = contents.slice(i, i + CHUNK).map((content, k) => ({ content, panel: storePanel(i + k) }));
      rendered += (await renderer.renderMany(jobs)).rendered;
      // Keep only the most recent chunk's planes (a bridge would have sent the rest on).
      if (i + CHUNK < STORE) renderer.cache.clear();
    }
    const storeMs = performance.now() - start;
    rows.push(
      row(`store re-render 50,000 labels, ${cores} workers`, rendered, storeMs, {
        note: `mixed panels 2.13"–7.5"; ${Math.round(rendered / (storeMs / 1000) / cores)}/s per core`,
      }),
    );

    const unchanged = contents
      .slice(-CHUNK)
      .map((content, k) => ({ content, panel: storePanel(STORE - CHUNK + k) }));
    const cachedStart = performance.now();
    const again = await renderer.renderMany(unchanged);
    rows.push(
      row("  unchanged labels (cache hits)", again.cached, performance.now() - cachedStart, {
        note: `${again.rendered} re-rendered`,
      }),
    );
  } finally {
    await renderer.close();
  }
  return rows;
}
