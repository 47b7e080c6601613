import { type ScreenChanges, screenChanges } from "../changes/screens.ts";
import type { ContentContext } from "../labels/content.ts";
import type { Stores } from "../store/index.ts";
import { type ScreenShows, screenShows } from "./live.ts";
import { type Pairings, pairings } from "./pairing.ts";
import { tileMaker } from "./tiles.ts";

export { screenTokenName } from "../changes/screens.ts";

/** Signage screens as the HTTP layer sees them: pairing, changes (audited), and each screen's show. */
export interface Screens {
  pairings: Pairings;
  changes: ScreenChanges;
  shows: ScreenShows;
  /** A screen counts as online while its last heartbeat is younger than this. */
  offlineAfterMs: number;
  close(): void;
}

export function screensService(deps: {
  stores: Stores;
  ctx: () => ContentContext;
  now: () => number;
  locale: string;
  timeZone: string;
  freshnessSeconds: number;
  offlineAfterSeconds: number;
}): Screens {
  const pending = pairings(deps.now);
  const shows = screenShows({
    screens: deps.stores.screens,
    promotions: deps.stores.promotions,
    timeZone: deps.timeZone,
    tiles: tileMaker({ catalog: deps.stores.catalog, ctx: deps.ctx }),
    revision: deps.stores.revision,
    now: deps.now,
    locale: deps.locale,
    freshnessSeconds: deps.freshnessSeconds,
  });
  return {
    pairings: pending,
    changes: screenChanges({ stores: deps.stores, pairings: pending, now: deps.now }),
    shows,
    offlineAfterMs: deps.offlineAfterSeconds * 1000,
    close: () => shows.close(),
  };
}
