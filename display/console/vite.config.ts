import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

/**
 * The staff/ops console: Preact, built into dist/console (served by the controller at `/`). JSX is
 * compiled by Vite's own transformer for Preact's runtime; no plugin needed. `npm run build` runs this
 * (scripts/build.mjs); `npx vite --config display/console/vite.config.ts` serves it for development
 * with /api proxied to a controller on :8080.
 */
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: fileURLToPath(new URL("../../dist/console", import.meta.url)),
    emptyOutDir: true,
    manifest: true,
    target: "es2022",
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: { proxy: { "/api": "http://127.0.0.1:8080" } },
  logLevel: "warn",
});
