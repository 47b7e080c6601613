import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { renderLabel } from "../display/render/render-label.ts";
import { goldenCases } from "../scripts/golden/cases.ts";

const GOLDEN_DIR = join(import.meta.dirname, "golden");
const UPDATE = "npx tsx scripts/golden/update.ts";

describe("golden label images", () => {
  const cases = goldenCases();

  it("covers every case with a checked-in PNG and nothing else", () => {
    const expected = cases.map((c) => `${c.name}.png`).sort();
    const present = readdirSync(GOLDEN_DIR)
      .filter((f) => f.endsWith(".png"))
      .sort();
    expect(present, `golden set out of date: run ${UPDATE}`).toEqual(expected);
  });

  it("renders every layout × panel × colour mode pixel for pixel as checked in", () => {
    const failures: string[] = [];
    for (const c of cases) {
      const file = join(GOLDEN_DIR, `${c.name}.png`);
      if (!existsSync(file)) {
        failures.push(`${c.name}: missing`);
        continue;
      }
      const golden = PNG.sync.read(readFileSync(file));
      const r = renderLabel(c.content, c.panel, c.options);
      if (golden.width !== r.width || golden.height !== r.height) {
        failures.push(`${c.name}: size ${r.width}×${r.height}, golden ${golden.width}×${golden.height}`);
        continue;
      }
      const got = r.rgba();
      let differing = 0;
      for (let i = 0; i < got.length; i += 4) {
        if (
          got[i] !== golden.data[i] ||
          got[i + 1] !== golden.data[i + 1] ||
          got[i + 2] !== golden.data[i + 2]
        )
          differing++;
      }
      if (differing > 0) failures.push(`${c.name}: ${differing} pixels differ`);
    }
    expect(failures, `renders differ from tests/golden; if the change is intended, run ${UPDATE}`).toEqual(
      [],
    );
  });

  it("previews are exactly the planes: decoding the PNG gives only panel inks", () => {
    const c = cases.find((x) => x.name === "reduction_2.9in_bwy")!;
    const r = renderLabel(c.content, c.panel);
    const png = PNG.sync.read(r.png());
    const colours = new Set<string>();
    for (let i = 0; i < png.data.length; i += 4)
      colours.add(`${png.data[i]},${png.data[i + 1]},${png.data[i + 2]}`);
    expect([...colours].sort()).toEqual(["0,0,0", "255,255,0", "255,255,255"]);
  });
});
