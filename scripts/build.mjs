#!/usr/bin/env node
// npm run build (and the `prepare` step of npm ci): one bundled JavaScript file per command, so
// `npm start` is one plain Node process that loads one file instead of compiling TypeScript on the fly.
//
// Entry points come from package.json: every script that runs `node dist/<path>.mjs` gets
// `<path>.ts` bundled to that file. Adding a command is one line there, e.g.
//   "token": "node dist/controller/cli/token.mjs"
// Files that are started as something other than an npm script (worker threads) are listed below.
//
// Steps run in order; a browser app (the console, built by Vite) is one more step in STEPS.
import { readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const DIST = join(ROOT, "dist");

/** Bundled entry points that no npm script names: worker threads (see lib/paths.ts builtEntry). */
const WORKER_ENTRIES = ["display/render/render-worker"];

/**
 * Native addons stay in node_modules (their .node files are loaded by path and must match the running
 * Node's ABI); everything else is bundled.
 */
const EXTERNAL = ["better-sqlite3", "@resvg/resvg-js"];

function entryPointsFromScripts() {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const entries = new Set(WORKER_ENTRIES);
  for (const script of Object.values(pkg.scripts ?? {})) {
    for (const m of script.matchAll(/\bnode\s+(?:--\S+\s+)*dist\/(\S+)\.mjs\b/g)) entries.add(m[1]);
  }
  return [...entries].sort();
}

async function bundleServer() {
  const entries = entryPointsFromScripts();
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: entries.map((e) => ({ in: `${e}.ts`, out: e })),
    outdir: DIST,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    // Code loaded on demand (import()) goes to shared chunks, so a command does not parse what it
    // may never run (the label renderer behind the preview routes, say).
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    platform: "node",
    format: "esm",
    target: "node20.12",
    external: EXTERNAL,
    // Bundled CommonJS packages call require() for Node built-ins; ESM output has none of its own.
    banner: {
      js: 'import { createRequire as __shelfsyncRequire } from "node:module"; const require = __shelfsyncRequire(import.meta.url);',
    },
    jsx: "automatic",
    jsxImportSource: "preact",
    // Small files parse faster; names are kept readable for stack traces. Source maps are written
    // beside the bundles and cost nothing unless Node runs with --enable-source-maps.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: "linked",
    legalComments: "none",
    logLevel: "warning",
    metafile: true,
  });
  const outputs = Object.entries(result.metafile.outputs).filter(([f]) => f.endsWith(".mjs"));
  return `${outputs.length} bundles in dist/ (${entries.join(", ")})`;
}

/** The build, in order. The console's `vite build` goes here when display/console lands. */
const STEPS = [["server bundles", bundleServer]];

const { values } = parseArgs({
  options: { quiet: { type: "boolean", default: false }, help: { type: "boolean" } },
});
if (values.help) {
  process.stdout.write("usage: npm run build [-- --quiet]\n");
  process.exit(0);
}
const started = performance.now();
rmSync(DIST, { recursive: true, force: true });
for (const [name, step] of STEPS) {
  const summary = await step();
  if (!values.quiet) process.stdout.write(`build: ${name}: ${summary}\n`);
}
if (!values.quiet) process.stdout.write(`build: done in ${Math.round(performance.now() - started)} ms\n`);
