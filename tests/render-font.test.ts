import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { Resvg } from "@resvg/resvg-js";
import { describe, expect, it } from "vitest";
import { fontFilePaths, labelFont } from "../display/render/font/fonts.ts";

describe("the shipped label font", () => {
  it("comes from the committed TrueType files, with their licence and the checksums their README states", () => {
    const dir = dirname(fontFilePaths().regular);
    const readme = readFileSync(join(dir, "README.md"), "utf8");
    expect(readFileSync(join(dir, "OFL.txt"), "utf8")).toContain("SIL OPEN FONT LICENSE Version 1.1");
    for (const path of Object.values(fontFilePaths())) {
      expect(path).toMatch(/display\/render\/font\/files\/RobotoCondensed-\w+\.ttf$/);
      const sha256 = createHash("sha256").update(readFileSync(path)).digest("hex");
      expect(readme).toContain(`\`${basename(path)}\` | \`${sha256}\``);
    }
  });

  it("reads metrics, cmap and advances: digits are tabular, kerning pulls A and V together", () => {
    const bold = labelFont("bold");
    expect(bold.unitsPerEm).toBe(2048);
    const digitWidths = new Set([..."0123456789"].map((d) => bold.measure(d, 100)));
    expect(digitWidths.size).toBe(1);
    expect(bold.measure("AV", 100)).toBeLessThan(bold.measure("A", 100) + bold.measure("V", 100));
    expect(bold.ttf.glyphId("€".codePointAt(0)!)).toBeGreaterThan(0);
    expect(bold.capHeight(100)).toBeGreaterThan(60);
    expect(bold.capHeight(100)).toBeLessThan(80);
  });

  it("draws outlines where resvg's own text engine draws the same font", () => {
    // Same font file, two routes: our glyph paths, and resvg laying out <text> itself. Pen positions
    // here snap to quarter pixels and baselines to whole ones, so edges may move by a fraction of a
    // pixel; the glyph shapes and, over a long line, the sum of advances and kerning must agree.
    const paths = fontFilePaths();
    const options = {
      font: { loadSystemFonts: false, fontFiles: [paths.bold, paths.regular] },
      background: "#fff",
    };
    for (const [weight, text] of [
      ["bold", "AVATAR Today 12,49 € 999 999,99"],
      ["regular", "Lowest price 30 days before: 2,79 € ÄÖÜ Wąż"],
    ] as const) {
      const font = labelFont(weight);
      const svg = (body: string) =>
        `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="50"><rect width="640" height="50" fill="#fff"/>${body}</svg>`;
      const ours = new Resvg(svg(`<path d="${font.path(text, 28, 5, 36)}"/>`), options).render().pixels;
      const theirs = new Resvg(
        svg(
          `<text x="5" y="36" font-family="Roboto Condensed" font-weight="${weight === "bold" ? 700 : 400}" font-size="28">${text}</text>`,
        ),
        options,
      ).render().pixels;
      let differing = 0;
      let inked = 0;
      let rightOurs = 0;
      let rightTheirs = 0;
      for (let i = 0; i < ours.length; i += 4) {
        const x = (i / 4) % 640;
        if (ours[i]! < 128) {
          inked++;
          rightOurs = Math.max(rightOurs, x);
        }
        if (theirs[i]! < 128) rightTheirs = Math.max(rightTheirs, x);
        if (ours[i]! < 128 !== theirs[i]! < 128) differing++;
      }
      expect(inked).toBeGreaterThan(2000);
      expect(differing / inked).toBeLessThan(0.08);
      expect(Math.abs(rightOurs - rightTheirs)).toBeLessThanOrEqual(1);
      expect(Math.abs(5 + font.measure(text, 28) - rightTheirs)).toBeLessThan(4);
    }
  });
});
