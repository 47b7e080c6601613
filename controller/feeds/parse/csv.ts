import { excerpt } from "../../../schemas/excerpt.ts";
import { FeedSyntaxError } from "./errors.ts";
import type { CsvRowSink, RawRecord, RecordParser } from "./types.ts";

const COMMA = 44;
const LF = 10;
const CR = 13;
const QUOTE = 34;

interface SlowRecord {
  cells: string[];
  /** Offset just past the record's line ending. */
  next: number;
  /** Physical line after the record (quoted fields may hold line feeds). */
  nextLine: number;
}

/**
 * RFC 4180 reader: the first non-blank record is the header, each later record becomes an object
 * keyed by it. Records without quotes take a path built on native `indexOf` (most feed rows);
 * records with quotes or stray CRs go through a character state machine.
 *
 * An unfinished record at the end of a pushed chunk is held as pieces plus its quote parity, so a
 * record that spans many chunks (a huge quoted cell, or an unterminated quote) is scanned once per
 * chunk, not re-read from its start each time.
 *
 * With a `sink`, records go to it instead of `out` (see CsvRowSink), as they are read.
 */
export class CsvParser implements RecordParser {
  readonly unit = "line";
  constructor(private readonly sink?: CsvRowSink) {}
  private keys: string[] | undefined;
  /** Physical line where the not yet consumed text starts. */
  private line = 1;
  private pending: string[] = [];
  private pendingQuoted = false;
  private pendingNewlines = 0;
  /** The pending text already holds a record end, so the next push must re-read it at once. */
  private pendingEnds = false;

  push(text: string, out: RawRecord[]): void {
    if (text.length === 0) return;
    let input = text;
    if (this.pending.length > 0) {
      if (!this.pendingEnds && !this.track(text)) {
        this.pending.push(text);
        return;
      }
      this.pending.push(text);
      input = this.pending.join("");
      this.clearPending();
    }
    const used = this.read(input, false, out);
    if (used < input.length) this.hold(input.slice(used));
  }

  end(out: RawRecord[]): void {
    if (this.pending.length === 0) return;
    const input = this.pending.join("");
    this.clearPending();
    this.read(input, true, out);
  }

  locate(newlinesAhead: number): number {
    return this.line + this.pendingNewlines + newlinesAhead;
  }

  private clearPending(): void {
    this.pending = [];
    this.pendingQuoted = false;
    this.pendingNewlines = 0;
    this.pendingEnds = false;
  }

  private hold(rest: string): void {
    this.pending = [];
    this.pendingQuoted = false;
    this.pendingNewlines = 0;
    this.pendingEnds = this.track(rest);
    this.pending.push(rest);
  }

  /**
   * Follows quote parity through text that continues the pending record; true at the first line
   * feed outside quotes (which ends the record; the exact parse happens on re-read).
   */
  private track(text: string): boolean {
    let quoted = this.pendingQuoted;
    let newlines = this.pendingNewlines;
    let nextLf = text.indexOf("\n");
    let i = 0;
    let ended = false;
    for (;;) {
      const q = text.indexOf('"', i);
      if (quoted) {
        const stop = q < 0 ? text.length : q;
        while (nextLf >= 0 && nextLf < stop) {
          newlines++;
          nextLf = text.indexOf("\n", nextLf + 1);
        }
        if (q < 0) break;
        quoted = false;
      } else {
        if (nextLf >= 0 && (q < 0 || nextLf < q)) {
          ended = true;
          break;
        }
        if (q < 0) break;
        quoted = true;
      }
      i = q + 1;
    }
    this.pendingQuoted = quoted;
    this.pendingNewlines = newlines;
    return ended;
  }

  /** Reads whole records from `s`; returns how much was consumed (the rest is an unfinished record). */
  private read(s: string, final: boolean, out: RawRecord[]): number {
    const n = s.length;
    let pos = 0;
    let line = this.line;
    // Next quote / CR / comma at or after `pos`, found once and reused until passed, so rows
    // without them never cost a rescan of the rest of the chunk.
    let nextQuote = -1;
    let nextCr = -1;
    let nextComma = -1;
    while (pos < n) {
      let eol = s.indexOf("\n", pos);
      if (eol < 0) {
        if (!final) break;
        eol = n;
      }
      if (nextQuote < pos) nextQuote = indexOrEnd(s, '"', pos);
      if (nextCr < pos) nextCr = indexOrEnd(s, "\r", pos);
      let end = eol;
      if (nextCr === eol - 1) end = eol - 1;
      if (end === pos) {
        pos = eol + 1;
        line++;
        continue;
      }
      const keys = this.keys;
      if (keys === undefined || nextQuote < end || nextCr < end) {
        const record = this.readSlow(s, pos, line, final);
        if (record === undefined) break;
        if (keys === undefined) this.setHeader(record.cells, line);
        else if (this.sink !== undefined) this.sink.record(line, this.toRow(record.cells, line));
        else out.push({ line, row: this.toRow(record.cells, line) });
        pos = record.next;
        line = record.nextLine;
        continue;
      }
      if (this.sink?.plain(s, pos, end, line)) {
        pos = eol + 1;
        line++;
        continue;
      }
      const width = keys.length;
      const row: Record<string, unknown> = {};
      let col = 0;
      let p = pos;
      for (;;) {
        if (nextComma < p) nextComma = indexOrEnd(s, ",", p);
        const stop = Math.min(nextComma, end);
        if (col < width) row[keys[col]!] = s.slice(p, stop);
        col++;
        if (stop === end) break;
        p = stop + 1;
      }
      if (col !== width) throw cellCountError(line, width, col);
      if (this.sink !== undefined) this.sink.record(line, row);
      else out.push({ line, row });
      pos = eol + 1;
      line++;
    }
    this.line = line;
    return Math.min(pos, n);
  }

