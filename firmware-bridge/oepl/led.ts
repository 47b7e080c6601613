import type { FLASH_COLORS, FLASH_PATTERNS } from "../../schemas/mqtt.ts";

/**
 * The 12-byte LED command of OpenEPaperLink (`struct ledFlash` in oepl-proto.h, sent as 24 hex digits
 * to `GET /led_flash?pattern=`). Little-endian bitfields, so the first-declared field of a byte is its
 * low nibble:
 *
 *   byte 0      low nibble mode (0 off, 1 flash), high nibble flashDuration (ms the LED is on per flash)
 *   byte 1/4/7  colour of group 1/2/3, RGB332 (rrrgggbb)
 *   byte 2/5/8  low nibble flashCount, high nibble flashSpeed (gap between flashes, 100 ms units)
 *   byte 3/6/9  delay after the group, 100 ms units
 *   byte 10     repeats: how many more times the three groups run
 *   byte 11     spare (0)
 *
 * Timing units as the tag firmware reads them (Silicon Labs tag firmware `oepl_led.c`; the Home
 * Assistant integration builds patterns with the same units).
 */
export interface LedGroup {
  /** RGB332. */
  color: number;
  /** Flashes in the group, 0–15. */
  flashCount: number;
  /** Gap between flashes, 100 ms units, 0–15. */
  flashSpeed: number;
  /** Pause after the group, 100 ms units, 0–255. */
  delay: number;
}

export interface LedFlashFields {
  /** 0 = off, 1 = flash. */
  mode: number;
  /** LED on-time per flash, ms, 0–15. */
  flashDuration: number;
  groups: readonly [LedGroup, LedGroup, LedGroup];
  /** Extra runs of the three groups, 0–255. */
  repeats: number;
}

export const LED_PATTERN_BYTES = 12;

type FlashColor = (typeof FLASH_COLORS)[number];
type FlashPattern = (typeof FLASH_PATTERNS)[number];

/** Our flash colours in RGB332 (3 bits red, 3 green, 2 blue). */
export const RGB332: Readonly<Record<FlashColor, number>> = {
  red: 0b111_000_00,
  green: 0b000_111_00,
  blue: 0b000_000_11,
  yellow: 0b111_111_00,
  white: 0b111_111_11,
  cyan: 0b000_111_11,
  magenta: 0b111_000_11,
};

function checkRange(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${name} must be an integer 0–${max}, got ${value}`);
  }
  return value;
}

export function encodeLedFlash(fields: LedFlashFields): Uint8Array {
  const bytes = new Uint8Array(LED_PATTERN_BYTES);
  bytes[0] =
    checkRange("mode", fields.mode, 15) | (checkRange("flashDuration", fields.flashDuration, 15) << 4);
  fields.groups.forEach((group, i) => {
    const at = 1 + i * 3;
    bytes[at] = checkRange("color", group.color, 255);
    bytes[at + 1] =
      checkRange("flashCount", group.flashCount, 15) | (checkRange("flashSpeed", group.flashSpeed, 15) << 4);
    bytes[at + 2] = checkRange("delay", group.delay, 255);
  });
  bytes[10] = checkRange("repeats", fields.repeats, 255);
  bytes[11] = 0;
  return bytes;
}

export function decodeLedFlash(bytes: Uint8Array): LedFlashFields {
  if (bytes.length !== LED_PATTERN_BYTES) throw new RangeError(`a LED pattern is ${LED_PATTERN_BYTES} bytes`);
  const group = (i: number): LedGroup => {
    const at = 1 + i * 3;
    return {
      color: bytes[at]!,
      flashCount: bytes[at + 1]! & 0x0f,
      flashSpeed: bytes[at + 1]! >> 4,
      delay: bytes[at + 2]!,
    };
  };
  return {
    mode: bytes[0]! & 0x0f,
    flashDuration: bytes[0]! >> 4,
    groups: [group(0), group(1), group(2)],
    repeats: bytes[10]!,
  };
}

/** 24 hex digits, as `/led_flash?pattern=` wants them. */
export function ledPatternHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

/**
 * One run of the three groups, ms, counting `flashCount` flashes per group. Tag firmwares differ by a
 * flash here and there (one runs each group once more than its count), so durations are approximate.
 */
export function ledCycleMs(fields: LedFlashFields): number {
  return fields.groups.reduce(
    (sum, g) => sum + g.flashCount * (fields.flashDuration + g.flashSpeed * 100) + g.delay * 100,
    0,
  );
}

export function ledDurationMs(fields: LedFlashFields): number {
  return ledCycleMs(fields) * (fields.repeats + 1);
}

/**
 * Rhythm per pattern, the same for all three groups so one colour shows throughout:
 * - blink: one 4 ms flash, then 1 s dark (a calm blink every second);
 * - pulse: bursts of three quick flashes, then 1 s dark (the AP's own "flash LED" rhythm);
 * - solid: the tags have no steady-on mode that is kind to a coin cell, so the brightest and fastest
 *   strobe the format allows (15 ms on every 100 ms) stands in for it.
 */
const RHYTHMS: Readonly<Record<FlashPattern, { flashDuration: number } & Omit<LedGroup, "color">>> = {
  blink: { flashDuration: 4, flashCount: 1, flashSpeed: 5, delay: 5 },
  pulse: { flashDuration: 8, flashCount: 3, flashSpeed: 1, delay: 10 },
  solid: { flashDuration: 15, flashCount: 15, flashSpeed: 1, delay: 0 },
};

export interface FlashRequest {
  color: FlashColor;
  pattern: FlashPattern;
  seconds: number;
}

/** Our flash command `{ color, pattern, seconds }` as the 12 bytes a tag understands. */
export function ledFlashForCommand(request: FlashRequest): Uint8Array {
  const { flashDuration, ...rhythm } = RHYTHMS[request.pattern];
  const group: LedGroup = { color: RGB332[request.color], ...rhythm };
  const base: LedFlashFields = { mode: 1, flashDuration, groups: [group, group, group], repeats: 0 };
  const runs = Math.max(1, Math.round((request.seconds * 1000) / ledCycleMs(base)));
  return encodeLedFlash({ ...base, repeats: Math.min(255, runs - 1) });
}

/** All zeros: mode 0 stops a running flash (what the AP sends for "ledflash_stop"). */
export const LED_OFF: Uint8Array = new Uint8Array(LED_PATTERN_BYTES);
