import { afterAll, describe, expect, it } from "vitest";
import { SAMPLES } from "../display/labels/samples.ts";
import { LabelRenderer } from "../display/render/label-renderer.ts";
import { RenderCache, renderKey } from "../display/render/render-cache.ts";
import { RENDERER_VERSION, renderLabel } from "../display/render/render-label.ts";
import { RenderPool } from "../display/render/render-pool.ts";
import type { LabelContent } from "../schemas/mqtt.ts";

const panel = { width: 296, height: 128, colors: "bwr" as const };

/** Distinct contents: each sample with its own price and hash, as a store's catalogue would be. */
function catalogue(n: number): LabelContent[] {
  const base = Object.values(SAMPLES);
  return Array.from({ length: n }, (_, i) => {
    const c = base[i % base.length]!;
    const amountMinor = 100 + i;
    const text = `${Math.floor(amountMinor / 100)},${String(amountMinor % 100).padStart(2, "0")}\u00a0€`;
    return {
      ...c,
      labelId: `L-${i}`,
      price: { ...c.price, amountMinor, text },
      contentHash: i.toString(16).padStart(16, "0"),
    };
  });
}

const same = (a: Uint8Array[], b: Uint8Array[]) =>
  a.length === b.length && a.every((p, i) => Buffer.from(p).equals(Buffer.from(b[i]!)));

describe("render cache", () => {
  it("keys on renderer version, template, panel and content hash", () => {
    const key = renderKey(SAMPLES.regular, panel);
    expect(key).toContain(RENDERER_VERSION);
    expect(key).toContain(SAMPLES.regular.contentHash);
    expect(renderKey(SAMPLES.regular, { ...panel, colors: "bwy" })).not.toBe(key);
    expect(renderKey(SAMPLES.regular, { ...panel, rotation: 180 })).not.toBe(key);
    expect(renderKey(SAMPLES.regular, panel, { template: "minimal" })).not.toBe(key);
    expect(renderKey({ ...SAMPLES.regular, contentHash: "00ff00ff00ff00ff" }, panel)).not.toBe(key);
    expect(renderKey({ ...SAMPLES.regular }, panel)).toBe(key);
  });

  it("evicts the least recently used entries once over its byte bound", () => {
    const image = (n: number) => ({
      width: 8,
      height: 8,
      colors: "bw" as const,
      planes: [new Uint8Array(1000).fill(n)],
    });
    const cache = new RenderCache(3 * 1064);
    cache.set("a", image(1));
    cache.set("b", image(2));
    cache.set("c", image(3));
    expect(cache.get("a")).toBeDefined(); // a is now the most recent
    cache.set("d", image(4));
    expect(cache.has("b")).toBe(false);
    expect(cache.has("a")).toBe(true);
    expect(cache.stats()).toMatchObject({ entries: 3, evictions: 1 });
    expect(cache.stats().bytes).toBeLessThanOrEqual(3 * 1064);
  });
});

describe("render pool and renderer", () => {
  const renderer = new LabelRenderer({ size: 2, inThreadBelow: 16, batchSize: 16 });
  afterAll(() => renderer.close());

  it("renders in worker threads (under vitest too) exactly what the calling thread renders", async () => {
    const pool = new RenderPool({ size: 2, inThreadBelow: 1, batchSize: 4 });
    try {
      const contents = catalogue(12);
      const images = await pool.renderMany(contents.map((content) => ({ content, panel })));
      expect(images).toHaveLength(12);
      contents.forEach((content, i) => {
        expect(same(images[i]!.planes, renderLabel(content, panel).planes), `label ${i}`).toBe(true);
      });
    } finally {
      await pool.close();
    }
  });

  it("re-renders only the labels whose content changed", async () => {
    const contents = catalogue(60);
    const first = await renderer.renderMany(contents.map((content) => ({ content, panel })));
    expect(first).toMatchObject({ rendered: 60, cached: 0 });

    // A reprice touches three products: only those three are drawn again.
    const repriced = contents.map((c, i) =>
      i % 20 === 0
        ? {
            ...c,
            price: { ...c.price, amountMinor: 9999, text: "99,99\u00a0€" },
            contentHash: `ff${c.contentHash.slice(2)}`,
          }
        : c,
    );
    const second = await renderer.renderMany(repriced.map((content) => ({ content, panel })));
    expect(second).toMatchObject({ rendered: 3, cached: 57 });
    expect(same(second.images[20]!.planes, renderLabel(repriced[20]!, panel).planes)).toBe(true);
    expect(same(second.images[21]!.planes, first.images[21]!.planes)).toBe(true);
  });

  it("draws labels that show the same thing once", async () => {
    const facing = { ...SAMPLES.member, contentHash: "abcdefabcdefabcd" };
    const result = await renderer.renderMany(Array.from({ length: 5 }, () => ({ content: facing, panel })));
    expect(result).toMatchObject({ rendered: 1, cached: 0 });
    expect(renderer.render(facing, panel)).toBe(result.images[0]);
  });
});
