import { FeedSyntaxError } from "./errors.ts";
import type { RawRecord, RecordParser } from "./types.ts";

// Scanner states.
/** Before the opening bracket. */
const START = 0;
/** After "[": an element or "]". */
const FIRST = 1;
/** After ",": an element. */
const NEXT = 2;
/** Inside an element. */
const ELEMENT = 3;
/** After an element: "," or "]". */
const AFTER = 4;
/** After "]": only whitespace. */
const DONE = 5;

const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;

/**
 * Streams a JSON array of row objects. `line` on records and errors is the 1-based element index
 * (a JSON body has no meaningful physical lines: it may be one line of megabytes); 0 blames the body
 * as a whole. A scanner follows strings and nesting only far enough to find where each top-level
 * element ends; the element's text then goes to `JSON.parse`, which does the real validation. So
 * memory is bounded by the largest element, not the body.
 */
export class JsonArrayParser implements RecordParser {
  readonly unit = "element";
  private state: number = START;
  private count = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Text of an element begun in an earlier chunk. */
  private pending: string[] = [];
  /** Start and end offsets of the elements found whole in the chunk being scanned. */
  private run: number[] = [];

  push(text: string, out: RawRecord[]): void {
    this.run.length = 0;
    try {
      this.scan(text, out);
    } finally {
      // Elements found before a fault are checked first, so the error names the earliest problem.
      this.flushRun(text, out);
    }
  }

  private scan(text: string, out: RawRecord[]): void {
    const n = text.length;
    let i = 0;
    let start = 0;
    while (i < n) {
      if (this.state === ELEMENT) {
        const close = this.scanElement(text, i);
        if (close < 0) {
          this.pending.push(text.slice(start));
          return;
        }
        if (this.pending.length > 0) {
          this.pending.push(text.slice(start, close));
          const element = this.pending.join("");
          this.pending = [];
          this.emit(element, out);
        } else {
          this.run.push(start, close);
        }
        this.state = AFTER;
        i = close;
        continue;
      }
      const c = text.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) {
        i++;
        continue;
      }
      switch (this.state) {
        case START:
          if (c !== OPEN_BRACKET)
            throw this.error(0, `must be a JSON array of row objects, found ${describe(c)}`);
          this.state = FIRST;
          break;
        case FIRST:
        case NEXT:
          if (c === OPEN_BRACE) {
            this.state = ELEMENT;
            this.depth = 1;
            start = i;
          } else if (c === CLOSE_BRACKET && this.state === FIRST) {
            this.state = DONE;
          } else if (c === CLOSE_BRACKET) {
            throw this.error(this.count + this.run.length / 2, "trailing comma before ]");
          } else {
            throw this.error(
              this.count + this.run.length / 2 + 1,
              `must be a JSON object, found ${describe(c)}`,
            );
          }
          break;
        case AFTER:
          if (c === COMMA) this.state = NEXT;
          else if (c === CLOSE_BRACKET) this.state = DONE;
          else
            throw this.error(
              this.count + this.run.length / 2,
              `expected , or ] after the element, found ${describe(c)}`,
            );
          break;
        default:
          throw this.error(0, `unexpected ${describe(c)} after the closing ]`);
      }
      i++;
    }
    if (this.state === ELEMENT) this.pending.push(text.slice(start));
  }

  /**
   * Parses the elements found whole in this chunk with one JSON.parse (measured faster than one call
   * per element). The scanner already fixed where each element starts and ends and that only commas
   * and whitespace lie between them, so a successful parse yields exactly those elements; on failure
   * each is parsed alone to name the bad one.
   */
  private flushRun(text: string, out: RawRecord[]): void {
    const run = this.run;
    const elements = run.length / 2;
    if (elements === 0) return;
    this.run = [];
    let rows: unknown;
    try {
      rows = JSON.parse(`[${text.slice(run[0], run[run.length - 1])}]`);
    } catch {
      rows = undefined;
    }
    if (Array.isArray(rows) && rows.length === elements) {
      for (const row of rows) out.push({ line: ++this.count, row: row as Record<string, unknown> });
      return;
    }
    for (let k = 0; k < run.length; k += 2) this.emit(text.slice(run[k], run[k + 1]), out);
  }

  end(_out: RawRecord[]): void {
    switch (this.state) {
      case DONE:
        return;
      case START:
        throw this.error(0, "is empty; expected a JSON array of row objects");
      case ELEMENT:
        throw this.error(this.count + 1, "ends inside this element");
      default:
        throw this.error(this.count, "ends before the closing ] of the array");
    }
  }

  locate(_newlinesAhead: number): number {
    return this.state === ELEMENT ? this.count + 1 : this.count;
  }

  /**
   * Advances through an element from `from`; returns the offset just past its closing brace, or -1
   * when the chunk ends first (the string/escape/depth state carries over to the next chunk).
   */
  private scanElement(s: string, from: number): number {
    const n = s.length;
    let i = from;
    let depth = this.depth;
    let inString = this.inString;
    let escaped = this.escaped;
    let result = -1;
    while (i < n) {
      if (inString) {
        if (escaped) {
          escaped = false;
          i++;
          continue;
        }
        // Jump to the next quote not escaped by an odd run of backslashes. Backslashes before `i`
        // are settled: the previous chunk's trailing run is carried as `escaped`.
        let q = s.indexOf('"', i);
        while (q >= 0 && oddBackslashesBefore(s, q, i)) q = s.indexOf('"', q + 1);
        if (q < 0) {
          escaped = oddBackslashesBefore(s, n, i);
          i = n;
          break;
        }
        inString = false;
        i = q + 1;
        continue;
      }
      const c = s.charCodeAt(i++);
      if (c === QUOTE) inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --depth === 0) {
        result = i;
        break;
      }
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    return result;
  }

  private emit(element: string, out: RawRecord[]): void {
    const index = this.count + 1;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(element) as Record<string, unknown>;
    } catch (e) {
      throw new FeedSyntaxError(`invalid JSON: ${(e as Error).message}`, index, {
        unit: "element",
        cause: e,
      });
    }
    // The text began with "{" and parsed, so it is an object.
    this.count = index;
    out.push({ line: index, row });
  }

  private error(index: number, reason: string): FeedSyntaxError {
    return new FeedSyntaxError(reason, index, { unit: "element" });
  }
}

function oddBackslashesBefore(s: string, at: number, floor: number): boolean {
  let k = at - 1;
  while (k >= floor && s.charCodeAt(k) === BACKSLASH) k--;
  return ((at - 1 - k) & 1) === 1;
}

function describe(c: number): string {
  if (c === OPEN_BRACE) return "an object";
  if (c === OPEN_BRACKET) return "an array";
  if (c === QUOTE) return "a string";
  if (c === 45 || (c >= 48 && c <= 57)) return "a number";
  if (c === 116 || c === 102) return "a boolean";
  if (c === 110) return "null";
  return `"${String.fromCharCode(c)}"`;
}
