/**
 * A fake OpenEPaperLink access point for tests: an HTTP server on 127.0.0.1 that answers like the real
 * AP's web server (ESP32_AP-Flasher/src/web.cpp on ESPAsyncWebServer), with a simulated content
 * runner, tag queue and check-ins. Behaviour follows /work/shared/oepl-ap-facts.md; where the real AP
 * silently accepts a mistake (fields after the file, a progressive JPEG, a wrong image size), this
 * fake accepts it the same way AND records a violation, so tests can assert that none occurred.
 *
 * Timings are options so a test runs in seconds: content runner (1 s on the AP), tag check-in
 * interval, gap between queued items, transfer time.
 */
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import jpeg from "jpeg-js";

export const NEVER = 3216153600;

// ── JPEG check: the rules of TJpgDec's jd_prepare as the AP uses it ──────────────────────────────

export interface JpegSegment {
  marker: number;
  /** Segment data length, without the two length bytes. */
  length: number;
}

export interface JpegCheck {
  ok: boolean;
  problems: string[];
  segments: JpegSegment[];
  sof?: number;
  width?: number;
  height?: number;
  components: Array<{ id: number; h: number; v: number; tq: number }>;
  hasEoi: boolean;
}

/** Data a buffered segment (SOF, DHT, DQT, DRI, SOS) may hold: TJpgDec's default JD_SZBUF. */
export const TJPGD_SEGMENT_MAX = 512;
const BUFFERED = new Set([0xc0, 0xc4, 0xdb, 0xdd, 0xda]);
const OTHER_SOF = new Set([0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

export function checkTjpgdJpeg(buf: Uint8Array): JpegCheck {
  const result: JpegCheck = { ok: false, problems: [], segments: [], components: [], hasEoi: false };
  const problem = (text: string) => result.problems.push(text);
  if (buf.length < 4 || buf[0] !== 0xff || buf[1] !== 0xd8) {
    problem("does not start with SOI (FFD8)");
    return result;
  }
  const huffman = new Set<string>();
  const quant = new Set<number>();
  let at = 2;
  let scanAt = -1;
  while (at + 4 <= buf.length) {
    if (buf[at] !== 0xff) {
      problem(`expected a marker at byte ${at}`);
      return result;
    }
    const marker = buf[at + 1]!;
    if (marker === 0xff) {
      at++;
      continue;
    }
    if (marker === 0xd9) {
      problem("EOI before any scan");
      return result;
    }
    const len = (buf[at + 2]! << 8) | buf[at + 3]!;
    if (len <= 2) {
      problem(`segment FF${marker.toString(16).toUpperCase()} has length ${len}`);
      return result;
    }
    const data = buf.subarray(at + 4, at + 2 + len);
    if (data.length !== len - 2) {
      problem(`segment FF${marker.toString(16).toUpperCase()} runs past the end of the file`);
      return result;
    }
    result.segments.push({ marker, length: len - 2 });
    if (BUFFERED.has(marker) && len - 2 > TJPGD_SEGMENT_MAX) {
      problem(
        `segment FF${marker.toString(16).toUpperCase()} holds ${len - 2} bytes, more than ${TJPGD_SEGMENT_MAX}`,
      );
    }
    if (OTHER_SOF.has(marker)) {
      problem(
        `SOF FF${marker.toString(16).toUpperCase()}: only baseline SOF0 is supported (progressive/extended/lossless are not)`,
      );
    } else if (marker === 0xc0) {
      result.sof = marker;
      if (data[0] !== 8) problem(`sample precision ${data[0]}, only 8 is supported`);
      result.height = (data[1]! << 8) | data[2]!;
      result.width = (data[3]! << 8) | data[4]!;
      const n = data[5]!;
      if (n !== 1 && n !== 3) problem(`${n} components, only 1 (grey) or 3 (YCbCr) are supported`);
      for (let i = 0; i < n; i++) {
        const id = data[6 + i * 3]!;
        const hv = data[7 + i * 3]!;
        const tq = data[8 + i * 3]!;
        result.components.push({ id, h: hv >> 4, v: hv & 15, tq });
        if (i === 0 && hv !== 0x11 && hv !== 0x22 && hv !== 0x21) {
          problem(`luma sampling ${hv >> 4}x${hv & 15}, only 1x1, 2x2, 2x1 are supported`);
        }
        if (i > 0 && hv !== 0x11) problem(`chroma sampling ${hv >> 4}x${hv & 15}, only 1x1 is supported`);
        if (tq > 3) problem(`quantiser table ${tq} out of range`);
      }
      if (result.width === 0 || result.height === 0) problem("zero width or height");
    } else if (marker === 0xc4) {
      let p = 0;
      while (p < data.length) {
        const tc = data[p]!;
        if (tc & 0xee)
          problem(`Huffman table class/id 0x${tc.toString(16)}: only tables 0 and 1 are supported`);
        let count = 0;
        for (let i = 1; i <= 16; i++) count += data[p + i] ?? 0;
        huffman.add(`${tc >> 4}/${tc & 15}`);
        p += 17 + count;
      }
    } else if (marker === 0xdb) {
      let p = 0;
      while (p < data.length) {
        const pq = data[p]!;
        if (pq & 0xf0) problem("16-bit quantiser table: only 8-bit tables are supported");
        quant.add(pq & 3);
        p += 1 + (pq & 0xf0 ? 128 : 64);
      }
    } else if (marker === 0xda) {
      if (result.sof === undefined) problem("scan before a baseline frame header");
      const n = data[0]!;
      for (let i = 0; i < n; i++) {
        const t = data[2 + i * 2]!;
        if (!huffman.has(`0/${t >> 4}`) || !huffman.has(`1/${t & 15}`))
          problem("scan uses an undefined Huffman table");
      }
      for (const c of result.components) if (!quant.has(c.tq)) problem(`quantiser table ${c.tq} not defined`);
      scanAt = at + 2 + len;
      break;
    }
    at += 2 + len;
  }
  if (scanAt < 0) {
    if (result.problems.length === 0) problem("no scan (SOS) found");
    return result;
  }
  for (let p = scanAt; p + 1 < buf.length; p++) {
    if (buf[p] === 0xff && buf[p + 1] === 0xd9) {
      result.hasEoi = true;
      break;
    }
  }
  // TJpgDec would draw a cut file half; the AP has no way to tell, we record it.
  if (!result.hasEoi) problem("no EOI after the scan: the file is cut");
  result.ok = result.problems.length === 0;
  return result;
}

// ── tag types as the AP ships them (resources/tagtypes/XX.json, the fields the AP reads) ─────────

export interface FakeTagType {
  name: string;
  width: number;
  height: number;
  rotatebuffer: number;
  bpp: number;
  colortable: Record<string, [number, number, number]>;
  options: string[];
}

const W: [number, number, number] = [255, 255, 255];
const K: [number, number, number] = [0, 0, 0];
const R: [number, number, number] = [255, 0, 0];
const Y: [number, number, number] = [255, 255, 0];

export const FAKE_TAG_TYPES: Record<number, FakeTagType> = {
  0: {
    name: 'M2 1.54"',
    width: 152,
    height: 152,
    rotatebuffer: 0,
    bpp: 2,
    colortable: { white: W, black: K, red: R },
    options: ["button"],
  },
  1: {
    name: 'M2 2.9"',
    width: 296,
    height: 128,
    rotatebuffer: 1,
    bpp: 2,
    colortable: { white: W, black: K, red: R },
    options: ["button"],
  },
  38: {
    name: 'M2 7.5" BW',
    width: 640,
    height: 384,
    rotatebuffer: 0,
    bpp: 1,
    colortable: { white: W, black: K },
    options: [],
  },
  43: {
    name: 'M3 2.9" BWRY',
    width: 384,
    height: 168,
    rotatebuffer: 3,
    bpp: 2,
    colortable: { white: W, black: K, red: R, yellow: Y },
    options: ["led"],
  },
  51: {
    name: 'M3 2.9"',
    width: 384,
    height: 168,
    rotatebuffer: 3,
    bpp: 2,
    colortable: { white: W, black: K, red: R },
    options: ["button", "led"],
  },
  53: {
    name: 'M3 6.0"',
    width: 600,
    height: 448,
    rotatebuffer: 0,
    bpp: 2,
    colortable: { white: W, black: K, red: R },
    options: ["button", "led"],
  },
  60: {
    name: 'M3 4.2" BWY',
    width: 400,
    height: 300,
    rotatebuffer: 0,
    bpp: 2,
    colortable: { white: W, black: K, yellow: Y },
    options: ["button", "led"],
  },
};

// ── the simulated AP ─────────────────────────────────────────────────────────────────────────────

export interface FakeApOptions {
  /** The AP's content runner period (1000 ms on the real AP). */
  runnerIntervalMs?: number;
  /** How often a tag checks in when nothing waits for it. */
  checkinIntervalMs?: number;
  /** Next check-in while more items wait (5 s on the real AP). */
  queueGapMs?: number;
  /** Time a transfer takes between check-in and transfer complete. */
  transferMs?: number;
  /** `/current/tagDB.json` is rewritten this often (every 5 minutes on the real AP). */
  saveDbIntervalMs?: number;
  tickMs?: number;
  tagTypes?: Record<number, FakeTagType>;
}

export interface FakeTagInit {
  mac: string;
  hwType: number;
  capabilities?: number;
  batteryMv?: number;
  RSSI?: number;
  LQI?: number;
  temperature?: number;
  alias?: string;
  isexternal?: boolean;
  ver?: number;
  /** Without a check-in (RSSI 0) the AP's content runner leaves the tag alone. */
  checkedIn?: boolean;
}

type QueueItem =
  | { kind: "image"; dataVer: Buffer; uploadSeq: number; pixels: Uint8Array }
  | { kind: "command"; cmd: string; payload: Buffer };

export interface FakeTag {
  mac: string;
  md5: Buffer;
  lastseen: number;
  nextupdate: number;
  nextcheckin: number;
  alias: string;
  contentMode: number;
  LQI: number;
  RSSI: number;
  temperature: number;
  batteryMv: number;
  hwType: number;
  wakeupReason: number;
  capabilities: number;
  modeConfigJson: string;
  isExternal: boolean;
  apip: string;
  rotate: number;
  lut: number;
  invert: number;
  updateCount: number;
  updateLast: number;
  ch: number;
  ver: number;
  queue: QueueItem[];
  transfer?: { item: QueueItem; doneAt: number };
  nextCheckinAt: number;
  paused: boolean;
  /** What the panel shows: the upload it came from (by sequence number), or the boot screen. */
  shown: { kind: "image"; uploadSeq: number; pixels: Uint8Array } | { kind: "boot" } | null;
  ledFlashes: Buffer[];
  /** RSSI the tag reports once it checks in. */
  radioRssi: number;
}

export interface Violation {
  route: string;
  kind: string;
  detail: string;
  mac?: string;
}

export interface UploadRecord {
  seq: number;
  /** Part names in the order received, files marked `name(file)`. */
  order: string[];
  fields: Record<string, string>;
  fieldsAfterFile: string[];
  file?: Buffer;
  fileContentType?: string;
  filename?: string;
  outcome: "saved" | "come-back-later" | "parameters-incomplete" | "bad-mac" | "mac-not-found" | "no-file";
  /** What firmware before the ESPAsyncWebServer switch answered; current firmware answers 200 "". */
  olderFirmwareAnswer: { status: number; body: string };
}

export interface FakeEvent {
  at: number;
  mac: string;
  kind:
    | "queued"
    | "identical"
    | "invalid-jpg"
    | "file-not-found"
    | "no-tag-type"
    | "transfer-complete"
    | "first-boot"
    | "cleared";
  detail?: string;
  uploadSeq?: number;
}

interface Reply {
  status: number;
  body: string;
  contentType?: string;
}

const KNOWN_UPLOAD_FIELDS = new Set([
  "mac",
  "dither",
  "rotate",
  "lut",
  "invert",
  "alias",
  "ttl",
  "preloadtype",
  "preloadlut",
  "contentmode",
]);

function hex2mac(value: string): string | undefined {
  if (!/^(?:[0-9a-fA-F]{12}|[0-9a-fA-F]{16})$/.test(value)) return undefined;
  return (value.length === 12 ? `0000${value}` : value).toUpperCase();
}

function atoi(value: string): number {
  const m = /^\s*([+-]?\d+)/.exec(value);
  return m ? Number.parseInt(m[1]!, 10) : 0;
}

interface Part {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

function parseMultipart(body: Buffer, contentType: string): Part[] | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Part[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    at += delimiter.length;
    if (body[at] === 0x2d && body[at + 1] === 0x2d) break;
    at += 2; // CRLF
    const headEnd = body.indexOf("\r\n\r\n", at);
    if (headEnd < 0) break;
    const head = body.subarray(at, headEnd).toString("latin1");
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headEnd + 4);
    if (next < 0) break;
    const disposition = /content-disposition:([^\r\n]*)/i.exec(head)?.[1] ?? "";
    const name = /name="([^"]*)"/i.exec(disposition)?.[1] ?? "";
    const filename = /filename="([^"]*)"/i.exec(disposition)?.[1];
    const type = /content-type:\s*([^\r\n]*)/i.exec(head)?.[1];
    parts.push({ name, filename, contentType: type, data: body.subarray(headEnd + 4, next) });
    at = next + 2;
  }
  return parts;
}

