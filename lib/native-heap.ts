import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fromPackageRoot } from "./paths.ts";

/**
 * Our native addons (lib/native/, compiled by `npm run build` into dist/native), each loaded at its
 * first call, so a process that never needs one never maps it.
 *
 * - lib/native/malloc-trim.c: the C heap's free memory handed back to the system (glibc's malloc_trim).
 * - lib/native/v8-heap.cc: V8's young generation shrunk after a big job (lib/young-generation.ts).
 */
type Addon = { trim(): boolean | null };
type V8Addon = { shrink(): void };

const loaded = new Map<string, unknown>();

function load<T>(name: string): T | null {
  if (loaded.has(name)) return loaded.get(name) as T | null;
  const path = fromPackageRoot("dist", "native", `${name}.node`);
  let addon: T | null;
  try {
    addon = existsSync(path) ? (createRequire(import.meta.url)(path) as T) : null;
  } catch {
    // Built for another system (a copied dist/, musl) or, for v8-heap, another Node: run without it.
    addon = null;
  }
  loaded.set(name, addon);
  return addon;
}

/**
 * Give free C-heap pages back: true if some were, false if none were free, null where it cannot be
 * done (no addon built, not glibc).
 */
export function trimNativeHeap(): boolean | null {
  return load<Addon>("malloc-trim")?.trim() ?? null;
}

/**
 * Collect, compact and shrink V8's young generation back to its initial size now (lib/native/v8-heap.cc,
 * V8's memory-pressure notification): true if done, false where the addon is not available.
 */
export function shrinkV8Heap(): boolean {
  const addon = load<V8Addon>("v8-heap");
  if (!addon) return false;
  addon.shrink();
  return true;
}
