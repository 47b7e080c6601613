import { describe, expect, it } from "vitest";
import { renderLabel } from "../display/render/render-label.ts";
import { goldenCases } from "../scripts/golden/cases.ts";

describe("the fast compositor", () => {
  it("gives exactly the pixels resvg gives for the whole label SVG, for every golden case", () => {
    const differing: string[] = [];
    for (const c of goldenCases()) {
      const fast = renderLabel(c.content, c.panel, { ...c.options, raster: "compose" });
      const full = renderLabel(c.content, c.panel, { ...c.options, raster: "svg" });
      let bits = 0;
      fast.planes.forEach((p, i) => {
        const q = full.planes[i]!;
        for (let k = 0; k < p.length; k++) {
          for (let x = p[k]! ^ q[k]!; x; x &= x - 1) bits++;
        }
      });
      if (bits > 0 || fast.planes.length !== full.planes.length) differing.push(`${c.name}: ${bits} pixels`);
    }
    expect(differing).toEqual([]);
  });

  it("keeps the SVG available for previews without drawing it in the hot path", () => {
    const c = goldenCases()[0]!;
    const r = renderLabel(c.content, c.panel);
    expect(r.svg.startsWith("<svg")).toBe(true);
    expect(r.svg).toContain("<title>");
  });
});