export class FakeOeplAp {
  readonly violations: Violation[] = [];
  readonly uploads: UploadRecord[] = [];
  readonly events: FakeEvent[] = [];
  readonly requests: Array<{ method: string; url: string; contentType?: string }> = [];
  readonly tagTypeRequests: string[] = [];
  runStatus: "run" | "stop" = "run";
  private readonly tags = new Map<string, FakeTag>();
  private readonly files = new Map<string, { data: Buffer; uploadSeq: number }>();
  private readonly startedAt = Date.now();
  private savedDb = "[]";
  private readonly o: Required<Omit<FakeApOptions, "tagTypes">>;
  private readonly tagTypes: Record<number, FakeTagType>;
  private timer?: ReturnType<typeof setInterval>;
  private nextRunnerAt = 0;
  private nextSaveAt = 0;
  private server!: http.Server;
  url = "";

  private constructor(options: FakeApOptions) {
    this.o = {
      runnerIntervalMs: options.runnerIntervalMs ?? 1000,
      checkinIntervalMs: options.checkinIntervalMs ?? 60_000,
      queueGapMs: options.queueGapMs ?? 5_000,
      transferMs: options.transferMs ?? 500,
      saveDbIntervalMs: options.saveDbIntervalMs ?? 300_000,
      tickMs: options.tickMs ?? 10,
    };
    this.tagTypes = options.tagTypes ?? FAKE_TAG_TYPES;
  }

