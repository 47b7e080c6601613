import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import {
  heartbeatBodySchema,
  type MediaReply,
  mediaReplySchema,
  type PlayRecord,
  playlistBodySchema,
  playRecordSchema,
  playsBodySchema,
  playsReplySchema,
  programSchema,
  type ScreenReply,
  type Show,
  screenAcceptBodySchema,
  screenIdSchema,
  screenReplySchema,
  showSchema,
} from "../../schemas/index.ts";
import { screenTokenName } from "../screens/index.ts";
import type { ControllerServices } from "../services.ts";
import type { ScreenRecord } from "../store/screens.ts";
import { identityOf } from "./access.ts";
import { apiError } from "./errors.ts";
import { doc, jsonBody } from "./openapi.ts";
import { streamLatest } from "./sse-latest.ts";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function screenReply(r: ScreenRecord, now: number, offlineAfterMs: number): ScreenReply {
  return {
    screenId: r.screenId,
    name: r.name,
    online: r.lastSeenAt !== null && now - r.lastSeenAt < offlineAfterMs,
    lastSeen: iso(r.lastSeenAt),
    playing: r.playing,
    pairedAt: new Date(r.pairedAt).toISOString(),
    playlistVersion: r.playlistVersion,
    items: r.items,
    program: r.program,
    errors: r.errors,
  };
}

/**
 * Signage screens (issue 11, names in DESIGN.md §3b): people list them, accept a player's pairing
 * code, set a playlist and remove a screen; a player (its `screen` token) reads its own show, listens
 * to it over server-sent events, beats and reports proof of play. A screen token reaches only its own
 * screen. Pairing itself, before the player has a token, is under /player (player-routes.ts).
 */
