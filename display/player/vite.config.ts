import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

/**
 * The signage player: Preact, built into dist/player and served by the controller at
 * `/player/{screenId}` (controller/http/player-routes.ts). `npm run build` runs this and states the
 * gzipped size against the 30 kB budget (scripts/build.mjs).
 */
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/player/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: fileURLToPath(new URL("../../dist/player", import.meta.url)),
    emptyOutDir: true,
    manifest: true,
    target: "es2022",
    sourcemap: false,
    reportCompressedSize: false,
    modulePreload: { polyfill: false },
  },
  logLevel: "warn",
});
