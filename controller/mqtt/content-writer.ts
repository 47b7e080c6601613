import { type MqttClient, UniqueMessageIdProvider } from "mqtt";

/**
 * Packet ids that are not in flight (MQTT.js's UniqueMessageIdProvider), telling the content writer
 * when one is given back. After an outage more than 65,535 publishes wait for their acknowledgement
 * (those made while the broker was down, then the republish of every label), and a provider that
 * only counts up and wraps hands out ids still in use: an acknowledgement then answers the wrong
 * publish, a callback is lost and the batch never ends (tests/controller-link-ids.test.ts). With
 * this one a publish waits for a free id instead.
 */
export class ContentIdProvider extends UniqueMessageIdProvider {
  /** Called after an id is given back (an acknowledgement, or a publish dropped at a lost connection). */
  onFree: (() => void) | null = null;

  override deallocate(messageId: number): void {
    super.deallocate(messageId);
    this.onFree?.();
  }
}

/** One label content to publish retained at QoS 1; `done` is called at its PUBACK or its failure. */
export interface ContentPacket {
  topic: string;
  /** Serialised content; null clears the label's retained content (an empty payload). */
  payload: string | null;
  done: (error?: Error | null) => void;
}

/** A content's entry in MQTT.js's table of packets in flight, marked as the writer's. */
interface ContentEntry {
  volatile: false;
  cmd: "publish";
  cb: (error?: Error | null) => void;
  content: true;
}
const noop = () => {};

/**
 * Bytes of PUBLISH packets gathered before they are handed to the socket: a reprice's 50,000
 * contents go out in a few hundred writes instead of six stream writes each.
 */
const SLAB_BYTES = 64 * 1024;

/**
 * Label contents written to the MQTT.js session's socket as encoded PUBLISH packets, many to a
 * write. MQTT.js's own publish costs ~17 µs a message (an options object, a closure, a deep copy of
 * the packet for its store, six stream writes, a dozen debug calls): on an external broker
 * (Mosquitto) that was as much again as resolving, hashing and recording the contents. Encoded here
 * it is ~1 µs. It runs on the content session's client (content-session.ts).
 *
 * The session stays MQTT.js's: each publish holds a packet id from the session's provider, is
 * entered in the client's `outgoing` table and `outgoingStore` exactly as MQTT.js's publish enters
 * it, so the PUBACK is read, matched and settled by MQTT.js, the id is freed there, and a lost
 * connection finds it where dropUnacknowledged (below) fails it. Only the encoding and
 * the write are ours, and they follow MQTT 3.1.1 §3.3 (PUBLISH, QoS 1, RETAIN).
 *
 * When every id is in flight the rest wait here, in order (a later content of a label never
 * overtakes an earlier one), and go out as acknowledgements free ids; MQTT.js's own publishes on the
 * same client, if any, take a freed id first. A lost connection fails the waiting ones.
 */
