import type { Show } from "../../schemas/index.ts";
import type { ScreenStore } from "../store/screens.ts";
import { SHOW_HORIZON_MS, type TileMaker } from "./tiles.ts";

export type ShowListener = (show: Show) => void;

export interface ScreenShowsOptions {
  screens: ScreenStore;
  tiles: TileMaker;
  /** The store's write revision (Stores.revision): shows are recomputed only when it moved. */
  revision: () => string;
  /** The pricing clock. */
  now: () => number;
  locale: string;
  freshnessSeconds: number;
  /** How often the revision is looked at while a player listens. */
  pollMs?: number;
  /** Recompute this often even without writes: the horizon moves on, and a stock-only day passes. */
  idleRefreshMs?: number;
}

/**
 * What each screen plays (its show) and the live feed of it. A show is computed from the store: the
 * screen's playlist and each price tile's timeline (controller/screens/tiles.ts). While players
 * listen, the store's revision is polled every `pollMs` (one cheap query, as for the console's live
 * sync view); after any write (a feed batch, an override, a playlist change) each listened-to show is
 * recomputed and sent only if what it shows changed. A price change therefore reaches a tile within
 * pollMs plus one computation of the show.
 */
export function screenShows(o: ScreenShowsOptions) {
  const pollMs = o.pollMs ?? 100;
  const idleRefreshMs = o.idleRefreshMs ?? 60_000;
  const listeners = new Map<string, Set<ShowListener>>();
  /** Last show sent per screen, as JSON without its instants (only a change of content is news). */
  const lastSent = new Map<string, string>();
  let timer: ReturnType<typeof setInterval> | null = null;
  let seenRevision: string | null = null;
  let computedAt = 0;
  let running = false;

  async function show(screenId: string): Promise<Show | null> {
    const screen = o.screens.get(screenId);
    if (!screen) return null;
    const now = o.now();
    const skus = [...new Set(screen.items.flatMap((i) => (i.kind === "price" ? [i.sku] : [])))];
    return {
      screenId,
      name: screen.name,
      locale: o.locale,
      at: new Date(now).toISOString(),
      until: new Date(now + SHOW_HORIZON_MS).toISOString(),
      freshnessSeconds: o.freshnessSeconds,
      playlistVersion: screen.playlistVersion,
      items: screen.items,
      tiles: await o.tiles.timelines(skus, now),
    };
  }

  const contentKey = (s: Show) => JSON.stringify({ ...s, at: undefined, until: undefined });

  async function tick(force: boolean): Promise<void> {
    if (running || listeners.size === 0) return;
    const revision = o.revision();
    const stale = o.now() - computedAt >= idleRefreshMs;
    if (!force && revision === seenRevision && !stale) return;
    running = true;
    try {
      seenRevision = revision;
      computedAt = o.now();
      for (const [screenId, set] of listeners) {
        const s = await show(screenId);
        if (!s) continue;
        const key = contentKey(s);
        if (!stale && key === lastSent.get(screenId)) continue;
        lastSent.set(screenId, key);
        for (const l of set) l(s);
      }
    } finally {
      running = false;
    }
  }

  return {
    show,

    /** Listen to one screen's show; the current one is delivered at once. Returns the unsubscribe. */
    async subscribe(screenId: string, listener: ShowListener): Promise<() => void> {
      let set = listeners.get(screenId);
      if (!set) {
        set = new Set();
        listeners.set(screenId, set);
      }
      set.add(listener);
      const current = await show(screenId);
      if (current) {
        lastSent.set(screenId, contentKey(current));
        listener(current);
      }
      if (!timer) {
        seenRevision = o.revision();
        computedAt = o.now();
        timer = setInterval(() => void tick(false), pollMs);
        timer.unref?.();
      }
      return () => {
        const s = listeners.get(screenId);
        s?.delete(listener);
        if (s && s.size === 0) {
          listeners.delete(screenId);
          lastSent.delete(screenId);
        }
        if (listeners.size === 0 && timer) {
          clearInterval(timer);
          timer = null;
        }
      };
    },

    /** Recompute now (after a wall-clock step, say). */
    refresh: () => tick(true),

    listening: (screenId: string) => listeners.get(screenId)?.size ?? 0,

    close(): void {
      listeners.clear();
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
export type ScreenShows = ReturnType<typeof screenShows>;
