import type { PriceRow } from "../../schemas/feeds.ts";

/** Rows the columns have room for at first; they double when full. */
const FIRST_CAPACITY = 1024;

/**
 * A batch's validated price rows held column by column until its apply: per row a SKU string and
 * numbers in arrays, instead of a row object and its wrapper. A 100,000-row feed otherwise kept
 * 200,000 objects alive across the body's read, and the young-generation collector copied each of
 * them (twice) before promoting it; what a row validates to is made, read into the columns, and
 * dropped while still young.
 *
 * The numbers are typed arrays that double when full: a `push` onto each of four growing JavaScript
 * arrays cost ~0.5 µs a row in all (their backing stores reallocated and copied as they grow), a
 * store into a typed array next to nothing. Their `length` is their capacity: read `length` here.
 */
export class PriceColumns {
  private size = 0;
  lines = new Float64Array(FIRST_CAPACITY);
  readonly skus: string[] = [];
  amounts = new Float64Array(FIRST_CAPACITY);
  readonly currencies: string[] = [];
  /** Unix ms; NaN = absent. */
  froms = new Float64Array(FIRST_CAPACITY);
  /** Unix ms, exclusive; NaN = absent. */
  tos = new Float64Array(FIRST_CAPACITY);

  get length(): number {
    return this.size;
  }

  push(line: number, row: PriceRow): void {
    this.pushValues(
      line,
      row.sku,
      row.amountMinor,
      row.currency,
      row.effectiveFrom ?? Number.NaN,
      row.effectiveTo ?? Number.NaN,
    );
  }

  /** One row as its values (instants NaN when absent): the CSV price path has no row object. */
  pushValues(
    line: number,
    sku: string,
    amountMinor: number,
    currency: string,
    from: number,
    to: number,
  ): void {
    const i = this.size;
    if (i === this.lines.length) this.grow();
    this.lines[i] = line;
    this.skus.push(sku);
    this.amounts[i] = amountMinor;
    this.currencies.push(currency);
    this.froms[i] = from;
    this.tos[i] = to;
    this.size = i + 1;
  }

  private grow(): void {
    const twice = (a: Float64Array) => {
      const b = new Float64Array(a.length * 2);
      b.set(a);
      return b;
    };
    this.lines = twice(this.lines);
    this.amounts = twice(this.amounts);
    this.froms = twice(this.froms);
    this.tos = twice(this.tos);
  }
}
