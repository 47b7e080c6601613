import { Parser } from "csv-parse";
import { FeedSyntaxError } from "../parse/errors.ts";
import { attributeName, type ItemReader, type LinedItem } from "./items.ts";

/**
 * Items of a tab-separated Merchant Center feed: the first line names the attributes, every later
 * line is one item. Google's TSV has no quoting (a `"` is an ordinary character), so csv-parse runs
 * with `quote: false` and each record is exactly one physical line: the line number is the record
 * count. Blank lines are skipped; a row with another number of cells than the header is an item
 * problem (reported, and skipped with `?invalid=skip`), not the end of the batch.
 */
export class TsvItemReader implements ItemReader {
  private readonly parser = new Parser({
    delimiter: "\t",
    quote: false,
    relax_column_count: true,
    record_delimiter: ["\r\n", "\n"],
  });
  private header: string[] | undefined;
  private line = 0;

  push(text: string, out: LinedItem[]): void {
    this.parser.write(text);
    this.drain(out);
  }

  end(out: LinedItem[]): void {
    this.parser.end();
    this.drain(out);
    if (this.header === undefined) throw new FeedSyntaxError("the body has no header line", 0);
  }

  private drain(out: LinedItem[]): void {
    for (let cells = this.parser.read() as string[] | null; cells !== null; cells = this.parser.read()) {
      this.line++;
      if (cells.length === 1 && (cells[0] as string).trim() === "") continue;
      if (this.header === undefined) {
        this.setHeader(cells);
        continue;
      }
      const keys = this.header;
      const values: Record<string, string | undefined> = Object.create(null);
      const n = Math.min(keys.length, cells.length);
      for (let i = 0; i < n; i++) {
        const key = keys[i] as string;
        if (values[key] === undefined) values[key] = (cells[i] as string).trim();
      }
      const item: LinedItem = { line: this.line, values };
      if (cells.length !== keys.length) {
        item.problem = `expected ${keys.length} tab-separated cells (one per header column), found ${cells.length}`;
      }
      out.push(item);
    }
  }

  private setHeader(cells: string[]): void {
    const keys = cells.map(attributeName);
    const i = keys.indexOf("");
    if (i >= 0) throw new FeedSyntaxError(`header column ${i + 1} has no name`, this.line);
    this.header = keys;
  }
}
