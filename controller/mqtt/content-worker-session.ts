import type { Worker } from "node:worker_threads";
import { builtEntry, RUNNING_BUILT } from "../../lib/paths.ts";
import { withTimeout } from "../../lib/timeout.ts";
import { startWorker } from "../../lib/young-generation.ts";
import type { Logger } from "../log.ts";
import type { ContentWorkerData, FromContentWorker, ToContentWorker } from "./content-worker.ts";

/**
 * Built (npm start): the worker's own bundle (scripts/build.mjs). From source (tests, benches, tsx):
 * a plain-JS entry that registers tsx's hooks inside the worker, as the render pool does.
 */
const WORKER_ENTRY = RUNNING_BUILT
  ? builtEntry("controller/mqtt/content-worker")
  : new URL("./content-worker-entry.mjs", import.meta.url);

/** How long after an unexpected end of the worker a new one is started, ms (MQTT.js's reconnect period). */
const RESTART_MS = 2_000;

interface Batch {
  /** 1 while the content at that index is not settled. */
  open: Uint8Array;
  remaining: number;
  settled: (index: number, ok: boolean) => void;
}

/**
 * The main thread's side of the content session (content-worker.ts): a worker thread holding a
 * second MQTT.js session to an external broker for label contents only. Contents are posted to it a
 * batch at a time (label ids and payloads; the worker builds the topics, encodes the packets and
 * takes the PUBACKs) and come back settled in batches of acknowledgements, so the main thread spends
 * nothing per content on the wire beyond copying it into the message.
 *
 * A worker that ends unexpectedly (a fault in it) fails every content it held, reports the session
 * offline and is started again after RESTART_MS; its connect then triggers the republish like any
 * reconnect.
 */
export function contentWorkerSession(options: {
  data: ContentWorkerData;
  log: Logger;
  /** The session is connected (first connect and every reconnect). */
  onConnect: () => void;
  /** The session lost its connection (or its worker). */
  onOffline: () => void;
}) {
  const { log } = options;
  const batches = new Map<number, Batch>();
  let nextBatch = 1;
  let connected = false;
  let closing = false;
  let worker: Worker | null = null;
  let restartTimer: NodeJS.Timeout | null = null;
  let closed: (() => void) | null = null;

  const settle = (batchId: number, index: number, ok: boolean) => {
    const b = batches.get(batchId);
    if (b?.open[index] !== 1) return;
    b.open[index] = 0;
    if (--b.remaining === 0) batches.delete(batchId);
    b.settled(index, ok);
  };
  /** Every content not settled yet, failed (the worker is gone). */
  const failOpen = () => {
    const open = [...batches];
    batches.clear();
    for (const [, b] of open)
      for (let i = 0; i < b.open.length; i++) if (b.open[i] === 1) b.settled(i, false);
  };

  const onMessage = (m: FromContentWorker) => {
    switch (m.t) {
      case "acks":
        for (let i = 0; i < m.ok.length; i += 2) settle(m.ok[i] as number, m.ok[i + 1] as number, true);
        for (let i = 0; i < m.failed.length; i += 2)
          settle(m.failed[i] as number, m.failed[i + 1] as number, false);
        break;
      case "connect":
        connected = true;
        if (!closing) options.onConnect();
        break;
      case "offline":
        if (connected) {
          connected = false;
          if (!closing) options.onOffline();
        }
        break;
      case "log":
        log[m.level](m.message, m.fields);
        break;
      case "closed":
        closed?.();
        break;
    }
  };

  const start = () => {
    restartTimer = null;
    const w = startWorker(WORKER_ENTRY, { workerData: options.data, name: "shelfsync-contents" });
    worker = w;
    w.on("message", onMessage);
    w.on("error", (err) => log.error("content session worker failed", { error: String(err?.stack ?? err) }));
    w.on("exit", (code) => {
      if (worker !== w) return;
      worker = null;
      const wasConnected = connected;
      connected = false;
      failOpen();
      closed?.();
      if (closing) return;
      log.error("content session worker ended; starting another", { code });
      if (wasConnected) options.onOffline();
      restartTimer = setTimeout(start, RESTART_MS);
    });
  };
  start();

  return {
    connected: () => connected,
    /**
     * Publish these contents retained at QoS 1 (null clears one); `settled` is called once per
     * content, at its acknowledgement (true) or its failure (false). Not connected: all fail at once.
     */
    send(
      labelIds: string[],
      payloads: (string | null)[],
      settled: (index: number, ok: boolean) => void,
    ): void {
      const n = labelIds.length;
      if (n === 0) return;
      if (!connected || !worker) {
        for (let i = 0; i < n; i++) settled(i, false);
        return;
      }
      const batch = nextBatch++;
      batches.set(batch, { open: new Uint8Array(n).fill(1), remaining: n, settled });
      worker.postMessage({ t: "send", batch, labelIds, payloads } satisfies ToContentWorker);
    },
    /**
     * End the session: the worker waits up to `stepMs` for the contents in flight and ends its client
     * (by force past another `stepMs`); a worker that does not say it is done by then is terminated.
     * Whatever is still unsettled fails.
     */
    async close(stepMs: number): Promise<void> {
      closing = true;
      if (restartTimer) clearTimeout(restartTimer);
      restartTimer = null;
      const w = worker;
      if (w) {
        const done = new Promise<void>((resolve) => {
          closed = resolve;
        });
        w.postMessage({ t: "close", stepMs } satisfies ToContentWorker);
        await withTimeout(done, 2 * stepMs + 1_000);
        worker = null;
        await w.terminate();
      }
      connected = false;
      failOpen();
    },
  };
}
export type ContentWorkerSession = ReturnType<typeof contentWorkerSession>;