  static async start(options: FakeApOptions = {}): Promise<FakeOeplAp> {
    const ap = new FakeOeplAp(options);
    ap.server = http.createServer((req, res) => ap.handle(req, res));
    await new Promise<void>((resolve) => ap.server.listen(0, "127.0.0.1", resolve));
    ap.url = `http://127.0.0.1:${(ap.server.address() as AddressInfo).port}`;
    ap.nextRunnerAt = Date.now() + ap.o.runnerIntervalMs;
    ap.nextSaveAt = Date.now() + ap.o.saveDbIntervalMs;
    ap.timer = setInterval(() => ap.tick(), ap.o.tickMs);
    return ap;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ── test controls ──

  addTag(init: FakeTagInit): FakeTag {
    const mac = hex2mac(init.mac);
    if (!mac) throw new Error(`bad mac ${init.mac}`);
    const nowS = this.nowS();
    const checkedIn = init.checkedIn ?? true;
    const tag: FakeTag = {
      mac,
      md5: Buffer.alloc(16),
      lastseen: checkedIn ? nowS : 0,
      nextupdate: NEVER,
      nextcheckin: checkedIn ? nowS + 60 : 0,
      alias: init.alias ?? "",
      contentMode: 0,
      LQI: init.LQI ?? 100,
      RSSI: checkedIn ? (init.RSSI ?? -62) : 0,
      temperature: init.temperature ?? 21,
      batteryMv: init.batteryMv ?? 2950,
      hwType: init.hwType,
      wakeupReason: 0,
      capabilities: init.capabilities ?? 0,
      modeConfigJson: "",
      isExternal: init.isexternal ?? false,
      apip: "0.0.0.0",
      rotate: 0,
      lut: 0,
      invert: 0,
      updateCount: 0,
      updateLast: 0,
      ch: 11,
      ver: init.ver ?? 0x001d,
      queue: [],
      nextCheckinAt: Date.now() + Math.random() * this.o.checkinIntervalMs,
      paused: !checkedIn,
      shown: null,
      ledFlashes: [],
      radioRssi: init.RSSI ?? -62,
    };
    this.tags.set(mac, tag);
    return tag;
  }

  tag(mac: string): FakeTag {
    const tag = this.tags.get(hex2mac(mac) ?? "");
    if (!tag) throw new Error(`no tag ${mac}`);
    return tag;
  }

  removeTag(mac: string): void {
    this.tags.delete(hex2mac(mac) ?? "");
  }

  /** A sleeping tag does not check in: what is queued for it stays queued. */
  pauseCheckins(mac: string, paused = true): void {
    const tag = this.tag(mac);
    tag.paused = paused;
    if (!paused) tag.nextCheckinAt = Date.now();
  }

  /**
   * The tag rebooted (battery change) and checks in with wakeupReason 0xFC. With nothing pending the
   * AP zeroes its hash and redraws; an uploaded image is not resent (its file is gone).
   */
  firstBoot(mac: string): void {
    const tag = this.tag(mac);
    tag.wakeupReason = 0xfc;
    tag.lastseen = this.nowS();
    tag.shown = { kind: "boot" };
    this.events.push({ at: Date.now(), mac: tag.mac, kind: "first-boot" });
    if (tag.queue.length === 0) {
      tag.md5 = Buffer.alloc(16);
      tag.nextupdate = 0;
    }
  }

  /** Writes `/current/tagDB.json` now (the AP does it every few minutes). */
  saveDb(): void {
    const records = [...this.tags.values()].map((t) => JSON.stringify([this.node(t)], null, 2));
    this.savedDb = `[${records.join(",")}]`;
  }

  /** What `/get_db` would list for the tag, keys in the AP's order. */
  record(mac: string): Record<string, unknown> {
    return this.node(this.tag(mac));
  }

  // ── simulation ──

  private nowS(): number {
    return Math.floor(Date.now() / 1000);
  }

  private millis(): number {
    return Date.now() - this.startedAt;
  }

  private tick(): void {
    const now = Date.now();
    if (now >= this.nextRunnerAt) {
      this.nextRunnerAt = now + this.o.runnerIntervalMs;
      this.contentRunner();
    }
    if (now >= this.nextSaveAt) {
      this.nextSaveAt = now + this.o.saveDbIntervalMs;
      this.saveDb();
    }
    for (const tag of this.tags.values()) {
      if (tag.transfer && now >= tag.transfer.doneAt) this.transferComplete(tag);
      if (!tag.paused && !tag.transfer && now >= tag.nextCheckinAt) this.checkIn(tag);
    }
  }

  private checkIn(tag: FakeTag): void {
    const nowS = this.nowS();
    tag.lastseen = nowS;
    tag.nextcheckin = nowS + 60;
    tag.RSSI = tag.radioRssi;
    const item = tag.queue[0];
    if (item) tag.transfer = { item, doneAt: Date.now() + this.o.transferMs };
    else tag.nextCheckinAt = Date.now() + this.o.checkinIntervalMs;
  }

  private transferComplete(tag: FakeTag): void {
    const { item } = tag.transfer!;
    tag.transfer = undefined;
    tag.queue.shift();
    const nowS = this.nowS();
    if (item.kind === "image") {
      tag.md5 = Buffer.concat([item.dataVer, Buffer.alloc(8)]);
      tag.shown = { kind: "image", uploadSeq: item.uploadSeq, pixels: item.pixels };
    } else if (item.cmd === "ledflash") {
      tag.md5 = Buffer.concat([item.payload.subarray(0, 8), Buffer.alloc(8)]);
      tag.ledFlashes.push(item.payload);
    } else {
      tag.md5 = Buffer.alloc(16);
    }
    tag.updateCount++;
    tag.updateLast = nowS;
    tag.wakeupReason = 0;
    tag.lastseen = nowS;
    this.events.push({
      at: Date.now(),
      mac: tag.mac,
      kind: "transfer-complete",
      detail: item.kind === "image" ? "image" : item.cmd,
      uploadSeq: item.kind === "image" ? item.uploadSeq : undefined,
    });
    tag.nextCheckinAt = Date.now() + (tag.queue.length > 0 ? this.o.queueGapMs : this.o.checkinIntervalMs);
  }

  private contentRunner(): void {
    if (this.runStatus !== "run") return;
    const nowS = this.nowS();
    for (const tag of this.tags.values()) {
      if (!tag.RSSI || nowS < tag.nextupdate) continue;
      tag.wakeupReason = 0;
      const type = this.tagTypes[tag.hwType];
      if (!type) {
        tag.nextupdate = nowS + 600;
        this.events.push({ at: Date.now(), mac: tag.mac, kind: "no-tag-type" });
        continue;
      }
      if ([0, 22, 23, 24, 25].includes(tag.contentMode)) this.drawImage(tag, type);
      tag.nextupdate = NEVER;
    }
  }

  private drawImage(tag: FakeTag, type: FakeTagType): void {
    let cfg: { filename?: string; dither?: string; delete?: string } = {};
    try {
      cfg = JSON.parse(tag.modeConfigJson);
    } catch {
      // not ours to draw
    }
    if (!cfg.filename) return;
    const file = this.files.get(cfg.filename);
    if (!file) {
      this.events.push({ at: Date.now(), mac: tag.mac, kind: "file-not-found", detail: cfg.filename });
      return;
    }
    if (cfg.delete === "1") this.files.delete(cfg.filename);
    const check = checkTjpgdJpeg(file.data);
    if (!check.ok) {
      this.violations.push({
        route: "/imgupload",
        kind: "jpeg",
        detail: check.problems.join("; "),
        mac: tag.mac,
      });
      this.events.push({ at: Date.now(), mac: tag.mac, kind: "invalid-jpg", uploadSeq: file.uploadSeq });
      return;
    }
    const swapped = tag.rotate === 1 || tag.rotate === 3;
    const wantW = swapped ? type.height : type.width;
    const wantH = swapped ? type.width : type.height;
    if (check.width !== wantW || check.height !== wantH) {
      this.violations.push({
        route: "/imgupload",
        kind: "size",
        detail: `JPEG is ${check.width}×${check.height}, tag type ${tag.hwType.toString(16)} with rotate ${tag.rotate} wants ${wantW}×${wantH}`,
        mac: tag.mac,
      });
    }
    const decoded = jpeg.decode(file.data, { useTArray: true, formatAsRGBA: true });
    const palette = Object.values(type.colortable);
    const pixels = new Uint8Array(type.width * type.height);
    for (let y = 0; y < type.height; y++) {
      for (let x = 0; x < type.width; x++) {
        const sx = swapped ? y : x;
        const sy = swapped ? x : y;
        if (sx >= decoded.width || sy >= decoded.height) continue;
        const i = (sy * decoded.width + sx) * 4;
        let best = 0;
        let bestDist = Number.POSITIVE_INFINITY;
        palette.forEach(([r, g, b], k) => {
          const d =
            (decoded.data[i]! - r) ** 2 + (decoded.data[i + 1]! - g) ** 2 + (decoded.data[i + 2]! - b) ** 2;
          if (d < bestDist) {
            bestDist = d;
            best = k;
          }
        });
        pixels[y * type.width + x] = best;
      }
    }
    const dither = Number(cfg.dither ?? 1);
    const md5 = createHash("md5")
      .update(Buffer.from([tag.hwType, dither]))
      .update(pixels)
      .digest();
    const dataVer = md5.subarray(0, 8);
    if (dataVer.equals(tag.md5.subarray(0, 8))) {
      this.events.push({ at: Date.now(), mac: tag.mac, kind: "identical", uploadSeq: file.uploadSeq });
      return;
    }
    tag.queue.push({ kind: "image", dataVer: Buffer.from(dataVer), uploadSeq: file.uploadSeq, pixels });
    this.events.push({ at: Date.now(), mac: tag.mac, kind: "queued", uploadSeq: file.uploadSeq });
  }

  private queueCommand(tag: FakeTag, cmd: string, payload: Buffer = Buffer.alloc(12)): void {
    tag.queue.push({ kind: "command", cmd, payload });
  }

  private node(t: FakeTag): Record<string, unknown> {
    return {
      mac: t.mac,
      hash: t.md5.toString("hex"),
      lastseen: t.lastseen,
      nextupdate: t.nextupdate,
      nextcheckin: t.nextcheckin,
      pending: t.queue.length,
      alias: t.alias,
      contentMode: t.contentMode,
      LQI: t.LQI,
      RSSI: t.RSSI,
      temperature: t.temperature,
      batteryMv: t.batteryMv,
      hwType: t.hwType,
      wakeupReason: t.wakeupReason,
      capabilities: t.capabilities,
      modecfgjson: t.modeConfigJson,
      isexternal: t.isExternal,
      apip: t.apip,
      rotate: t.rotate,
      lut: t.lut,
      invert: t.invert,
      updatecount: t.updateCount,
      updatelast: t.updateLast,
      ch: t.ch,
      ver: t.ver,
    };
  }

  // ── HTTP ──

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? "/", "http://ap");
      this.requests.push({
        method: req.method ?? "",
        url: req.url ?? "",
        contentType: req.headers["content-type"],
      });
      let reply: Reply;
      try {
        reply = this.route(req.method ?? "GET", url, req.headers["content-type"] ?? "", body);
      } catch (error) {
        reply = { status: 500, body: String(error) };
      }
      res.writeHead(reply.status, {
        "Content-Type": reply.contentType ?? "text/plain",
        "Content-Length": Buffer.byteLength(reply.body),
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Headers": "content-type",
        Connection: "close",
      });
      res.end(reply.body);
    });
  }

  /** Body parameters as ESPAsyncWebServer sees them: only from a urlencoded or multipart body. */
  private bodyParams(contentType: string, body: Buffer): Map<string, string> {
    const params = new Map<string, string>();
    if (/^application\/x-www-form-urlencoded/i.test(contentType)) {
      for (const [k, v] of new URLSearchParams(body.toString("utf8"))) if (!params.has(k)) params.set(k, v);
    } else if (/^multipart\/form-data/i.test(contentType)) {
      for (const part of parseMultipart(body, contentType) ?? []) {
        if (part.filename === undefined && part.contentType === undefined && !params.has(part.name)) {
          params.set(part.name, part.data.toString("utf8"));
        }
      }
    }
    return params;
  }

  private route(method: string, url: URL, contentType: string, body: Buffer): Reply {
    const path = url.pathname;
    if (method === "GET" && path === "/get_db") return this.getDb(url);
    if (method === "POST" && path === "/imgupload") return this.imgUpload(contentType, body);
    if (method === "POST" && path === "/tag_cmd") return this.tagCmd(this.bodyParams(contentType, body));
    if (method === "GET" && path === "/led_flash") return this.ledFlash(url);
    if (method === "GET" && path === "/sysinfo") {
      return {
        status: 200,
        contentType: "application/json",
        body: JSON.stringify({ alias: "fake", env: "fake", buildversion: "fake" }),
      };
    }
    if (method === "GET" && path === "/current/tagDB.json") {
      return { status: 200, contentType: "application/json", body: this.savedDb };
    }
    const tagType = /^\/tagtypes\/([0-9A-F]{2})\.json$/.exec(path);
    if (method === "GET" && tagType) {
      this.tagTypeRequests.push(tagType[1]!);
      const type = this.tagTypes[Number.parseInt(tagType[1]!, 16)];
      if (!type) return { status: 404, body: "" };
      return { status: 200, contentType: "application/json", body: JSON.stringify({ version: 1, ...type }) };
    }
    return { status: 404, body: "" };
  }

  private getDb(url: URL): Reply {
    const json = (doc: unknown): Reply => ({
      status: 200,
      contentType: "application/json",
      body: JSON.stringify(doc),
    });
    const macParam = url.searchParams.get("mac");
    if (macParam !== null) {
      const mac = hex2mac(macParam);
      if (!mac) return json({ error: "malformatted parameter" });
      const tag = this.tags.get(mac);
      return json({ tags: tag ? [this.node(tag)] : [] });
    }
    // `pos` is an uint8 on the AP: 256 reads as 0.
    const start = atoi(url.searchParams.get("pos") ?? "0") & 0xff;
    const all = [...this.tags.values()];
    const tags: unknown[] = [];
    const doc: { tags: unknown[]; continu?: number } = { tags };
    for (let c = start; c < all.length; c++) {
      tags.push(this.node(all[c]!));
      if (JSON.stringify(doc).length > 5000) {
        doc.continu = c + 1;
        break;
      }
    }
    return json(doc);
  }

  private imgUpload(contentType: string, body: Buffer): Reply {
    const seq = this.uploads.length + 1;
    const record: UploadRecord = {
      seq,
      order: [],
      fields: {},
      fieldsAfterFile: [],
      outcome: "no-file",
      olderFirmwareAnswer: { status: 200, body: "" },
    };
    this.uploads.push(record);
    const parts = /^multipart\/form-data/i.test(contentType) ? (parseMultipart(body, contentType) ?? []) : [];
    const params = new Map<string, string>();
    let sawFile = false;
    for (const part of parts) {
      const isFile = part.filename !== undefined || part.contentType !== undefined;
      record.order.push(isFile ? `${part.name}(file)` : part.name);
      if (!isFile) {
        if (sawFile) record.fieldsAfterFile.push(part.name);
        if (!params.has(part.name)) params.set(part.name, part.data.toString("utf8"));
        record.fields[part.name] = part.data.toString("utf8");
        continue;
      }
      sawFile = true;
      record.file = Buffer.from(part.data);
      record.fileContentType = part.contentType;
      record.filename = part.filename;
      this.acceptFile(record, params, part.data);
    }
    const late = record.fieldsAfterFile.filter((name) => KNOWN_UPLOAD_FIELDS.has(name));
    if (late.length > 0) {
      this.violations.push({
        route: "/imgupload",
        kind: "field-order",
        detail: `${late.join(", ")} after the file part: the AP never sees them for this upload`,
        mac: record.fields.mac,
      });
    }
    if (sawFile && record.fileContentType !== "image/jpeg") {
      this.violations.push({
        route: "/imgupload",
        kind: "file-type",
        detail: `file part Content-Type ${record.fileContentType}`,
      });
    }
    // ESPAsyncWebServer: the route's own send(200) is set last and wins, whatever happened above.
    return { status: 200, body: "" };
  }

  /** `doImageUpload`: at the file's first chunk, then at its end, with the fields seen so far. */
  private acceptFile(record: UploadRecord, params: Map<string, string>, data: Buffer): void {
    if (this.runStatus !== "run") {
      record.outcome = "come-back-later";
      record.olderFirmwareAnswer = { status: 409, body: "Come back later" };
      return;
    }
    const macParam = params.get("mac");
    if (macParam === undefined) {
      record.outcome = "parameters-incomplete";
      record.olderFirmwareAnswer = { status: 400, body: "parameters incomplete" };
      this.violations.push({
        route: "/imgupload",
        kind: "field-order",
        detail: "no mac field before the file part",
      });
      return;
    }
    const filename = `/temp/${macParam}_${this.millis()}.jpg`;
    this.files.set(filename, { data: Buffer.from(data), uploadSeq: record.seq });
    const mac = hex2mac(macParam);
    if (!mac) {
      record.outcome = "bad-mac";
      return;
    }
    const tag = this.tags.get(mac);
    if (!tag) {
      record.outcome = "mac-not-found";
      record.olderFirmwareAnswer = { status: 400, body: "mac not found" };
      return;
    }
    const dither = params.has("dither") ? atoi(params.get("dither")!) & 0xff : 1;
    if (params.has("alias")) tag.alias = params.get("alias")!;
    if (params.has("rotate")) tag.rotate = atoi(params.get("rotate")!);
    if (params.has("lut")) tag.lut = atoi(params.get("lut")!);
    if (params.has("invert")) tag.invert = atoi(params.get("invert")!);
    const ttl = params.has("ttl") ? atoi(params.get("ttl")!) : 0;
    tag.modeConfigJson = `{"filename":"${filename}","timetolive":"${ttl}","dither":"${dither}","delete":"1", "preload":"0", "preload_lut":"0", "preload_type":"0"}`;
    tag.contentMode = params.has("contentmode") ? atoi(params.get("contentmode")!) : 24;
    tag.nextupdate = 0;
    record.outcome = "saved";
    record.olderFirmwareAnswer = { status: 200, body: "Ok, saved" };
  }

  private tagCmd(params: Map<string, string>): Reply {
    const macParam = params.get("mac");
    const cmd = params.get("cmd");
    if (macParam === undefined || cmd === undefined) return { status: 500, body: "param error" };
    const mac = hex2mac(macParam);
    // A bad MAC leaves the handler without an answer: ESPAsyncWebServer then sends 501.
    if (!mac) return { status: 501, body: "Handler did not handle the request" };
    const tag = this.tags.get(mac);
    if (!tag) return { status: 400, body: "Error: mac not found" };
    switch (cmd) {
      case "del":
        this.tags.delete(mac);
        break;
      case "clear":
        tag.queue = [];
        tag.transfer = undefined;
        this.events.push({ at: Date.now(), mac, kind: "cleared" });
        break;
      case "refresh":
        tag.nextupdate = 0;
        break;
      case "reboot":
      case "scan":
      case "reset":
      case "deepsleep":
        this.queueCommand(tag, cmd);
        break;
      case "ledflash":
        this.queueCommand(
          tag,
          "ledflash",
          Buffer.from([0x81, 0x3c, 0x13, 0x0a, 0xe4, 0x53, 0x0a, 0x03, 0xa3, 0x0a, 0x02, 0x00]),
        );
        break;
      case "ledflash_long":
        this.queueCommand(tag, "ledflash", Buffer.from([0x11, 0xe4, 0x33, 0x32, 0, 0, 0, 0, 0, 0, 0x3c, 0]));
        break;
      case "ledflash_stop":
        this.queueCommand(tag, "ledflash", Buffer.alloc(12));
        break;
      default:
        break;
    }
    return { status: 200, body: "Ok, done" };
  }

  private ledFlash(url: URL): Reply {
    const mac = hex2mac(url.searchParams.get("mac") ?? "");
    const tag = mac ? this.tags.get(mac) : undefined;
    if (!tag) return { status: 400, body: "parameters are missing" };
    let payload = Buffer.alloc(12);
    const pattern = url.searchParams.get("pattern");
    if (pattern !== null) {
      if (!/^[0-9a-fA-F]{24}/.test(pattern))
        return { status: 400, body: "Error: expects 12 hex bytes in pattern" };
      payload = Buffer.from(pattern.slice(0, 24), "hex");
    }
    this.queueCommand(tag, "ledflash", payload);
    return { status: 200, body: "ok, request transmitted" };
  }
}
