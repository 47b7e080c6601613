import jpeg from "jpeg-js";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { OEPL_NEVER, OeplApClient } from "../firmware-bridge/oepl/ap-client.ts";
import { encodePanelJpeg, OeplImageError } from "../firmware-bridge/oepl/jpeg.ts";
import { checkTjpgdJpeg, FakeOeplAp } from "./fakes/oepl-ap.ts";
import { waitFor } from "./support/harness.ts";

/** Markers and segment lengths, walked by hand: independent of the fake AP's checker. */
function markers(buf: Uint8Array): Array<{ marker: string; length: number; data: Uint8Array }> {
  const out: Array<{ marker: string; length: number; data: Uint8Array }> = [];
  expect([buf[0], buf[1]]).toEqual([0xff, 0xd8]);
  let at = 2;
  for (;;) {
    expect(buf[at]).toBe(0xff);
    const marker = buf[at + 1]!.toString(16).toUpperCase();
    const length = (buf[at + 2]! << 8) | buf[at + 3]!;
    out.push({ marker, length, data: buf.subarray(at + 4, at + 2 + length) });
    at += 2 + length;
    if (marker === "DA") break;
  }
  expect([buf[buf.length - 2], buf[buf.length - 1]]).toEqual([0xff, 0xd9]);
  return out;
}

const PALETTE = [
  [255, 255, 255],
  [0, 0, 0],
  [255, 0, 0],
  [255, 255, 0],
];

/** One-pixel strokes in every panel colour: the hardest case for chroma. */
function testCard(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const k = (x % 7 === 0 ? 1 : 0) || (y % 5 === 0 ? 2 : 0) || ((x + y) % 11 === 0 ? 3 : 0);
      data.set([...PALETTE[k]!, 255], (y * width + x) * 4);
    }
  }
  return data;
}

function nearest(r: number, g: number, b: number): number {
  let best = 0;
  let bestD = Number.POSITIVE_INFINITY;
  PALETTE.forEach(([pr, pg, pb], k) => {
    const d = (r - pr!) ** 2 + (g - pg!) ** 2 + (b - pb!) ** 2;
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  });
  return best;
}

