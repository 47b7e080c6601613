import type { IStream, MqttClient, StreamBuilder } from "mqtt";

/**
 * PUBACKs read off an MQTT.js session's socket before MQTT.js parses it, for a session that
 * publishes thousands of QoS 1 messages at once (the content session, content-session.ts).
 *
 * MQTT.js handles each incoming packet with an object from its parser, a queue it `shift()`s, a
 * `process.nextTick`, its ack handler, its store and a keepalive timer reset: ~5–10 µs a PUBACK,
 * as much as encoding and sending the content took, on the thread that also writes the next ones.
 * Here a PUBACK is four bytes read in place and handed to `onPuback`; every other packet (CONNACK,
 * PINGRESP, or a PUBACK `onPuback` does not claim) goes on to MQTT.js unchanged and in order.
 *
 * Framing follows MQTT 3.1.1 §2.2: a fixed header byte, a remaining length of 1–4 bytes, the rest.
 * A packet split across socket reads waits for its remainder; bytes that are not MQTT (a length
 * longer than 4 bytes) go to MQTT.js whole, from then on, which reports the protocol error as before.
 */
export function readPubacksFirst(client: MqttClient, onPuback: (messageId: number) => boolean): void {
  // MQTT.js builds a new stream at every (re)connect with this (a private field; see connect()).
  const session = client as unknown as { streamBuilder: StreamBuilder };
  const build = session.streamBuilder;
  session.streamBuilder = (c, opts) => {
    const stream = build(c, opts);
    interceptPipe(stream, onPuback);
    return stream;
  };
}

/** MQTT.js connects the stream to its parser with `stream.pipe(writable)`: the bytes go through `filter` first. */
function interceptPipe(stream: IStream, onPuback: (messageId: number) => boolean): void {
  stream.pipe = <T extends NodeJS.WritableStream>(dest: T): T => {
    const filter = pubackFilter(onPuback);
    stream.on("data", (chunk: Buffer) => {
      const rest = filter(chunk);
      // As pipe() does: a parser that is behind holds the socket back.
      if (rest !== null && !dest.write(rest)) {
        stream.pause();
        dest.once("drain", () => stream.resume());
      }
    });
    stream.once("end", () => dest.end());
    return dest;
  };
}

/** Bytes in, PUBACKs taken out: returns what is left for MQTT.js (null: nothing). */
export function pubackFilter(onPuback: (messageId: number) => boolean): (chunk: Buffer) => Buffer | null {
  /** The start of a packet whose remainder has not arrived yet. */
  let partial: Buffer | null = null;
  let passThrough = false;
  return (chunk) => {
    if (passThrough) return chunk;
    const buf = partial ? Buffer.concat([partial, chunk]) : chunk;
    partial = null;
    const kept: Buffer[] = [];
    /** Where the bytes not yet handed on to MQTT.js begin. */
    let from = 0;
    let at = 0;
    while (at < buf.length) {
      let length = 0;
      let i = at + 1;
      let shift = 0;
      let ended = false;
      while (i < buf.length && shift < 28) {
        const b = buf[i++] as number;
        length += (b & 0x7f) * 2 ** shift;
        shift += 7;
        if ((b & 0x80) === 0) {
          ended = true;
          break;
        }
      }
      if (!ended) {
        if (shift >= 28) {
          // Not MQTT: MQTT.js sees all of it and closes the session with its own error.
          passThrough = true;
          kept.push(buf.subarray(from));
          return Buffer.concat(kept);
        }
        break; // the remaining length continues in the next read
      }
      const end = i + length;
      if (end > buf.length) break;
      if (buf[at] === 0x40 && length === 2 && onPuback(buf.readUInt16BE(i))) {
        if (at > from) kept.push(buf.subarray(from, at));
        from = end;
      }
      at = end;
    }
    if (at < buf.length) partial = buf.subarray(at);
    if (at > from) kept.push(buf.subarray(from, at));
    if (kept.length === 0) return null;
    return kept.length === 1 ? (kept[0] as Buffer) : Buffer.concat(kept);
  };
}
