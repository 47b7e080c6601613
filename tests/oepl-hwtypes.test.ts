import { afterEach, describe, expect, it } from "vitest";
import { OeplApClient } from "../firmware-bridge/oepl/ap-client.ts";
import {
  colorModeOf,
  HwTypeRegistry,
  hwTypeHex,
  OEPL_HW_TYPES,
  parseTagTypeJson,
} from "../firmware-bridge/oepl/hwtypes.ts";
import { FakeOeplAp } from "./fakes/oepl-ap.ts";

let fake: FakeOeplAp | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe("OEPL hardware types", () => {
  it("lists the types read in the AP's tagtypes files, sizes as the AP lists them", () => {
    expect(OEPL_HW_TYPES.size).toBe(17);
    expect(OEPL_HW_TYPES.get(0x01)).toMatchObject({
      name: 'M2 2.9"',
      width: 296,
      height: 128,
      rotatebuffer: 1,
      bpp: 2,
      colors: "bwr",
    });
    expect(OEPL_HW_TYPES.get(0x26)).toMatchObject({ width: 640, height: 384, bpp: 1, colors: "bw" });
    expect(OEPL_HW_TYPES.get(0x2b)).toMatchObject({
      width: 384,
      height: 168,
      rotatebuffer: 3,
      colors: "bwry",
    });
    expect(OEPL_HW_TYPES.get(0x3c)).toMatchObject({ width: 400, height: 300, colors: "bwy" });
    expect(OEPL_HW_TYPES.get(0x36)).toMatchObject({ width: 800, height: 480, colors: "bwr" });
    expect(OEPL_HW_TYPES.get(0x40)).toMatchObject({ width: 384, height: 168, bpp: 1, colors: "bw" });
  });

  it("derives the colour mode from the colour table", () => {
    expect(colorModeOf(["white", "black"])).toBe("bw");
    expect(colorModeOf(["white", "black", "red"])).toBe("bwr");
    expect(colorModeOf(["white", "black", "yellow"])).toBe("bwy");
    expect(colorModeOf(["white", "black", "red", "yellow"])).toBe("bwry");
  });

  it("names type files with two upper-case hex digits", () => {
    expect(hwTypeHex(0x2b)).toBe("2B");
    expect(hwTypeHex(5)).toBe("05");
    expect(() => hwTypeHex(256)).toThrow(RangeError);
  });

  it("parses a tagtypes JSON and ignores what it does not need", () => {
    const hw = parseTagTypeJson(0x35, {
      version: 2,
      name: 'M3 6.0"',
      width: 600,
      height: 448,
      rotatebuffer: 0,
      bpp: 2,
      colortable: { white: [255, 255, 255], black: [0, 0, 0], red: [255, 0, 0] },
      shortlut: 0,
      template: { "1": {} },
    });
    expect(hw).toMatchObject({ hwType: 0x35, name: 'M3 6.0"', width: 600, height: 448, colors: "bwr" });
    expect(() => parseTagTypeJson(0x35, { name: "broken", width: 0 })).toThrow();
  });

  it("asks the AP for an unknown type once, and a type the AP lacks again only later", async () => {
    fake = await FakeOeplAp.start();
    const client = new OeplApClient({ baseUrl: fake.url });
    let now = 0;
    const registry = new HwTypeRegistry({ retryAfterMs: 60_000, now: () => now });
    const fetcher = (hwType: number) => client.getTagType(hwType);

    expect(await registry.resolve(0x01, fetcher)).toMatchObject({ width: 296 });
    expect(fake.tagTypeRequests).toEqual([]);

    const [a, b] = await Promise.all([registry.resolve(0x35, fetcher), registry.resolve(0x35, fetcher)]);
    expect(a).toMatchObject({ width: 600, height: 448, colors: "bwr" });
    expect(b).toBe(a);
    expect(await registry.resolve(0x35, fetcher)).toBe(a);
    expect(fake.tagTypeRequests).toEqual(["35"]);

    expect(await registry.resolve(0x99, fetcher)).toBeUndefined();
    expect(await registry.resolve(0x99, fetcher)).toBeUndefined();
    expect(fake.tagTypeRequests).toEqual(["35", "99"]);
    now = 60_001;
    expect(await registry.resolve(0x99, fetcher)).toBeUndefined();
    expect(fake.tagTypeRequests).toEqual(["35", "99", "99"]);
  });
});
