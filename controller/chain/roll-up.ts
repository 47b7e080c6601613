import { CATALOG_FEEDS, type ChainStoreStatus, changeIdOf, PROTOCOL_VERSION } from "../../schemas/index.ts";
import type { Logger } from "../log.ts";
import type { CatalogStore } from "../store/catalog.ts";

/**
 * The store's roll-up for central (docs/chain.md): retained on `shelfsync/chain/store/{storeId}/status`,
 * QoS 1, schemas/chain.ts. What it says, per feed the last sequence applied and the sequences still
 * missing below it; labels in sync / total; the last change applied and when.
 *
 * Debounced: the summary is taken at most every `everyMs` (a reprice makes thousands of labels report
 * within seconds; central needs the progress, not every step) and published only when it differs
 * from the last one published, or every `heartbeatMs` so central can tell a quiet store from a gone
 * one. `touch()` (a batch applied) takes one at the next tick instead of waiting for the heartbeat.
 */
export function chainRollUp(deps: {
  storeId: string;
  catalog: Pick<CatalogStore, "feedLedger">;
  labels: () => { total: number; inSync: number };
  publish: (payload: string) => Promise<void>;
  /** Whether publishing can work now (the chain link is connected). */
  ready: () => boolean;
  log: Logger;
  everyMs: number;
  heartbeatMs?: number;
  now?: () => number;
}) {
  const now = deps.now ?? Date.now;
  const heartbeatMs = deps.heartbeatMs ?? 300_000;
  let lastKey = "";
  let lastAt = 0;
  let publishing = false;
  let stopped = false;

  function summary(): ChainStoreStatus {
    const feeds: ChainStoreStatus["feeds"] = {};
    let last: ChainStoreStatus["lastChange"] = null;
    let lastApplied = -1;
    for (const f of deps.catalog.feedLedger()) {
      if (!(CATALOG_FEEDS as readonly string[]).includes(f.feed)) continue;
      feeds[f.feed] = { sequence: f.lastSequence, gaps: f.gaps };
      if (f.lastSequence !== null && f.appliedAt !== null && f.appliedAt > lastApplied) {
        lastApplied = f.appliedAt;
        last = {
          changeId: changeIdOf(f.feed, f.lastSequence),
          feed: f.feed,
          sequence: f.lastSequence,
          appliedAt: new Date(f.appliedAt).toISOString(),
        };
      }
    }
    for (const feed of CATALOG_FEEDS) feeds[feed] ??= { sequence: null, gaps: [] };
    const { total, inSync } = deps.labels();
    return {
      v: PROTOCOL_VERSION,
      storeId: deps.storeId,
      at: new Date(now()).toISOString(),
      feeds,
      labels: { total, inSync },
      lastChange: last,
    };
  }

  async function tick(force = false): Promise<void> {
    if (stopped || publishing || !deps.ready()) return;
    let s: ChainStoreStatus;
    try {
      s = summary();
    } catch (e) {
      deps.log.warn("roll-up not taken", { error: String(e) });
      return;
    }
    const { at: _at, ...rest } = s;
    const key = JSON.stringify(rest);
    if (!force && key === lastKey && now() - lastAt < heartbeatMs) return;
    publishing = true;
    try {
      await deps.publish(JSON.stringify(s));
      lastKey = key;
      lastAt = now();
    } catch (e) {
      deps.log.debug("roll-up not published; next tick", { error: String(e) });
    } finally {
      publishing = false;
    }
  }

  const timer = setInterval(() => void tick(), deps.everyMs);
  timer.unref();
  return {
    summary,
    /** Publish at the next tick whether or not anything changed (after a reconnect). */
    touch(): void {
      lastKey = "";
    },
    /** Take and publish one now (tests; shutdown). */
    flush: () => tick(true),
    stop(): void {
      stopped = true;
      clearInterval(timer);
    },
  };
}
export type ChainRollUp = ReturnType<typeof chainRollUp>;
