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
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const DIST = join(ROOT, "dist");

/** Bundled entry points that no npm script names: worker threads (see lib/paths.ts builtEntry). */
const WORKER_ENTRIES = ["controller/feeds/merchant/check-worker", "display/render/render-worker"];

/**
 * Native addons stay in node_modules (their .node files are loaded by path and must match the running
 * Node's ABI); everything else is bundled.
 */
const EXTERNAL = ["better-sqlite3", "@resvg/resvg-js", "sharp"];

/**
 * zod's `z` namespace (and `z.core`) re-exports every one of its ~50 message locales (`z.locales`, ~300 kB of the
 * bundle that a server parses and keeps as source text at start); Shelfsync uses English messages
 * only (the default, which zod configures from locales/en.js directly). So `z.locales` is English
 * alone in the bundles.
 */
const zodEnglishOnly = {
  name: "zod-english-only",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/](classic|core)[\\/]/.test(args.importer)
        ? { path: join(dirname(args.importer), "../locales/index.js"), namespace: "zod-locales" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "zod-locales" }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(join(dirname(args.path), "en.js"))};`,
      resolveDir: dirname(args.path),
    }));
  },
};

/**
 * `require("debug")` in the bundled packages (MQTT.js, mqtt-packet) resolves to lib/debug-off.cjs:
 * the real package only when DEBUG is set at start, otherwise functions that do nothing (the file
 * says what that saves per packet). The stub's own `require("debug")` is the real package.
 */
const DEBUG_STUB = join(ROOT, "lib", "debug-off.cjs");
const debugOnlyWhenAsked = {
  name: "debug-only-when-asked",
  setup(b) {
    b.onResolve({ filter: /^debug$/ }, (args) =>
      args.importer === DEBUG_STUB ? undefined : { path: DEBUG_STUB },
    );
  },
};

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
    plugins: [zodEnglishOnly, debugOnlyWhenAsked],
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

/** The first page of the console may load at most this much JavaScript, gzipped (issue 10's bar). */
const CONSOLE_FIRST_PAGE_BUDGET = 100 * 1024;

/**
 * The staff/ops console (display/console, Preact + Vite) into dist/console, served by the controller
 * at `/`. Reports what the first page loads: the entry chunk and everything it imports statically
 * (pages behind a dynamic import() are loaded when visited), gzipped; fails above the budget.
 */
async function buildConsole() {
  const { build: viteBuild } = await import("vite");
  await viteBuild({ configFile: join(ROOT, "display", "console", "vite.config.ts"), logLevel: "warn" });
  const out = join(DIST, "console");
  const manifest = JSON.parse(readFileSync(join(out, ".vite", "manifest.json"), "utf8"));
  const gz = (file) => gzipSync(readFileSync(join(out, file))).length;
  const firstPage = new Set();
  const css = new Set();
  const walk = (key) => {
    const chunk = manifest[key];
    if (!chunk || firstPage.has(chunk.file)) return;
    firstPage.add(chunk.file);
    for (const c of chunk.css ?? []) css.add(c);
    for (const i of chunk.imports ?? []) walk(i);
  };
  for (const [key, chunk] of Object.entries(manifest)) if (chunk.isEntry) walk(key);
  const js = [...firstPage].reduce((n, f) => n + gz(f), 0);
  const styles = [...css].reduce((n, f) => n + gz(f), 0);
  const all = Object.values(manifest).reduce((n, c) => n + gz(c.file), 0);
  const kB = (n) => `${(n / 1024).toFixed(1)} kB`;
  if (js > CONSOLE_FIRST_PAGE_BUDGET) {
    throw new Error(
      `console: first page JavaScript is ${kB(js)} gzip, over the ${kB(CONSOLE_FIRST_PAGE_BUDGET)} budget`,
    );
  }
  return `dist/console, first page ${kB(js)} JavaScript + ${kB(styles)} CSS gzip (budget ${kB(CONSOLE_FIRST_PAGE_BUDGET)}); all chunks ${kB(all)} gzip`;
}

/** The signage player's whole JavaScript, gzipped, may be at most this (issue 11's bar). */
const PLAYER_BUDGET = 30 * 1024;

/**
 * The signage player (display/player, Preact + Vite) into dist/player, served at /player/{screenId}.
 * States its JavaScript and CSS, gzipped; fails above the budget.
 */
async function buildPlayer() {
  const { build: viteBuild } = await import("vite");
  await viteBuild({ configFile: join(ROOT, "display", "player", "vite.config.ts"), logLevel: "warn" });
  const out = join(DIST, "player");
  const manifest = JSON.parse(readFileSync(join(out, ".vite", "manifest.json"), "utf8"));
  const gz = (file) => gzipSync(readFileSync(join(out, file))).length;
  const files = Object.values(manifest);
  const js = files.reduce((n, c) => n + gz(c.file), 0);
  const css = files.flatMap((c) => c.css ?? []).reduce((n, f) => n + gz(f), 0);
  const kB = (n) => `${(n / 1024).toFixed(1)} kB`;
  if (js > PLAYER_BUDGET) {
    throw new Error(`player: JavaScript is ${kB(js)} gzip, over the ${kB(PLAYER_BUDGET)} budget`);
  }
  return `dist/player, ${kB(js)} JavaScript + ${kB(css)} CSS gzip (budget ${kB(PLAYER_BUDGET)} JavaScript)`;
}

/**
 * Our two native addons into dist/native, compiled straight with the system's compilers against
 * Node's headers: each is one file with no dependencies, so node-gyp's project machinery buys nothing.
 * - lib/native/malloc-trim.c: hand freed C-heap memory back to the system (controller/memory.ts);
 *   Node-API, so one build serves every Node version.
 * - lib/native/v8-heap.cc: shrink V8's young generation after a big job (lib/young-generation.ts);
 *   V8's own API, so it loads only into the Node it was compiled by.
 * Optional: without a compiler, Node's headers or glibc the controller runs the same, only without
 * trimming or the early shrink, and the step says why it was skipped.
 */
function buildNative() {
  if (process.platform !== "linux")
    return `skipped (trimming the C heap is for glibc on Linux, not ${process.platform})`;
  // The running Node's own headers first: npm's `nodedir` (an .npmrc may name the system Node's
  // /usr) can be another Node's, which a Node-API addon does not mind and a V8 one does.
  const candidates = [
    join(dirname(process.execPath), "..", "include", "node"),
    process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, "include", "node"),
  ].filter((dir) => dir && existsSync(join(dir, "node_api.h")));
  const anyHeaders = candidates[0];
  if (!anyHeaders) return "skipped (no node_api.h: Node's headers are not installed)";
  const ownMajor = Number(process.versions.node.split(".")[0]);
  const matching = candidates.find((dir) => headersMajor(dir) === ownMajor);
  mkdirSync(join(DIST, "native"), { recursive: true });
  const built = [];
  const addons = [
    {
      source: "malloc-trim.c",
      compiler: process.env.CC || "cc",
      flags: [],
      optional: false,
      include: anyHeaders,
    },
    // C++20: Node 26's v8.h asks for it; g++ 12 and clang 14 have it. V8's API: only this Node's headers.
    {
      source: "v8-heap.cc",
      compiler: process.env.CXX || "c++",
      flags: ["-std=c++20"],
      optional: true,
      include: matching,
    },
  ];
  for (const { source, compiler, flags, optional, include } of addons) {
    const out = join(DIST, "native", source.replace(/\.[a-z]+$/, ".node"));
    // An addon left from a build by another Node would fail to load; none is better than that one.
    rmSync(out, { force: true });
    if (!include) {
      built.push(`${source} skipped (no headers of Node ${ownMajor}, the Node that runs the build)`);
      continue;
    }
    const r = spawnSync(
      compiler,
      [
        "-O2",
        "-shared",
        "-fPIC",
        "-Wall",
        "-Wextra",
        ...flags,
        "-I",
        include,
        "-o",
        out,
        join(ROOT, "lib", "native", source),
      ],
      { encoding: "utf8" },
    );
    if (r.error) {
      built.push(`${source} skipped (no compiler: ${compiler}: ${r.error.message})`);
      continue;
    }
    if (r.status !== 0) {
      // V8's C++ API changes between Node versions (Node-API does not): a Node whose headers it does
      // not compile against runs without the early shrink rather than failing the install.
      if (optional) {
        built.push(
          `${source} skipped (${compiler} failed: ${r.stderr.split("\n").find((l) => l.includes("error")) ?? r.status})`,
        );
        continue;
      }
      throw new Error(`native: ${compiler} ${source} failed:\n${r.stderr}`);
    }
    built.push(`dist/native/${basename(out)}`);
  }
  return built.join(", ");
}

/** NODE_MAJOR_VERSION of the Node headers in `dir`, or undefined. */
function headersMajor(dir) {
  const file = join(dir, "node_version.h");
  if (!existsSync(file)) return undefined;
  const m = /#define NODE_MAJOR_VERSION (\d+)/.exec(readFileSync(file, "utf8"));
  return m ? Number(m[1]) : undefined;
}

/** The build, in order. */
const STEPS = [
  ["server bundles", bundleServer],
  ["native addon", buildNative],
  ["console", buildConsole],
  ["player", buildPlayer],
];

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
