/** One row as read from the body, before validation. See FeedSyntaxError for what `line` counts. */
export interface RawRecord {
  line: number;
  row: Record<string, unknown>;
}

/**
 * A format's incremental reader over decoded text. `push` may be called with text cut anywhere
 * (mid-record, mid-quote, between CR and LF); complete records are appended to `out`.
 */
export interface RecordParser {
  push(text: string, out: RawRecord[]): void;
  /** The body is complete: emit what is left or throw if it is unfinished. */
  end(out: RawRecord[]): void;
  /**
   * The location to blame for a problem found in bytes not yet handed to `push` (bad UTF-8, size
   * limit), given how many line feeds precede it in those bytes.
   */
  locate(newlinesAhead: number): number;
  readonly unit: "line" | "element";
}

/**
 * Where a CSV reader hands its records instead of `out` (a prices batch read straight into columns,
 * controller/feeds/price-csv.ts). Called synchronously, in record order; a record the sink does not
 * take from the text is handed to `record` as the object `out` would have held.
 */
export interface CsvRowSink {
  /** The header's names, trimmed, one per column. */
  header(keys: readonly string[]): void;
  /**
   * A record without quotes or carriage returns at `text[start, end)` (no line ending): true when the
   * sink took it as it stands; false when it is unsure, and the record then comes to `record`
   * (or, with the wrong number of cells, the reader throws as it would have).
   */
  plain(text: string, start: number, end: number, line: number): boolean;
  record(line: number, row: Record<string, unknown>): void;
}
