import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../../lib/paths.ts";

/**
 * Vitest global setup: suites that start commands as processes run the built JavaScript, as
 * `npm start` does. Rebuild first when any source is newer than the build (a developer edited code
 * since `npm ci` or the last `npm run build`); an up-to-date build (CI, right after `npm ci`) is
 * tested as it is, so every Node version in CI runs the same bundles.
 */
const SOURCE_DIRS = ["central", "controller", "display", "firmware-bridge", "schemas", "lib", "scripts"];

function newestSourceMs(): number {
  let newest = statSync(join(PACKAGE_ROOT, "package.json")).mtimeMs;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of SOURCE_DIRS) if (existsSync(join(PACKAGE_ROOT, dir))) walk(join(PACKAGE_ROOT, dir));
  return newest;
}

function buildMs(): number {
  const stamp = join(PACKAGE_ROOT, "dist", "controller", "main.mjs");
  return existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
}

export default function setup(): void {
  if (buildMs() > newestSourceMs()) return;
  execFileSync(process.execPath, [join(PACKAGE_ROOT, "scripts", "build.mjs"), "--quiet"], {
    cwd: PACKAGE_ROOT,
    stdio: "inherit",
  });
}
