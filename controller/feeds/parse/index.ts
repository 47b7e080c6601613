import { FEED_MEDIA_TYPES, type FeedFormat } from "../../../schemas/feeds.ts";
import { CsvParser } from "./csv.ts";
import { FeedSyntaxError } from "./errors.ts";
import { JsonArrayParser } from "./json-array.ts";
import { NdjsonParser } from "./ndjson.ts";
import { type ByteSource, chunksOf } from "./source.ts";
import type { CsvRowSink, RawRecord, RecordParser } from "./types.ts";
import { countLineFeeds, firstInvalidUtf8 } from "./utf8.ts";

export type { FeedFormat } from "../../../schemas/feeds.ts";
export { type FeedErrorCode, FeedSyntaxError } from "./errors.ts";
export type { ByteSource } from "./source.ts";
export type { CsvRowSink, RawRecord } from "./types.ts";

export const DEFAULT_MAX_FEED_BYTES = 256 * 1024 * 1024;

export interface ParseFeedOptions {
  /** Bodies larger than this are refused with code "too_large" (default 256 MiB). */
  maxBytes?: number;
  /**
   * A CSV body's records go to this sink as they are read (see CsvRowSink), and the arrays yielded
   * stay empty: one is yielded after each piece of the body, for the caller to read the sink's
   * progress. Other formats ignore it.
   */
  csvSink?: CsvRowSink;
}

const FORMAT_BY_MEDIA_TYPE = new Map<string, FeedFormat>(
  (Object.keys(FEED_MEDIA_TYPES) as FeedFormat[]).flatMap((format) =>
    FEED_MEDIA_TYPES[format].map((type) => [type, format] as const),
  ),
);

/** The feed format for a Content-Type header value; parameters such as charset are ignored. */
export function formatFromContentType(contentType: string | undefined): FeedFormat | undefined {
  if (contentType === undefined) return undefined;
  const semicolon = contentType.indexOf(";");
  const mediaType = (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  return FORMAT_BY_MEDIA_TYPE.get(mediaType);
}

function createParser(format: FeedFormat, csvSink?: CsvRowSink): RecordParser {
  switch (format) {
    case "csv":
      return new CsvParser(csvSink);
    case "ndjson":
      return new NdjsonParser();
    case "json":
      return new JsonArrayParser();
  }
}

/**
 * Streams raw records out of a feed body. Yields one array per incoming chunk that completed any
 * record (never an empty one), so the per-row cost stays synchronous. Throws FeedSyntaxError at the
 * first malformed spot; records yielded before it were well-formed, but the batch as a whole is not.
 */
export async function* parseFeed(
  source: ByteSource,
  format: FeedFormat,
  options: ParseFeedOptions = {},
): AsyncGenerator<RawRecord[]> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_FEED_BYTES;
  const sinking = format === "csv" && options.csvSink !== undefined;
  const parser = createParser(format, sinking ? options.csvSink : undefined);
  // ignoreBOM keeps a BOM in the text so it is stripped in one place for streams and strings.
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  let bytes = 0;
  let atStart = true;
  for await (const chunk of chunksOf(source)) {
    bytes += chunk.byteLength;
    if (bytes > maxBytes) throw tooLarge(parser, maxBytes);
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch (e) {
      const bad = firstInvalidUtf8(chunk);
      throw encodingError(parser, bad < 0 ? 0 : countLineFeeds(chunk, bad), e);
    }
    if (atStart && text.length > 0) {
      atStart = false;
      text = stripBom(text);
    }
    const out: RawRecord[] = [];
    parser.push(text, out);
    if (out.length > 0 || sinking) yield out;
  }
  let tail: string;
  try {
    tail = decoder.decode();
  } catch (e) {
    throw encodingError(parser, 0, e);
  }
  const out: RawRecord[] = [];
  parser.push(atStart ? stripBom(tail) : tail, out);
  parser.end(out);
  if (out.length > 0 || sinking) yield out;
}

/** The whole body at once, for tests and small bodies; same rules and errors as parseFeed. */
export function parseFeedText(text: string, format: FeedFormat, options: ParseFeedOptions = {}): RawRecord[] {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_FEED_BYTES;
  const parser = createParser(format);
  // Only measure when the UTF-16 length says the UTF-8 size could exceed the limit.
  if (text.length * 3 > maxBytes && Buffer.byteLength(text) > maxBytes) throw tooLarge(parser, maxBytes);
  const out: RawRecord[] = [];
  parser.push(stripBom(text), out);
  parser.end(out);
  return out;
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function tooLarge(parser: RecordParser, maxBytes: number): FeedSyntaxError {
  return new FeedSyntaxError(`body is larger than the limit of ${maxBytes} bytes`, parser.locate(0), {
    code: "too_large",
    unit: parser.unit,
  });
}

function encodingError(parser: RecordParser, newlinesAhead: number, cause: unknown): FeedSyntaxError {
  return new FeedSyntaxError("not valid UTF-8", parser.locate(newlinesAhead), {
    code: "encoding",
    unit: parser.unit,
    cause,
  });
}
