import type { SyncEvent, SyncReply } from "../../schemas/index.ts";

/** How many not-right labels an event carries; the full list is `GET /api/v1/sync`. */
export const LIVE_NOT_RIGHT_LIMIT = 100;

export interface LiveSyncOptions {
  /** The store's write revision (Stores.revision): the summary is recomputed only when it moved. */
  revision: () => string;
  /** The sync summary, now. */
  summary: () => SyncReply;
  /** How often the revision is looked at while someone listens. */
  pollMs?: number;
  /** Recompute this often even without writes: a silent label turns offline by the clock alone. */
  idleRefreshMs?: number;
  now?: () => number;
}

export type SyncListener = (event: SyncEvent) => void;

/**
 * The sync dashboard's live feed: whoever listens gets the sync counters (and the first not-right
 * labels) at once and again whenever they change. While nobody listens nothing runs. While someone
 * does, the store's write revision is polled every `pollMs` (one cheap query); the summary, a scan of
 * every label, is recomputed only after a write: the first one at the next poll, back-to-back ones
 * no closer than three times its own cost, so a 50,000-label store flooded with state reports
 * spends at most a quarter of a core on it. One computation is shared by every listener.
 */
export function liveSync(options: LiveSyncOptions) {
  const pollMs = options.pollMs ?? 100;
  const idleRefreshMs = options.idleRefreshMs ?? 5_000;
  const now = options.now ?? Date.now;
  const listeners = new Set<SyncListener>();
  let timer: ReturnType<typeof setInterval> | null = null;
  let last: { event: SyncEvent; json: string } | null = null;
  let seenRevision: string | null = null;
  let computedAt = 0;
  let cost = 0;

  const compute = (): boolean => {
    const started = performance.now();
    const s = options.summary();
    const event: SyncEvent = {
      total: s.total,
      inSync: s.inSync,
      pending: s.pending,
      failed: s.failed,
      offline: s.offline,
      neverSeen: s.neverSeen,
      unlinked: s.unlinked,
      unknownContent: s.unknownContent,
      notAReduction: s.notAReduction,
      lowBattery: s.lowBattery,
      weakSignal: s.weakSignal,
      notRightTotal: s.notRight.length,
      notRight: s.notRight.slice(0, LIVE_NOT_RIGHT_LIMIT),
      at: new Date(now()).toISOString(),
    };
    cost = performance.now() - started;
    computedAt = now();
    // `at` differs every time; only a change of what is shown is news.
    const json = JSON.stringify({ ...event, at: undefined });
    const changed = json !== last?.json;
    last = { event, json };
    return changed;
  };

  // Whether the last computation followed a write: only back-to-back writes (a flood of state
  // reports) are spaced by three times the cost. The first write after a quiet spell (or after an
  // idle refresh that happened to run just before it, e.g. while a big feed was still uploading) is
  // shown at the next poll.
  let afterWrite = false;
  const tick = () => {
    const revision = options.revision();
    const wrote = revision !== seenRevision;
    const gap = wrote && !afterWrite ? pollMs : Math.max(pollMs, cost * 3);
    if (now() - computedAt < gap) return;
    if (!wrote && now() - computedAt < idleRefreshMs) return;
    seenRevision = revision;
    afterWrite = wrote;
    if (compute() && last) for (const l of listeners) l(last.event);
  };

  return {
    /** Listen; the current state is delivered at once. Returns the function that stops listening. */
    subscribe(listener: SyncListener): () => void {
      if (listeners.size === 0 || !last) {
        seenRevision = options.revision();
        afterWrite = false;
        compute();
      }
      listeners.add(listener);
      if (!timer) {
        timer = setInterval(tick, pollMs);
        timer.unref?.(); // a listener left open must not keep a stopped controller's process alive
      }
      if (last) listener(last.event);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && timer) {
          clearInterval(timer);
          timer = null;
          last = null;
        }
      };
    },
    listeners: () => listeners.size,
    close(): void {
      listeners.clear();
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
export type LiveSync = ReturnType<typeof liveSync>;
