import type { Worker } from "node:worker_threads";
import { builtEntry, RUNNING_BUILT } from "../../../lib/paths.ts";
import { startWorker } from "../../../lib/young-generation.ts";
import { FeedSyntaxError } from "../parse/errors.ts";
import { type ByteSource, chunksOf } from "../parse/source.ts";
import { type MerchantFormat, readMerchantItems } from "./body.ts";
import { type CheckedChunk, type CheckOptions, itemChecker } from "./check.ts";
import type { FromWorker, ToWorker } from "./check-worker.ts";

/** How the body is read (readMerchantItems' options, as plain data a worker can be told). */
export interface ReadOptions {
  format?: MerchantFormat | undefined;
  gzip?: boolean | undefined;
  maxBytes?: number | undefined;
  tsvOnly?: boolean | undefined;
}

/**
 * TSV product feed bodies larger than this are read and checked in a worker thread while the event
 * loop stages what it has checked: reading and checking are most of a large import's time before its
 * apply (200,000 items: the event loop's CPU went from 6.0 to 4.7-4.9 s, the worker took 1.2 s), and
 * the two halves then run side by side on two cores. Smaller bodies are read on the event loop: a
 * round trip to the worker costs more than it saves there, and most feeds of a test or a small shop
 * are small.
 *
 * XML stays on the event loop: its import is well within its bar (issue 14), and the worker's own
 * heap (~20 MB idle built, ~60 MB from source with tsx's loader in it, more while reading) would sit
 * on top of the 500,000-item XML import's peak RSS (bar 250 MB; 284-290 MB measured with the worker).
 * A body whose format is only sniffed stays there too.
 */
export const CHECK_IN_WORKER_ABOVE = 4 << 20;

/** Byte chunks handed to the worker and not yet read through (bounds what waits in memory). */
const IN_FLIGHT = 8;

/**
 * The worker is kept between batches (its start costs ~50 ms built, ~1 s from source under tsx,
 * where it must register the TypeScript loader first) and ended after this long without a batch,
 * so that its heap is given back.
 */
const IDLE_MS = 30_000;

/** See render-pool.ts: from source, a plain-JS entry registers tsx's hooks inside the worker. */
const WORKER_ENTRY = RUNNING_BUILT
  ? builtEntry("controller/feeds/merchant/check-worker")
  : new URL("./check-worker-entry.mjs", import.meta.url);

let pooled: { worker: Worker; busy: boolean; idle: NodeJS.Timeout | undefined } | null = null;
let batches = 0;

function acquire(): Worker | null {
  if (pooled === null) {
    const worker = startWorker(WORKER_ENTRY, { execArgv: [] });
    const entry = { worker, busy: false, idle: undefined as NodeJS.Timeout | undefined };
    const gone = () => {
      if (pooled === entry) pooled = null;
    };
    worker.on("error", gone);
    worker.on("exit", gone);
    worker.unref();
    pooled = entry;
  }
  if (pooled.busy) return null;
  pooled.busy = true;
  clearTimeout(pooled.idle);
  pooled.worker.ref();
  return pooled.worker;
}

function release(worker: Worker): void {
  const entry = pooled;
  if (entry === null || entry.worker !== worker) return;
  entry.busy = false;
  worker.unref();
  entry.idle = setTimeout(() => {
    if (pooled === entry && !entry.busy) {
      pooled = null;
      void worker.terminate();
    }
  }, IDLE_MS);
  entry.idle.unref();
}

/** Batches checked in the worker so far (tests: that a batch went there). */
export const batchesCheckedInWorker = (): number => batches;

/** End the checking worker now (a test's teardown, a shutdown); the next large batch starts another. */
export async function closeCheckPool(): Promise<void> {
  const entry = pooled;
  pooled = null;
  if (entry) {
    clearTimeout(entry.idle);
    await entry.worker.terminate();
  }
}

async function* replay(head: Uint8Array[], rest: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    yield* head;
    for (let r = await rest.next(); !r.done; r = await rest.next()) yield r.value;
  } finally {
    await rest.return?.();
  }
}

/**
 * The items of a Merchant Center body, read and checked chunk by chunk (one CheckedChunk per chunk
 * of items readMerchantItems yields), on the event loop or, for a large product feed, in the checking
 * worker: the same chunks either way (tests/merchant-check-worker.test.ts holds the two to each
 * other). Throws what readMerchantItems throws (FeedSyntaxError) and the body's own errors. Stopping
 * early (a rejected batch) stops the reading and the worker.
 */
