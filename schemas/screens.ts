import { z } from "zod";
import { moneySchema, offsetInstantSchema, stockStateSchema } from "./common.ts";
import { LAYOUTS, type LayoutName, ZONES } from "./screen-layouts.ts";

export { LAYOUTS, type LayoutName, ZONES, type ZoneName } from "./screen-layouts.ts";

/**
 * Signage screens (DESIGN.md §3b, issue 11): pairing, the playlist a screen plays, what the player
 * receives (its "show": the playlist plus each price tile's content over the coming days), heartbeats
 * and proof of play. Every body and reply that crosses HTTP is here.
 */

/** A screen's id: part of the player's URL (`/player/{screenId}`) and of its token's name. */
export const screenIdSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
    "must be 1–64 letters, digits, '_', '.' or '-', starting with a letter or digit",
  );

/** How long an item stays on screen when the playlist does not say (seconds). */
export const DEFAULT_ITEM_SECONDS = 10;
const seconds = z.number().int("must be whole seconds").min(1).max(3600);

const mediaUrl = z
  .string()
  .max(2000)
  .refine((u) => /^(https?:\/\/|\/)/.test(u), "must be an http(s) URL or a path on the controller");

/** What a playlist item can be. */
export const ITEM_KINDS = ["price", "image", "text", "video", "html", "promotion"] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

/**
 * One entry of a playlist. `price` is a live price tile bound to a SKU (its label's content);
 * `promotion` plays a live price tile for each SKU of that promotion, and only while it runs; `html`
 * is a slide drawn in a sandboxed frame (no scripts, no access to the player's storage or token).
 */
export const playlistItemSchema = z.discriminatedUnion(
  "kind",
  [
    z.object({ kind: z.literal("price"), sku: z.string().min(1).max(64), seconds: seconds.optional() }),
    z.object({ kind: z.literal("image"), url: mediaUrl, seconds }),
    z.object({ kind: z.literal("text"), text: z.string().min(1).max(2000), seconds }),
    z.object({ kind: z.literal("video"), url: mediaUrl, seconds }),
    z.object({ kind: z.literal("html"), html: z.string().min(1).max(50_000), seconds }),
    z.object({
      kind: z.literal("promotion"),
      promotionId: z.string().min(1).max(128),
      seconds: seconds.optional(),
    }),
  ],
  { error: `kind must be one of ${ITEM_KINDS.join(", ")}` },
);
export type PlaylistItem = z.infer<typeof playlistItemSchema>;

/** `PUT /api/v1/screens/{screenId}/playlist`: the simplest show, one full-screen zone. */
export const playlistBodySchema = z.object({ items: z.array(playlistItemSchema).max(500) });
export type PlaylistBody = z.infer<typeof playlistBodySchema>;

export const layoutSchema = z.enum(Object.keys(LAYOUTS) as [LayoutName, ...LayoutName[]]);

const timeOfDay = z
  .string()
  .regex(/^(?:(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d)?|24:00)$/, "must be a store time HH:MM or HH:MM:SS");
const calendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD")
  .refine((d) => {
    const t = Date.parse(`${d}T00:00:00Z`);
    return Number.isFinite(t) && new Date(t).toISOString().startsWith(d);
  }, "is not a real date");

/**
 * When a playlist plays, in the store's time zone (dayparting): on these ISO weekdays (1 = Monday …
 * 7 = Sunday), from `from` (inclusive) to `to` (exclusive; a `to` at or before `from` runs past
 * midnight into the next day), between `startDate` and `endDate` (both inclusive; a window that
 * crosses midnight belongs to the day it starts). Every field is optional: none = always.
 */
export const windowRuleSchema = z
  .object({
    days: z.array(z.number().int().min(1).max(7)).min(1).max(7).optional(),
    from: timeOfDay.optional(),
    to: timeOfDay.optional(),
    startDate: calendarDate.optional(),
    endDate: calendarDate.optional(),
  })
  .strict()
  .refine((w) => !w.startDate || !w.endDate || w.startDate <= w.endDate, {
    message: "endDate must not be before startDate",
    path: ["endDate"],
  });
export type WindowRule = z.infer<typeof windowRuleSchema>;

/** A playlist of a zone with its schedule: of the playlists in force, the highest priority plays. */
export const scheduledPlaylistSchema = z.object({
  name: z.string().trim().min(1).max(100),
  /** Higher wins; equal priorities: the one listed first. */
  priority: z.number().int().min(0).max(1000).default(0),
  /** Absent = always (the zone's fallback). */
  when: windowRuleSchema.optional(),
  items: z.array(playlistItemSchema).max(500),
});
export type ScheduledPlaylist = z.infer<typeof scheduledPlaylistSchema>;

