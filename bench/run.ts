import { parseArgs } from "node:util";
import { benchFootprint } from "./footprint.ts";
import { benchIngest } from "./ingest.ts";
import { benchLinks } from "./links.ts";
import { describeMachine, machineState } from "./machine.ts";
import { benchMerchant } from "./merchant.ts";
import { benchOeplJpeg } from "./oepl-jpeg.ts";
import { benchParity } from "./parity.ts";
import { benchParse } from "./parse.ts";
import { benchPricing } from "./pricing.ts";
import { benchPublish } from "./publish.ts";
import { benchRobustness } from "./robustness.ts";
import { benchSearch } from "./search.ts";
import { benchStoreReprice } from "./store-reprice.ts";
import { type BenchRow, scratchDir } from "./support.ts";

/**
 * `npm run bench [-- --only ingest,publish]`: every benchmark, each beside the raw baseline it is
 * judged against where one exists, measured in the same run, printed as one table.
 */
type Suite = { name: string; run: () => Promise<BenchRow[]> };

const suites: Suite[] = [
  {
    name: "parse",
    run: async () =>
      (await benchParse()).map((r) => ({ name: r.name, ops: r.rows, ms: r.ms, opsPerSec: r.rowsPerSec })),
  },
  { name: "ingest", run: benchIngest },
  { name: "merchant", run: benchMerchant },
  { name: "parity", run: benchParity },
  { name: "publish", run: benchPublish },
  { name: "pricing", run: benchPricing },
  { name: "store", run: benchStoreReprice },
  { name: "oepl-jpeg", run: benchOeplJpeg },
  { name: "links", run: benchLinks },
  { name: "search", run: benchSearch },
  { name: "footprint", run: benchFootprint },
  { name: "robustness", run: benchRobustness },
];

const optional: { name: string; module: string; fn: string }[] = [
  { name: "render", module: "./render.ts", fn: "benchRender" },
];

async function main() {
  const { values } = parseArgs({ options: { only: { type: "string" } }, strict: false });
  const only = typeof values.only === "string" ? new Set(values.only.split(",")) : null;
  for (const o of optional) {
    try {
      const mod = (await import(o.module)) as Record<string, () => Promise<BenchRow[]>>;
      const fn = mod[o.fn];
      if (fn) suites.push({ name: o.name, run: fn });
    } catch {
      // The suite's module is not there yet in this checkout.
    }
  }
  const dir = scratchDir();
  const before = machineState(dir.path);
  const rows: BenchRow[] = [];
  for (const suite of suites) {
    if (only && !only.has(suite.name)) continue;
    process.stderr.write(`running ${suite.name}…\n`);
    rows.push(...(await suite.run()));
  }
  const after = machineState(dir.path);
  dir.cleanup();
  process.stdout.write(
    `machine before: ${describeMachine(before)}\nmachine after:  ${describeMachine(after)}\n\n`,
  );
  const header = ["benchmark", "ops", "ms", "ops/s", "vs baseline", "note"];
  const table = rows.map((r) => [
    r.name,
    r.ops.toLocaleString("en"),
    r.ms.toFixed(1),
    Math.round(r.opsPerSec).toLocaleString("en"),
    r.ratio === undefined ? "" : `${r.ratio.toFixed(2)}×`,
    r.note ?? "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 || i === 5 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(" | ")} |`;
  process.stdout.write(
    `${[line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...table.map(line)].join("\n")}\n`,
  );
}

await main();
