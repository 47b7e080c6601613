import { createReadStream, statSync } from "node:fs";
import { Readable } from "node:stream";
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";
import { Hono } from "hono";
import { fromPackageRoot } from "../../lib/paths.ts";
import {
  type PairingClaimReply,
  type PairingStartReply,
  pairingClaimBodySchema,
  pairingClaimReplySchema,
  pairingStartReplySchema,
  screenIdSchema,
} from "../../schemas/index.ts";
import type { ControllerServices } from "../services.ts";
import { apiError, readBody } from "./errors.ts";
import { doc } from "./openapi.ts";
import { IMMUTABLE, REVALIDATE, staticFiles } from "./static-files.ts";

/** Where `npm run build` (vite) writes the player: index.html, sw.js, assets/ with hashed names. */
export const PLAYER_DIR = fromPackageRoot("dist", "player");

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

/**
 * The signage player at `/player/{screenId}` (display/player, built by Vite into dist/player) and
 * its pairing, which needs no token (the player has none yet; see controller/screens/pairing.ts):
 * `POST /player/{screenId}/pairing` → a code to show and a claim secret; `POST
 * /player/{screenId}/pairing/claim` `{ claim }` → pending, or once accepted the screen's token. These
 * are not API routes (every /api/v1 route but health needs a token, DESIGN.md §3b).
 */
export function playerRoutes(s: ControllerServices, dir = PLAYER_DIR): Hono {
  const app = new Hono();
  const { load, send } = staticFiles(dir, { csp: CSP });

  const validId = (c: Context): string | Response => {
    const screenId = c.req.param("screenId") ?? "";
    return screenIdSchema.safeParse(screenId).success
      ? screenId
      : apiError(c, 400, "invalid_screen_id", `"${screenId}" is not a screen id`, [
          { field: "screenId", reason: screenIdSchema.safeParse(screenId).error?.issues[0]?.message },
        ]);
  };

  /** The peer's socket address (never a header a client could set). */
  const addressOf = (c: Context): string => {
    try {
      return getConnInfo(c).remote.address ?? "unknown";
    } catch {
      return "unknown";
    }
  };

  app.post(
    "/player/:screenId/pairing",
    doc({
      summary: "An unpaired player asks for a pairing code (no token: it has none yet)",
      description:
        "Answers a six-digit code to show (10 minutes) and a claim secret only this player keeps. At most `SHELFSYNC_SCREEN_PAIRING_PER_MINUTE` (20) per address and minute; more get 429 with Retry-After.",
      tags: ["screens"],
      ok: { schema: pairingStartReplySchema, status: 201 },
      errors: [400, 429],
    }),
    (c) => {
      const screenId = validId(c);
      if (screenId instanceof Response) return screenId;
      if (!s.screens.pairingAllowed(addressOf(c))) {
        c.header("Retry-After", "60");
        return apiError(
          c,
          429,
          "too_many_pairings",
          "too many pairing codes asked for from this address; wait a minute",
        );
      }
      const p = s.screens.pairings.start(screenId);
      const reply: PairingStartReply = {
        code: p.code,
        claim: p.claim,
        expiresAt: new Date(p.expiresAt).toISOString(),
      };
      return c.json(reply, 201, { "Cache-Control": "no-store" });
    },
  );

  app.post(
    "/player/:screenId/pairing/claim",
    doc({
      summary: "The player collects its screen token once its code was accepted (no token)",
      description:
        "`{ claim }` → 202 `{ status: pending }` until a manager accepts the code, then once `{ status: paired, token }`; 404 when the pairing expired or is unknown.",
      tags: ["screens"],
      ok: { schema: pairingClaimReplySchema },
      errors: [400, 404],
    }),
    async (c) => {
      const screenId = validId(c);
      if (screenId instanceof Response) return screenId;
      const body = await readBody(c, pairingClaimBodySchema);
      if (!body.ok) return body.response;
      const outcome = s.screens.pairings.claim(screenId, body.value.claim);
      c.header("Cache-Control", "no-store");
      if (outcome.status === "unknown") {
        return apiError(
          c,
          404,
          "no_pending_pairing",
          "this pairing expired or is unknown; ask for a new code",
        );
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
    },
  );

  // Uploaded media, named by content hash: no token (an <img> or <video> cannot send one), cached for good.
  app.get("/player/media/:file", (c) => {
    const found = s.screens.media.file(c.req.param("file"));
    if (!found) return c.notFound();
    const size = statSync(found.path).size;
    const headers = {
      "Content-Type": found.media.type,
      "Cache-Control": IMMUTABLE,
      "X-Content-Type-Options": "nosniff",
      "Accept-Ranges": "bytes",
    };
    // Video players ask for ranges; one range is enough for them.
    const range = /^bytes=(\d*)-(\d*)$/.exec(c.req.header("Range") ?? "");
    if (range && (range[1] || range[2])) {
      const start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
      const end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start > end || start >= size)
        return c.body(null, 416, { ...headers, "Content-Range": `bytes */${size}` });
      const body = Readable.toWeb(createReadStream(found.path, { start, end })) as ReadableStream;
      return c.body(body, 206, {
        ...headers,
        "Content-Range": `bytes ${start}-${end}/${size}`,
        "Content-Length": String(end - start + 1),
      });
    }
    const body = Readable.toWeb(createReadStream(found.path)) as ReadableStream;
    return c.body(body, 200, { ...headers, "Content-Length": String(size) });
  });

  // The service worker must be served from /player/ so that its scope covers every player page.
  app.get("/player/sw.js", (c) => {
    const asset = load("sw.js");
    return asset ? send(c, asset, REVALIDATE, { "Service-Worker-Allowed": "/player/" }) : c.notFound();
  });
  app.get("/player/assets/*", (c) => {
    const asset = load(c.req.path.slice("/player/".length));
    return asset ? send(c, asset, IMMUTABLE) : c.notFound();
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
    return send(c, index, REVALIDATE);
  });
  return app;
}
