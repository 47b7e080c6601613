import { randomBytes } from "node:crypto";
import { z } from "zod";
import { backoffDelay } from "../../lib/backoff.ts";
import { hwTypeHex } from "./hwtypes.ts";
import { LED_PATTERN_BYTES, ledPatternHex } from "./led.ts";
import { type OeplLogger, silentOeplLogger } from "./logger.ts";
import { normalizeMac } from "./mac.ts";

/**
 * HTTP client for one OpenEPaperLink access point. Independent of MQTT: it speaks the AP's web API
 * as the AP's sources define it (see /work/shared/oepl-ap-facts.md and docs/oepl.md).
 */

/** A tag record from `/get_db`, keys as the AP writes them (tag_db.cpp `fillNode`). */
export const oeplTagSchema = z.looseObject({
  mac: z.string().transform((mac, ctx) => {
    try {
      return normalizeMac(mac);
    } catch {
      ctx.addIssue({ code: "custom", message: `bad mac ${mac}` });
      return z.NEVER;
    }
  }),
  /** md5-derived version of what the tag shows: 32 lower hex digits, all zeros when nothing known. */
  hash: z
    .string()
    .regex(/^[0-9a-fA-F]{32}$/)
    .transform((h) => h.toLowerCase()),
  lastseen: z.number(),
  /** 0 = content waiting for the AP's content runner; 3216153600 = never. */
  nextupdate: z.number(),
  nextcheckin: z.number(),
  /** Items queued for the tag (images and commands). */
  pending: z.number().int().default(0),
  alias: z.string().default(""),
  contentMode: z.number().int(),
  LQI: z.number(),
  RSSI: z.number(),
  temperature: z.number(),
  batteryMv: z.number(),
  hwType: z.number().int().min(0).max(255),
  wakeupReason: z.number().int(),
  capabilities: z.number().int(),
  modecfgjson: z.string().default(""),
  isexternal: z.boolean().default(false),
  apip: z.string().default("0.0.0.0"),
  rotate: z.number().int().default(0),
  lut: z.number().int().default(0),
  invert: z.number().int().default(0),
  /** Absent on firmware older than the update counter; confirmation then falls back to the hash. */
  updatecount: z.number().int().optional(),
  updatelast: z.number().optional(),
  ch: z.number().int().default(0),
  ver: z.number().int().default(0),
});
export type OeplTag = z.infer<typeof oeplTagSchema>;

/** `nextupdate`/`nextcheckin` value the AP uses for "never" (and deep sleep). */
export const OEPL_NEVER = 3216153600;
export const OEPL_ZERO_HASH = "0".repeat(32);
export const CAPABILITY_LED = 0x01;
export const WAKEUP_FIRST_BOOT = 0xfc;

export const OEPL_TAG_COMMANDS = [
  "del",
  "purge",
  "clear",
  "refresh",
  "reboot",
  "scan",
  "reset",
  "deepsleep",
  "ledflash",
  "ledflash_long",
  "ledflash_stop",
] as const;
export type OeplTagCommand = (typeof OEPL_TAG_COMMANDS)[number];

export class OeplHttpError extends Error {
  constructor(
    message: string,
    readonly url: string,
    readonly status?: number,
    readonly body?: string,
  ) {
    super(message);
  }
}

export interface OeplApClientOptions {
  /** e.g. `http://192.168.1.40` */
  baseUrl: string;
  /** Per request; the AP is a small ESP32 that may be busy drawing. */
  timeoutMs?: number;
  uploadTimeoutMs?: number;
  /** Retries after a network failure (never after an HTTP answer). */
  retries?: number;
  backoffMs?: number;
  maxBackoffMs?: number;
  logger?: OeplLogger;
}

/** Errors where the request cannot have reached the AP: safe to repeat even a non-idempotent call. */
const NOT_DELIVERED = new Set(["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);

function networkCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown } })?.cause;
  return typeof cause?.code === "string" ? cause.code : undefined;
}

function isNetworkError(error: unknown): boolean {
  if (error instanceof OeplHttpError) return false;
  const name = (error as { name?: unknown })?.name;
  return error instanceof TypeError || name === "TimeoutError" || name === "AbortError";
}

export interface MultipartPart {
  name: string;
  value: string | Uint8Array;
  filename?: string;
  contentType?: string;
}

/**
 * multipart/form-data in exactly the order given. The AP only sees a field once its part has ended
 * and checks `mac` when the file starts, so fields must precede the file; building the body by hand
 * keeps that order explicit rather than a property of some FormData implementation.
 */