export function contentWriter(client: MqttClient, ids: ContentIdProvider) {
  // MQTT 3.1.1 on the wire (docs/architecture.md); a v5 PUBLISH would carry a property list.
  if (client.options.protocolVersion === 5) throw new Error("the content writer encodes MQTT 3.1.1 only");
  /** Packets waiting for a free id, oldest first, from `head` on (no shift: it may hold 50,000). */
  let waiting: ContentPacket[] = [];
  let head = 0;
  let pumpQueued = false;

  let slab = Buffer.allocUnsafe(SLAB_BYTES);
  let used = 0;
  const flush = () => {
    if (used === 0) return;
    // The slab is handed over whole: the socket may hold it until the kernel takes it.
    client.stream.write(slab.subarray(0, used));
    slab = Buffer.allocUnsafe(SLAB_BYTES);
    used = 0;
  };

  const encoded = { payloadAt: 0 };
  /** Encode and enter one packet; false (nothing done) when no packet id is free. */
  const write = (p: ContentPacket): boolean => {
    const messageId = ids.allocate();
    if (messageId === null) return false;
    let at = encodeContent(slab, used, p.topic, messageId, p.payload, encoded);
    if (at < 0) {
      flush();
      const size = contentPacketBound(p.topic, p.payload);
      if (size > SLAB_BYTES) slab = Buffer.allocUnsafe(size);
      at = encodeContent(slab, 0, p.topic, messageId, p.payload, encoded);
    }
    const payloadAt = encoded.payloadAt;
    used = at;
    // As MQTT.js's publish enters a QoS 1 packet (client.publish → _storeAndSend): its PUBACK
    // handler looks both up, and would report a publish missing from the store as failed.
    const entry: ContentEntry = { volatile: false, cmd: "publish", cb: p.done, content: true };
    client.outgoing[messageId] = entry;
    client.outgoingStore.put(
      {
        cmd: "publish",
        topic: p.topic,
        // The encoded bytes, not the string: a view of the slab lives outside the JS heap, so a
        // reprice's contents in flight (until their PUBACKs) are not copied by every scavenge.
        payload: slab.subarray(payloadAt, at),
        qos: 1,
        retain: true,
        dup: false,
        messageId,
      },
      () => {},
    );
    if (slab.length > SLAB_BYTES) flush();
    return true;
  };

  const pump = () => {
    pumpQueued = false;
    if (!client.connected) return;
    while (head < waiting.length && write(waiting[head] as ContentPacket)) head++;
    if (head === waiting.length) {
      waiting = [];
      head = 0;
    }
    flush();
    flushCorked(client.stream);
  };
  // After the acknowledgements of one read are handled (a microtask runs once MQTT.js's packet loop
  // is done), so the waiting packets freed by them go out in one write, and MQTT.js's own waiting
  // publishes, which it serves synchronously at each freed id, go first.
  ids.onFree = () => {
    if (!pumpQueued && head < waiting.length) {
      pumpQueued = true;
      queueMicrotask(pump);
    }
  };

  return {
    /** Publish these now (their order kept), or after those still waiting for a packet id. */
    send(packets: readonly ContentPacket[]): void {
      let i = 0;
      if (head === waiting.length) while (i < packets.length && write(packets[i] as ContentPacket)) i++;
      for (; i < packets.length; i++) waiting.push(packets[i] as ContentPacket);
      flush();
      flushCorked(client.stream);
    },
    /**
     * A PUBACK read off the socket (puback-reader.ts): settles the content it answers as MQTT.js's
     * ack handler would (entry and store entry removed, the callback, the id freed). False when the
     * id is not a content this writer sent: MQTT.js then handles the packet itself.
     */
    acknowledge(messageId: number): boolean {
      const entry = client.outgoing[messageId] as ContentEntry | undefined;
      if (entry?.content !== true) return false;
      delete client.outgoing[messageId];
      client.outgoingStore.del({ messageId }, noop);
      entry.cb(null);
      ids.deallocate(messageId);
      // MQTT.js's clean end waits for this event (and emits it only while disconnecting).
      if (client.disconnecting && Object.keys(client.outgoing).length === 0) client.emit("outgoingEmpty");
      return true;
    },
    /** The connection is lost: fail every packet still waiting for an id (call before its in-flight ones are dropped). */
    failWaiting(): void {
      const failed = waiting.slice(head);
      waiting = [];
      head = 0;
      const error = new Error("connection lost before the content was sent");
      for (const p of failed) p.done(error);
    },
  };
}

/**
 * A lost connection fails every publish still waiting for its acknowledgement. MQTT.js would keep
 * them and, at the next connect, send them again one at a time, each waiting for its PUBACK, before
 * it even reports the connection (and before any new publish): after an outage with thousands in
 * flight that is minutes of stale contents ahead of the republish of every label's current one that
 * the connect triggers anyway. The callers learn of the failure (publishContents lists the labels).
 * Removing one frees its packet id, which MQTT.js hands at once to a publish that was waiting for a
 * free one, so this goes on until none is left.
 */
