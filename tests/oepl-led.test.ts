import { describe, expect, it } from "vitest";
import {
  decodeLedFlash,
  encodeLedFlash,
  LED_OFF,
  ledDurationMs,
  ledFlashForCommand,
  ledPatternHex,
  RGB332,
} from "../firmware-bridge/oepl/led.ts";
import { FLASH_COLORS, FLASH_PATTERNS } from "../schemas/mqtt.ts";

describe("OEPL LED pattern (struct ledFlash, 12 bytes)", () => {
  it("lays the AP's own 'ledflash' command out byte for byte as tags read it", () => {
    // web.cpp builds: mode 1, flashDuration 8, green/red/blue, 3 flashes each, speeds 1/5/10,
    // delays 10, repeats 2. The Silicon Labs tag firmware documents the same bytes.
    const bytes = encodeLedFlash({
      mode: 1,
      flashDuration: 8,
      groups: [
        { color: 0x3c, flashCount: 3, flashSpeed: 1, delay: 10 },
        { color: 0xe4, flashCount: 3, flashSpeed: 5, delay: 10 },
        { color: 0x03, flashCount: 3, flashSpeed: 10, delay: 10 },
      ],
      repeats: 2,
    });
    expect(ledPatternHex(bytes)).toBe("813c130ae4530a03a30a0200");
    expect(decodeLedFlash(bytes).groups[2]).toEqual({
      color: 0x03,
      flashCount: 3,
      flashSpeed: 10,
      delay: 10,
    });
  });

  it("turns our flash command into mode 1 with the colour in all three groups", () => {
    const bytes = ledFlashForCommand({ color: "red", pattern: "blink", seconds: 10 });
    expect(bytes).toHaveLength(12);
    expect(bytes[0]! & 0x0f).toBe(1);
    expect([bytes[1], bytes[4], bytes[7]]).toEqual([0xe0, 0xe0, 0xe0]);
    expect(bytes[11]).toBe(0);
    const fields = decodeLedFlash(bytes);
    expect(fields.groups[0]).toMatchObject({ flashCount: 1, flashSpeed: 5, delay: 5 });
    expect(Math.abs(ledDurationMs(fields) - 10_000)).toBeLessThan(2_000);
  });

  it("encodes every colour in RGB332 and scales repeats with the duration", () => {
    expect(RGB332).toMatchObject({ green: 0x1c, blue: 0x03, yellow: 0xfc, white: 0xff });
    for (const color of FLASH_COLORS) {
      for (const pattern of FLASH_PATTERNS) {
        const short = decodeLedFlash(ledFlashForCommand({ color, pattern, seconds: 5 }));
        const long = decodeLedFlash(ledFlashForCommand({ color, pattern, seconds: 120 }));
        expect(short.groups[0]!.color).toBe(RGB332[color]);
        expect(long.repeats).toBeGreaterThan(short.repeats);
        expect(Math.abs(ledDurationMs(long) - 120_000)).toBeLessThan(6_000);
      }
    }
  });

  it("caps at what a byte holds and rejects out-of-range fields", () => {
    expect(
      decodeLedFlash(ledFlashForCommand({ color: "blue", pattern: "blink", seconds: 300 })).repeats,
    ).toBe(99);
    expect(() =>
      encodeLedFlash({ mode: 1, flashDuration: 16, groups: [LED_GROUP, LED_GROUP, LED_GROUP], repeats: 0 }),
    ).toThrow(RangeError);
    expect(ledPatternHex(LED_OFF)).toBe("0".repeat(24));
  });
});

const LED_GROUP = { color: 0, flashCount: 0, flashSpeed: 0, delay: 0 };