let fake: FakeOeplAp | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe("JPEG for the AP's TJpgDec", () => {
  const width = 296;
  const height = 128;
  let out: Buffer;
  beforeAll(async () => {
    out = await encodePanelJpeg({ data: testCard(width, height), width, height }, { width, height });
  });

  it("is baseline SOF0, 3 components at 1x1, 8-bit tables 0/1, small segments", () => {
    const segs = markers(out);
    // Quantisation and Huffman tables (one or several a segment), one baseline frame, one scan.
    expect(new Set(segs.map((s) => s.marker))).toEqual(new Set(["DB", "C0", "C4", "DA"]));
    expect(segs.filter((s) => s.marker === "C0")).toHaveLength(1);
    for (const s of segs) expect(s.length - 2).toBeLessThanOrEqual(512);
    const sof = segs.find((s) => s.marker === "C0")!.data;
    expect(sof[0]).toBe(8);
    expect((sof[1]! << 8) | sof[2]!).toBe(height);
    expect((sof[3]! << 8) | sof[4]!).toBe(width);
    expect(sof[5]).toBe(3);
    expect([sof[7], sof[10], sof[13]]).toEqual([0x11, 0x11, 0x11]);
    // Pq 0 (8-bit) and Tq 0/1 for every quantisation table.
    const quantisers: number[] = [];
    for (const dqt of segs.filter((s) => s.marker === "DB").map((s) => s.data)) {
      for (let p = 0; p < dqt.length; p += 65) quantisers.push(dqt[p]!);
    }
    expect(quantisers.sort()).toEqual([0, 1]);
    const classes: number[] = [];
    for (const dht of segs.filter((s) => s.marker === "C4").map((s) => s.data)) {
      for (let p = 0; p < dht.length; ) {
        classes.push(dht[p]!);
        let n = 0;
        for (let i = 1; i <= 16; i++) n += dht[p + i]!;
        p += 17 + n;
      }
    }
    expect(classes.sort()).toEqual([0x00, 0x01, 0x10, 0x11]);
    expect(checkTjpgdJpeg(out)).toMatchObject({ ok: true, problems: [], width, height });
  });

  it("keeps one-pixel strokes in their panel colour after decoding", () => {
    const card = testCard(width, height);
    const decoded = jpeg.decode(out, { useTArray: true, formatAsRGBA: true });
    let wrong = 0;
    for (let i = 0; i < width * height; i++) {
      const want = nearest(card[i * 4]!, card[i * 4 + 1]!, card[i * 4 + 2]!);
      if (nearest(decoded.data[i * 4]!, decoded.data[i * 4 + 1]!, decoded.data[i * 4 + 2]!) !== want) wrong++;
    }
    expect(wrong).toBe(0);
  });

  it("composites transparency on white and insists on the panel's exact size", async () => {
    const clear = new Uint8Array(8 * 8 * 4);
    const decoded = jpeg.decode(
      await encodePanelJpeg({ data: clear, width: 8, height: 8 }, { width: 8, height: 8 }),
    );
    expect(Math.min(...decoded.data)).toBeGreaterThan(250);
    await expect(
      encodePanelJpeg({ data: clear, width: 8, height: 8 }, { width: 8, height: 16 }),
    ).rejects.toThrow(OeplImageError);
  });

  it("the checker refuses what TJpgDec refuses", () => {
    const patch = (at: number, value: number) => {
      const copy = Buffer.from(out);
      copy[at] = value;
      return copy;
    };
    const sofAt = out.indexOf(Buffer.from([0xff, 0xc0]));
    expect(checkTjpgdJpeg(patch(sofAt + 1, 0xc2)).problems.join()).toMatch(/only baseline SOF0/);
    expect(checkTjpgdJpeg(patch(sofAt + 2 + 2 + 7, 0x22)).ok).toBe(true); // luma 2x2 is fine
    expect(checkTjpgdJpeg(patch(sofAt + 2 + 2 + 10, 0x22)).problems.join()).toMatch(/chroma sampling/);
    expect(checkTjpgdJpeg(out.subarray(0, out.length - 200)).problems.join()).toMatch(/cut/);
  });

  it("a progressive JPEG reaches the fake AP with a 200, but is refused and nothing is queued", async () => {
    fake = await FakeOeplAp.start({ runnerIntervalMs: 20 });
    fake.addTag({ mac: "0000021EDB3F7A9C", hwType: 0x01 });
    const client = new OeplApClient({ baseUrl: fake.url });
    const progressive = Buffer.from(out);
    progressive[out.indexOf(Buffer.from([0xff, 0xc0])) + 1] = 0xc2;
    const answer = await client.uploadImage("0000021EDB3F7A9C", progressive);
    expect(answer).toEqual({ status: 200, body: "" });
    await waitFor(() => fake!.events.length > 0);
    expect(fake.events.map((e) => e.kind)).toEqual(["invalid-jpg"]);
    expect(fake.violations.map((v) => v.kind)).toEqual(["jpeg"]);
    expect(fake.record("0000021EDB3F7A9C")).toMatchObject({
      pending: 0,
      nextupdate: OEPL_NEVER,
      updatecount: 0,
    });
  });

  it("the fake AP records a JPEG of the wrong size (the real one would misplace it silently)", async () => {
    fake = await FakeOeplAp.start({ runnerIntervalMs: 20 });
    fake.addTag({ mac: "0000021EDB3F7A9C", hwType: 0x01 });
    const client = new OeplApClient({ baseUrl: fake.url });
    const portrait = await encodePanelJpeg(
      { data: testCard(128, 296), width: 128, height: 296 },
      { width: 128, height: 296 },
    );
    await client.uploadImage("0000021EDB3F7A9C", portrait);
    await waitFor(() => fake!.events.length > 0);
    expect(fake.violations.map((v) => v.kind)).toEqual(["size"]);
  });
});
