import { type BackoffOptions, backoffDelay } from "../../lib/backoff.ts";
import type { Logger } from "../log.ts";
import type { ContentPublish, ControllerLink } from "../mqtt/controller-link.ts";
import type { LabelStatusRow, LabelStore } from "../store/labels.ts";

/**
 * Labels that never acknowledge: a content was published, but the label never reported showing it.
 * A state report can be lost (the controller takes states at QoS 0; an access point may drop one), a
 * bridge can lose a content message it was sent (a broker drops messages to a slow subscriber), and a
 * label can be broken. Each such label is sent its content again, retained, with backoff; after
 * `retries` resends without an acknowledgement it is listed as `failed` (GET /api/v1/sync) with the
 * number of attempts and the last one, so staff go and look at it instead of waiting forever.
 *
 * Kept in memory on purpose: what it holds is derived (published content vs. reported state, both in
 * the store), and a restarted controller republishes every content at its first connect, which
 * starts every label that is still wrong on a fresh round of retries.
 *
 * It learns of publishes and acknowledgements through the MQTT link's observer hooks, so the publish
 * path pays one Map operation per message. What is due is checked against the store before anything
 * is resent: a label that shows its content by then, or was removed, is forgotten.
 */
export interface AckRetryOptions {
  /** How long a label has to acknowledge a content before the first resend (1–2× this, with jitter). */
  ackTimeoutMs: number;
  /** Resends before a label counts as failed. */
  retries: number;
  /** Upper bound of the delay between resends. */
  maxDelayMs?: number;
  now?: () => number;
  random?: () => number;
}

/** A label that did not acknowledge its content after every resend. */
export interface FailedLabel {
  /** The content it never acknowledged. */
  contentHash: string;
  /** Sends of that content: the first publish and every resend. */
  attempts: number;
  /** The last send (Unix ms). */
  lastTry: number;
}

interface Tracked {
  /** The content the label must acknowledge; undefined after a republish of unknown content (read at due time). */
  hash: string | undefined;
  /** Resends so far (the first publish not counted). */
  resends: number;
  lastTry: number;
  nextTry: number;
  failed: boolean;
}

/** More labels due at once than this are checked against one scan of the label table, not one lookup each. */
const BULK_CHECK = 256;

