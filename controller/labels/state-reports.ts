import type { Availability, BridgeLabels, LabelState } from "../../schemas/index.ts";
import type { Logger } from "../log.ts";
import type { DbWatch } from "../store/faults.ts";
import type { LabelStateUpdate, LabelStore } from "../store/labels.ts";

/**
 * During a burst, buffered label state reports are written at most about this often: one transaction
 * per burst, not per message. A report that arrives after a quiet spell, or while only a trickle
 * arrives, is written at once.
 */
export const STATE_FLUSH_MS = 50;
/**
 * A flush that wrote at least this many states was part of a burst (a reprice's acknowledgements), and
 * the next one waits for the STATE_FLUSH_MS timer. Smaller flushes are a trickle (the check-ins of a
 * store's labels, about 17 every 20 ms with 50,000 labels each checking in every minute): throttling
 * them held a price change's acknowledgement back behind the timer, up to 50 ms, whenever a check-in
 * had been written just before it. A small write costs well under a millisecond (no fsync per commit).
 */
export const BURST_STATES = 200;
/** While the database refuses writes (locked, full, read-only), a flush is tried at most this often. */
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 5_000;
/**
 * Labels whose latest state is kept while the database refuses writes (one entry per label: a newer
 * report replaces an older one). Beyond it the oldest entries are dropped: a label repeats its state
 * at its next check-in, so the count is bounded without losing what matters.
 */
export const MAX_PENDING_STATES = 200_000;

function toMs(ts: LabelState["ts"], fallback: number): number {
  if (ts === undefined) return fallback;
  return typeof ts === "number" ? ts : Date.parse(ts);
}

/**
 * What devices and bridges report, into the label store: label states (what a label displays, its
 * battery and signal), bridge availability and bridge inventories. States are buffered and written
 * every STATE_FLUSH_MS in one transaction: after a reprice thousands arrive at once, and one fsync per
 * message would not keep up. A state never registers a label and an inventory never takes over
 * another bridge's label (a label belongs to the first bridge that announces it): a stray or hostile
 * message must not create labels nobody can remove, nor resize real ones. These reports feed
 * sync-status.ts, which judges from them whether a label is right.
 */
