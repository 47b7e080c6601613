import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/**
 * Where files the code reads at run time live (migrations, the demo catalogue, bundled workers).
 * The same module runs from source (tsx, vitest) and inside a bundle in `dist/` (npm start), so paths
 * relative to the calling file break in one or the other; the package root is the same in both.
 */
function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** An absolute path under the package root, e.g. `fromPackageRoot("controller", "store", "migrations")`. */
export const fromPackageRoot = (...parts: string[]): string => join(PACKAGE_ROOT, ...parts);

/** Running the built JavaScript (a bundle in dist/), not the TypeScript sources. */
export const RUNNING_BUILT = !import.meta.url.endsWith(".ts");

/**
 * The built bundle of a source entry point: `scripts/build.mjs` writes `dist/<source path>.mjs`
 * for `<source path>.ts`, e.g. `builtEntry("display/render/render-worker")`.
 */
export const builtEntry = (sourcePathWithoutExtension: string): URL =>
  pathToFileURL(fromPackageRoot("dist", `${sourcePathWithoutExtension}.mjs`));
