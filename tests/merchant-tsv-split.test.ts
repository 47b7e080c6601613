import { Parser } from "csv-parse";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { attributeName, type ItemReader, type LinedItem } from "../controller/feeds/merchant/items.ts";
import { TsvItemReader } from "../controller/feeds/merchant/tsv-items.ts";
import { FeedSyntaxError } from "../controller/feeds/parse/errors.ts";

/**
 * The TSV item reader splits lines and tabs itself; the oracle is the reader it replaced, csv-parse
 * with Google's TSV settings (tab, no quoting, `\n` or `\r\n`). Both must give the same items (line,
 * attribute values, row problem) and the same syntax errors on any body cut into any chunks.
 */
class CsvParseTsvReader implements ItemReader {
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
        const keys = cells.map(attributeName);
        const i = keys.indexOf("");
        if (i >= 0) throw new FeedSyntaxError(`header column ${i + 1} has no name`, this.line);
        this.header = keys;
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
}

function readAll(reader: ItemReader, chunks: string[]): { items: unknown[]; error?: string } {
  const out: LinedItem[] = [];
  try {
    for (const c of chunks) reader.push(c, out);
    reader.end(out);
  } catch (e) {
    if (!(e instanceof FeedSyntaxError)) throw e;
    return { items: plain(out), error: `${e.line}: ${e.reason}` };
  }
  return { items: plain(out) };
}
const plain = (items: LinedItem[]) => items.map((it) => ({ ...it, values: { ...it.values } }));

/** Cut `text` at the given fractions (the decoder hands the reader any piece of the body). */
function cut(text: string, at: number[]): string[] {
  const points = [...new Set(at.map((f) => Math.floor(f * text.length)))].sort((a, b) => a - b);
  const out: string[] = [];
  let from = 0;
  for (const p of points) {
    out.push(text.slice(from, p));
    from = p;
  }
  out.push(text.slice(from));
  return out;
}

const header = fc.constantFrom(
  "id\ttitle\tprice\n",
  "g:id\tTitle\tg:price\tid\r\n",
  "id\t\tprice\n",
  "\n\n  \r\nid\tprice\n",
  "",
);
const body = fc.string({
  unit: fc.constantFrom("a", "1", " ", "\t", "\n", "\r", '"', "é", "\r\n"),
  maxLength: 60,
});

describe("TSV items: the hand-written split reads what csv-parse read", () => {
  it("gives the same items and errors on generated bodies cut anywhere (property)", () => {
    fc.assert(
      fc.property(
        header,
        body,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
        (head, rest, at) => {
          const text = head + rest;
          const chunks = cut(text, at);
          expect(readAll(new TsvItemReader(), chunks)).toEqual(readAll(new CsvParseTsvReader(), [text]));
          expect(readAll(new TsvItemReader(), [text])).toEqual(readAll(new CsvParseTsvReader(), chunks));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("counts blank lines, keeps a lone \\r in a cell, keeps the first of a repeated attribute", () => {
    const text = 'id\tprice\tID\r\n\r\nA1\t1.00 EUR\tX\n"B\t2 EUR\t\rY\nC\r\tx';
    const got = readAll(new TsvItemReader(), cut(text, [0.1, 0.33, 0.5, 0.9]));
    expect(got).toEqual(readAll(new CsvParseTsvReader(), [text]));
    expect(got.items).toEqual([
      { line: 3, values: { id: "A1", price: "1.00 EUR" } },
      { line: 4, values: { id: '"B', price: "2 EUR" } },
      {
        line: 5,
        values: { id: "C", price: "x" },
        problem: "expected 3 tab-separated cells (one per header column), found 2",
      },
    ]);
  });

  it("a long line arriving in many chunks is read whole", () => {
    const title = "t".repeat(200_000);
    const text = `id\ttitle\nA\t${title}\n`;
    const chunks = Array.from({ length: Math.ceil(text.length / 1000) }, (_, i) =>
      text.slice(i * 1000, (i + 1) * 1000),
    );
    expect(readAll(new TsvItemReader(), chunks).items).toEqual([{ line: 2, values: { id: "A", title } }]);
  });
});
