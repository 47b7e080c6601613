import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fitText } from "../display/labels/fit.ts";
import { layoutLabel, MIN_PRICE_DIGIT_PX, TEMPLATE_NAMES } from "../display/labels/layout.ts";
import { logicalSize, PANEL_CATALOGUE, PANEL_COLOR_MODES, ROTATIONS } from "../display/labels/panels.ts";
import { splitPrice } from "../display/labels/price.ts";
import { SAMPLES, STRESS_SAMPLE } from "../display/labels/samples.ts";
import { labelFont } from "../display/render/font/fonts.ts";
import { renderLabel } from "../display/render/render-label.ts";
import type { LabelContent } from "../schemas/mqtt.ts";

const box = { x: 0, y: 0, w: 120, h: 40 };

describe("text fitting", () => {
  it("keeps a short text on one line at the largest size", () => {
    const f = fitText("Milk", box, { weight: "bold", maxSize: 16, minSize: 10, maxLines: 2 })!;
    expect(f.size).toBe(16);
    expect(f.lines.map((l) => l.text)).toEqual(["Milk"]);
    expect(f.truncated).toBe(false);
  });

  it("shrinks first, then wraps, then cuts with an ellipsis", () => {
    const font = labelFont("bold");
    const slightlyLong = "Organic whole milk 3.8 %";
    const shrunk = fitText(slightlyLong, box, {
      weight: "bold",
      maxSize: font.measure(slightlyLong, 1) > 0 ? (120 / font.measure(slightlyLong, 1)) * 1.1 : 20,
      minSize: 8,
      maxLines: 2,
    })!;
    expect(shrunk.lines).toHaveLength(1);

    const long = "Organic whole milk from alpine pastures, 3.8 % fat, 1 litre";
    const wrapped = fitText(
      long,
      { ...box, h: 60 },
      { weight: "bold", maxSize: 16, minSize: 10, maxLines: 3 },
    )!;
    expect(wrapped.lines.length).toBeGreaterThan(1);
    expect(wrapped.truncated).toBe(false);
    expect(wrapped.lines.map((l) => l.text).join(" ")).toBe(long);

    const cut = fitText(`${long} ${long} ${long}`, box, {
      weight: "bold",
      maxSize: 16,
      minSize: 12,
      maxLines: 2,
    })!;
    expect(cut.truncated).toBe(true);
    expect(cut.lines.at(-1)!.text.endsWith("…")).toBe(true);
  });

  it("never lets a fitted line leave its box (measured with the font's own advances)", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 120 }),
        fc.integer({ min: 40, max: 400 }),
        fc.integer({ min: 14, max: 120 }),
        (text, w, h) => {
          const b = { x: 3, y: 5, w, h };
          const f = fitText(text, b, { weight: "regular", maxSize: 24, minSize: 10, maxLines: 3 });
          if (!f) return;
          for (const line of f.lines) {
            expect(line.x).toBeGreaterThanOrEqual(b.x - 1e-6);
            expect(line.x + labelFont("regular").measure(line.text, f.size)).toBeLessThanOrEqual(
              b.x + b.w + 1e-6,
            );
          }
          expect(f.bounds.y + f.bounds.h).toBeLessThanOrEqual(b.y + b.h + 1e-6);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("price parts", () => {
  it("splits formatted prices into whole units, separator + minor units and the sign", () => {
    expect(splitPrice("2,49\u00a0€")).toEqual({ prefix: "", major: "2", minor: ",49", suffix: "€" });
    expect(splitPrice("$1,249.00")).toEqual({ prefix: "$", major: "1,249", minor: ".00", suffix: "" });
    expect(splitPrice("999\u202f999,99 €")).toEqual({
      prefix: "",
      major: "999\u202f999",
      minor: ",99",
      suffix: "€",
    });
    expect(splitPrice("¥1,250")).toEqual({ prefix: "¥", major: "1,250", minor: "", suffix: "" });
  });
});

/** A six-digit price and a name no panel can hold on one line. */
function stressContent(name: string, amountMinor: number): LabelContent {
  const whole = Math.floor(amountMinor / 100);
  const text = `${String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f")},${String(amountMinor % 100).padStart(2, "0")}\u00a0€`;
  return { ...STRESS_SAMPLE, name, price: { amountMinor, currency: "EUR", text } };
}

describe("the price is never clipped", () => {
  const panels = PANEL_CATALOGUE.flatMap((m) =>
    PANEL_COLOR_MODES.flatMap((colors) =>
      ROTATIONS.map((rotation) => ({ width: m.width, height: m.height, colors, rotation })),
    ),
  );

  it("keeps every digit inside the panel and above the legibility floor, for long names and 6-digit prices", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...panels),
        fc.constantFrom(...TEMPLATE_NAMES),
        fc.integer({ min: 10_000_000, max: 99_999_999 }),
        fc.array(
          fc.constantFrom(
            "Ultra",
            "wide",
            "OLED",
            "television",
            "extraordinarily",
            "long",
            '98"',
            "anti-glare",
            "WWWWWWWWWWWW",
          ),
          { minLength: 8, maxLength: 40 },
        ),
        (panel, template, amount, words) => {
          const content = stressContent(words.join(" "), amount);
          const size = logicalSize(panel);
          const layout = layoutLabel(content, size, panel.colors, { template });
          const p = layout.price;
          // Every digit of the price text is drawn: the runs spell the whole price.
          expect(
            p.runs
              .map((r) => r.text)
              .join("")
              .replace(/\s/g, ""),
          ).toBe(content.price.text.replace(/[\s\u00a0\u202f]/g, ""));
          expect(p.bounds.x).toBeGreaterThanOrEqual(0);
          expect(p.bounds.y).toBeGreaterThanOrEqual(0);
          expect(p.bounds.x + p.bounds.w).toBeLessThanOrEqual(size.width + 1e-6);
          expect(p.bounds.y + p.bounds.h).toBeLessThanOrEqual(size.height + 1e-6);
          expect(p.digitHeight).toBeGreaterThanOrEqual(MIN_PRICE_DIGIT_PX);
          // Nothing else is drawn over the price.
          for (const el of layout.elements) {
            if (el.kind !== "text") continue;
            const b = el.fitted.bounds;
            const overlaps =
              b.x < p.bounds.x + p.bounds.w &&
              p.bounds.x < b.x + b.w &&
              b.y < p.bounds.y + p.bounds.h &&
              p.bounds.y < b.y + b.h;
            expect(overlaps, `${el.role} overlaps the price`).toBe(false);
          }
          // The legally required notes are never cut.
          expect(
            layout.truncated.filter((r) => r === "regular-price" || r === "unit-price" || r === "omnibus"),
          ).toEqual([]);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("draws ink at the price's place in the bitmap on the smallest panel", () => {
    const r = renderLabel(stressContent("x ".repeat(200), 99_999_999), {
      width: 250,
      height: 122,
      colors: "bw",
    });
    const b = r.layout.price.bounds;
    const stride = Math.ceil(r.width / 8);
    let ink = 0;
    for (let y = Math.floor(b.y); y < b.y + b.h; y++) {
      for (let x = Math.floor(b.x); x < b.x + b.w; x++)
        if (r.planes[0]![y * stride + (x >> 3)]! & (0x80 >> (x & 7))) ink++;
    }
    expect(ink / (b.w * b.h)).toBeGreaterThan(0.15);
  });

  it("picks the layout from the content", () => {
    expect(layoutLabel(SAMPLES.regular, { width: 296, height: 128 }, "bwr").kind).toBe("regular");
    expect(layoutLabel(SAMPLES.reduction, { width: 296, height: 128 }, "bwr").kind).toBe("reduction");
    expect(layoutLabel(SAMPLES.multibuy, { width: 296, height: 128 }, "bwr").kind).toBe("multibuy");
    expect(layoutLabel(SAMPLES.member, { width: 296, height: 128 }, "bwr").kind).toBe("member");
    expect(layoutLabel(SAMPLES["out-of-stock"], { width: 296, height: 128 }, "bwr").kind).toBe(
      "out-of-stock",
    );
    const reduction = layoutLabel(SAMPLES.reduction, { width: 296, height: 128 }, "bwr");
    const texts = reduction.elements
      .flatMap((e) => (e.kind === "text" ? e.fitted.lines.map((l) => l.text) : []))
      .join(" | ");
    // The struck price is the prior price, captioned in the store's language (de-DE samples).
    expect(texts).toMatch(/7,49\s€ \| Niedrigster Preis der letzten 30 Tage/);
    expect(texts).toContain("1 l = 7,99");
  });
});