export const zoneProgramSchema = z.object({
  zone: z.enum(ZONES),
  playlists: z.array(scheduledPlaylistSchema).max(50),
});

/**
 * `PUT /api/v1/screens/{screenId}/program`: a layout and, per zone of it, scheduled playlists. The
 * playlist route is the one-zone, one-playlist case of it.
 */
export const programSchema = z
  .object({ layout: layoutSchema, zones: z.array(zoneProgramSchema).max(ZONES.length) })
  .superRefine((p, ctx) => {
    const allowed: readonly string[] = LAYOUTS[p.layout];
    const seen = new Set<string>();
    p.zones.forEach((z, i) => {
      if (!allowed.includes(z.zone))
        ctx.addIssue({
          code: "custom",
          path: ["zones", i, "zone"],
          message: `layout ${p.layout} has the zones ${allowed.join(", ")}`,
        });
      if (seen.has(z.zone))
        ctx.addIssue({ code: "custom", path: ["zones", i, "zone"], message: "zone given twice" });
      seen.add(z.zone);
    });
  });
export type Program = z.infer<typeof programSchema>;
export type ProgramInput = z.input<typeof programSchema>;

/** The one-zone program the playlist route sets. */
export const programOfItems = (items: PlaylistItem[]): Program => ({
  layout: "full",
  zones: [{ zone: "main", playlists: [{ name: "playlist", priority: 0, items }] }],
});

/** The legacy one-zone view of a program: the main zone's first playlist. */
export const itemsOfProgram = (p: Program): PlaylistItem[] =>
  p.zones.find((z) => z.zone === "main")?.playlists[0]?.items ?? [];

/** `POST /api/v1/screens/media` and `GET /api/v1/screens/media`: a file players can play. */
export const mediaReplySchema = z.object({
  /** sha256 of the bytes: the file's name on disk and in its URL. */
  hash: z.string(),
  /** Read from the file's first bytes. */
  type: z.string(),
  size: z.number().int(),
  name: z.string(),
  /** Where players fetch it (no token needed; cached for good: the URL never changes content). */
  url: z.string(),
  uploadedAt: z.string(),
  uploadedBy: z.string(),
});
export type MediaReply = z.infer<typeof mediaReplySchema>;

/** The six-digit code an unpaired player shows (in an element with `data-pairing-code`). */
export const pairingCodeSchema = z.string().regex(/^\d{6}$/, "must be the six digits the screen shows");

/** `POST /api/v1/screens/{screenId}/accept`. */
export const screenAcceptBodySchema = z.object({
  code: pairingCodeSchema,
  name: z.string().trim().min(1).max(100).optional(),
});
export type ScreenAcceptBody = z.infer<typeof screenAcceptBodySchema>;

/** `POST /player/{screenId}/pairing` (no token: the player has none yet). */
export const pairingStartReplySchema = z.object({
  code: pairingCodeSchema,
  /** A secret only this player knows: it alone can collect the token once the code is accepted. */
  claim: z.string(),
  expiresAt: z.string(),
});
export type PairingStartReply = z.infer<typeof pairingStartReplySchema>;

export const pairingClaimBodySchema = z.object({ claim: z.string().min(1).max(200) });
export const pairingClaimReplySchema = z.discriminatedUnion("status", [
  z.object({ status: z.literal("pending"), expiresAt: z.string() }),
  /** The screen's own `screen` token: handed out once, never stored in the clear. */
  z.object({ status: z.literal("paired"), screenId: z.string(), token: z.string() }),
]);
export type PairingClaimReply = z.infer<typeof pairingClaimReplySchema>;

/** What a player reports it is playing. */
export const playingSchema = z.object({
  /** Position in the playlist. */
  index: z.number().int().min(0),
  kind: z.enum(ITEM_KINDS),
  zone: z.enum(ZONES).optional(),
  /** The name of the scheduled playlist in force. */
  playlist: z.string().max(100).optional(),
  sku: z.string().optional(),
  /** When the item came on screen (ISO 8601). */
  since: z.string(),
});
export type Playing = z.infer<typeof playingSchema>;

/** `GET /api/v1/screens` → `[{ screenId, name, online, lastSeen, playing }]` (DESIGN.md §3b). */
export const screenReplySchema = z.object({
  screenId: z.string(),
  name: z.string(),
  online: z.boolean(),
  /** ISO 8601; null = never heard from since pairing. */
  lastSeen: z.string().nullable(),
  playing: playingSchema.nullable(),
  pairedAt: z.string(),
  /** Goes up by one with every playlist change. */
  playlistVersion: z.number().int().nonnegative(),
  /** The main zone's first playlist (the one-zone view of `program`). */
  items: z.array(playlistItemSchema),
  program: programSchema,
  /** The last errors the player reported (newest last). */
  errors: z.array(z.string()),
});
export type ScreenReply = z.infer<typeof screenReplySchema>;

