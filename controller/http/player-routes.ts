import { existsSync, readFileSync } from "node:fs";
import { extname, join, normalize, sep } from "node:path";
import { gzipSync } from "node:zlib";
import type { Context } from "hono";
import { Hono } from "hono";
import { fromPackageRoot } from "../../lib/paths.ts";
import {
  type PairingClaimReply,
  type PairingStartReply,
  pairingClaimBodySchema,
  screenIdSchema,
} from "../../schemas/index.ts";
import type { ControllerServices } from "../services.ts";
import { apiError, readBody } from "./errors.ts";

/** Where `npm run build` (vite) writes the player: index.html, sw.js, assets/ with hashed names. */
export const PLAYER_DIR = fromPackageRoot("dist", "player");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
};

/**
 * The player's page: its own scripts only; images from anywhere on http(s) (playlist image items
 * may point at a CDN), data: for QR codes drawn inline.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob: http: https:",
  "media-src 'self' blob: http: https:",
  "connect-src 'self'",
  "worker-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

interface Asset {
  body: Uint8Array;
  gzip: Uint8Array | null;
  type: string;
}

/**
 * The signage player at `/player/{screenId}` (display/player, built by Vite into dist/player) and
 * its pairing, which needs no token (the player has none yet; see controller/screens/pairing.ts):
 * `POST /player/{screenId}/pairing` → a code to show and a claim secret; `POST
 * /player/{screenId}/pairing/claim` `{ claim }` → pending, or once accepted the screen's token. These
 * are not API routes (every /api/v1 route but health needs a token, DESIGN.md §3b).
 */
export function playerRoutes(s: ControllerServices, dir = PLAYER_DIR): Hono {
  const app = new Hono();
  const cache = new Map<string, Asset>();

  const load = (relative: string): Asset | null => {
    const hit = cache.get(relative);
    if (hit) return hit;
    const path = normalize(join(dir, relative));
    if (!path.startsWith(dir + sep) || !existsSync(path)) return null;
    const ext = extname(path);
    const body = readFileSync(path);
    const asset = {
      body,
      gzip: ext !== ".png" && body.length > 512 ? gzipSync(body) : null,
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
      headers["Content-Security-Policy"] = CSP;
      headers["Referrer-Policy"] = "no-referrer";
    }
    return c.body((gzip ? asset.gzip : asset.body) as Uint8Array<ArrayBuffer>, 200, headers);
  };

  const validId = (c: Context): string | Response => {
    const screenId = c.req.param("screenId") ?? "";
    return screenIdSchema.safeParse(screenId).success
      ? screenId
      : apiError(c, 400, "invalid_screen_id", `"${screenId}" is not a screen id`, [
          { field: "screenId", reason: screenIdSchema.safeParse(screenId).error?.issues[0]?.message },
        ]);
  };

  app.post("/player/:screenId/pairing", (c) => {
    const screenId = validId(c);
    if (screenId instanceof Response) return screenId;
    const p = s.screens.pairings.start(screenId);
    const reply: PairingStartReply = {
      code: p.code,
      claim: p.claim,
      expiresAt: new Date(p.expiresAt).toISOString(),
    };
    return c.json(reply, 201, { "Cache-Control": "no-store" });
  });

  app.post("/player/:screenId/pairing/claim", async (c) => {
    const screenId = validId(c);
    if (screenId instanceof Response) return screenId;
    const body = await readBody(c, pairingClaimBodySchema);
    if (!body.ok) return body.response;
    const outcome = s.screens.pairings.claim(screenId, body.value.claim);
    c.header("Cache-Control", "no-store");
    if (outcome.status === "unknown") {
      return apiError(c, 404, "no_pending_pairing", "this pairing expired or is unknown; ask for a new code");
    }
    if (outcome.status === "pending") {
      const reply: PairingClaimReply = {
        status: "pending",
        expiresAt: new Date(outcome.expiresAt).toISOString(),
      };
      return c.json(reply, 202);
    }
    const reply: PairingClaimReply = {
      status: "paired",
      screenId,
      token: s.screens.changes.issueToken(screenId),
    };
    return c.json(reply);
  });

  // The service worker must be served from /player/ so that its scope covers every player page.
  app.get("/player/sw.js", (c) => {
    const asset = load("sw.js");
    return asset ? send(c, asset, "no-cache", { "Service-Worker-Allowed": "/player/" }) : c.notFound();
  });
  app.get("/player/assets/*", (c) => {
    const asset = load(c.req.path.slice("/player/".length));
    return asset ? send(c, asset, "public, max-age=31536000, immutable") : c.notFound();
  });
  app.get("/player/:screenId", (c) => {
    const screenId = validId(c);
    if (screenId instanceof Response) return screenId;
    const index = load("index.html");
    if (!index) {
      return c.html(
        "<!doctype html><title>Shelfsync player</title><p>The player is not built: run <code>npm run build</code>.</p>",
        503,
      );
    }
    return send(c, index, "no-cache");
  });
  return app;
}
