import { FeedSyntaxError } from "../parse/errors.ts";
import { attributeName, bareRecord, type ItemReader, type LinedItem } from "./items.ts";

/**
 * Items of a tab-separated Merchant Center feed: the first line names the attributes, every later
 * line is one item. Google's TSV has no quoting (a `"` is an ordinary character), so each record is
 * exactly one physical line, ended by `\n` or `\r\n` (a lone `\r` is an ordinary character), and its
 * cells are what lies between tabs: the line number is the record count. Blank lines are skipped; a
 * row with another number of cells than the header is an item problem (reported, and skipped with
 * `?invalid=skip`), not the end of the batch.
 *
 * The lines are split here rather than by csv-parse (`delimiter: "\t"`, `quote: false`, which reads
 * the same records: tests/merchant-tsv-split.test.ts holds the two to each other on generated
 * bodies cut anywhere): without quoting there is nothing for a CSV state machine to do, and it was
 * a tenth of a 200,000-item import.
 */
export class TsvItemReader implements ItemReader {
  private header: string[] | undefined;
  /** The header's keys, each kept only at its first column (a repeated attribute keeps its first). */
  private firstOf: boolean[] = [];
  private line = 0;
  /** The unfinished last line of the text so far. */
  private carry = "";

  push(text: string, out: LinedItem[]): void {
    const first = text.indexOf("\n");
    if (first < 0) {
      // No line ends here: only append (a long line arriving in many chunks is not searched again).
      this.carry += text;
      return;
    }
    const s = this.carry.length > 0 ? this.carry + text : text;
    let start = 0;
    for (let nl = first + s.length - text.length; nl >= 0; nl = s.indexOf("\n", start)) {
      const end = nl > start && s.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.record(s.slice(start, end), out);
      start = nl + 1;
    }
    this.carry = start === 0 ? s : s.slice(start);
  }

  end(out: LinedItem[]): void {
    if (this.carry.length > 0) this.record(this.carry, out);
    this.carry = "";
    if (this.header === undefined) throw new FeedSyntaxError("the body has no header line", 0);
  }

  private record(text: string, out: LinedItem[]): void {
    this.line++;
    const cells = text.split("\t");
    if (cells.length === 1 && (cells[0] as string).trim() === "") return;
    const keys = this.header;
    if (keys === undefined) {
      this.setHeader(cells);
      return;
    }
    const values = bareRecord<string | undefined>();
    const firstOf = this.firstOf;
    const n = Math.min(keys.length, cells.length);
    for (let i = 0; i < n; i++) if (firstOf[i]) values[keys[i] as string] = (cells[i] as string).trim();
    const item: LinedItem = { line: this.line, values };
    if (cells.length !== keys.length) {
      item.problem = `expected ${keys.length} tab-separated cells (one per header column), found ${cells.length}`;
    }
    out.push(item);
  }

  private setHeader(cells: string[]): void {
    const keys = cells.map(attributeName);
    const i = keys.indexOf("");
    if (i >= 0) throw new FeedSyntaxError(`header column ${i + 1} has no name`, this.line);
    this.header = keys;
    this.firstOf = keys.map((k, j) => keys.indexOf(k) === j);
  }
}