/** `POST /api/v1/screens/{screenId}/heartbeat`. */
export const heartbeatBodySchema = z.object({
  playing: playingSchema.nullable().optional(),
  /** Errors since the last heartbeat (a broken image URL, a failed fetch). */
  errors: z.array(z.string().max(500)).max(20).optional(),
});
export type HeartbeatBody = z.infer<typeof heartbeatBodySchema>;

/** One proof-of-play record; `id` is made by the player, so a record sent twice is stored once. */
export const playRecordSchema = z.object({
  id: z.string().min(8).max(100),
  index: z.number().int().min(0),
  kind: z.enum(ITEM_KINDS),
  zone: z.enum(ZONES).optional(),
  playlist: z.string().max(100).optional(),
  sku: z.string().optional(),
  /** The tile's content hash while it was on screen (price tiles). */
  contentHash: z.string().optional(),
  start: offsetInstantSchema(),
  end: offsetInstantSchema(),
});
export type PlayRecord = z.infer<typeof playRecordSchema>;

/** `POST /api/v1/screens/{screenId}/plays`. */
export const playsBodySchema = z.object({ plays: z.array(playRecordSchema).max(5000) });
export const playsReplySchema = z.object({ stored: z.number().int(), duplicates: z.number().int() });

/**
 * A live price tile's content: the SKU's label content (the same resolution, words and hash as the
 * shelf label), with the label's text lines (price, prior price, unit price, promotion, validity)
 * and the product page's QR code as a module matrix.
 */
export const tileSchema = z.object({
  sku: z.string(),
  name: z.string(),
  brand: z.string().optional(),
  /** `price.text` is what the tile shows, exactly as the label does. */
  price: moneySchema,
  regularPrice: moneySchema.optional(),
  stock: stockStateSchema,
  /** What the label says, in its order, with the label's words (display/labels labelTextLines). */
  lines: z.array(z.string()),
  /** Equal to the contentHash of every label showing this SKU at the same instant. */
  contentHash: z.string(),
  url: z.string().optional(),
  /** QR code of `url`: `size` × `size` modules, row-major, "1" = dark. */
  qr: z.object({ size: z.number().int(), modules: z.string() }).optional(),
});
export type Tile = z.infer<typeof tileSchema>;

/** A tile from an instant on; `tile` null = no price in force then (the tile shows no price). */
export const tileStepSchema = z.object({ from: z.string(), tile: tileSchema.nullable() });
export type TileStep = z.infer<typeof tileStepSchema>;

/**
 * `GET /api/v1/screens/{screenId}/show` and the `show` event: everything a player needs to keep
 * playing without the controller until `until`: the playlist and, per SKU, the tile now and at every
 * instant it changes (a promotion's start or end, a scheduled price), precomputed by the controller.
 */
export const showSchema = z.object({
  screenId: z.string(),
  name: z.string(),
  locale: z.string(),
  /** When this show was computed (ISO 8601). */
  at: z.string(),
  /** The timelines below are complete up to this instant; after it tiles are not known. */
  until: z.string(),
  /** A tile not confirmed by the controller for this long is marked stale; 0 = never. */
  freshnessSeconds: z.number().int().min(0),
  playlistVersion: z.number().int().nonnegative(),
  /** The main zone's first playlist (the one-zone view, for players that know no zones). */
  items: z.array(playlistItemSchema),
  layout: layoutSchema,
  /**
   * Per zone of the layout, its playlists with their schedule as instants: `windows` = the
   * [from, to) intervals (ISO 8601) within [at, until] in which the playlist is in force, null =
   * always. The controller turns the store-time rules into instants (DST included), so the player
   * only compares instants.
   */
  zones: z.array(
    z.object({
      zone: z.enum(ZONES),
      playlists: z.array(
        z.object({
          name: z.string(),
          priority: z.number().int(),
          items: z.array(playlistItemSchema),
          windows: z.array(z.tuple([z.string(), z.string()])).nullable(),
        }),
      ),
    }),
  ),
  /** Per promotion a `promotion` item names: its SKUs and when it runs; null = no such promotion. */
  promotions: z.record(
    z.string(),
    z.object({ skus: z.array(z.string()), start: z.string(), end: z.string().nullable() }).nullable(),
  ),
  /** Per SKU of the playlist: steps in time order, the first one in force at `at`. */
  tiles: z.record(z.string(), z.array(tileStepSchema)),
});
export type ShowZone = Show["zones"][number];
export type ShowPlaylist = ShowZone["playlists"][number];
export type Show = z.infer<typeof showSchema>;
