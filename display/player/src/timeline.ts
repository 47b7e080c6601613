import type { PlaylistItem, Show, ShowPlaylist, ShowZone, Tile, TileStep } from "../../../schemas/screens.ts";

/**
 * What the player shows at an instant, decided from the show alone (no controller needed): pure
 * functions of (show, now), so the player switches on the second from what it has cached.
 */

/** How long an item stays when the playlist does not say (schemas/screens.ts DEFAULT_ITEM_SECONDS). */
export const DEFAULT_ITEM_SECONDS = 10;

export const itemSeconds = (item: PlaylistItem): number =>
  item.kind === "price" || item.kind === "promotion" ? (item.seconds ?? DEFAULT_ITEM_SECONDS) : item.seconds;

export type TileState =
  /** The content in force now. */
  | { kind: "tile"; tile: Tile }
  /** No price is in force (never show a made-up one). */
  | { kind: "none" }
  /** Past the end of what the controller told us: the price is not known, so none is shown. */
  | { kind: "unknown" };

/** The step in force at `now`: the last one that began at or before it. */
export function stepAt(steps: readonly TileStep[] | undefined, now: number): TileStep | undefined {
  if (!steps) return undefined;
  let found: TileStep | undefined;
  for (const s of steps) {
    if (Date.parse(s.from) <= now) found = s;
    else break;
  }
  return found;
}

export function tileAt(show: Show, sku: string, now: number): TileState {
  if (now >= Date.parse(show.until)) return { kind: "unknown" };
  const step = stepAt(show.tiles[sku], now);
  if (!step) return { kind: "unknown" };
  return step.tile ? { kind: "tile", tile: step.tile } : { kind: "none" };
}

const inWindows = (windows: ShowPlaylist["windows"], now: number): boolean =>
  windows === null || windows.some(([a, b]) => Date.parse(a) <= now && now < Date.parse(b));

/** A promotion item plays only while its promotion runs (and reaches a SKU); every other item always. */
export function itemActive(show: Show, item: PlaylistItem, now: number): boolean {
  if (item.kind !== "promotion") return true;
  const p = show.promotions[item.promotionId];
  return (
    !!p && p.skus.length > 0 && Date.parse(p.start) <= now && (p.end === null || now < Date.parse(p.end))
  );
}

/**
 * The playlist a zone plays at `now` (its index, −1 = none): of those whose schedule holds and that
 * have an item to play, the highest priority; equal priorities, the first listed.
 */
export function playlistAt(show: Show, zone: ShowZone, now: number): number {
  let best = -1;
  zone.playlists.forEach((p, i) => {
    if (!inWindows(p.windows, now) || !p.items.some((item) => itemActive(show, item, now))) return;
    if (best < 0 || p.priority > (zone.playlists[best]?.priority ?? 0)) best = i;
  });
  return best;
}

/** What a zone has on screen: which playlist (of which show version), which item, since when. */
export interface Cursor {
  version: number;
  playlist: number;
  name: string;
  index: number;
  item: PlaylistItem;
  start: number;
}

/**
 * A zone's next state from its current one: the item stays until its seconds are over, its
 * promotion ended, another playlist took over (a daypart began or ended) or the show's playlists
 * changed; then the next playable item comes (in the same playlist, in turn; in a new one, from its
 * first). `ended` is the item that left the screen at `now` (its proof of play). Pure: the player
 * calls it at every instant it set a timer for, and the same (show, cursor, now) gives the same.
 */
export function advance(
  show: Show,
  zone: ShowZone,
  cursor: Cursor | null,
  now: number,
): { cursor: Cursor | null; ended: Cursor | null } {
  const pl = playlistAt(show, zone, now);
  const playlist = zone.playlists[pl];
  const same = cursor !== null && cursor.version === show.playlistVersion && cursor.playlist === pl;
  if (same && itemActive(show, cursor.item, now) && now < cursor.start + itemSeconds(cursor.item) * 1000)
    return { cursor, ended: null };
  if (!playlist) return { cursor: null, ended: cursor };
  const n = playlist.items.length;
  const from = same ? cursor.index + 1 : 0;
  for (let k = 0; k < n; k++) {
    const index = (from + k) % n;
    const item = playlist.items[index] as PlaylistItem;
    if (itemActive(show, item, now))
      return {
        cursor: { version: show.playlistVersion, playlist: pl, name: playlist.name, index, item, start: now },
        ended: cursor,
      };
  }
  return { cursor: null, ended: cursor };
}

/** When a zone must be looked at again: its item's end, or the show's next change, whichever first. */
export function wakeAt(show: Show, cursor: Cursor | null, now: number): number | undefined {
  const next = nextChange(show, now);
  const end = cursor ? cursor.start + itemSeconds(cursor.item) * 1000 : undefined;
  if (end === undefined) return next;
  return next === undefined ? end : Math.min(end, next);
}

/**
 * The next instant after `now` at which anything of the show changes: a tile's step, a schedule
 * window's start or end, a promotion's start or end, or the end of the show.
 */
export function nextChange(show: Show, now: number): number | undefined {
  let next = Date.parse(show.until);
  if (next <= now) return undefined;
  const consider = (t: number) => {
    if (t > now && t < next) next = t;
  };
  for (const steps of Object.values(show.tiles)) {
    for (const s of steps) {
      const t = Date.parse(s.from);
      if (t > now) {
        consider(t);
        break;
      }
    }
  }
  for (const z of show.zones ?? [])
    for (const p of z.playlists)
      for (const [a, b] of p.windows ?? []) {
        consider(Date.parse(a));
        consider(Date.parse(b));
      }
  for (const p of Object.values(show.promotions ?? {})) {
    if (!p) continue;
    consider(Date.parse(p.start));
    if (p.end) consider(Date.parse(p.end));
  }
  return next;
}

/** Tiles are stale when the controller has not been heard from for the show's freshness limit. */
export function isStale(show: Show, lastContact: number, now: number): boolean {
  return show.freshnessSeconds > 0 && now - lastContact > show.freshnessSeconds * 1000;
}

/** A QR module matrix ("1" = dark, row-major) as one SVG path: a 1×1 square per dark module. */
export function qrPath(qr: { size: number; modules: string }): string {
  let d = "";
  for (let y = 0; y < qr.size; y++) {
    for (let x = 0; x < qr.size; x++) if (qr.modules[y * qr.size + x] === "1") d += `M${x} ${y}h1v1h-1z`;
  }
  return d;
}