export function screenRoutes(s: ControllerServices): Hono {
  const api = new Hono();
  const { screens } = s.stores;
  const svc = s.screens;

  /** The screen id of the path, checked; a screen token may only use its own. */
  const screenOf = (c: Context): { screenId: string } | Response => {
    const screenId = c.req.param("screenId") ?? "";
    const who = identityOf(c);
    // Another screen's id is answered as if it did not exist: a player learns nothing about others.
    const foreign = who.role === "screen" && who.name !== screenTokenName(screenId);
    if (foreign || !screenIdSchema.safeParse(screenId).success)
      return apiError(c, 404, "unknown_screen", `no screen "${screenId}" for this token`);
    return { screenId };
  };
  const known = (c: Context): ScreenRecord | Response => {
    const p = screenOf(c);
    if (p instanceof Response) return p;
    return screens.get(p.screenId) ?? apiError(c, 404, "unknown_screen", `no screen "${p.screenId}"`);
  };

  api.get(
    "/screens",
    doc({
      summary: "Paired screens: online state, last heartbeat, what each plays now",
      tags: ["screens"],
      ok: { schema: screenReplySchema.array() },
    }),
    (c) => {
      const now = Date.now();
      return c.json(screens.list().map((r) => screenReply(r, now, svc.offlineAfterMs)));
    },
  );

  // Before /screens/:screenId, which would take "media" for a screen id.
  const mediaReply = (m: ReturnType<typeof svc.media.list>[number]): MediaReply => ({
    ...m,
    uploadedAt: new Date(m.uploadedAt).toISOString(),
  });
  api.get(
    "/screens/media",
    doc({
      summary: "Media uploaded for screens, newest first",
      tags: ["screens"],
      ok: { schema: mediaReplySchema.array() },
    }),
    (c) => c.json(svc.media.list().map(mediaReply)),
  );
  api.post(
    "/screens/media",
    doc({
      summary: "Upload an image or video for playlists: the body is the file's bytes",
      description:
        "The type is read from the file's first bytes (PNG, JPEG, GIF, WebP, MP4, WebM; not SVG), never from the name or Content-Type. `?name=` names it in the console. Stored beside the database as `media/{sha256}.{ext}`; the same bytes uploaded again are stored once (200 instead of 201). Larger than `SHELFSYNC_SCREEN_MEDIA_MAX_MB`: 413. The reply's `url` is what an `image` or `video` item plays.",
      tags: ["screens"],
      ok: { schema: mediaReplySchema },
      errors: [400, 413, 415],
    }),
    async (c) => {
      const declared = Number(c.req.header("Content-Length") ?? Number.NaN);
      if (declared > svc.media.maxBytes)
        return apiError(
          c,
          413,
          "media_too_large",
          `body of ${declared} bytes is larger than the limit of ${svc.media.maxBytes} bytes (SHELFSYNC_SCREEN_MEDIA_MAX_MB)`,
        );
      const who = identityOf(c);
      const r = await svc.media.save(c.req.raw.body, c.req.query("name") ?? "", who.name, Date.now());
      if (!r.ok) {
        const status = r.error === "media_too_large" ? 413 : r.error === "unsupported_media" ? 415 : 400;
        return apiError(c, status, r.error, r.message);
      }
      return c.json(mediaReply({ ...r.media, url: r.url }), r.created ? 201 : 200);
    },
  );

  api.get(
    "/screens/:screenId",
    doc({
      summary: "One screen, with its playlist and the last errors its player reported",
      tags: ["screens"],
      ok: { schema: screenReplySchema },
      errors: [404],
    }),
    (c) => {
      const r = known(c);
      return r instanceof Response ? r : c.json(screenReply(r, Date.now(), svc.offlineAfterMs));
    },
  );

  api.post(
    "/screens/:screenId/accept",
    doc({
      summary: "Pair a player: accept the code it shows",
      description:
        "The player at `/player/{screenId}` shows a six-digit code in an element with `data-pairing-code`; accepting it lets that player (and only it) collect its own `screen` token. Pairing a screen again replaces its old token and keeps its playlist.",
      tags: ["screens"],
      ok: { schema: screenReplySchema },
      errors: [400, 404],
    }),
    jsonBody(screenAcceptBodySchema),
    (c) => {
      const p = screenOf(c);
      if (p instanceof Response) return p;
      const { code, name } = c.req.valid("json");
      const failed = svc.changes.acceptPairing(p.screenId, code, name, identityOf(c));
      if (failed) {
        return apiError(
          c,
          404,
          failed,
          `screen "${p.screenId}" is not showing code ${code} (codes last 10 minutes; the screen shows a new one then)`,
          [{ field: "code", reason: "no pending pairing with this code for this screen" }],
        );
      }
      const r = screens.get(p.screenId);
      if (!r) throw new Error("screen vanished after pairing");
      return c.json(screenReply(r, Date.now(), svc.offlineAfterMs));
    },
  );

  api.put(
    "/screens/:screenId/playlist",
    doc({
      summary: "Set what a screen plays: one full-screen zone, items in turn",
      description:
        'Items: `{ kind: "price", sku, seconds? }` (a live price tile: the SKU\'s label content), `{ kind: "image", url, seconds }`, `{ kind: "text", text, seconds }`. The player gets the change over its event stream.',
      tags: ["screens"],
      ok: { schema: screenReplySchema },
      errors: [400, 404],
    }),
    jsonBody(playlistBodySchema),
    (c) => {
      const p = screenOf(c);
      if (p instanceof Response) return p;
      const { items } = c.req.valid("json");
      const failed = svc.changes.setPlaylist(p.screenId, items, identityOf(c));
      if (failed) return apiError(c, 404, failed, `no screen "${p.screenId}"; pair it first`);
      const r = screens.get(p.screenId);
      if (!r) throw new Error("screen vanished after its playlist was set");
      return c.json(screenReply(r, Date.now(), svc.offlineAfterMs));
    },
  );

  api.put(
    "/screens/:screenId/program",
    doc({
      summary: "Set a screen's layout, zones and scheduled playlists (dayparting, date ranges, priorities)",
      description:
        '`{ layout, zones: [{ zone, playlists: [{ name, priority?, when?, items }] }] }`. Layouts: `full` (main), `main-side`, `main-ticker`, `main-side-ticker`. `when` = `{ days?, from?, to?, startDate?, endDate? }` in the store\'s time zone (ISO weekdays 1–7, `HH:MM[:SS]`, `YYYY-MM-DD` inclusive; a `to` at or before `from` runs past midnight). Of a zone\'s playlists in force, the highest `priority` plays (equal: the first listed). Items as for the playlist, plus `{ kind: "video", url, seconds }`, `{ kind: "html", html, seconds }` (a sandboxed slide) and `{ kind: "promotion", promotionId, seconds? }` (that promotion\'s SKUs as live price tiles, while it runs).',
      tags: ["screens"],
      ok: { schema: screenReplySchema },
      errors: [400, 404],
    }),
    jsonBody(programSchema),
    (c) => {
      const p = screenOf(c);
      if (p instanceof Response) return p;
      const program = c.req.valid("json");
      const failed = svc.changes.setProgram(p.screenId, program, identityOf(c));
      if (failed) return apiError(c, 404, failed, `no screen "${p.screenId}"; pair it first`);
      const r = screens.get(p.screenId);
      if (!r) throw new Error("screen vanished after its program was set");
      return c.json(screenReply(r, Date.now(), svc.offlineAfterMs));
    },
  );

  api.delete(
    "/screens/:screenId",
    doc({
      summary: "Remove a screen: its token is revoked at once",
      tags: ["screens"],
      ok: { schema: z.object({ screenId: z.string(), removed: z.literal(true) }) },
      errors: [404],
    }),
    (c) => {
      const p = screenOf(c);
      if (p instanceof Response) return p;
      const failed = svc.changes.removeScreen(p.screenId, identityOf(c));
      if (failed) return apiError(c, 404, failed, `no screen "${p.screenId}"`);
      return c.json({ screenId: p.screenId, removed: true as const });
    },
  );

  api.get(
    "/screens/:screenId/show",
    doc({
      summary: "What the screen plays: playlist and each price tile's content over the coming days",
      description:
        "Each price tile's steps list its content now and at every later instant it changes (a promotion's start or end, a scheduled price), up to `until`: a player keeps playing right without the controller until then.",
      tags: ["screens"],
      ok: { schema: showSchema },
      errors: [404],
    }),
    async (c) => {
      const r = known(c);
      if (r instanceof Response) return r;
      const show = await svc.shows.show(r.screenId);
      if (!show) return apiError(c, 404, "unknown_screen", `no screen "${r.screenId}"`);
      c.header("Cache-Control", "no-store");
      return c.json(show);
    },
  );

  api.get(
    "/screens/:screenId/events",
    doc({
      summary: "Server-sent events for a player: `event: show` at once and whenever its show changes",
      description:
        "`text/event-stream`; each `show` event's data is the show (as GET …/show). Read with fetch(), the token in the Authorization header.",
      tags: ["screens"],
      ok: { media: "text/event-stream", description: "The stream" },
      errors: [404],
    }),
    (c) => {
      const r = known(c);
      if (r instanceof Response) return r;
      return streamLatest<Show>(c, "show", (push) => svc.shows.subscribe(r.screenId, push));
    },
  );

  api.post(
    "/screens/:screenId/heartbeat",
    doc({
      summary: "A player's heartbeat: what it plays now and any errors since the last one",
      tags: ["screens"],
      ok: { schema: z.object({ at: z.string() }) },
      errors: [400, 404],
    }),
    jsonBody(heartbeatBodySchema),
    (c) => {
      const r = known(c);
      if (r instanceof Response) return r;
      const body = c.req.valid("json");
      const now = Date.now();
      screens.heartbeat(r.screenId, now, body.playing ?? null, body.errors ?? []);
      return c.json({ at: new Date(now).toISOString() });
    },
  );

  api.post(
    "/screens/:screenId/plays",
    doc({
      summary: "Proof of play: what the player showed, from when to when",
      description:
        "Each record carries an id the player made: a record sent again (the player could not tell the first one arrived) is stored once and counted in `duplicates`.",
      tags: ["screens"],
      ok: { schema: playsReplySchema },
      errors: [400, 404],
    }),
    jsonBody(playsBodySchema),
    (c) => {
      const r = known(c);
      if (r instanceof Response) return r;
      const { plays } = c.req.valid("json");
      for (const [i, p] of plays.entries()) {
        if (!Number.isFinite(Date.parse(p.start)) || !Number.isFinite(Date.parse(p.end))) {
          return apiError(c, 400, "invalid_body", `plays.${i}: start and end must be ISO 8601 instants`, [
            { field: `plays.${i}.start`, reason: "must be an ISO 8601 instant" },
          ]);
        }
      }
      return c.json(screens.addPlays(r.screenId, plays, Date.now()));
    },
  );

  api.get(
    "/screens/:screenId/plays",
    doc({
      summary:
        "Proof of play recorded for a screen, oldest first (`?limit=`, 1000 by default, at most 100,000)",
      tags: ["screens"],
      ok: { schema: playRecordSchema.array() },
      errors: [404],
    }),
    (c) => {
      const r = known(c);
      if (r instanceof Response) return r;
      const limit = Math.min(Math.max(Number(c.req.query("limit") ?? 1000) || 1000, 1), 100_000);
      return c.json(
        screens.plays(r.screenId, limit).map((p) => ({
          id: p.id,
          index: p.index,
          kind: p.kind,
          ...(p.sku ? { sku: p.sku } : {}),
          ...(p.contentHash ? { contentHash: p.contentHash } : {}),
          ...(p.zone ? { zone: p.zone as PlayRecord["zone"] } : {}),
          ...(p.playlist ? { playlist: p.playlist } : {}),
          start: new Date(p.start).toISOString(),
          end: new Date(p.end).toISOString(),
        })),
      );
    },
  );

  return api;
}
