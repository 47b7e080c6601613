import { performance } from "node:perf_hooks";
import type { z } from "zod";
import { youngGenerationRoomy } from "../../lib/young-generation.ts";
import {
  type FeedFormat,
  type FeedName,
  type FeedReply,
  type FeedRowError,
  fastPriceRow,
  fastProductRow,
  feedRowSchemas,
  issueProblems,
  type PriceRow,
} from "../../schemas/index.ts";
import { type Actor, type Applied, type Changes, feedActor } from "../changes/index.ts";
import {
  type AnyFeedRow,
  type AppliedBatch,
  BatchRejected,
  type BatchRows,
  type CatalogStore,
  type Lined,
} from "../store/catalog.ts";
import { type DbWatch, faultPolicy } from "../store/faults.ts";
import { PriceColumns } from "../store/price-columns.ts";
import type { FeedAdmission } from "./admission.ts";
import { FeedSyntaxError, parseFeed } from "./parse/index.ts";
import { PriceCsvSink, type PriceRowCheck } from "./price-csv.ts";

/**
 * A batch of at least this many rows is applied with a young generation that may grow (see
 * youngGenerationRoomy): its apply and the first chunk of its refresh allocate tens of MB.
 */
const ROOMY_BATCH_ROWS = 5_000;

/** Parsing a body yields to the event loop after this much work, so other requests keep answering. */
const PARSE_SLICE_MS = 10;

/** Row errors reported at most per rejected batch. */
export const MAX_REPORTED_ERRORS = 100;

/** A batch that failed validation: nothing of it was applied. */
export class FeedRejected extends Error {
  constructor(
    readonly details: FeedRowError[],
    readonly rowsRead: number,
  ) {
    const first = details[0];
    super(
      `feed batch rejected: ${details.length}${details.length >= MAX_REPORTED_ERRORS ? "+" : ""} problem(s); first: line ${first?.line} ${first?.field}: ${first?.reason}`,
    );
  }
}

/**
 * A batch whose sequence jumps further above the feed's last than SHELFSYNC_FEED_MAX_SEQUENCE_JUMP:
 * one wrong (or hostile) number such as 999999999999999 would otherwise make every later batch of the
 * feed `applied: false`. Refused before the body is read; it consumes no sequence.
 */
export class SequenceJumpRefused extends Error {
  constructor(
    readonly feed: string,
    readonly sequence: number,
    readonly last: number | null,
    readonly maxJump: number,
  ) {
    super(
      `sequence ${sequence} is ${sequence - (last ?? 0)} above the last applied ${feed} sequence ${last ?? "(none: 0)"}; ` +
        `a jump of more than ${maxJump} (SHELFSYNC_FEED_MAX_SEQUENCE_JUMP) is refused so that one wrong number cannot ` +
        `block the feed. If the number is right, an ops token sets the feed's sequence first: PUT /api/v1/feeds/${feed}/sequence`,
    );
  }
}

/** Throws SequenceJumpRefused when `sequence` is too far above `last` (a first batch counts from 0). */
export function checkSequenceJump(
  feed: string,
  sequence: number,
  last: number | null,
  maxJump: number,
): void {
  if (sequence - (last ?? 0) > maxJump) throw new SequenceJumpRefused(feed, sequence, last, maxJump);
}

/** The default of SHELFSYNC_FEED_MAX_SEQUENCE_JUMP. */
export const DEFAULT_MAX_SEQUENCE_JUMP = 1_000_000;

/** A batch body already in memory (a chain message, a file read whole) as the stream `FeedBatch.body` is. */
export async function* textBody(text: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(text);
}

/** A body over the size limit (answered 413, not 422: no row is at fault). */
export class FeedTooLarge extends Error {}

export interface FeedBatch {
  feed: FeedName;
  sequence: number;
  format: FeedFormat;
  body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;
  /** Instant the batch is applied at (rows without effectiveFrom take effect then). */
  now?: number;
  /** Called with the number of rows read so far (the CLI's progress bar). */
  onProgress?: (rowsRead: number) => void;
  /** Who sends the batch (recorded in the audit log); without one, the feed itself (`feed:prices#42`). */
  actor?: Actor;
  /**
   * When the feed queue is full: throw FeedQueueFull (an HTTP sender, answered 429 with its body
   * unread) rather than wait for a turn (the CLI, a chain message, whatever waits anyway).
   */
  refuseWhenFull?: boolean;
}

/**
 * Stream-parse and validate a feed body: its rows with their line numbers, or FeedRejected (up to
 * MAX_REPORTED_ERRORS problems) / FeedTooLarge. Shared by the ingest below and the central catch-up.
 * `maxRows` bounds what one batch holds in memory (its validated rows wait for the apply): past it
 * the body is refused while streaming, whatever its byte limit.
 */
