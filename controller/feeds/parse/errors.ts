/** Why a feed body was refused before any row reached validation. */
export type FeedErrorCode = "syntax" | "encoding" | "too_large";

/**
 * A feed body that cannot be read as rows. `line` is the 1-based physical line where the offending
 * CSV record starts or the NDJSON line, the 1-based element index for a JSON array body, and 0 when
 * the JSON body as a whole is at fault (not an array, data after it). `reason` is the bare text for
 * API error details; `message` adds the location for logs.
 */
export class FeedSyntaxError extends Error {
  override readonly name = "FeedSyntaxError";
  readonly line: number;
  readonly field?: string;
  readonly code: FeedErrorCode;
  readonly reason: string;

  constructor(
    reason: string,
    line: number,
    options: {
      field?: string | undefined;
      code?: FeedErrorCode;
      unit?: "line" | "element";
      cause?: unknown;
    } = {},
  ) {
    const where = line === 0 ? "body" : `${options.unit ?? "line"} ${line}`;
    const field = options.field === undefined ? "" : ` (${options.field})`;
    super(`${where}${field}: ${reason}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.line = line;
    if (options.field !== undefined) this.field = options.field;
    this.code = options.code ?? "syntax";
    this.reason = reason;
  }
}
