import type { Writable } from "node:stream";

const COALESCED = Symbol("shelfsync.coalescedWrites");

/**
 * Writes made to `stream` within one turn of the event loop go out together, in one `writev`, at
 * the end of that turn (setImmediate) instead of one system call per MQTT packet.
 *
 * mqtt-packet (used by MQTT.js and Aedes alike) writes a packet as several small buffers between a
 * cork and an uncork on the next tick. That joins the pieces of one packet, and of packets written
 * in the same synchronous run, but a client that answers packets one at a time (a bridge applying
 * 50,000 contents and reporting each one's state, the broker forwarding each publish and answering
 * each with a PUBACK) still makes a system call per packet: ~100,000 `writev`s per side in a
 * reprice. Held corked until the turn ends, everything written while a socket read of many packets
 * is handled leaves as one call. The wait is at most the rest of the current turn of the loop.
 * Idempotent; the stream's own cork and uncork keep working (corks are counted).
 */
export function coalesceWrites(stream: Writable): void {
  const marked = stream as Writable & { [COALESCED]?: true };
  if (marked[COALESCED]) return;
  marked[COALESCED] = true;
  const write = stream.write;
  let held = false;
  const release = () => {
    held = false;
    // end() and destroy() flush or drop what is corked themselves; an uncork after them is a no-op.
    if (stream.writableCorked > 0) stream.uncork();
  };
  stream.write = function (this: Writable, ...args: unknown[]) {
    if (!held && !stream.destroyed && !stream.writableEnded) {
      held = true;
      stream.cork();
      setImmediate(release);
    }
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as Writable["write"];
}
