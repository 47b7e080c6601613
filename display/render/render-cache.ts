import { createHash } from "node:crypto";
import type { ColorMode } from "../../schemas/common.ts";
import type { LabelContent } from "../../schemas/mqtt.ts";
import type { Panel } from "../labels/panels.ts";
import { RENDERER_VERSION, type RenderOptions, templateFor } from "./render-label.ts";

/** What a cache keeps of a render: the planes, which is what a bridge sends to a label. */
export interface PlaneImage {
  width: number;
  height: number;
  colors: ColorMode;
  planes: Uint8Array[];
}

/**
 * The key of a render: everything that decides its pixels. Content is represented by its
 * `contentHash` (equal content ⇔ equal hash, DESIGN.md §3); options other than the template are
 * rare, so they are hashed only when present.
 */
export function renderKey(content: LabelContent, panel: Panel, options: RenderOptions = {}): string {
  const { template: _template, ...rest } = options;
  const extra =
    Object.keys(rest).length > 0
      ? createHash("sha1").update(JSON.stringify(rest)).digest("hex").slice(0, 16)
      : "-";
  const panelKey = `${panel.width}x${panel.height}-${panel.colors}-${panel.rotation ?? 0}`;
  return `${RENDERER_VERSION}|${templateFor(content, options)}|${panelKey}|${content.contentHash}|${extra}`;
}

export interface RenderCacheStats {
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
  evictions: number;
}

/**
 * Least-recently-used cache of plane images, bounded by the bytes the planes take (a 7.5" BWR
 * label is 96 KB, a 2.9" one under 10 KB, so a count bound would say little).
 */
export class RenderCache {
  private readonly entries = new Map<string, PlaneImage>();
  private bytes = 0;
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  constructor(readonly maxBytes = 64 * 1024 * 1024) {}

  get(key: string): PlaneImage | undefined {
    const hit = this.entries.get(key);
    if (!hit) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // Re-insert to mark as most recently used (Map iterates in insertion order).
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit;
  }

  set(key: string, image: PlaneImage): void {
    const size = sizeOf(image);
    if (size > this.maxBytes) return;
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= sizeOf(old);
      this.entries.delete(key);
    }
    this.entries.set(key, image);
    this.bytes += size;
    while (this.bytes > this.maxBytes) {
      const oldest = this.entries.keys().next().value as string;
      this.bytes -= sizeOf(this.entries.get(oldest)!);
      this.entries.delete(oldest);
      this.evictions++;
    }
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  stats(): RenderCacheStats {
    return {
      entries: this.entries.size,
      bytes: this.bytes,
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
    };
  }
}

function sizeOf(image: PlaneImage): number {
  return image.planes.reduce((n, p) => n + p.byteLength, 0) + 64;
}
