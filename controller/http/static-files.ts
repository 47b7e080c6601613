import { existsSync, readFileSync } from "node:fs";
import { extname, join, normalize, sep } from "node:path";
import { gzipSync } from "node:zlib";
import type { Context } from "hono";

/**
 * A built web app's files (the console, the player) served from memory: read and gzipped once, on
 * first use, never outside their folder. Only files that exist are remembered, so a build that
 * lands after the controller started is picked up.
 */
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
/** Images and fonts are compressed already; gzip would only cost time. */
const COMPRESSIBLE = new Set([".html", ".js", ".css", ".svg", ".json", ".webmanifest"]);

/** Hashed file names change with their content: cache them for a year. */
export const IMMUTABLE = "public, max-age=31536000, immutable";
/** Everything else (index.html, a service worker): ask each time. */
export const REVALIDATE = "no-cache";

export interface Asset {
  body: Uint8Array;
  gzip: Uint8Array | null;
  type: string;
}

export function staticFiles(
  dir: string,
  options: {
    /** The Content-Security-Policy of the app's pages (sent with HTML only). */
    csp: string;
    /** Rewrites a file's text once as it is read (e.g. the store's facts into index.html). */
    transform?: (relative: string, body: Buffer) => Buffer;
  },
) {
  const cache = new Map<string, Asset>();
  const load = (relative: string): Asset | null => {
    const hit = cache.get(relative);
    if (hit) return hit;
    const path = normalize(join(dir, relative));
    if (!path.startsWith(dir + sep) || !existsSync(path)) return null;
    const ext = extname(path);
    const read = readFileSync(path);
    const body = options.transform ? options.transform(relative, read) : read;
    const asset: Asset = {
      body,
      gzip: COMPRESSIBLE.has(ext) && body.length > 512 ? gzipSync(body) : null,
      type: TYPES[ext] ?? "application/octet-stream",
    };
    cache.set(relative, asset);
    return asset;
  };

  const send = (c: Context, asset: Asset, cacheControl: string, extra: Record<string, string> = {}) => {
    const gzip = asset.gzip && /\bgzip\b/.test(c.req.header("Accept-Encoding") ?? "");
    const headers: Record<string, string> = {
      "Content-Type": asset.type,
      "Cache-Control": cacheControl,
      "X-Content-Type-Options": "nosniff",
      Vary: "Accept-Encoding",
      ...extra,
    };
    if (gzip) headers["Content-Encoding"] = "gzip";
    if (asset.type.startsWith("text/html")) {
      headers["Content-Security-Policy"] = options.csp;
      headers["Referrer-Policy"] = "no-referrer";
    }
    return c.body((gzip ? asset.gzip : asset.body) as Uint8Array<ArrayBuffer>, 200, headers);
  };

  return { load, send };
}
