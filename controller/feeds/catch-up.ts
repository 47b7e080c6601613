import { performance } from "node:perf_hooks";
import { backoffDelay } from "../../lib/backoff.ts";
import { CATALOG_FEEDS, type FeedFormat, type FeedName } from "../../schemas/index.ts";
import type { Changes } from "../changes/index.ts";
import type { Logger } from "../log.ts";
import { pull, type Validators } from "../pull/http-pull.ts";
import type { AnyFeedRow, CatalogStore, Lined } from "../store/catalog.ts";
import type { FeedAdmission } from "./admission.ts";
import { feedRowReader } from "./ingest.ts";
import { formatFromContentType } from "./parse/index.ts";

/**
 * Central catch-up (issue 12 §5; the contract is docs/central-catch-up.md). A feed batch may arrive
 * with a sequence above the next one (a batch lost on the way, the store offline for a while): it is
 * applied at once (DESIGN.md §3a) and the skipped sequences are a gap. This module pulls what is
 * missing from SHELFSYNC_CENTRAL_URL, one batch per request:
 *
 *   GET {central}/feeds/{feed}/batches?after={sequence}
 *     200 → the first batch above `after`: `Feed-Sequence`, a feed Content-Type, the body as POSTed
 *     204 → nothing above `after`;  304 → the same answer as the last time (If-None-Match)
 *
 * from the sequence before the first gap up to the newest batch central has. A missing batch is
 * applied below the last sequence (gapFill), without the rows that a later batch supersedes: a key
 * (SKU, promotion id) that a later batch of the same feed also sends keeps the later value, exactly
 * as if the batches had come in order. Batches above the last applied one are applied as usual.
 * Meanwhile the store serves what it has, and GET /api/v1/health says how far behind it is.
 *
 * The pulls use controller/pull/http-pull.ts (a timeout per request, bounded retries with backoff,
 * If-None-Match); a run that fails is tried again later, with backoff between failed runs.
 */
export interface CentralStatus {
  url: string;
  /** null until the first try. */
  reachable: boolean | null;
  lastTry: string | null;
  lastSuccess: string | null;
  error: string | null;
  /** Missing sequences per feed (gaps in the ledger), and batches central has above the last applied. */
  behindBy: number;
  feeds: Record<string, { missing: number; newer: number }>;
}

interface Pulled {
  sequence: number;
  format: FeedFormat;
  rows: Lined<AnyFeedRow>[];
}

/**
 * A pulled batch as a run keeps it until its end: the rows of a batch it is going to apply (a
 * missing one, a newer one), only the keys of one already applied (all they are needed for is to
 * tell which rows of a missing batch a later batch supersedes).
 */
interface Held {
  sequence: number;
  format: FeedFormat;
  rows: Lined<AnyFeedRow>[] | null;
  keys: (string | null)[];
}

/** Central answered something the store cannot use: retried at the next run, not at once. */
export class CatchUpError extends Error {}

/** Pulled batches per run at most: a store years behind is caught up over several runs. */
const MAX_BATCHES_PER_RUN = 500;
/** A batch's largest body when no SHELFSYNC_FEED_MAX_MB is given. */
const DEFAULT_MAX_BYTES = 512 * 1024 * 1024;

/** The key a row writes: a later batch that sends the same key supersedes it. Dated prices have none. */
function rowKey(feed: FeedName, row: AnyFeedRow): string | null {
  const r = row as { sku?: string; promotionId?: string; effectiveFrom?: number };
  if (feed === "promotions") return r.promotionId ?? null;
  if (feed === "prices" && r.effectiveFrom !== undefined) return null;
  return r.sku ?? null;
}

