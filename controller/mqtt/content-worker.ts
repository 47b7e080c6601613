import { parentPort, workerData } from "node:worker_threads";
import mqtt from "mqtt";
import { writeToStream } from "mqtt-packet";
import { withTimeout } from "../../lib/timeout.ts";
import { storeTopics } from "../../schemas/topics.ts";
import {
  ContentIdProvider,
  type ContentPacket,
  contentWriter,
  dropUnacknowledged,
} from "./content-writer.ts";
import { readPubacksFirst } from "./puback-reader.ts";

/**
 * The content session's thread (content-worker-session.ts starts it): a second MQTT.js session to
 * an external broker that carries label contents only. The hand encoding (content-writer.ts), the
 * packet ids and every PUBACK are handled here, off the controller's main thread, which resolves,
 * hashes and records the next chunk meanwhile; the acknowledgements go back in batches, one message
 * per socket read.
 */

export interface ContentWorkerData {
  url: string;
  clientId: string;
  storeId: string;
  username?: string | undefined;
  password?: string | undefined;
  ca?: Uint8Array | undefined;
  /** MQTT.js's per-packet debug lines (DEBUG names mqttjs): see controller-link.ts. */
  mqttDebug: boolean;
}

export type ToContentWorker =
  /** Publish these contents retained at QoS 1 (null: clear). `batch` names them in the acknowledgements. */
  | { t: "send"; batch: number; labelIds: string[]; payloads: (string | null)[] }
  /** Close the session: wait up to `stepMs` for the contents in flight, then end (by force past a second `stepMs`). */
  | { t: "close"; stepMs: number };

export type FromContentWorker =
  | { t: "connect" }
  /** The connection is lost (every content in flight or waiting is reported failed just before). */
  | { t: "offline" }
  /** Settled contents as flattened pairs: batch, index within the batch. */
  | { t: "acks"; ok: number[]; failed: number[] }
  | {
      t: "log";
      level: "debug" | "info" | "warn" | "error";
      message: string;
      fields?: Record<string, unknown>;
    }
  | { t: "closed" };

const port = parentPort;
if (!port) throw new Error("content-worker.ts runs in a worker thread (content-worker-session.ts)");
const data = workerData as ContentWorkerData;
const post = (message: FromContentWorker) => port.postMessage(message);
const log = (level: "debug" | "info" | "warn" | "error", message: string, fields?: Record<string, unknown>) =>
  post({ t: "log", level, message, ...(fields ? { fields } : {}) });

// This thread's own copy of mqtt-packet would build its 65,536-Buffer number cache (6.3 MB) at the
// first packet, as the main thread's would (controller/app.ts turns it off there too). The contents
// are encoded by hand; only the CONNECT and PINGREQs go through it.
writeToStream.cacheNumbers = false;

const topics = storeTopics(data.storeId);
const ids = new ContentIdProvider();
const client = mqtt.connect(data.url, {
  clientId: data.clientId,
  clean: true,
  keepalive: 30,
  reconnectPeriod: 2_000,
  connectTimeout: 10_000,
  username: data.username,
  password: data.password,
  ...(data.ca ? { ca: Buffer.from(data.ca) } : {}),
  messageIdProvider: ids,
  manualConnect: true,
  ...(data.mqttDebug ? {} : { log: () => {} }),
});
const writer = contentWriter(client, ids);
// The contents' PUBACKs are taken off the socket before MQTT.js's parser (puback-reader.ts says why);
// the session was created unconnected so that its first stream is built with this in place.
readPubacksFirst(client, (messageId) => writer.acknowledge(messageId));
client.connect();

// Acknowledgements gathered and posted once per turn of this thread's event loop: MQTT.js handles a
// whole socket read's PUBACKs (up to 16,384 in 64 KB) before an immediate runs.
let ok: number[] = [];
let failed: number[] = [];
let flushQueued = false;
const flushAcks = () => {
  flushQueued = false;
  if (ok.length === 0 && failed.length === 0) return;
  post({ t: "acks", ok, failed });
  ok = [];
  failed = [];
};
const settled = (batch: number, index: number) => (error?: Error | null) => {
  if (error) failed.push(batch, index);
  else ok.push(batch, index);
  if (!flushQueued) {
    flushQueued = true;
    setImmediate(flushAcks);
  }
};

let closing = false;
client.on("connect", () => {
  log("info", "content session connected to MQTT broker", { url: data.url });
  post({ t: "connect" });
});
client.on("close", () => {
  // Those waiting for a packet id first: dropping the ones in flight frees ids, which would
  // otherwise send them on the closed socket. Reported before the offline, in one message.
  writer.failWaiting();
  dropUnacknowledged(client);
  flushAcks();
  post({ t: "offline" });
});
client.on("error", (err) => {
  if (!closing) log("warn", "MQTT error (content session)", { error: err.message });
});

port.on("message", (message: ToContentWorker) => {
  if (message.t === "send") send(message.batch, message.labelIds, message.payloads);
  else void close(message.stepMs);
});

function send(batch: number, labelIds: string[], payloads: (string | null)[]): void {
  const packets: ContentPacket[] = [];
  for (let i = 0; i < labelIds.length; i++) {
    const done = settled(batch, i);
    // The connection went between the main thread's check and this message: nothing is queued (the
    // connect republishes every label's current content), as on the main thread.
    if (!client.connected || closing) {
      done(new Error("not connected to the broker"));
      continue;
    }
    let topic: string;
    try {
      topic = topics.label(labelIds[i] as string, "content");
    } catch (e) {
      log("error", "label content not published: not a topic level", {
        labelId: labelIds[i],
        error: String(e),
      });
      done(e as Error);
      continue;
    }
    packets.push({ topic, payload: payloads[i] ?? null, done });
  }
  if (packets.length > 0) writer.send(packets);
}

async function close(stepMs: number): Promise<void> {
  closing = true;
  // MQTT.js's clean end waits for every publish in flight and ignores a forced end called after it,
  // so wait for them here, bounded, and end by force when they do not all come back.
  const inFlight = () => Object.keys(client.outgoing).length > 0;
  if (inFlight())
    await withTimeout(new Promise<void>((resolve) => client.once("outgoingEmpty", () => resolve())), stepMs);
  await withTimeout(client.endAsync(inFlight()), stepMs);
  flushAcks();
  post({ t: "closed" });
}
