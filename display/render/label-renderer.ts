import type { LabelContent } from "../../schemas/mqtt.ts";
import type { Panel } from "../labels/panels.ts";
import { type PlaneImage, RenderCache, renderKey } from "./render-cache.ts";
import { type RenderOptions, renderLabel } from "./render-label.ts";
import { type RenderJob, RenderPool, type RenderPoolOptions } from "./render-pool.ts";

export interface LabelRendererOptions extends RenderPoolOptions {
  /** Byte bound of the plane cache (default 64 MiB). */
  cacheBytes?: number;
}

export interface BulkResult {
  images: PlaneImage[];
  /** How many came from the cache, how many were drawn. */
  cached: number;
  rendered: number;
}

/**
 * Render only what changed: every render is looked up by (renderer version, template, panel,
 * content hash) first; a bulk re-render sends only the misses to the worker pool, and a label
 * whose content did not change costs a map lookup.
 */
export class LabelRenderer {
  readonly cache: RenderCache;
  readonly pool: RenderPool;

  constructor(options: LabelRendererOptions = {}) {
    this.cache = new RenderCache(options.cacheBytes);
    this.pool = new RenderPool(options);
  }

  render(content: LabelContent, panel: Panel, options: RenderOptions = {}): PlaneImage {
    const key = renderKey(content, panel, options);
    const hit = this.cache.get(key);
    if (hit) return hit;
    const r = renderLabel(content, panel, options);
    const image = { width: r.width, height: r.height, colors: panel.colors, planes: r.planes };
    this.cache.set(key, image);
    return image;
  }

  async renderMany(jobs: RenderJob[]): Promise<BulkResult> {
    const keys = jobs.map((j) => renderKey(j.content, j.panel, j.options));
    const images: (PlaneImage | undefined)[] = keys.map((k) => this.cache.get(k));
    // Labels showing the same thing on the same panel (several facings of one product) draw once.
    const missIndex = new Map<string, number[]>();
    keys.forEach((k, i) => {
      if (images[i]) return;
      const list = missIndex.get(k);
      if (list) list.push(i);
      else missIndex.set(k, [i]);
    });
    const todo = [...missIndex.values()].map((idx) => jobs[idx[0]!]!);
    const drawn = await this.pool.renderMany(todo);
    [...missIndex.entries()].forEach(([key, idx], n) => {
      const image = drawn[n]!;
      this.cache.set(key, image);
      for (const i of idx) images[i] = image;
    });
    return {
      images: images as PlaneImage[],
      cached: jobs.length - [...missIndex.values()].flat().length,
      rendered: todo.length,
    };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
