import { parentPort } from "node:worker_threads";
import { FeedSyntaxError } from "../parse/errors.ts";
import { readMerchantItems } from "./body.ts";
import { type CheckedChunk, type CheckOptions, itemChecker } from "./check.ts";
import type { ReadOptions } from "./check-pool.ts";

/**
 * Worker side of the checking pool (check-pool.ts): reads a batch's body from the bytes the event
 * loop hands over, checks its items and sends each chunk back ready to stage. One batch at a time;
 * messages of a batch the event loop has stopped are ignored.
 */

export type ToWorker =
  | { type: "start"; batch: number; options: CheckOptions; read: ReadOptions }
  | { type: "bytes"; batch: number; bytes: Uint8Array }
  | { type: "end"; batch: number }
  | { type: "stop"; batch: number };

export type FromWorker =
  | { type: "format"; batch: number; format: "xml" | "tsv" }
  /** A chunk of bytes was read through: the event loop may send another. */
  | { type: "consumed"; batch: number }
  | { type: "chunk"; batch: number; chunk: CheckedChunk }
  | { type: "done"; batch: number }
  | {
      type: "error";
      batch: number;
      message: string;
      /** A FeedSyntaxError's fields: the event loop throws the same error. */
      syntax?: { reason: string; line: number; code: FeedSyntaxError["code"]; field: string | undefined };
    };

/** The bytes of the batch being read, as the async iterable readMerchantItems takes. */
class Bytes implements AsyncIterable<Uint8Array> {
  private queue: Uint8Array[] = [];
  private ended = false;
  private wake: (() => void) | null = null;

  constructor(private readonly consumed: () => void) {}

  push(bytes: Uint8Array): void {
    this.queue.push(bytes);
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (;;) {
      const next = this.queue.shift();
      if (next !== undefined) {
        yield next;
        // Asked for more: everything read from this chunk has been checked and sent.
        this.consumed();
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = null;
    }
  }
}

let current: { batch: number; bytes: Bytes; stopped: boolean } | null = null;
const post = (m: FromWorker) => parentPort?.postMessage(m);

async function run(batch: number, options: CheckOptions, read: ReadOptions): Promise<void> {
  const bytes = new Bytes(() => post({ type: "consumed", batch }));
  const state = { batch, bytes, stopped: false };
  current = state;
  const check = itemChecker(options);
  try {
    for await (const items of readMerchantItems(bytes, {
      ...read,
      onFormat: (format) => post({ type: "format", batch, format }),
    })) {
      if (state.stopped) return;
      post({ type: "chunk", batch, chunk: check(items) });
    }
    if (!state.stopped) post({ type: "done", batch });
  } catch (e) {
    if (state.stopped) return;
    const syntax =
      e instanceof FeedSyntaxError
        ? { reason: e.reason, line: e.line, code: e.code, field: e.field }
        : undefined;
    post({ type: "error", batch, message: String((e as Error)?.stack ?? e), ...(syntax ? { syntax } : {}) });
  } finally {
    if (current === state) current = null;
  }
}

parentPort?.on("message", (m: ToWorker) => {
  if (m.type === "start") {
    void run(m.batch, m.options, m.read);
    return;
  }
  if (current === null || current.batch !== m.batch) return;
  if (m.type === "bytes") current.bytes.push(m.bytes);
  else if (m.type === "end") current.bytes.end();
  else {
    current.stopped = true;
    current.bytes.end();
  }
});