export async function* checkedChunks(
  body: ByteSource,
  read: ReadOptions & { onFormat?: (format: MerchantFormat) => void },
  options: CheckOptions,
  knownSku: ((sku: string) => boolean) | undefined,
  inWorkerAbove: number = CHECK_IN_WORKER_ABOVE,
): AsyncGenerator<CheckedChunk> {
  const rest = chunksOf(body)[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let ended = false;
  // Local inventory needs the catalogue (unknown ids): it is always checked here.
  if (options.feed === "merchant" && read.format === "tsv" && Number.isFinite(inWorkerAbove)) {
    let bytes = 0;
    while (bytes <= inWorkerAbove) {
      const r = await rest.next();
      if (r.done) {
        ended = true;
        break;
      }
      head.push(r.value);
      bytes += r.value.byteLength;
    }
  } else ended = true;
  const worker = ended ? null : acquire();
  if (worker === null) {
    const check = itemChecker(options, knownSku);
    for await (const items of readMerchantItems(replay(head, rest), read)) yield check(items);
    return;
  }
  yield* inWorker(worker, head, rest, read, options);
}

async function* inWorker(
  worker: Worker,
  head: Uint8Array[],
  rest: AsyncIterator<Uint8Array>,
  read: ReadOptions & { onFormat?: (format: MerchantFormat) => void },
  options: CheckOptions,
): AsyncGenerator<CheckedChunk> {
  const batch = ++batches;
  const inbox: (FromWorker | { type: "body-error"; error: unknown })[] = [];
  // Resolvers of the waits below (fields, not locals: set inside the promises' executors).
  const waiting: { message: (() => void) | null; credit: (() => void) | null } = {
    message: null,
    credit: null,
  };
  const deliver = (m: (typeof inbox)[number]) => {
    if (m.type === "chunk") backlog++;
    inbox.push(m);
    waiting.message?.();
  };
  const onMessage = (m: FromWorker) => {
    if (m.batch === batch) deliver(m);
  };
  const onError = (e: unknown) => deliver({ type: "error", batch, message: String(e) });
  const onExit = (code: number) =>
    deliver({ type: "error", batch, message: `the checking worker exited (code ${code})` });
  worker.on("message", onMessage);
  worker.on("error", onError);
  worker.on("exit", onExit);
  const send = (m: ToWorker, transfer?: ArrayBuffer[]) => worker.postMessage(m, transfer);

  let credit = IN_FLIGHT;
  /** Checked chunks received and not yet staged: the worker may check faster than they are staged. */
  let backlog = 0;
  let stopped = false;
  const sendBytes = async (b: Uint8Array) => {
    while ((credit === 0 || backlog >= IN_FLIGHT) && !stopped)
      await new Promise<void>((r) => {
        waiting.credit = r;
      });
    if (stopped) return;
    credit--;
    // A copy of our own to transfer: the chunk may be a view of a buffer its sender still uses.
    const own = new Uint8Array(b.byteLength);
    own.set(b);
    send({ type: "bytes", batch, bytes: own }, [own.buffer]);
  };
  const plain: ReadOptions = {
    format: read.format,
    gzip: read.gzip,
    maxBytes: read.maxBytes,
    tsvOnly: read.tsvOnly,
  };
  send({ type: "start", batch, options, read: plain });
  const pump = (async () => {
    try {
      for (const b of head) await sendBytes(b);
      while (!stopped) {
        const r = await rest.next();
        if (r.done || stopped) break;
        await sendBytes(r.value);
      }
      if (!stopped) send({ type: "end", batch });
    } catch (error) {
      deliver({ type: "body-error", error });
    }
  })();

  let finished = false;
  try {
    for (;;) {
      while (inbox.length === 0)
        await new Promise<void>((r) => {
          waiting.message = r;
        });
      waiting.message = null;
      const m = inbox.shift() as (typeof inbox)[number];
      if (m.type === "consumed") {
        credit++;
        waiting.credit?.();
      } else if (m.type === "format") read.onFormat?.(m.format);
      else if (m.type === "chunk") {
        yield m.chunk;
        backlog--;
        waiting.credit?.();
      } else if (m.type === "done") {
        finished = true;
        return;
      } else if (m.type === "body-error") throw m.error;
      else {
        const s = m.syntax;
        if (s) throw new FeedSyntaxError(s.reason, s.line, { code: s.code, field: s.field });
        throw new Error(`checking a Merchant Center body in its worker failed: ${m.message}`);
      }
    }
  } finally {
    stopped = true;
    waiting.credit?.();
    if (!finished) send({ type: "stop", batch });
    worker.off("message", onMessage);
    worker.off("error", onError);
    worker.off("exit", onExit);
    release(worker);
    // The body is let go once the pump is out of its read (a stalled sender is not waited for here).
    void pump.then(() => rest.return?.());
  }
}
