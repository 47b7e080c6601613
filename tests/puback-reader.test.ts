import { describe, expect, it } from "vitest";
import { pubackFilter } from "../controller/mqtt/puback-reader.ts";

const puback = (id: number) => Buffer.from([0x40, 0x02, id >> 8, id & 0xff]);
const connack = Buffer.from([0x20, 0x02, 0x00, 0x00]);
const pingresp = Buffer.from([0xd0, 0x00]);
/** A PUBLISH with a 201-byte payload: a two-byte remaining length (206). */
const publish = Buffer.concat([
  Buffer.from([0x30, 0xce, 0x01, 0x00, 0x03]),
  Buffer.from("a/b"),
  Buffer.alloc(201, 7),
]);

/** Feeds `bytes` cut at every given offset; returns the ids claimed and the bytes left for MQTT.js. */
function run(bytes: Buffer, cuts: number[], claim = (_id: number) => true) {
  const ids: number[] = [];
  const filter = pubackFilter((id) => {
    const mine = claim(id);
    if (mine) ids.push(id);
    return mine;
  });
  const passed: Buffer[] = [];
  let from = 0;
  for (const to of [...cuts, bytes.length]) {
    const rest = filter(bytes.subarray(from, to));
    if (rest) passed.push(rest);
    from = to;
  }
  return { ids, passed: Buffer.concat(passed) };
}

describe("PUBACKs read off the socket before MQTT.js", () => {
  const stream = Buffer.concat([connack, puback(1), puback(2), pingresp, publish, puback(65_535), puback(3)]);

  it("takes every PUBACK out and hands the other packets on whole and in order, however the reads are cut", () => {
    const expected = Buffer.concat([connack, pingresp, publish]);
    // Every single cut point, and every byte on its own.
    for (let cut = 0; cut <= stream.length; cut++) {
      const { ids, passed } = run(stream, [cut]);
      expect(ids).toEqual([1, 2, 65_535, 3]);
      expect(passed.equals(expected)).toBe(true);
    }
    const bytewise = run(
      stream,
      Array.from({ length: stream.length - 1 }, (_, i) => i + 1),
    );
    expect(bytewise.ids).toEqual([1, 2, 65_535, 3]);
    expect(bytewise.passed.equals(expected)).toBe(true);
  });

  it("leaves a PUBACK it is not given to MQTT.js, in its place", () => {
    const { ids, passed } = run(stream, [7, 30], (id) => id !== 2);
    expect(ids).toEqual([1, 65_535, 3]);
    expect(passed.equals(Buffer.concat([connack, puback(2), pingresp, publish]))).toBe(true);
  });

  it("hands bytes that are not MQTT (a remaining length over four bytes) to MQTT.js, all of them", () => {
    const garbage = Buffer.from([0x40, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00]);
    const { ids, passed } = run(Buffer.concat([puback(9), garbage, puback(10)]), []);
    expect(ids).toEqual([9]);
    expect(passed.equals(Buffer.concat([garbage, puback(10)]))).toBe(true);
  });
});
