import type { PlaylistItem, Show, Tile, TileStep } from "../../../schemas/screens.ts";

/**
 * What the player shows at an instant, decided from the show alone (no controller needed): pure
 * functions of (show, now), so the player switches on the second from what it has cached.
 */

/** How long an item stays when the playlist does not say (schemas/screens.ts DEFAULT_ITEM_SECONDS). */
export const DEFAULT_ITEM_SECONDS = 10;

export const itemSeconds = (item: PlaylistItem): number =>
  item.kind === "price" ? (item.seconds ?? DEFAULT_ITEM_SECONDS) : item.seconds;

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

/** The next instant after `now` at which any tile of the show changes (or the show runs out). */
export function nextChange(show: Show, now: number): number | undefined {
  let next = Date.parse(show.until);
  if (next <= now) return undefined;
  for (const steps of Object.values(show.tiles)) {
    for (const s of steps) {
      const t = Date.parse(s.from);
      if (t > now) {
        if (t < next) next = t;
        break;
      }
    }
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