export function dropUnacknowledged(client: MqttClient): void {
  for (let ids = Object.keys(client.outgoing); ids.length > 0; ids = Object.keys(client.outgoing))
    for (const id of ids) client.removeOutgoingMessage(Number(id));
}

/**
 * Encode a retained QoS 1 PUBLISH (MQTT 3.1.1 §3.3) into `slab` from `at`; returns where it ends, or
 * -1 (nothing written) when it may not fit there. `out.payloadAt` is where its payload begins.
 *
 * The payload string is encoded in one pass, without measuring it first: a content's JSON is
 * concatenated (schemas/mqtt.ts labelContentJson), so `Buffer.byteLength` would flatten and scan it
 * and the write would scan it again (~a third of the encoding's time in a profile of 120,000
 * contents). UTF-8 takes between 1 and 3 bytes per UTF-16 unit, so when both bounds need the same
 * number of remaining-length bytes (every content under ~5,000 characters) the header is laid out
 * before the payload is written and its length filled in after; otherwise it is measured first.
 */
export function encodeContent(
  slab: Buffer,
  at: number,
  topic: string,
  messageId: number,
  payload: string | null,
  out: { payloadAt: number },
): number {
  const topicBytes = Buffer.byteLength(topic);
  const units = payload === null ? 0 : payload.length;
  let lengthBytes = varintBytes(4 + topicBytes + units);
  let most = 1 + lengthBytes + 4 + topicBytes + 3 * units;
  if (payload !== null && varintBytes(4 + topicBytes + 3 * units) !== lengthBytes) {
    const exact = 4 + topicBytes + Buffer.byteLength(payload);
    lengthBytes = varintBytes(exact);
    most = 1 + lengthBytes + exact;
  }
  if (most > slab.length - at) return -1;
  let i = at;
  slab[i++] = 0x33; // PUBLISH, DUP 0, QoS 1, RETAIN 1
  const lengthAt = i;
  i += lengthBytes;
  i = slab.writeUInt16BE(topicBytes, i);
  i += slab.write(topic, i, topicBytes, "utf8");
  i = slab.writeUInt16BE(messageId, i);
  out.payloadAt = i;
  if (payload !== null) i += slab.write(payload, i, "utf8");
  // The remaining length in exactly the bytes set aside (the bounds above guarantee it fits them).
  let n = i - lengthAt - lengthBytes;
  for (let k = 0; k < lengthBytes; k++) {
    const low = n & 0x7f;
    n >>>= 7;
    slab[lengthAt + k] = k < lengthBytes - 1 ? low | 0x80 : low;
  }
  return i;
}

/** The most bytes a content's packet can take (its payload at 3 bytes per UTF-16 unit). */
function contentPacketBound(topic: string, payload: string | null): number {
  const remaining = 4 + Buffer.byteLength(topic) + 3 * (payload?.length ?? 0);
  return 1 + varintBytes(remaining) + remaining;
}

function varintBytes(n: number): number {
  return n < 128 ? 1 : n < 16_384 ? 2 : n < 2_097_152 ? 3 : 4;
}

/**
 * Send what MQTT.js has corked now. It corks the socket for every packet it writes and uncorks on
 * the next tick, so batches sent in one synchronous run would reach the broker only after the
 * last. Flushed per batch (a refresh publishes each chunk as one), an external broker (Mosquitto,
 * its own process) stores and acknowledges one chunk as soon as it is written. The pending
 * next-tick uncorks then find nothing corked and do nothing.
 */
function flushCorked(stream: { writableCorked?: number; uncork?: () => void } | undefined): void {
  if (!stream?.uncork) return;
  while ((stream.writableCorked ?? 0) > 0) stream.uncork();
}
