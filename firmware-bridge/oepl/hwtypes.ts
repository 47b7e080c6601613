import { z } from "zod";
import type { ColorMode } from "../../schemas/common.ts";

/**
 * OpenEPaperLink hardware types: what the AP's `resources/tagtypes/XX.json` says about a panel.
 * `width`×`height` are as the AP lists them (landscape for most): the AP's own UI draws its JPEGs at
 * exactly that size with rotate 0, and so do we. `rotatebuffer` is how the AP turns that picture onto
 * the panel; we never need it ourselves but keep it for diagnostics.
 */
export interface OeplHwType {
  hwType: number;
  /** The AP's name for the type, e.g. `M2 2.9"`. */
  name: string;
  width: number;
  height: number;
  rotatebuffer: number;
  bpp: number;
  colors: ColorMode;
  /** Palette as the AP maps pixels onto it (name → RGB). */
  colortable: Record<string, readonly [number, number, number]>;
}

const WHITE = [255, 255, 255] as const;
const BLACK = [0, 0, 0] as const;
const RED = [255, 0, 0] as const;
const YELLOW = [255, 255, 0] as const;

const PALETTES = {
  wb: { white: WHITE, black: BLACK },
  wbr: { white: WHITE, black: BLACK, red: RED },
  wby: { white: WHITE, black: BLACK, yellow: YELLOW },
  wbry: { white: WHITE, black: BLACK, red: RED, yellow: YELLOW },
} as const;

type Row = [
  hwType: number,
  name: string,
  width: number,
  height: number,
  rotatebuffer: number,
  bpp: number,
  palette: keyof typeof PALETTES,
];

/** Read in OpenEPaperLink resources/tagtypes/*.json (see /work/shared/oepl-ap-facts.md). */
const ROWS: Row[] = [
  [0x00, 'M2 1.54"', 152, 152, 0, 2, "wbr"],
  [0x01, 'M2 2.9"', 296, 128, 1, 2, "wbr"],
  [0x02, 'M2 4.2"', 400, 300, 0, 2, "wbr"],
  [0x03, 'M2 2.2"', 212, 104, 1, 2, "wbr"],
  [0x04, 'M2 2.6"', 296, 152, 1, 2, "wbr"],
  [0x05, 'M2 7.4"', 640, 384, 0, 2, "wbr"],
  [0x11, 'M2 2.9" UC8151', 296, 128, 1, 2, "wbr"],
  [0x12, 'M2 4.2" UC', 400, 300, 0, 2, "wbr"],
  [0x26, 'M2 7.5" BW', 640, 384, 0, 1, "wb"],
  [0x2b, 'M3 2.9" BWRY', 384, 168, 3, 2, "wbry"],
  [0x30, 'M3 1.6"', 200, 200, 0, 2, "wbr"],
  [0x31, 'M3 2.2"', 296, 160, 3, 2, "wbr"],
  [0x33, 'M3 2.9"', 384, 168, 3, 2, "wbr"],
  [0x34, 'M3 4.2"', 400, 300, 0, 2, "wbr"],
  [0x36, 'M3 7.5"', 800, 480, 0, 2, "wbr"],
  [0x3c, 'M3 4.2" BWY', 400, 300, 0, 2, "wby"],
  [0x40, 'M3 2.9" BW', 384, 168, 3, 1, "wb"],
];

/** Colour mode from the names in a colortable: red and/or yellow beside black and white. */
export function colorModeOf(colorNames: Iterable<string>): ColorMode {
  const names = new Set([...colorNames].map((n) => n.toLowerCase()));
  const red = names.has("red");
  const yellow = names.has("yellow");
  if (red && yellow) return "bwry";
  if (red) return "bwr";
  if (yellow) return "bwy";
  return "bw";
}

export const OEPL_HW_TYPES: ReadonlyMap<number, OeplHwType> = new Map(
  ROWS.map(([hwType, name, width, height, rotatebuffer, bpp, palette]) => [
    hwType,
    {
      hwType,
      name,
      width,
      height,
      rotatebuffer,
      bpp,
      colors: colorModeOf(Object.keys(PALETTES[palette])),
      colortable: PALETTES[palette],
    },
  ]),
);

/** The AP names type files by two upper-case hex digits (`%02X`). */
export function hwTypeHex(hwType: number): string {
  if (!Number.isInteger(hwType) || hwType < 0 || hwType > 0xff) {
    throw new RangeError(`hwType ${hwType} is not a byte`);
  }
  return hwType.toString(16).toUpperCase().padStart(2, "0");
}

/** What a label descriptor calls the model: the AP's own name, prefixed so it reads as OEPL hardware. */
export function modelName(hw: OeplHwType): string {
  return `OEPL ${hw.name}`;
}

const rgbSchema = z.tuple([z.number().int(), z.number().int(), z.number().int()]);

/** The fields of a tagtypes JSON we rely on; the AP's files carry many more (templates, LUT hints). */
export const tagTypeJsonSchema = z.looseObject({
  name: z.string().optional(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  rotatebuffer: z.number().int().min(0).max(3).default(0),
  bpp: z.number().int().positive(),
  colortable: z.record(z.string(), rgbSchema),
});

export function parseTagTypeJson(hwType: number, json: unknown): OeplHwType {
  const doc = tagTypeJsonSchema.parse(json);
  return {
    hwType,
    name: doc.name ?? `hwType 0x${hwTypeHex(hwType)}`,
    width: doc.width,
    height: doc.height,
    rotatebuffer: doc.rotatebuffer,
    bpp: doc.bpp,
    colors: colorModeOf(Object.keys(doc.colortable)),
    colortable: doc.colortable,
  };
}

/** Fetches `/tagtypes/XX.json` from an AP; resolves `undefined` when the AP does not have it (404). */
export type TagTypeFetcher = (hwType: number) => Promise<unknown | undefined>;

/**
 * Known types from the table; unknown ones asked of the AP once and cached. A type the AP could not
 * give is asked again only after `retryAfterMs`, so a tag of a brand-new type does not cost one
 * request per poll, yet is picked up once the AP learns the type (it downloads type files itself).
 */
export class HwTypeRegistry {
  private readonly learned = new Map<number, OeplHwType>();
  private readonly missing = new Map<number, number>();
  private readonly inflight = new Map<number, Promise<OeplHwType | undefined>>();
  private readonly retryAfterMs: number;
  private readonly now: () => number;

  constructor(options: { retryAfterMs?: number; now?: () => number } = {}) {
    this.retryAfterMs = options.retryAfterMs ?? 10 * 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Without asking anyone: the table, then what was learned. */
  known(hwType: number): OeplHwType | undefined {
    return OEPL_HW_TYPES.get(hwType) ?? this.learned.get(hwType);
  }

  async resolve(hwType: number, fetchTagType: TagTypeFetcher): Promise<OeplHwType | undefined> {
    const known = this.known(hwType);
    if (known) return known;
    const missingSince = this.missing.get(hwType);
    if (missingSince !== undefined && this.now() - missingSince < this.retryAfterMs) return undefined;
    const running = this.inflight.get(hwType);
    if (running) return running;
    const attempt = (async () => {
      try {
        const json = await fetchTagType(hwType);
        if (json === undefined) {
          this.missing.set(hwType, this.now());
          return undefined;
        }
        const hw = parseTagTypeJson(hwType, json);
        this.learned.set(hwType, hw);
        this.missing.delete(hwType);
        return hw;
      } catch (error) {
        this.missing.set(hwType, this.now());
        throw error;
      } finally {
        this.inflight.delete(hwType);
      }
    })();
    this.inflight.set(hwType, attempt);
    return attempt;
  }
}