export function feedRowReader<Columns extends boolean = false>(
  timeZone: string,
  maxBytes?: number,
  maxRows?: number,
  options: {
    /**
     * A prices batch's rows come back column by column (PriceColumns), for a caller that only
     * applies them: no object per row waits for the apply. The central catch-up filters rows, so
     * it takes objects.
     */
    priceColumns?: Columns;
    /**
     * A prices CSV read into those columns reads its ordinary rows' cells straight into them (see
     * PriceCsvSink); false reads every row through the record object and validation, the oracle the
     * fast path is tested against. Default true.
     */
    priceCsvFast?: boolean;
  } = {},
) {
  type Rows = Columns extends true ? BatchRows : Lined<AnyFeedRow>[];
  const schemas = feedRowSchemas(timeZone);
  const fastPrices = fastPriceRow(timeZone);
  /** Validate one row: price and product rows take a fast path first and the full schema only to explain a failure. */
  const validate = (feed: FeedName, row: unknown): z.ZodSafeParseResult<AnyFeedRow> => {
    if (feed === "prices") {
      const fast = fastPrices(row);
      if (fast !== null) return { success: true, data: fast };
    } else if (feed === "products") {
      const fast = fastProductRow(row);
      if (fast !== null) return { success: true, data: fast };
    }
    return (schemas[feed] as z.ZodType<AnyFeedRow>).safeParse(row);
  };
  const checkPrice: PriceRowCheck = (row) => {
    const r = validate("prices", row);
    return r.success
      ? { success: true, data: r.data as PriceRow }
      : { success: false, problems: issueProblems(r.error, "(row)") };
  };

  /** Stream-parse and validate a body: its rows, or FeedRejected / FeedTooLarge. */
  async function readRows(
    feed: FeedName,
    format: FeedFormat,
    body: FeedBatch["body"],
    onProgress?: (rowsRead: number) => void,
  ): Promise<{ rows: Rows; rowsRead: number }> {
    const rows: Lined<AnyFeedRow>[] = [];
    const columns = feed === "prices" && options.priceColumns ? new PriceColumns() : null;
    const sink =
      columns !== null && format === "csv" && options.priceCsvFast !== false
        ? new PriceCsvSink(columns, timeZone, checkPrice, MAX_REPORTED_ERRORS)
        : null;
    const errors: FeedRowError[] = [];
    let rowsRead = 0;
    let sliceStart = performance.now();
    try {
      const parseOptions = { ...(maxBytes ? { maxBytes } : {}), ...(sink ? { csvSink: sink } : {}) };
      outer: for await (const chunk of parseFeed(body, format, parseOptions)) {
        // With the sink, the piece's records were read and validated into it while it was parsed.
        const records = chunk.length + (sink?.records ?? 0);
        if (records === 0) continue;
        if (maxRows !== undefined && rowsRead + records > maxRows)
          throw new FeedTooLarge(
            `the batch has more than ${maxRows} rows, the limit of one batch (SHELFSYNC_FEED_MAX_ROWS); send it as several batches`,
          );
        if (sink !== null) {
          rowsRead += sink.read;
          for (const problem of sink.problems) errors.push(problem);
          const full = sink.full;
          sink.take(errors.length);
          if (full) break;
        }
        for (const record of chunk) {
          rowsRead++;
          const { line, row } = record;
          const r = validate(feed, row);
          if (r.success && columns !== null) {
            columns.push(line, r.data as PriceRow);
            continue;
          }
          if (r.success) {
            // The record becomes the validated row (same shape, `line` and `row`): one object per row
            // held until the apply instead of two made (100,000 rows wait for it in memory).
            const lined = record as unknown as Lined<AnyFeedRow>;
            lined.row = r.data;
            rows.push(lined);
            continue;
          }
          for (const problem of issueProblems(r.error, "(row)")) {
            errors.push({ line, ...problem });
            if (errors.length >= MAX_REPORTED_ERRORS) break outer;
          }
        }
        onProgress?.(rowsRead);
        // A body that arrives faster than it is parsed would have its chunks read back to back
        // (each read resolves at once from the buffer), so nothing else (a health check, a label's
        // state) would run until it ends: after a slice of work, let the event loop turn.
        if (performance.now() - sliceStart > PARSE_SLICE_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          sliceStart = performance.now();
        }
      }
    } catch (e) {
      if (!(e instanceof FeedSyntaxError)) throw e;
      if (e.code === "too_large") throw new FeedTooLarge(e.reason);
      errors.push({ line: e.line, field: e.field ?? `(${e.code})`, reason: e.reason });
    }
    if (errors.length > 0) throw new FeedRejected(errors, rowsRead);
    return { rows: (columns ?? rows) as Rows, rowsRead };
  }

  return readRows;
}

/**
 * The ingestion path shared by HTTP and the CLI: stream-parse the body, validate every row, then hand
 * the batch to the change layer (applied in one transaction or not at all, audited, labels refreshed).
 */