export function centralCatchUp(deps: {
  url: string;
  catalog: CatalogStore;
  changes: Pick<Changes, "applyFeedBatch">;
  timeZone: string;
  log: Logger;
  timeoutMs: number;
  retries: number;
  /** Between failed runs (doubling up to maxMs); the first retry of a pull inside a run is faster. */
  backoff?: { initialMs: number; maxMs: number };
  /** Between the retries of one pull (default 0.5 s doubling up to 5 s). */
  pullBackoff?: { initialMs: number; maxMs: number };
  /** Largest body of one batch: SHELFSYNC_FEED_MAX_MB, as for a POSTed batch (default 512 MiB). */
  maxBytes?: number;
  /**
   * Most rows of one batch (SHELFSYNC_FEED_MAX_ROWS, as for a POSTed batch), and the most rows of
   * newer batches one run holds before it applies them: past it the run stops pulling, applies what
   * it has and leaves the rest to the next run.
   */
  maxRows?: number;
  /**
   * The controller's feed queue (feeds/admission.ts): each pulled batch is read, and each one
   * applied, in a turn of the same queue as POSTed batches, so a catch-up run adds no batch in memory
   * beyond SHELFSYNC_FEED_CONCURRENCY. Without it (tests of this module alone) nothing is waited for.
   */
  admission?: FeedAdmission;
  now?: () => number;
}) {
  const { catalog, log } = deps;
  const now = deps.now ?? Date.now;
  const readRows = feedRowReader(deps.timeZone, deps.maxBytes, deps.maxRows);
  /** A turn of the feed queue; a catch-up run waits for it (it is never refused). */
  const inTurn = <T>(work: () => Promise<T>): Promise<T> =>
    deps.admission ? deps.admission.turn(work) : work();
  const base = deps.url.replace(/\/+$/, "");
  const runBackoff = deps.backoff ?? { initialMs: 5_000, maxMs: 300_000 };
  const validators = new Map<string, Validators>();
  const newer: Record<string, number> = {};
  const status = {
    reachable: null as boolean | null,
    lastTry: null as number | null,
    lastSuccess: null as number | null,
    error: null as string | null,
  };
  let failedRuns = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  /** One request: the first batch above `after`, or null when central has none (204, or 304 after one). */
  async function fetchAfter(feed: FeedName, after: number): Promise<Pulled | null> {
    const url = `${base}/feeds/${feed}/batches?after=${after}`;
    const r = await pull<Pulled | null>({
      url,
      validators: validators.get(url),
      timeoutMs: deps.timeoutMs,
      retries: deps.retries,
      backoff: deps.pullBackoff ?? { initialMs: 500, maxMs: 5_000 },
      maxBytes: deps.maxBytes ?? DEFAULT_MAX_BYTES,
      headers: { Accept: "text/csv, application/x-ndjson, application/json" },
      // The body is read (and every row validated) inside the pull, so its timeout covers it.
      consume: async (body, response) => {
        if (response.status === 204) {
          await body.cancel().catch(() => {});
          return null;
        }
        const header = response.header("Feed-Sequence");
        const sequence = Number(header);
        if (header === null || !/^\d{1,15}$/.test(header) || sequence <= after)
          throw new CatchUpError(`GET ${url}: Feed-Sequence "${header}" is not a sequence above ${after}`);
        const format = formatFromContentType(response.contentType ?? undefined);
        if (!format)
          throw new CatchUpError(`GET ${url}: Content-Type "${response.contentType}" is not a feed format`);
        // The body is read in a turn of the feed queue, as a POSTed body is; the wait for central's
        // answer and the retries before it are not, so a slow or unreachable central never holds
        // up the batches posted or sent over the chain meanwhile.
        const { rows } = await inTurn(() => readRows(feed, format, body));
        return { sequence, format, rows };
      },
      onRetry: (attempt, delayMs, error) =>
        log.debug("central pull failed; retrying", { url, attempt, delayMs, error: error.message }),
    });
    validators.set(url, { etag: r.etag, lastModified: r.lastModified });
    return r.outcome === "not-modified" ? null : r.value;
  }

  async function catchUpFeed(feed: FeedName): Promise<void> {
    const ledger = catalog.feedLedger().find((f) => f.feed === feed);
    const last = ledger?.lastSequence ?? null;
    const gaps = ledger?.gaps ?? [];
    // From before the first gap (the batches between gaps tell which rows a later batch supersedes),
    // or from the last applied one when there is no gap (newer batches only).
    let after = gaps[0] ? gaps[0].from - 1 : (last ?? 0);
    const missing = new Set<number>();
    for (const g of gaps) for (let s = g.from; s <= g.to; s++) missing.add(s);
    const pulled: Held[] = [];
    // Rows of newer batches held for the apply at the end of the run, bounded like one batch.
    let newerRows = 0;
    for (let n = 0; n < MAX_BATCHES_PER_RUN; n++) {
      // Past the last applied sequence every batch is newer, and a batch not pulled now is applied
      // by a later run after this one's: stopping here changes no outcome, it only bounds memory.
      if (deps.maxRows !== undefined && newerRows >= deps.maxRows && (last === null || after >= last)) {
        again = true;
        break;
      }
      const batch = await fetchAfter(feed, after);
      if (!batch) break;
      const keep = missing.has(batch.sequence) || last === null || batch.sequence > last;
      if (keep && !missing.has(batch.sequence)) newerRows += batch.rows.length;
      pulled.push({
        sequence: batch.sequence,
        format: batch.format,
        rows: keep ? batch.rows : null,
        keys: batch.rows.map(({ row }) => rowKey(feed, row)),
      });
      after = batch.sequence;
    }
    newer[feed] = pulled.filter((b) => last === null || b.sequence > last).length;
    // Keys each later batch sends, newest first, so a missing batch drops what comes again later.
    const later = new Set<string>();
    const fills: { batch: Held; rows: Lined<AnyFeedRow>[] }[] = [];
    for (const batch of [...pulled].reverse()) {
      if (missing.has(batch.sequence) && batch.rows) {
        const rows = batch.rows.filter((_, i) => {
          const key = batch.keys[i];
          return key === null || key === undefined || !later.has(key);
        });
        fills.push({ batch, rows });
      }
      for (const key of batch.keys) if (key !== null) later.add(key);
    }
    for (const { batch, rows } of fills.reverse()) {
      const applied = await inTurn(async () =>
        deps.changes.applyFeedBatch(
          { feed, sequence: batch.sequence, format: batch.format, rows, gapFill: true },
          { name: `central catch-up (${feed}#${batch.sequence})` },
          now(),
        ),
      );
      log.info("missing feed batch filled from central", {
        feed,
        sequence: batch.sequence,
        rows: batch.keys.length,
        superseded: batch.keys.length - rows.length,
        applied: applied.value.applied,
      });
      batch.rows = null;
    }
    // Above the last applied one: as if posted, in order.
    for (const batch of pulled) {
      if (!batch.rows || (last !== null && batch.sequence <= last)) continue;
      const rows = batch.rows;
      batch.rows = null;
      const started = performance.now();
      const applied = await inTurn(async () =>
        deps.changes.applyFeedBatch(
          { feed, sequence: batch.sequence, format: batch.format, rows },
          { name: `central catch-up (${feed}#${batch.sequence})` },
          now(),
        ),
      );
      if (applied.value.applied)
        catalog.recordBatchOutcome(feed, batch.sequence, applied.labelsAffected, performance.now() - started);
    }
    newer[feed] = 0;
  }

  async function run(): Promise<void> {
    status.lastTry = now();
    try {
      for (const feed of CATALOG_FEEDS) await catchUpFeed(feed);
      status.reachable = true;
      status.lastSuccess = now();
      status.error = null;
      failedRuns = 0;
    } catch (e) {
      status.reachable = false;
      status.error = e instanceof Error ? e.message : String(e);
      failedRuns++;
      log.warn("central catch-up failed; the store serves what it has and tries again", {
        url: base,
        error: status.error,
        attempt: failedRuns,
      });
    }
  }

  /** Run now (or right after the run under way); resolves when that run is over. */
  function kick(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = run().finally(() => {
      running = null;
      if (again) {
        again = false;
        void kick();
      } else schedule();
    });
    return running;
  }

  /** The next run: soon after a failure (with backoff), else at the interval while anything is missing. */
  let intervalMs = 60_000;
  function schedule(): void {
    clearTimeout(timer);
    if (stopped) return;
    const behind = missingCount() > 0;
    const delay =
      failedRuns > 0 ? backoffDelay(failedRuns, runBackoff) : behind ? runBackoff.initialMs : intervalMs;
    timer = setTimeout(() => void kick(), delay);
    timer.unref();
  }

  function missingCount(feed?: string): number {
    let n = 0;
    for (const f of catalog.feedLedger())
      if (feed === undefined || f.feed === feed) for (const g of f.gaps) n += g.to - g.from + 1;
    return n;
  }

  return {
    kick,
    /** Start the background runs: one now, then every `everyMs` (and sooner while behind). */
    start(everyMs: number): void {
      intervalMs = everyMs;
      void kick();
    },
    status(): CentralStatus {
      const feeds: CentralStatus["feeds"] = {};
      let behindBy = 0;
      for (const feed of CATALOG_FEEDS) {
        const missing = missingCount(feed);
        feeds[feed] = { missing, newer: newer[feed] ?? 0 };
        behindBy += missing + (newer[feed] ?? 0);
      }
      const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
      return {
        url: base,
        reachable: status.reachable,
        lastTry: iso(status.lastTry),
        lastSuccess: iso(status.lastSuccess),
        error: status.error,
        behindBy,
        feeds,
      };
    },
    stop(): void {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
export type CentralCatchUp = ReturnType<typeof centralCatchUp>;