export function ackRetries(deps: {
  labels: Pick<LabelStore, "get" | "statusRows" | "offlineBridgeIds">;
  link: () => ControllerLink | null;
  log: Logger;
  options: AckRetryOptions;
}) {
  const { labels, log, options } = deps;
  const now = options.now ?? Date.now;
  const backoff: BackoffOptions = {
    // Equal jitter puts the first resend between one and two ack timeouts after the publish.
    initialMs: options.ackTimeoutMs * 2,
    maxMs: Math.max(options.maxDelayMs ?? 3_600_000, options.ackTimeoutMs * 2),
    ...(options.random ? { random: options.random } : {}),
  };
  const delay = (resends: number) => backoffDelay(resends + 1, backoff);
  const tracked = new Map<string, Tracked>();
  /**
   * The tracked labels marked failed: `failed()` is read by every sync-counter poll, and walking
   * every tracked label for it (50,000 while a reprice is acknowledged) cost more than the counting.
   */
  const failedIds = new Set<string>();
  const forget = (labelId: string) => {
    tracked.delete(labelId);
    failedIds.delete(labelId);
  };
  const track = (labelId: string, entry: Tracked) => {
    tracked.set(labelId, entry);
    failedIds.delete(labelId);
  };
  /** The earliest nextTry of any entry not failed, so a tick with nothing due costs nothing. */
  let nextDue = Number.POSITIVE_INFINITY;
  let resent = 0;
  let failedTotal = 0;
  let running: Promise<void> | null = null;

  const schedule = (entry: Tracked, at: number) => {
    entry.nextTry = at;
    if (at < nextDue) nextDue = at;
  };

  /** A content went to the broker: a change (its hash), a clear (null) or a republish (undefined). */
  function sent(labelId: string, contentHash: string | null | undefined): void {
    if (contentHash === null) {
      forget(labelId);
      return;
    }
    const t = now();
    const entry = tracked.get(labelId);
    if (contentHash === undefined) {
      // A republish (every reconnect, and our own resends): keeps a running round as it is.
      if (!entry) {
        const fresh: Tracked = { hash: undefined, resends: 0, lastTry: t, nextTry: 0, failed: false };
        track(labelId, fresh);
        schedule(fresh, t + delay(0));
      }
      return;
    }
    if (entry && entry.hash === contentHash) return;
    const fresh: Tracked = { hash: contentHash, resends: 0, lastTry: t, nextTry: 0, failed: false };
    track(labelId, fresh);
    schedule(fresh, t + delay(0));
  }

  /** A label reported what it shows. */
  function shows(labelId: string, displayedHash: string): void {
    const entry = tracked.get(labelId);
    if (entry?.hash === displayedHash) forget(labelId);
  }

  /** Resend what is due; mark as failed what has had every resend. */
  async function check(): Promise<void> {
    const t = now();
    if (t < nextDue) return;
    const due: string[] = [];
    nextDue = Number.POSITIVE_INFINITY;
    for (const [id, entry] of tracked) {
      if (entry.failed) continue;
      if (entry.nextTry <= t) due.push(id);
      else if (entry.nextTry < nextDue) nextDue = entry.nextTry;
    }
    if (due.length === 0) return;
    const link = deps.link();
    if (!link?.connected()) {
      // The next connect republishes every content anyway; look again a little later.
      for (const id of due) schedule(tracked.get(id) as Tracked, t + options.ackTimeoutMs);
      return;
    }
    let rows: Map<string, LabelStatusRow> | undefined;
    if (due.length > BULK_CHECK) rows = new Map(labels.statusRows().map((r) => [r.labelId, r]));
    const offlineBridges = labels.offlineBridgeIds();
    const resend: ContentPublish[] = [];
    const failedNow: string[] = [];
    for (const id of due) {
      const entry = tracked.get(id) as Tracked;
      const row = rows ? rows.get(id) : labels.get(id);
      if (!row || row.contentHash === null || row.displayedHash === row.contentHash) {
        forget(id);
        continue;
      }
      if (entry.hash !== row.contentHash) {
        // Content changed without our hearing of it (or was unknown): a fresh round for the new one.
        entry.hash = row.contentHash;
        entry.resends = 0;
      }
      if (row.lastSeen === null || (row.bridgeId !== null && offlineBridges.has(row.bridgeId))) {
        // Nobody to hear it: a bridge that comes back fetches every retained content itself. Not an attempt.
        schedule(entry, t + delay(entry.resends));
        continue;
      }
      if (entry.resends >= options.retries) {
        entry.failed = true;
        failedIds.add(id);
        failedNow.push(id);
        continue;
      }
      const json = rows ? labels.get(id)?.contentJson : (row as { contentJson?: string | null }).contentJson;
      if (!json) {
        forget(id);
        continue;
      }
      resend.push([id, json]);
      entry.resends++;
      entry.lastTry = t;
      schedule(entry, t + delay(entry.resends));
    }
    if (failedNow.length > 0) {
      failedTotal += failedNow.length;
      log.warn("labels did not acknowledge their content after every resend; listed as failed", {
        labels: failedNow.length,
        first: failedNow[0],
        attempts: options.retries + 1,
      });
    }
    if (resend.length === 0) return;
    resent += resend.length;
    log.info("resending content to labels that did not acknowledge it", {
      labels: resend.length,
      first: resend[0]?.[0],
    });
    const failed = await link.publishContents(resend);
    if (failed.length > 0) log.warn("content resends failed", { labels: failed.length, first: failed[0] });
  }

  const tickMs = Math.max(50, Math.min(1_000, options.ackTimeoutMs / 4));
  const timer = setInterval(() => {
    if (running) return;
    running = check()
      .catch((e: unknown) => log.error("label resend check failed", { error: String(e) }))
      .finally(() => {
        running = null;
      });
  }, tickMs);
  timer.unref();

  return {
    sent,
    shows,
    /** Run the due check now (tests). */
    check,
    /** Labels that did not acknowledge their current content after every resend. */
    failed(): ReadonlyMap<string, FailedLabel> {
      const out = new Map<string, FailedLabel>();
      for (const id of failedIds) {
        const e = tracked.get(id);
        if (e?.failed && e.hash !== undefined)
          out.set(id, { contentHash: e.hash, attempts: e.resends + 1, lastTry: e.lastTry });
      }
      return out;
    },
    stats: () => ({ tracked: tracked.size, resent, failed: failedTotal }),
    stop(): void {
      clearInterval(timer);
    },
  };
}
export type AckRetries = ReturnType<typeof ackRetries>;