export function feedIngestor(deps: {
  catalog: CatalogStore;
  changes: Pick<Changes, "applyFeedBatchInTurns">;
  timeZone: string;
  now?: () => number;
  /**
   * The store's fault watch: the apply waits while another process holds the database's write lock
   * (the batch's rows are in memory and its transaction either committed or not, so running it again
   * is safe); the bookkeeping after a committed batch is best effort.
   */
  watch?: Pick<DbWatch, "writeWaiting" | "tryWrite">;
  /** SHELFSYNC_FEED_MAX_SEQUENCE_JUMP: how far above the last a batch's sequence may be. */
  maxSequenceJump?: number;
  /** SHELFSYNC_FEED_MAX_MB in bytes: a body is refused (413) while streaming once it passes it. */
  maxBytes?: number;
  /** SHELFSYNC_FEED_MAX_ROWS: a batch with more rows is refused (413) while streaming. */
  maxRows?: number;
  /**
   * The feed queue (feeds/admission.ts): each batch is read and applied in a turn of it, whoever
   * sends it, so the batches in memory at once are bounded however they come in.
   */
  admission?: FeedAdmission;
}) {
  const { write, note } = faultPolicy(deps.watch);
  /**
   * Applies of one feed run one at a time, in the order their bodies finished: a batch waiting for
   * the database (locked by another process) keeps the later ones of its feed behind it, so that
   * sequence 5 is not applied before 4 and 4 then answered `applied: false`.
   */
  const queues = new Map<FeedName, Promise<unknown>>();
  const inTurn = <T>(feed: FeedName, fn: () => Promise<T>): Promise<T> => {
    const prev = queues.get(feed) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    queues.set(feed, tail);
    void tail.then(() => {
      if (queues.get(feed) === tail) queues.delete(feed);
    });
    return run;
  };
  const readRows = feedRowReader(deps.timeZone, deps.maxBytes, deps.maxRows, { priceColumns: true });

  const admission = deps.admission;
  return function ingest(batch: FeedBatch): Promise<FeedReply> {
    if (!admission) return ingestNow(batch);
    return admission.turn(() => ingestNow(batch), { refuseWhenFull: batch.refuseWhenFull === true });
  };

  async function ingestNow(batch: FeedBatch): Promise<FeedReply> {
    const started = performance.now();
    const { feed, sequence } = batch;
    const reply = (
      applied: boolean,
      rowsRead: number,
      rowsChanged: number,
      labelsAffected: number,
      reason?: string,
      held = 0,
    ): FeedReply => ({
      feed,
      sequence,
      applied,
      ...(reason ? { reason } : {}),
      rowsRead,
      rowsChanged,
      held,
      labelsAffected,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
    });
    const last = deps.catalog.lastSequence(feed);
    if (last !== null && sequence <= last) {
      return reply(
        false,
        0,
        0,
        0,
        `sequence ${sequence} is not above the last applied ${feed} sequence ${last}`,
      );
    }
    checkSequenceJump(feed, sequence, last, deps.maxSequenceJump ?? DEFAULT_MAX_SEQUENCE_JUMP);

    const { rows, rowsRead } = await readRows(feed, batch.format, batch.body, batch.onProgress);

    const now = batch.now ?? (deps.now ?? Date.now)();
    let change: Applied<AppliedBatch>;
    const roomy = rowsRead >= ROOMY_BATCH_ROWS ? youngGenerationRoomy() : undefined;
    try {
      // The batch's labels are refreshed in turns of the event loop (a full reprice's first labels
      // acknowledge while the last are resolved); the next batch of the feed waits for the refresh,
      // and the reply carries how many labels it gave new content.
      change = await inTurn(feed, async () => {
        const committing = await write(`${feed} feed batch`, () =>
          deps.changes.applyFeedBatchInTurns(
            { feed, sequence, format: batch.format, rows },
            batch.actor ?? feedActor(feed, sequence),
            now,
          ),
        );
        return committing.applied;
      });
    } catch (e) {
      if (e instanceof BatchRejected) throw new FeedRejected(e.details, rowsRead);
      throw e;
    } finally {
      roomy?.();
    }
    const applied = change.value;
    if (!applied.applied) {
      // Another batch of the same feed took this sequence while this one's body was being read.
      return reply(false, rowsRead, 0, 0, `sequence ${sequence} was applied meanwhile by another batch`);
    }
    const out = reply(true, rowsRead, applied.rowsChanged, change.labelsAffected, undefined, applied.held);
    if (change.notes.length > 0) out.notes = change.notes;
    note("feed batch outcome", () =>
      deps.catalog.recordBatchOutcome(feed, sequence, change.labelsAffected, out.durationMs),
    );
    return out;
  }
}
export type FeedIngestor = ReturnType<typeof feedIngestor>;
