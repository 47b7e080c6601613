import { FeedSyntaxError } from "./errors.ts";
import { describeJsonValue, isJsonObject } from "./json-value.ts";
import type { RawRecord, RecordParser } from "./types.ts";

/**
 * One JSON object per physical line; lines holding only JSON whitespace are skipped. Each line is
 * parsed on its own: joining lines into one array parse was measured slower, and it could not tell
 * which line broke.
 */
export class NdjsonParser implements RecordParser {
  readonly unit = "line";
  /** Physical line of the next text to be consumed. */
  private line = 1;
  /** An unfinished line, kept in pieces until its line feed arrives. */
  private pending: string[] = [];

  push(text: string, out: RawRecord[]): void {
    const n = text.length;
    let pos = 0;
    if (this.pending.length > 0) {
      const lf = text.indexOf("\n");
      if (lf < 0) {
        this.pending.push(text);
        return;
      }
      this.pending.push(text.slice(0, lf));
      const whole = this.pending.join("");
      this.pending = [];
      this.take(whole, out);
      pos = lf + 1;
    }
    while (pos < n) {
      const lf = text.indexOf("\n", pos);
      if (lf < 0) {
        this.pending.push(text.slice(pos));
        return;
      }
      if (lf === pos) this.line++;
      else this.take(text.slice(pos, lf), out);
      pos = lf + 1;
    }
  }

  end(out: RawRecord[]): void {
    if (this.pending.length === 0) return;
    const last = this.pending.join("");
    this.pending = [];
    this.take(last, out);
  }

  locate(newlinesAhead: number): number {
    return this.line + newlinesAhead;
  }

  private take(text: string, out: RawRecord[]): void {
    const line = this.line++;
    if (text.charCodeAt(0) !== 123 && isJsonWhitespace(text)) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new FeedSyntaxError(`invalid JSON: ${(e as Error).message}`, line, { cause: e });
    }
    if (!isJsonObject(value)) {
      throw new FeedSyntaxError(`must be a JSON object, found ${describeJsonValue(value)}`, line);
    }
    out.push({ line, row: value });
  }
}

function isJsonWhitespace(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10) return false;
  }
  return true;
}
