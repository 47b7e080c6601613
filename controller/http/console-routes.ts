import { extname } from "node:path";
import { Hono } from "hono";
import { LANGUAGES, languageFor } from "../../display/i18n/index.ts";
import { fromPackageRoot } from "../../lib/paths.ts";
import type { ControllerServices } from "../services.ts";
import { IMMUTABLE, REVALIDATE, staticFiles } from "./static-files.ts";

/** Where `npm run build` (vite) writes the console: index.html, assets/ with hashed names. */
export const CONSOLE_DIR = fromPackageRoot("dist", "console");

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

/**
 * The staff/ops console at `/` (display/console, built by Vite into dist/console). Any path that is
 * not a file and not the API answers with index.html, so `/labels/L1` can be reloaded and shared.
 * index.html learns the store's locale and id from the controller (meta tags), so the first page is
 * drawn in the store's language without a round trip. Files are read and gzipped once, on first use.
 */
export function consoleRoutes(s: ControllerServices, dir = CONSOLE_DIR): Hono {
  const app = new Hono();
  const { load, send } = staticFiles(dir, {
    csp: CSP,
    transform: (relative, body) =>
      relative === "index.html" ? Buffer.from(withStoreFacts(body.toString("utf8"), s)) : body,
  });

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
