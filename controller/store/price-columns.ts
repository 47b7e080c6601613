import type { PriceRow } from "../../schemas/feeds.ts";

/**
 * A batch's validated price rows held column by column until its apply: per row a SKU string and
 * numbers in arrays, instead of a row object and its wrapper. A 100,000-row feed otherwise kept
 * 200,000 objects alive across the body's read, and the young-generation collector copied each of
 * them (twice) before promoting it; what a row validates to is made, read into the columns, and
 * dropped while still young.
 */
export class PriceColumns {
  readonly lines: number[] = [];
  readonly skus: string[] = [];
  readonly amounts: number[] = [];
  readonly currencies: string[] = [];
  /** Unix ms; NaN = absent (a number array of one kind stays unboxed). */
  readonly froms: number[] = [];
  /** Unix ms, exclusive; NaN = absent. */
  readonly tos: number[] = [];

  get length(): number {
    return this.lines.length;
  }

  push(line: number, row: PriceRow): void {
    this.lines.push(line);
    this.skus.push(row.sku);
    this.amounts.push(row.amountMinor);
    this.currencies.push(row.currency);
    this.froms.push(row.effectiveFrom ?? Number.NaN);
    this.tos.push(row.effectiveTo ?? Number.NaN);
  }
}
