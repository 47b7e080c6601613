import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { retailBarcode } from "../display/labels/codes.ts";
import { SAMPLES } from "../display/labels/samples.ts";
import { planesToPng, rgbaToPlanes, rowBytes } from "../display/render/planes.ts";
import { renderLabel } from "../display/render/render-label.ts";

function rgbaOf(
  width: number,
  height: number,
  paint: (x: number, y: number) => [number, number, number],
): Uint8Array {
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = paint(x, y);
      out.set([r, g, b, 255], (y * width + x) * 4);
    }
  }
  return out;
}

const bit = (plane: Uint8Array, width: number, x: number, y: number) =>
  (plane[y * rowBytes(width) + (x >> 3)]! >> (7 - (x & 7))) & 1;

describe("panel planes byte layout", () => {
  it("packs rows MSB first, pads each row to whole bytes, 1 = ink", () => {
    // 10×2: row 0 has black at x=0 and x=9; row 1 is red at x=1.
    const rgba = rgbaOf(10, 2, (x, y) =>
      y === 0 && (x === 0 || x === 9) ? [0, 0, 0] : y === 1 && x === 1 ? [255, 0, 0] : [255, 255, 255],
    );
    const [black, red] = rgbaToPlanes(rgba, 10, 2, "bwr");
    expect(rowBytes(10)).toBe(2);
    expect([...black!]).toEqual([0b1000_0000, 0b0100_0000, 0, 0]);
    expect([...red!]).toEqual([0, 0, 0b0100_0000, 0]);
  });

  it("has one plane for bw, two for bwr/bwy, three for bwry (black, red, yellow)", () => {
    const rgba = rgbaOf(8, 1, (x) =>
      x === 0 ? [0, 0, 0] : x === 1 ? [255, 0, 0] : x === 2 ? [255, 255, 0] : [255, 255, 255],
    );
    expect(rgbaToPlanes(rgba, 8, 1, "bw")).toHaveLength(1);
    // A BWY panel has no red: red art takes its colour ink, yellow.
    const bwy = rgbaToPlanes(rgba, 8, 1, "bwy");
    expect(bwy.map((p) => p[0])).toEqual([0b1000_0000, 0b0110_0000]);
    const bwry = rgbaToPlanes(rgba, 8, 1, "bwry");
    expect(bwry.map((p) => p[0])).toEqual([0b1000_0000, 0b0100_0000, 0b0010_0000]);
  });

  it("thresholds grey anti-aliased edges to black or paper, never to the colour ink", () => {
    // Greys 0, 32, …, 224: up to 128 (about half covered) counts as ink, so hairlines survive.
    const rgba = rgbaOf(8, 1, (x) => [x * 32, x * 32, x * 32]);
    const [black, red] = rgbaToPlanes(rgba, 8, 1, "bwr");
    expect(red![0]).toBe(0);
    expect(black![0]).toBe(0b1111_1000);
  });

  it("dithers only inside picture boxes, keeping the grey level as dot density", () => {
    const grey = rgbaOf(64, 64, () => [128, 128, 128]);
    const [plain] = rgbaToPlanes(grey, 64, 64, "bw");
    const [dithered] = rgbaToPlanes(grey, 64, 64, "bw", [{ x: 0, y: 0, w: 32, h: 64 }]);
    let insideInk = 0;
    for (let y = 0; y < 64; y++) for (let x = 0; x < 32; x++) insideInk += bit(dithered!, 64, x, y);
    expect(insideInk / (32 * 64)).toBeGreaterThan(0.4);
    expect(insideInk / (32 * 64)).toBeLessThan(0.6);
    // Outside the box the plain threshold applies, the same as without any box.
    for (let y = 0; y < 64; y++)
      for (let x = 32; x < 64; x++) expect(bit(dithered!, 64, x, y)).toBe(bit(plain!, 64, x, y));
  });

  it("writes a PNG preview of exactly the planes", () => {
    const r = renderLabel(SAMPLES.reduction, { width: 296, height: 128, colors: "bwr" });
    const png = PNG.sync.read(planesToPng(r.planes, r.width, r.height, "bwr"));
    for (let y = 0; y < r.height; y += 3) {
      for (let x = 0; x < r.width; x += 3) {
        const i = (y * r.width + x) * 4;
        const expected = bit(r.planes[0]!, r.width, x, y)
          ? [0, 0, 0]
          : bit(r.planes[1]!, r.width, x, y)
            ? [255, 0, 0]
            : [255, 255, 255];
        expect([png.data[i], png.data[i + 1], png.data[i + 2]]).toEqual(expected);
      }
    }
  });

  it("turns the drawing for a rotated panel: native size stays, content turns", () => {
    const upright = renderLabel(SAMPLES.regular, { width: 200, height: 200, colors: "bw" });
    const turned = renderLabel(SAMPLES.regular, { width: 200, height: 200, colors: "bw", rotation: 90 });
    expect([turned.width, turned.height]).toEqual([200, 200]);
    // A quarter turn clockwise sends drawing pixel (x, y) to native (199 - y, x).
    let same = 0;
    let total = 0;
    for (let y = 0; y < 200; y += 2) {
      for (let x = 0; x < 200; x += 2) {
        total++;
        if (bit(upright.planes[0]!, 200, x, y) === bit(turned.planes[0]!, 200, 199 - y, x)) same++;
      }
    }
    expect(same).toBe(total);
  });

  it("draws the EAN-13 on whole pixels: a scan line reads back the symbol's bar widths", () => {
    const r = renderLabel(SAMPLES.regular, { width: 296, height: 128, colors: "bw" });
    const el = r.layout.elements.find((e) => e.kind === "barcode");
    if (el?.kind !== "barcode") throw new Error('the regular 2.9" label should carry an EAN-13');
    const code = retailBarcode(SAMPLES.regular.gtin)!;
    const y = el.y + 4;
    const runs: number[] = [];
    let x = el.x + 11 * el.module;
    let current = 1;
    let run = 0;
    for (; runs.length < code.runs.length; x++) {
      const ink = bit(r.planes[0]!, 296, x, y);
      if (ink === current) run++;
      else {
        runs.push(run);
        current = ink;
        run = 1;
      }
    }
    expect(runs.map((w) => w / el.module)).toEqual(code.runs);
  });
});