  /**
   * Reads one record that may hold quoted fields, starting at `start`. Returns undefined when the
   * record is not finished within `s` and more input may follow.
   */
  private readSlow(s: string, start: number, line: number, final: boolean): SlowRecord | undefined {
    const n = s.length;
    const cells: string[] = [];
    let p = start;
    let ln = line;
    for (;;) {
      let value: string;
      if (p < n && s.charCodeAt(p) === QUOTE) {
        let from = p + 1;
        let q = from;
        let text = "";
        for (;;) {
          if (q >= n) {
            if (!final) return undefined;
            throw new FeedSyntaxError("quoted field is never closed (missing closing quote)", line, {
              field: this.keys?.[cells.length],
            });
          }
          const c = s.charCodeAt(q);
          if (c === QUOTE) {
            if (q + 1 >= n && !final) return undefined;
            if (q + 1 < n && s.charCodeAt(q + 1) === QUOTE) {
              text += s.slice(from, q + 1);
              q += 2;
              from = q;
              continue;
            }
            value = text + s.slice(from, q);
            p = q + 1;
            break;
          }
          if (c === LF) ln++;
          q++;
        }
      } else {
        let q = p;
        while (q < n) {
          const c = s.charCodeAt(q);
          if (c === COMMA || c === LF || c === CR) break;
          if (c === QUOTE) {
            throw new FeedSyntaxError(
              'quote inside an unquoted field (quote the whole field and write a literal quote as "")',
              line,
              { field: this.keys?.[cells.length] },
            );
          }
          q++;
        }
        value = s.slice(p, q);
        p = q;
      }
      cells.push(value);
      if (p >= n) {
        if (!final) return undefined;
        return { cells, next: n, nextLine: ln };
      }
      const c = s.charCodeAt(p);
      if (c === COMMA) {
        p++;
        continue;
      }
      if (c === LF) return { cells, next: p + 1, nextLine: ln + 1 };
      if (c === CR) {
        if (p + 1 < n) {
          if (s.charCodeAt(p + 1) === LF) return { cells, next: p + 2, nextLine: ln + 1 };
        } else {
          if (!final) return undefined;
          return { cells, next: n, nextLine: ln };
        }
        throw new FeedSyntaxError("carriage return outside quotes must be followed by a line feed", line, {
          field: this.keys?.[cells.length - 1],
        });
      }
      throw new FeedSyntaxError(
        "unexpected character after a closing quote (expected , or end of line)",
        line,
        {
          field: this.keys?.[cells.length - 1],
        },
      );
    }
  }

  private toRow(cells: string[], line: number): Record<string, unknown> {
    const keys = this.keys!;
    if (cells.length !== keys.length) throw cellCountError(line, keys.length, cells.length);
    const row: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) row[keys[i]!] = cells[i];
    return row;
  }

  private setHeader(cells: string[], line: number): void {
    const keys = cells.map((c) => c.trim());
    const seen = new Set<string>();
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (key === "") throw new FeedSyntaxError(`header column ${i + 1} has no name`, line);
      // Assigning "__proto__" on a plain object would replace its prototype instead of adding a key.
      if (key === "__proto__") throw new FeedSyntaxError('"__proto__" is not allowed as a column name', line);
      if (seen.has(key))
        throw new FeedSyntaxError(`header column "${excerpt(key)}" appears more than once`, line);
      seen.add(key);
    }
    // Each record's object is keyed by these names: as strings V8 has already internalized (what
    // an object literal's keys are), each keyed store finds its property without first looking
    // the name up in the string table (100,000 price rows: parse + validation CPU 158-222 -> 117-163 ms,
    // medians of 9, alternated runs at load ~9).
    this.keys = keys.map(internalized);
    this.sink?.header(this.keys);
  }
}

/** The same text as a property name V8 has already internalized (object literal keys are). */
function internalized(key: string): string {
  return Object.keys({ [key]: 0 })[0] ?? key;
}

function indexOrEnd(s: string, needle: string, from: number): number {
  const i = s.indexOf(needle, from);
  return i < 0 ? s.length : i;
}

function cellCountError(line: number, expected: number, actual: number): FeedSyntaxError {
  return new FeedSyntaxError(
    `expected ${expected} ${expected === 1 ? "cell" : "cells"} (one per header column), found ${actual}`,
    line,
  );
}