export function buildMultipartBody(parts: MultipartPart[]): { body: Buffer; contentType: string } {
  const boundary = `----shelfsync${randomBytes(12).toString("hex")}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`;
    if (part.filename !== undefined) head += `; filename="${part.filename}"`;
    head += "\r\n";
    if (part.contentType !== undefined) head += `Content-Type: ${part.contentType}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`, "latin1"));
    chunks.push(typeof part.value === "string" ? Buffer.from(part.value, "utf8") : Buffer.from(part.value));
    chunks.push(Buffer.from("\r\n", "latin1"));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`, "latin1"));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

export interface UploadOptions {
  /** 0 off (default: our pixels are already panel colours), 1 Floyd–Steinberg, 2 ordered. */
  dither?: 0 | 1 | 2;
  /** Sticks on the tag at the AP; we always draw at rotate 0, so we always send it. */
  rotate?: 0 | 1 | 2 | 3;
  /** Sticks on the tag too; sent only when given. */
  invert?: 0 | 1;
  lut?: number;
}

export interface DbPage {
  tags: OeplTag[];
  /** Index to ask for next (`?pos=`), present when the AP cut the list at ~5000 bytes. */
  continu?: number;
  /** Records that did not parse, skipped rather than failing the whole page. */
  rejected: number;
}

/** `?pos=` is read into a uint8 by the AP: a larger index wraps around to the start. */
export const OEPL_MAX_DB_POS = 255;

export class OeplApClient {
  readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly uploadTimeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly logger: OeplLogger;

  constructor(options: OeplApClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.uploadTimeoutMs = options.uploadTimeoutMs ?? 30_000;
    this.retries = options.retries ?? 3;
    this.backoffMs = options.backoffMs ?? 250;
    this.maxBackoffMs = options.maxBackoffMs ?? 5_000;
    this.logger = options.logger ?? silentOeplLogger;
  }

  private async request(
    path: string,
    init: RequestInit & { timeoutMs?: number },
    retryOn: "network" | "not-delivered",
  ): Promise<{ status: number; body: Buffer; contentType: string }> {
    const url = `${this.baseUrl}${path}`;
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await fetch(url, {
          ...init,
          signal: AbortSignal.timeout(init.timeoutMs ?? this.timeoutMs),
        });
        const body = Buffer.from(await response.arrayBuffer());
        return { status: response.status, body, contentType: response.headers.get("content-type") ?? "" };
      } catch (error) {
        const retryable =
          retryOn === "network" ? isNetworkError(error) : NOT_DELIVERED.has(networkCode(error) ?? "");
        if (!retryable || attempt >= this.retries) {
          throw new OeplHttpError(
            `${init.method ?? "GET"} ${url} failed: ${(error as Error).message}${networkCode(error) ? ` (${networkCode(error)})` : ""}`,
            url,
          );
        }
        const delay = backoffDelay(attempt + 1, { initialMs: this.backoffMs, maxMs: this.maxBackoffMs });
        this.logger.debug("oepl: retrying request", { url, attempt: attempt + 1, delayMs: delay });
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private async getJson(path: string): Promise<unknown> {
    const res = await this.request(path, { method: "GET" }, "network");
    const url = `${this.baseUrl}${path}`;
    if (res.status !== 200) {
      throw new OeplHttpError(`GET ${url} answered ${res.status}`, url, res.status, res.body.toString());
    }
    try {
      return JSON.parse(res.body.toString("utf8"));
    } catch {
      throw new OeplHttpError(`GET ${url} did not answer JSON`, url, res.status, res.body.toString());
    }
  }

  private parseTags(raw: unknown, path: string): { tags: OeplTag[]; rejected: number } {
    const list = (raw as { tags?: unknown })?.tags;
    if (!Array.isArray(list)) {
      const error = (raw as { error?: unknown })?.error;
      throw new OeplHttpError(
        typeof error === "string" ? `AP: ${error}` : `${path}: no "tags" array`,
        `${this.baseUrl}${path}`,
        200,
        JSON.stringify(raw),
      );
    }
    const tags: OeplTag[] = [];
    let rejected = 0;
    for (const item of list) {
      const parsed = oeplTagSchema.safeParse(item);
      if (parsed.success) tags.push(parsed.data);
      else {
        rejected++;
        this.logger.warn("oepl: skipping a tag record that does not parse", {
          ap: this.baseUrl,
          mac: (item as { mac?: unknown })?.mac,
          issue: parsed.error.issues[0]?.message,
        });
      }
    }
    return { tags, rejected };
  }

  async getDbPage(pos = 0): Promise<DbPage> {
    const path = pos > 0 ? `/get_db?pos=${pos}` : "/get_db";
    const raw = await this.getJson(path);
    const { tags, rejected } = this.parseTags(raw, path);
    const continu = (raw as { continu?: unknown }).continu;
    return typeof continu === "number" ? { tags, continu, rejected } : { tags, rejected };
  }

  /**
   * Every tag the AP can list, walking `continu`. The AP reads `pos` as a uint8, so once `continu`
   * passes 255 it cannot page further: `truncated` is then true and the caller may learn the remaining
   * MACs from {@link getSavedDbMacs} and ask for them one by one.
   */
  async getDb(): Promise<{ tags: OeplTag[]; truncated: boolean }> {
    const byMac = new Map<string, OeplTag>();
    let pos = 0;
    for (;;) {
      const page = await this.getDbPage(pos);
      for (const tag of page.tags) byMac.set(tag.mac, tag);
      if (page.continu === undefined) return { tags: [...byMac.values()], truncated: false };
      if (page.continu > OEPL_MAX_DB_POS || page.continu <= pos) {
        return { tags: [...byMac.values()], truncated: true };
      }
      pos = page.continu;
    }
  }

  /** One tag by MAC (`/get_db?mac=`); `undefined` when the AP does not know it. */
  async getTag(mac: string): Promise<OeplTag | undefined> {
    const path = `/get_db?mac=${normalizeMac(mac)}`;
    const { tags } = this.parseTags(await this.getJson(path), path);
    return tags[0];
  }

  /**
   * MACs from the AP's saved database file (`/current/tagDB.json`, rewritten every few minutes), for
   * tags beyond what `/get_db` can page to. The file is `[` + one pretty-printed `[{tag}]` per tag,
   * comma-separated + `]`, so it parses as an array of one-element arrays.
   */
  async getSavedDbMacs(): Promise<string[]> {
    const path = "/current/tagDB.json";
    const res = await this.request(path, { method: "GET" }, "network");
    const url = `${this.baseUrl}${path}`;
    if (res.status !== 200) {
      throw new OeplHttpError(`GET ${url} answered ${res.status}`, url, res.status, res.body.toString());
    }
    // A record skipped at index 0 leaves a leading comma; tolerate it rather than lose the whole list.
    const text = res.body.toString("utf8").replace(/^\s*\[\s*,/, "[");
    const doc = JSON.parse(text) as unknown;
    const macs: string[] = [];
    const visit = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(visit);
      else if (node && typeof node === "object" && typeof (node as { mac?: unknown }).mac === "string") {
        try {
          macs.push(normalizeMac((node as { mac: string }).mac));
        } catch {
          // not a tag record we can address
        }
      }
    };
    visit(doc);
    return macs;
  }

  /** `/tagtypes/XX.json`; `undefined` when the AP does not have the file (404). */
  async getTagType(hwType: number): Promise<unknown | undefined> {
    const path = `/tagtypes/${hwTypeHex(hwType)}.json`;
    const res = await this.request(path, { method: "GET" }, "network");
    if (res.status === 404) return undefined;
    const url = `${this.baseUrl}${path}`;
    if (res.status !== 200) {
      throw new OeplHttpError(`GET ${url} answered ${res.status}`, url, res.status, res.body.toString());
    }
    return JSON.parse(res.body.toString("utf8"));
  }

  /**
   * `POST /imgupload`. Current firmware answers 200 with an empty body whatever happened (the route's
   * own `send(200)` overrides the upload handler's answer), so the status proves nothing: whether the
   * image landed, was drawn and reached the tag shows only in `/get_db` (see the adapter).
   */
  async uploadImage(
    mac: string,
    jpeg: Uint8Array,
    options: UploadOptions = {},
  ): Promise<{ status: number; body: string }> {
    const canonical = normalizeMac(mac);
    const parts: MultipartPart[] = [
      { name: "mac", value: canonical },
      { name: "dither", value: String(options.dither ?? 0) },
      { name: "rotate", value: String(options.rotate ?? 0) },
    ];
    if (options.invert !== undefined) parts.push({ name: "invert", value: String(options.invert) });
    if (options.lut !== undefined) parts.push({ name: "lut", value: String(options.lut) });
    parts.push({ name: "file", value: jpeg, filename: `${canonical}.jpg`, contentType: "image/jpeg" });
    const { body, contentType } = buildMultipartBody(parts);
    const res = await this.request(
      "/imgupload",
      {
        method: "POST",
        headers: { "content-type": contentType },
        body: new Uint8Array(body),
        timeoutMs: this.uploadTimeoutMs,
      },
      "not-delivered",
    );
    return { status: res.status, body: res.body.toString("utf8") };
  }

  /** `GET /led_flash`: queues the 12-byte pattern for the tag's next check-in. */
  async ledFlash(mac: string, pattern: Uint8Array): Promise<string> {
    if (pattern.length !== LED_PATTERN_BYTES)
      throw new RangeError(`a LED pattern is ${LED_PATTERN_BYTES} bytes`);
    const path = `/led_flash?mac=${normalizeMac(mac)}&pattern=${ledPatternHex(pattern)}`;
    const res = await this.request(path, { method: "GET" }, "not-delivered");
    const text = res.body.toString("utf8");
    if (res.status !== 200) {
      throw new OeplHttpError(
        `led_flash answered ${res.status} ${text}`,
        `${this.baseUrl}${path}`,
        res.status,
        text,
      );
    }
    return text;
  }

  /** `POST /tag_cmd` with a urlencoded body (query parameters do not count on the AP's POST routes). */
  async tagCmd(mac: string, cmd: OeplTagCommand): Promise<string> {
    const body = new URLSearchParams({ mac: normalizeMac(mac), cmd }).toString();
    const res = await this.request(
      "/tag_cmd",
      { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body },
      "not-delivered",
    );
    const text = res.body.toString("utf8");
    if (res.status !== 200) {
      throw new OeplHttpError(
        `tag_cmd ${cmd} answered ${res.status} ${text}`,
        `${this.baseUrl}/tag_cmd`,
        res.status,
        text,
      );
    }
    return text;
  }
}
