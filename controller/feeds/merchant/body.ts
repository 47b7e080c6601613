import { pipeline, Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { FeedSyntaxError } from "../parse/errors.ts";
import { DEFAULT_MAX_FEED_BYTES } from "../parse/index.ts";
import { type ByteSource, chunksOf } from "../parse/source.ts";
import type { ItemReader, LinedItem } from "./items.ts";
import { TsvItemReader } from "./tsv-items.ts";
import { XmlItemReader } from "./xml-scan.ts";

export type MerchantFormat = "xml" | "tsv";

/** Media types of Merchant Center bodies; a gzip or unlabelled body is recognised by its bytes. */
export const MERCHANT_MEDIA_TYPES: Record<MerchantFormat, readonly string[]> = {
  xml: ["application/rss+xml", "application/atom+xml", "application/xml", "text/xml"],
  tsv: ["text/tab-separated-values"],
};
const SNIFFED = new Set(["application/gzip", "application/x-gzip", "application/octet-stream", "text/plain"]);

/**
 * The format a Content-Type names, "sniff" when the body must tell (gzip, octet-stream, plain text,
 * none), or undefined for a type that is no Merchant Center feed.
 */
export function merchantFormatOf(
  contentType: string | undefined | null,
): MerchantFormat | "sniff" | undefined {
  if (!contentType) return "sniff";
  const type = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  for (const format of ["xml", "tsv"] as const)
    if (MERCHANT_MEDIA_TYPES[format].includes(type)) return format;
  return SNIFFED.has(type) ? "sniff" : undefined;
}

export interface ReadItemsOptions {
  /** The format, or undefined to tell from the first character (`<` is XML). */
  format?: MerchantFormat | undefined;
  /** The body is gzip (Content-Encoding: gzip); a gzip body is also recognised by its magic bytes. */
  gzip?: boolean | undefined;
  /** Largest body, after decompression (default 256 MiB). */
  maxBytes?: number | undefined;
  /** Local inventory is TSV only. */
  tsvOnly?: boolean | undefined;
  /** Told the format once the first text is seen. */
  onFormat?: (format: MerchantFormat) => void;
}

async function* withFirst(first: Uint8Array, rest: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield first;
  for (let r = await rest.next(); !r.done; r = await rest.next()) yield r.value;
}

/** The body's bytes, gunzipped when it is gzip (by header or by its first two bytes). */
async function* plainBytes(source: ByteSource, gzip: boolean): AsyncGenerator<Uint8Array> {
  const it = chunksOf(source)[Symbol.asyncIterator]();
  let first = await it.next();
  while (!first.done && first.value.byteLength === 0) first = await it.next();
  if (first.done) return;
  const head = first.value;
  const isGzip = gzip || (head[0] === 0x1f && head[1] === 0x8b);
  const all = withFirst(head, it);
  if (!isGzip) {
    yield* all;
    return;
  }
  const gunzip = createGunzip();
  // pipeline, not pipe: an error of the source (a transfer that broke off) must end the gunzip too.
  pipeline(Readable.from(all), gunzip, () => {});
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (e) {
    const zlibCode = (e as { code?: unknown }).code;
    if (typeof zlibCode !== "string" || !zlibCode.startsWith("Z_")) throw e;
    throw new FeedSyntaxError(`not a valid gzip body: ${(e as Error).message}`, 0, { cause: e });
  } finally {
    gunzip.destroy();
  }
}

/**
 * Streams the items of a Merchant Center body, one array per chunk that completed any, with memory
 * bounded by the largest item (never the whole document). Throws FeedSyntaxError for a body that
 * cannot be read at all: not UTF-8, not well-formed XML, over the size limit ("too_large").
 */
export async function* readMerchantItems(
  source: ByteSource,
  options: ReadItemsOptions = {},
): AsyncGenerator<LinedItem[]> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_FEED_BYTES;
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  let reader: ItemReader | undefined;
  let bytes = 0;
  const decode = (chunk?: Uint8Array) => {
    try {
      return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    } catch (e) {
      throw new FeedSyntaxError("not valid UTF-8", 0, { code: "encoding", cause: e });
    }
  };
  const start = (text: string): ItemReader => {
    const sniffed = text.trimStart().startsWith("<") ? "xml" : "tsv";
    const format = options.tsvOnly ? "tsv" : (options.format ?? sniffed);
    options.onFormat?.(format);
    return format === "xml" ? new XmlItemReader() : new TsvItemReader();
  };
  for await (const chunk of plainBytes(source, options.gzip ?? false)) {
    bytes += chunk.byteLength;
    if (bytes > maxBytes) {
      throw new FeedSyntaxError(`body is larger than the limit of ${maxBytes} bytes`, 0, {
        code: "too_large",
      });
    }
    const text = decode(chunk);
    if (text.length === 0) continue;
    reader ??= start(text);
    const out: LinedItem[] = [];
    reader.push(text, out);
    if (out.length > 0) yield out;
  }
  const tail = decode();
  reader ??= start(tail);
  const out: LinedItem[] = [];
  if (tail.length > 0) reader.push(tail, out);
  reader.end(out);
  if (out.length > 0) yield out;
}
