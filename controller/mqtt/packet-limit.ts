import type { Client } from "aedes";

/**
 * A ceiling on the size of each MQTT packet a client may send the embedded broker, checked from the
 * packet's header before its body is buffered. MQTT allows packets of up to 256 MB and neither
 * Aedes nor its parser (mqtt-packet) has a maximum: without this, any client on the store network
 * could make the broker hold hundreds of megabytes per connection before a single check ran (the
 * controller's own payload limit acts only once the message has been routed to it).
 *
 * Aedes offers no hook here, so this wraps the per-connection parser's length step (mqtt-packet's
 * `_parseLength`, which reads the "remaining length" of the fixed header): a pinned dependency's
 * internal, checked by tests/mqtt-packet-limit.test.ts so an upgrade that moves it fails loudly.
 */
export function limitPacketSize(
  client: Client,
  maxBytes: () => number,
  onRefused: (declaredBytes: number, maxBytes: number) => void,
): void {
  const parser = (client as unknown as { _parser?: Record<string, unknown> })._parser;
  const parseLength = parser?._parseLength;
  if (!parser || typeof parseLength !== "function") {
    throw new Error(
      "the MQTT parser has no _parseLength step to limit packet sizes (aedes/mqtt-packet changed)",
    );
  }
  parser._parseLength = function limitedParseLength(this: { packet: { length: number } }) {
    const parsed = parseLength.call(this) as boolean;
    if (!parsed) return parsed;
    const max = maxBytes();
    if (this.packet.length <= max) return parsed;
    onRefused(this.packet.length, max);
    // Stop parsing (the body is never read) and drop the connection.
    client.conn.destroy();
    return false;
  };
}
