import { existsSync, readFileSync } from "node:fs";
import { extname, join, normalize, sep } from "node:path";
import { gzipSync } from "node:zlib";
import type { Context } from "hono";
import { Hono } from "hono";
import { LANGUAGES, languageFor } from "../../display/i18n/index.ts";
import { fromPackageRoot } from "../../lib/paths.ts";
import type { ControllerServices } from "../services.ts";

/** Where `npm run build` (vite) writes the console: index.html, assets/ with hashed names. */
export const CONSOLE_DIR = fromPackageRoot("dist", "console");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".webmanifest": "application/manifest+json",
  ".woff2": "font/woff2",
};
const COMPRESSIBLE = new Set([".html", ".js", ".css", ".svg", ".json", ".webmanifest"]);

/** Hashed file names change with their content: cache them for a year. Everything else: ask each time. */
const IMMUTABLE = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";

/**
 * The console's page: scripts and styles from this origin only; previews are blob: URLs made from
 * fetched PNGs (the preview routes need the token too).
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

/** Paths that belong to the API or to other apps, never to the console's client-side routes. */
const NOT_CONSOLE = [/^\/api\//, /^\/metrics$/, /^\/player(\/|$)/];

interface Asset {
  body: Uint8Array;
  gzip: Uint8Array | null;
  type: string;
}

/**
 * The staff/ops console at `/` (display/console, built by Vite into dist/console). Any path that is
 * not a file and not the API answers with index.html, so `/labels/L1` can be reloaded and shared.
 * index.html learns the store's locale and id from the controller (meta tags), so the first page is
 * drawn in the store's language without a round trip. Files are read and gzipped once, on first use.
 */
export function consoleRoutes(s: ControllerServices, dir = CONSOLE_DIR): Hono {
  const app = new Hono();
  const cache = new Map<string, Asset | null>();

  const load = (relative: string): Asset | null => {
    const hit = cache.get(relative);
    if (hit !== undefined) return hit;
    const path = normalize(join(dir, relative));
    let asset: Asset | null = null;
    if (path.startsWith(dir + sep) && existsSync(path)) {
      const ext = extname(path);
      const body: Buffer =
        relative === "index.html"
          ? Buffer.from(withStoreFacts(readFileSync(path, "utf8"), s))
          : readFileSync(path);
      asset = {
        body,
        gzip: COMPRESSIBLE.has(ext) && body.length > 512 ? gzipSync(body) : null,
        type: TYPES[ext] ?? "application/octet-stream",
      };
    }
    // Only remember what exists: a build that lands after the start is picked up.
    if (asset) cache.set(relative, asset);
    return asset;
  };

  const send = (c: Context, asset: Asset, cacheControl: string) => {
    const gzip = asset.gzip && /\bgzip\b/.test(c.req.header("Accept-Encoding") ?? "");
    const headers: Record<string, string> = {
      "Content-Type": asset.type,
      "Cache-Control": cacheControl,
      "X-Content-Type-Options": "nosniff",
      Vary: "Accept-Encoding",
    };
    if (gzip) headers["Content-Encoding"] = "gzip";
    if (asset.type.startsWith("text/html")) {
      headers["Content-Security-Policy"] = CSP;
      headers["Referrer-Policy"] = "no-referrer";
    }
    return c.body((gzip ? asset.gzip : asset.body) as Uint8Array<ArrayBuffer>, 200, headers);
  };

  app.get("*", (c) => {
    const path = c.req.path;
    if (NOT_CONSOLE.some((re) => re.test(path))) return c.notFound();
    if (path.startsWith("/assets/")) {
      const asset = load(path.slice(1));
      return asset ? send(c, asset, IMMUTABLE) : c.notFound();
    }
    if (path !== "/" && extname(path) !== "") {
      const asset = load(path.slice(1));
      return asset ? send(c, asset, REVALIDATE) : c.notFound();
    }
    const index = load("index.html");
    if (!index) {
      return c.html(
        "<!doctype html><title>Shelfsync</title><p>The console is not built: run <code>npm run build</code>. The API is at <code>/api/v1</code>.</p>",
        503,
      );
    }
    return send(c, index, REVALIDATE);
  });
  return app;
}

const escapeAttr = (v: string) => v.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

/** The store's locale and id into index.html's head (the placeholder the console's index.html has). */
function withStoreFacts(html: string, s: ControllerServices): string {
  // The language the page is in: the labels' rule, the labels' languages (the console has the same).
  const lang = languageFor(s.config.locale, LANGUAGES);
  const meta =
    `<meta name="shelfsync-locale" content="${escapeAttr(s.config.locale)}">` +
    `<meta name="shelfsync-store" content="${escapeAttr(s.config.storeId)}">`;
  return html.replace("<!--shelfsync-facts-->", meta).replace(/<html lang="[^"]*"/, `<html lang="${lang}"`);
}
