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
