import { itemsOfProgram, LAYOUTS, type Program, type Show } from "../../schemas/index.ts";
import type { PromotionStore } from "../store/promotions.ts";
import type { ScreenStore } from "../store/screens.ts";
import { windowsOf } from "./schedule.ts";
import { SHOW_HORIZON_MS, type TileMaker } from "./tiles.ts";

/** At most this many SKUs of one promotion are played as tiles (a category promotion may reach thousands). */
export const PROMOTION_TILES_MAX = 12;

export type ShowListener = (show: Show) => void;

export interface ScreenShowsOptions {
  screens: ScreenStore;
  promotions: PromotionStore;
  tiles: TileMaker;
  /** The store's time zone: schedules are store time. */
  timeZone: string;
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

  /** A program as the player plays it: schedules as instants within [now, until), promotions' runs. */
  function programAt(program: Program, now: number, until: number) {
    const iso = (ms: number) => new Date(ms).toISOString();
    // Windows are listed from a fixed point a day or more back (not from `now`): a window in force
    // keeps its real start, and a show recomputed a second later lists the same windows.
    const from = Math.floor(now / 86_400_000) * 86_400_000 - 86_400_000;
    const zones = LAYOUTS[program.layout].map((zone) => ({
      zone,
      playlists: (program.zones.find((z) => z.zone === zone)?.playlists ?? []).map((p) => ({
        name: p.name,
        priority: p.priority,
        items: p.items,
        windows: p.when
          ? windowsOf(p.when, from, until, o.timeZone).map(([a, b]) => [iso(a), iso(b)] as [string, string])
          : null,
      })),
    }));
    const promotions: Show["promotions"] = {};
    const skus = new Set<string>();
    for (const z of zones)
      for (const p of z.playlists)
        for (const i of p.items) {
          if (i.kind === "price") skus.add(i.sku);
          if (i.kind !== "promotion" || i.promotionId in promotions) continue;
          const promo = o.promotions.get(i.promotionId);
          if (!promo || promo.deleted || (promo.end !== null && promo.end <= now)) {
            promotions[i.promotionId] = null;
            continue;
          }
          const targets = o.promotions.targetSkus(promo).slice(0, PROMOTION_TILES_MAX);
          for (const sku of targets) skus.add(sku);
          promotions[i.promotionId] = {
            skus: targets,
            start: iso(promo.start),
            end: promo.end === null ? null : iso(promo.end),
          };
        }
    return { zones, promotions, skus: [...skus] };
  }

  async function show(screenId: string): Promise<Show | null> {
    const screen = o.screens.get(screenId);
    if (!screen) return null;
    const now = o.now();
    const until = now + SHOW_HORIZON_MS;
    const { zones, promotions, skus } = programAt(screen.program, now, until);
    return {
      screenId,
      name: screen.name,
      locale: o.locale,
      at: new Date(now).toISOString(),
      until: new Date(until).toISOString(),
      freshnessSeconds: o.freshnessSeconds,
      playlistVersion: screen.playlistVersion,
      items: itemsOfProgram(screen.program),
      layout: screen.program.layout,
      zones,
      promotions,
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
      // Read before computing: a write landing while the first show is computed (the label layout
      // loads on first use, a second or more) must still count as news for the poll below.
      const revisionBefore = o.revision();
      const current = await show(screenId);
      if (current) {
        lastSent.set(screenId, contentKey(current));
        listener(current);
      }
      if (!timer) {
        seenRevision = revisionBefore;
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
