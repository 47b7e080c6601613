import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fromPackageRoot } from "./paths.ts";

/**
 * The C heap's free memory handed back to the system (glibc's malloc_trim, through the small addon
 * lib/native/malloc-trim.c that `npm run build` compiles into dist/native). Loaded at the first call,
 * so a process that never trims never maps it.
 */
type Addon = { trim(): boolean | null };

let addon: Addon | null | undefined;

function load(): Addon | null {
  if (addon !== undefined) return addon;
  const path = fromPackageRoot("dist", "native", "malloc-trim.node");
  try {
    addon = existsSync(path) ? (createRequire(import.meta.url)(path) as Addon) : null;
  } catch {
    addon = null; // built for another system (a copied dist/, musl): run without trimming
  }
  return addon;
}

/**
 * Give free C-heap pages back: true if some were, false if none were free, null where it cannot be
 * done (no addon built, not glibc).
 */
export function trimNativeHeap(): boolean | null {
  return load()?.trim() ?? null;
}
