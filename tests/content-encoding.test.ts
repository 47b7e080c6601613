import mqttPacket from "mqtt-packet";
import { describe, expect, it } from "vitest";
import { encodeContent } from "../controller/mqtt/content-writer.ts";

/**
 * The content writer lays out a PUBLISH before it knows its payload's UTF-8 length
 * (controller/mqtt/content-writer.ts encodeContent). Its bytes must be mqtt-packet's, the reference
 * encoder, for every payload: ASCII and multi-byte, at the sizes where the remaining length takes
 * one more byte (127/128, 16,383/16,384) and where the cheap bounds disagree (the measured path).
 */
const reference = (topic: string, messageId: number, payload: string | null) =>
  mqttPacket.generate({
    cmd: "publish",
    topic,
    payload: payload === null ? Buffer.alloc(0) : Buffer.from(payload, "utf8"),
    qos: 1,
    retain: true,
    dup: false,
    messageId,
  });

describe("a content's PUBLISH, encoded in one pass", () => {
  const topic = "shelfsync/store-1/label/L000123/content";
  const pieces = ["a", "ü", "€", "日", "😀"];
  const payloads: (string | null)[] = [null, ""];
  for (const length of [
    1, 50, 80, 81, 82, 83, 84, 100, 5_000, 5_450, 5_470, 16_300, 16_337, 16_338, 16_339, 40_000,
  ])
    for (const piece of pieces) payloads.push(piece.repeat(Math.max(1, Math.floor(length / piece.length))));
  // A concatenated string, as labelContentJson builds them.
  payloads.push(`{"v":1,"labelId":"L1",${'"name":"Käse € 1,99"'.slice(0)},"x":"${"y".repeat(600)}"}`);

  it("is byte for byte mqtt-packet's, with the payload where it says", () => {
    for (const [n, payload] of payloads.entries()) {
      const expected = reference(topic, 1 + n, payload);
      const slab = Buffer.alloc(200_000, 0xee);
      const out = { payloadAt: -1 };
      const end = encodeContent(slab, 7, topic, 1 + n, payload, out);
      expect(end, `payload ${n} (${payload?.length} units)`).toBe(7 + expected.length);
      expect(slab.subarray(7, end).equals(expected), `payload ${n}`).toBe(true);
      expect(slab.subarray(out.payloadAt, end).toString("utf8")).toBe(payload ?? "");
      // Nothing written past the packet.
      expect(slab[end]).toBe(0xee);
    }
  });

  it("writes nothing and says so when the packet may not fit", () => {
    const payload = "€".repeat(1_000);
    const exact = reference(topic, 9, payload).length;
    const slab = Buffer.alloc(exact + 10, 0xee);
    // It fits exactly, but its bound (3 bytes a unit) is what is checked.
    expect(encodeContent(slab, 10, topic, 9, payload, { payloadAt: 0 })).toBe(10 + exact);
    const small = Buffer.alloc(exact - 1, 0xee);
    expect(encodeContent(small, 0, topic, 9, payload, { payloadAt: 0 })).toBe(-1);
    expect(small.every((b) => b === 0xee)).toBe(true);
    // ASCII needs a third of its bound: refused where the bound does not fit, though the bytes would.
    const ascii = "a".repeat(3_000);
    const roomy = Buffer.alloc(reference(topic, 9, ascii).length + 100, 0xee);
    expect(encodeContent(roomy, 0, topic, 9, ascii, { payloadAt: 0 })).toBe(-1);
  });
});
