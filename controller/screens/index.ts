import { type ScreenChanges, screenChanges } from "../changes/screens.ts";
import type { ContentContext } from "../labels/content.ts";
import type { Stores } from "../store/index.ts";
import { type ScreenShows, screenShows } from "./live.ts";
import { type MediaLibrary, mediaLibrary } from "./media.ts";
import { type Pairings, pairings } from "./pairing.ts";
import { tileMaker } from "./tiles.ts";

export { screenTokenName } from "../changes/screens.ts";

/** Signage screens as the HTTP layer sees them: pairing, changes (audited), and each screen's show. */
export interface Screens {
  pairings: Pairings;
  changes: ScreenChanges;
  shows: ScreenShows;
  media: MediaLibrary;
  /** Pairing codes one address may still ask for now (a sliding minute); false = refused. */
  pairingAllowed(address: string): boolean;
  /** Delete proof of play past the retention; returns how many went. */
  prunePlays(): number;
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
  mediaDir: string;
  mediaMaxBytes: number;
  playsRetentionDays: number;
  pairingPerMinute: number;
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
  const prunePlays = () =>
    deps.playsRetentionDays > 0
      ? deps.stores.screens.prunePlays(deps.now() - deps.playsRetentionDays * 86_400_000)
      : 0;
  // Hourly: proof of play arrives all day, a day's worth more or less does not matter.
  const pruner = setInterval(prunePlays, 3_600_000);
  pruner.unref?.();
  /** Per address, when its recent pairing requests came (the last minute's). */
  const asked = new Map<string, number[]>();
  const pairingAllowed = (address: string) => {
    const t = deps.now();
    const recent = (asked.get(address) ?? []).filter((at) => t - at < 60_000);
    if (asked.size > 10_000) asked.clear(); // a flood of addresses: forget, do not grow
    if (recent.length >= deps.pairingPerMinute) {
      asked.set(address, recent);
      return false;
    }
    recent.push(t);
    asked.set(address, recent);
    return true;
  };
  return {
    media: mediaLibrary({ dir: deps.mediaDir, store: deps.stores.media, maxBytes: deps.mediaMaxBytes }),
    pairingAllowed,
    prunePlays,
    pairings: pending,
    changes: screenChanges({ stores: deps.stores, pairings: pending, now: deps.now }),
    shows,
    offlineAfterMs: deps.offlineAfterSeconds * 1000,
    close: () => {
      clearInterval(pruner);
      shows.close();
    },
  };
}