export function labelReports(deps: {
  labels: LabelStore;
  log: Logger;
  now?: () => number;
  /** Database faults become alarms and a later retry instead of an exception out of a timer. */
  watch?: Pick<DbWatch, "tryWrite">;
}) {
  const { labels, log } = deps;
  const now = deps.now ?? Date.now;
  const tryWrite =
    deps.watch?.tryWrite ??
    ((_where: string, fn: () => void) => {
      fn();
      return true;
    });
  // Latest state per label, in arrival order (a Map keeps insertion order; a repeat moves to the end).
  let pending = new Map<string, LabelStateUpdate>();
  /** Bridge reports that could not be written yet, latest per bridge and kind. */
  const deferred = new Map<string, () => void>();
  let retryAt = 0;
  let retryMs = RETRY_MIN_MS;
  let dropped = 0;

  const flush = () => {
    if (pending.size === 0 && deferred.size === 0) return;
    if (now() < retryAt) return;
    for (const [key, write] of deferred) {
      if (!tryWrite(`bridge report ${key}`, write)) return backOff();
      deferred.delete(key);
    }
    if (pending.size === 0) return;
    const batch = [...pending.values()];
    let unknown: string[] = [];
    if (!tryWrite("label state flush", () => (unknown = labels.recordStates(batch)))) return backOff();
    // One line per flush, not per message: 50,000 invented ids must not become 50,000 log lines.
    if (unknown.length > 0)
      log.warn("ignored states of unknown labels", { labels: unknown.length, first: unknown[0] });
    flushedAt = performance.now();
    lastFlushRows = batch.length;
    // Only what was written leaves the buffer (nothing arrives during a synchronous write, but be exact).
    if (pending.size === batch.length) pending = new Map();
    else for (const u of batch) if (pending.get(u.labelId) === u) pending.delete(u.labelId);
    retryMs = RETRY_MIN_MS;
    if (dropped > 0) {
      log.warn("label states dropped while the database refused writes; labels repeat them", { dropped });
      dropped = 0;
    }
  };
  const backOff = () => {
    retryAt = now() + retryMs;
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  };
  /** A bridge report now, or (when the database refuses it) at the next flush that can write. */
  const bridgeWrite = (key: string, write: () => void) => {
    if (deferred.size === 0 && now() >= retryAt && tryWrite(`bridge report ${key}`, write)) return;
    deferred.delete(key);
    deferred.set(key, write);
  };
  // The timer writes bursts and retries after a refused write; `soon` writes a report without waiting
  // for it unless a burst was written just before: one price change's acknowledgement reaches the
  // sync status in about the time the broker took to bring it (waiting for a fixed 100 ms timer added
  // 50 ms on average, 100 ms at worst).
  const timer = setInterval(flush, STATE_FLUSH_MS);
  /** When the last write ended (monotonic ms), and how many states it wrote. */
  let flushedAt = Number.NEGATIVE_INFINITY;
  let lastFlushRows = 0;
  let soon: NodeJS.Immediate | undefined;
  const writeSoon = () => {
    if (soon) return;
    if (lastFlushRows >= BURST_STATES && performance.now() - flushedAt < STATE_FLUSH_MS) return;
    // setImmediate runs after the I/O phase: every report of the same socket read joins this write.
    soon = setImmediate(() => {
      soon = undefined;
      flush();
    });
  };
  return {
    /** A label's state report; `receivedAt` bounds a device clock that runs ahead. */
    onLabelState(labelId: string, state: LabelState, receivedAt: number): void {
      writeSoon();
      const before = pending.get(labelId);
      const update: LabelStateUpdate = {
        labelId,
        displayedHash: state.displayedHash,
        displayedVersion: state.version ?? before?.displayedVersion ?? null,
        battery: state.battery ?? before?.battery ?? null,
        rssi: state.rssi ?? before?.rssi ?? null,
        seenAt: Math.min(toMs(state.ts, receivedAt), receivedAt),
      };
      if (before) pending.delete(labelId);
      else if (pending.size >= MAX_PENDING_STATES) {
        const oldest = pending.keys().next().value;
        if (oldest !== undefined) pending.delete(oldest);
        dropped++;
      }
      pending.set(labelId, update);
    },
    onBridgeStatus(bridgeId: string, availability: Availability): void {
      const at = now();
      bridgeWrite(`${bridgeId} status`, () =>
        labels.setBridgeOnline(bridgeId, availability.state === "online", null, at),
      );
    },
    /** A bridge's inventory: the bridge is online, and its labels are registered or updated. */
    onBridgeLabels(bridgeId: string, inventory: BridgeLabels): void {
      const at = now();
      bridgeWrite(`${bridgeId} labels`, () => {
        labels.setBridgeOnline(bridgeId, true, inventory.kind, at);
        const { changed, refused } = labels.announce(inventory.labels, bridgeId, at);
        if (changed.length > 0) log.info("bridge announced labels", { bridgeId, changed: changed.length });
        if (refused.length > 0) {
          log.warn(
            "bridge announced labels another bridge owns; ignored (PUT /labels/{labelId}/bridge moves one)",
            {
              bridgeId,
              labels: refused.length,
              first: refused[0],
            },
          );
        }
      });
    },
    /** Reports waiting because the database refused them (health and tests). */
    waiting: () => ({ states: pending.size, bridgeReports: deferred.size }),
    /** Write buffered state reports now (tests and shutdown). */
    flush,
    /** Stop the flush timer and write what is buffered. */
    close(): void {
      clearInterval(timer);
      if (soon) clearImmediate(soon);
      retryAt = 0;
      flush();
    },
  };
}
export type LabelReports = ReturnType<typeof labelReports>;
