import { currencyExponent, isCurrencyCode } from "../../schemas/currency.ts";
import type { FeedRowError, PriceRow } from "../../schemas/index.ts";
import { plainDecimalToMinorIn } from "../../schemas/money.ts";
import { InstantError, parseInstant } from "../../schemas/time.ts";
import type { PriceColumns } from "../store/price-columns.ts";
import type { CsvRowSink } from "./parse/index.ts";

/** What a column of a prices CSV holds, for the fast path. */
const SKU = 0;
const PRICE = 1;
const CURRENCY = 2;
const FROM = 3;
const TO = 4;
/** A column the price row schema does not read (zod strips unknown keys). */
const OTHER = 5;
const FIELDS: Record<string, number> = {
  sku: SKU,
  price: PRICE,
  currency: CURRENCY,
  effectiveFrom: FROM,
  effectiveTo: TO,
};

/** Validates a row the generic way: the fast price row, then the zod schema to explain a failure. */
export type PriceRowCheck = (
  row: Record<string, unknown>,
) => { success: true; data: PriceRow } | { success: false; problems: Iterable<Omit<FeedRowError, "line">> };

/**
 * A prices CSV read straight into PriceColumns: the cells of an ordinary row (no quotes, no spaces
 * around values, a known currency in capitals, a plain decimal, instants that parse) are read where
 * they stand in the body's text, with no record, row or validated object made for it. Any row the
 * fast path is unsure of is made into the record object the generic path reads and validated by it
 * (`check`), so what a refused row reports (line, field, reason) is exactly what it always was; a
 * property test holds this path to the generic one (tests/price-csv-fast.test.ts).
 *
 * The reader calls it while parsing a piece of the body, before it knows the piece holds no syntax
 * error; the rows it read and the problems it found are handed over by `take`, after the piece: a
 * piece that throws is discarded whole, as the generic path never validated its records.
 */
export class PriceCsvSink implements CsvRowSink {
  /** Records given since the last `take` (all of them, for the row limit). */
  records = 0;
  /** Records counted as read since the last `take`: all of them unless the problems hit `maxErrors`. */
  read = 0;
  /** Problems found since the last `take`. */
  problems: FeedRowError[] = [];
  /** Problems reported before this piece (the limit counts them all). */
  private problemsBefore = 0;
  /** The column of each field in the header (-1 when absent); null when the fast path cannot apply. */
  private fields: Int8Array | null = null;
  /** The currency code last read, and its characters and exponent: a feed's rows nearly all share it. */
  private currency = "";
  private c0 = -1;
  private c1 = -1;
  private c2 = -1;
  private exponent = 0;

  constructor(
    private readonly columns: PriceColumns,
    private readonly timeZone: string,
    private readonly check: PriceRowCheck,
    private readonly maxErrors: number,
  ) {}

  /** The problems limit was reached: the rest of the body is not validated. */
  get full(): boolean {
    return this.problemsBefore + this.problems.length >= this.maxErrors;
  }

  /** Starts a new piece; `problemsBefore` is how many problems the batch has reported so far. */
  take(problemsBefore: number): void {
    this.records = 0;
    this.read = 0;
    this.problems = [];
    this.problemsBefore = problemsBefore;
  }

  header(keys: readonly string[]): void {
    const fields = new Int8Array(keys.length);
    let required = 0;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const field = Object.hasOwn(FIELDS, key) ? (FIELDS[key] as number) : OTHER;
      fields[i] = field;
      if (field === SKU || field === PRICE || field === CURRENCY) required++;
    }
    // Without a sku, price and currency column every row is refused: the generic path says why.
    this.fields = required === 3 ? fields : null;
  }

  plain(s: string, start: number, end: number, line: number): boolean {
    const fields = this.fields;
    if (fields === null || this.full) return false;
    const width = fields.length;
    let skuStart = -1;
    let skuEnd = -1;
    let priceStart = -1;
    let priceEnd = -1;
    let curStart = -1;
    let curEnd = -1;
    let fromStart = -1;
    let fromEnd = -1;
    let toStart = -1;
    let toEnd = -1;
    let col = 0;
    let p = start;
    for (;;) {
      let stop = s.indexOf(",", p);
      if (stop < 0 || stop > end) stop = end;
      if (col < width) {
        switch (fields[col]) {
          case SKU:
            skuStart = p;
            skuEnd = stop;
            break;
          case PRICE:
            priceStart = p;
            priceEnd = stop;
            break;
          case CURRENCY:
            curStart = p;
            curEnd = stop;
            break;
          case FROM:
            fromStart = p;
            fromEnd = stop;
            break;
          case TO:
            toStart = p;
            toEnd = stop;
            break;
        }
      }
      col++;
      if (stop === end) break;
      p = stop + 1;
    }
    // The wrong number of cells: the reader throws its syntax error.
    if (col !== width) return false;
    // The SKU: ID_PATTERN (a letter or digit, then up to 63 of letters, digits, ".", "_", "-"); none
    // of these is white space, so trimming would not change it.
    const skuLength = skuEnd - skuStart;
    if (skuLength < 1 || skuLength > 64) return false;
    if (!alphanumeric(s.charCodeAt(skuStart))) return false;
    for (let i = skuStart + 1; i < skuEnd; i++) {
      const c = s.charCodeAt(i);
      if (!alphanumeric(c) && c !== 46 && c !== 95 && c !== 45) return false;
    }
    // The currency: exactly a known code in capitals (the generic path trims and upper-cases).
    if (curEnd - curStart !== 3) return false;
    if (
      s.charCodeAt(curStart) !== this.c0 ||
      s.charCodeAt(curStart + 1) !== this.c1 ||
      s.charCodeAt(curStart + 2) !== this.c2
    ) {
      const code = s.slice(curStart, curEnd);
      if (!isCurrencyCode(code)) return false;
      this.currency = code;
      this.c0 = code.charCodeAt(0);
      this.c1 = code.charCodeAt(1);
      this.c2 = code.charCodeAt(2);
      this.exponent = currencyExponent(code) as number;
    }
    const amount = plainDecimalToMinorIn(s, priceStart, priceEnd, this.exponent);
    if (amount === undefined || amount < 0) return false;
    const from = fromStart === fromEnd ? Number.NaN : this.instant(s, fromStart, fromEnd);
    const to = toStart === toEnd ? Number.NaN : this.instant(s, toStart, toEnd);
    if (from === undefined || to === undefined) return false;
    if (to <= from) return false;
    this.records++;
    this.read++;
    this.columns.pushValues(line, s.slice(skuStart, skuEnd), amount, this.currency, from, to);
    return true;
  }

  record(line: number, row: Record<string, unknown>): void {
    this.records++;
    if (this.full) return;
    this.read++;
    const r = this.check(row);
    if (r.success) {
      this.columns.push(line, r.data);
      return;
    }
    for (const problem of r.problems) {
      this.problems.push({ line, ...problem });
      if (this.full) return;
    }
  }

  /** An instant cell as the generic path reads it (NaN: blank), or undefined when it must decide. */
  private instant(s: string, start: number, end: number): number | undefined {
    const text = s.slice(start, end).trim();
    if (text === "") return Number.NaN;
    try {
      return parseInstant(text, this.timeZone);
    } catch (e) {
      if (e instanceof InstantError) return undefined;
      throw e;
    }
  }
}

function alphanumeric(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
