import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type FeedFormat,
  FeedSyntaxError,
  formatFromContentType,
  parseFeed,
  parseFeedText,
  type RawRecord,
} from "../controller/feeds/parse/index.ts";

const encoder = new TextEncoder();

async function* fromChunks(chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield chunk;
}

async function collect(
  chunks: Uint8Array[],
  format: FeedFormat,
  options?: { maxBytes?: number },
): Promise<RawRecord[]> {
  const records: RawRecord[] = [];
  for await (const batch of parseFeed(fromChunks(chunks), format, options)) {
    expect(batch.length).toBeGreaterThan(0);
    records.push(...batch);
  }
  return records;
}

/** The body cut into two pieces at every byte offset (including inside multi-byte characters). */
function everySplit(bytes: Uint8Array): Uint8Array[][] {
  const splits: Uint8Array[][] = [];
  for (let k = 0; k <= bytes.length; k++) splits.push([bytes.subarray(0, k), bytes.subarray(k)]);
  return splits;
}

function oneBytePerChunk(bytes: Uint8Array): Uint8Array[] {
  return Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
}

function syncError(text: string, format: FeedFormat): FeedSyntaxError {
  try {
    parseFeedText(text, format);
  } catch (e) {
    expect(e).toBeInstanceOf(FeedSyntaxError);
    return e as FeedSyntaxError;
  }
  throw new Error(`expected a FeedSyntaxError for ${JSON.stringify(text)}`);
}

async function streamError(
  chunks: Uint8Array[],
  format: FeedFormat,
  options?: { maxBytes?: number },
): Promise<FeedSyntaxError> {
  try {
    await collect(chunks, format, options);
  } catch (e) {
    expect(e).toBeInstanceOf(FeedSyntaxError);
    return e as FeedSyntaxError;
  }
  throw new Error("expected a FeedSyntaxError");
}

describe("formatFromContentType", () => {
  it("maps every feed media type, ignoring parameters and case", () => {
    expect(formatFromContentType("text/csv")).toBe("csv");
    expect(formatFromContentType("Text/CSV; charset=utf-8")).toBe("csv");
    expect(formatFromContentType("application/x-ndjson")).toBe("ndjson");
    expect(formatFromContentType("application/jsonl;charset=UTF-8")).toBe("ndjson");
    expect(formatFromContentType(" application/ndjson ")).toBe("ndjson");
    expect(formatFromContentType("application/json; charset=utf-8")).toBe("json");
  });

  it("returns undefined for anything else", () => {
    expect(formatFromContentType(undefined)).toBeUndefined();
    expect(formatFromContentType("")).toBeUndefined();
    expect(formatFromContentType("text/plain")).toBeUndefined();
    expect(formatFromContentType("application/jsonx")).toBeUndefined();
  });
});

describe("CSV", () => {
  it("keys rows by the trimmed header, keeps cells as untrimmed strings and counts lines from the header", () => {
    const records = parseFeedText(" sku , price,currency\nA1,2.49,EUR\nB2, 3.10 ,\n", "csv");
    expect(records).toEqual([
      { line: 2, row: { sku: "A1", price: "2.49", currency: "EUR" } },
      { line: 3, row: { sku: "B2", price: " 3.10 ", currency: "" } },
    ]);
  });

  it("strips a BOM, accepts CRLF, skips blank lines and ignores the trailing line ending", () => {
    const text = "\uFEFFsku,onHand\r\nA,1\r\n\r\nB,2\r\n\r\n\r\nC,3\r\n";
    expect(parseFeedText(text, "csv")).toEqual([
      { line: 2, row: { sku: "A", onHand: "1" } },
      { line: 4, row: { sku: "B", onHand: "2" } },
      { line: 7, row: { sku: "C", onHand: "3" } },
    ]);
  });

  it("reads a last row without a line ending, and a lone CR at the very end", () => {
    expect(parseFeedText("a,b\n1,2", "csv")).toEqual([{ line: 2, row: { a: "1", b: "2" } }]);
    expect(parseFeedText("a,b\n1,2\r", "csv")).toEqual([{ line: 2, row: { a: "1", b: "2" } }]);
  });

  it("handles quoted commas, escaped quotes, newlines in quotes, and numbers each record by its first line", () => {
    const text = [
      "sku,name,brand",
      '"A1","Milk, whole ""fresh""",Acme',
      'B2,"two',
      'lines",',
      'C3,"three\r\nlines\nhere",""',
      "D4,,x",
    ].join("\n");
    expect(parseFeedText(text, "csv")).toEqual([
      { line: 2, row: { sku: "A1", name: 'Milk, whole "fresh"', brand: "Acme" } },
      { line: 3, row: { sku: "B2", name: "two\nlines", brand: "" } },
      { line: 5, row: { sku: "C3", name: "three\r\nlines\nhere", brand: "" } },
      { line: 8, row: { sku: "D4", name: "", brand: "x" } },
    ]);
  });

  it("accepts a quoted header and a header after leading blank lines", () => {
    expect(parseFeedText('\n\n"sku", onHand \nA,5\n', "csv")).toEqual([
      { line: 4, row: { sku: "A", onHand: "5" } },
    ]);
  });

  it("gives no rows for an empty body or a header alone", () => {
    expect(parseFeedText("", "csv")).toEqual([]);
    expect(parseFeedText("\uFEFF", "csv")).toEqual([]);
    expect(parseFeedText("sku,onHand\r\n", "csv")).toEqual([]);
  });

  it("names the line and the expected and actual cell counts for a ragged row", () => {
    const few = syncError("sku,price,currency\nA,1,EUR\nB,2\n", "csv");
    expect(few.line).toBe(3);
    expect(few.code).toBe("syntax");
    expect(few.reason).toMatch(/expected 3 cells.*found 2/);
    expect(few.message).toMatch(/^line 3: /);
    const many = syncError('sku,price\nA,1\n"B\nB",2,3\n', "csv");
    expect(many.line).toBe(3);
    expect(many.reason).toMatch(/expected 2 cells.*found 3/);
  });

  it("reports an unterminated quote at the line where its record starts", () => {
    const error = syncError('sku,name\nA,ok\nB,"never\nclosed\nat all\n', "csv");
    expect(error.line).toBe(3);
    expect(error.field).toBe("name");
    expect(error.reason).toMatch(/never closed/);
  });

  it("refuses empty, duplicate and prototype-changing header names", () => {
    const empty = syncError("sku,,price\nA,1,2\n", "csv");
    expect([empty.line, empty.reason]).toEqual([1, "header column 2 has no name"]);
    const duplicate = syncError("\n\nsku,price, sku\n", "csv");
    expect(duplicate.line).toBe(3);
    expect(duplicate.reason).toMatch(/"sku" appears more than once/);
    expect(syncError("sku,__proto__\nA,1\n", "csv").line).toBe(1);
  });

  it("refuses stray quotes, text after a closing quote and bare carriage returns", () => {
    const stray = syncError('sku,name\nA,12" pizza\n', "csv");
    expect([stray.line, stray.field]).toEqual([2, "name"]);
    const after = syncError('sku,name\nA,ok\nB,"x"y\n', "csv");
    expect([after.line, after.field]).toEqual([3, "name"]);
    expect(after.reason).toMatch(/after a closing quote/);
    const bareCr = syncError("sku,name\nA,x\rB\n", "csv");
    expect(bareCr.line).toBe(2);
    expect(bareCr.reason).toMatch(/carriage return/);
  });

  it("does not let a __proto__-like cell value change anything", () => {
    const [record] = parseFeedText("sku,name\n__proto__,constructor\n", "csv");
    expect(Object.getPrototypeOf(record!.row)).toBe(Object.prototype);
    expect(record!.row).toEqual({ sku: "__proto__", name: "constructor" });
  });
});

describe("chunk boundaries", () => {
  const csvSample =
    '\uFEFFsku,name,price\r\nA1,"Crème brûlée, ""fine""",2.49\r\n\r\nB2,"two\r\nlines €",10\r\nC3,🍋 lemon,0.99\n"D4","",""\n';
  const ndjsonSample =
    '\uFEFF{"sku":"A1","name":"Crème"}\r\n\r\n  \n{"sku":"B2","name":"🍋 \\"x\\" \\\\"}\n{"n":[1,{"a":"}"}]}';
  const jsonSample =
    '\uFEFF [ {"sku":"A1","name":"Crème \\\\"} ,\n{"sku":"B2","v":[{"x":"]}\\"\\\\"}],"e":"€"}, {"z":{}} ]\n';

  for (const [format, sample] of [
    ["csv", csvSample],
    ["ndjson", ndjsonSample],
    ["json", jsonSample],
  ] as const) {
    it(`${format}: every split offset and one byte per chunk give the same records as the whole text`, async () => {
      const expected = parseFeedText(sample, format);
      expect(expected.length).toBeGreaterThanOrEqual(3);
      const bytes = encoder.encode(sample);
      for (const chunks of everySplit(bytes)) expect(await collect(chunks, format)).toEqual(expected);
      expect(await collect(oneBytePerChunk(bytes), format)).toEqual(expected);
    });
  }

  it("csv sample parses to the expected rows and lines", () => {
    expect(parseFeedText(csvSample, "csv")).toEqual([
      { line: 2, row: { sku: "A1", name: 'Crème brûlée, "fine"', price: "2.49" } },
      { line: 4, row: { sku: "B2", name: "two\r\nlines €", price: "10" } },
      { line: 6, row: { sku: "C3", name: "🍋 lemon", price: "0.99" } },
      { line: 7, row: { sku: "D4", name: "", price: "" } },
    ]);
  });

  it("reports the same error line wherever a malformed body is cut", async () => {
    const cases: [FeedFormat, string, number][] = [
      ["csv", 'a,b\r\n1,"x\r\ny"\r\n2,"é\r\n', 4],
      ["csv", "a,b\n1,2\n\n3,4,5\n", 4],
      ["ndjson", '{"a":1}\n\n{"a":"é"\n', 3],
      ["json", '[{"a":"}"},{"b":1},{"c":tru}]', 3],
    ];
    for (const [format, text, line] of cases) {
      expect(syncError(text, format).line).toBe(line);
      for (const chunks of everySplit(encoder.encode(text))) {
        const error = await streamError(chunks, format);
        expect(error.line).toBe(line);
      }
    }
  });

  it("carries a quoted cell much longer than the chunks", async () => {
    const long = `x${'ab,\n""'.repeat(50_000)}y`;
    const text = `sku,note\nA,"${long}"\nB,ok\n`;
    const bytes = encoder.encode(text);
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += 1000) chunks.push(bytes.subarray(i, i + 1000));
    const records = await collect(chunks, "csv");
    expect(records).toHaveLength(2);
    expect(records[0]!.row.note).toBe(long.replaceAll('""', '"'));
    expect(records[1]).toEqual({ line: 2 + 50_000 + 1, row: { sku: "B", note: "ok" } });
  });

  it("carries a JSON element and an NDJSON line much longer than the chunks", async () => {
    const big = { sku: "A", note: 'q"\\{['.repeat(40_000) };
    for (const [format, text] of [
      ["json", JSON.stringify([big, { sku: "B" }])],
      ["ndjson", `${JSON.stringify(big)}\n{"sku":"B"}\n`],
    ] as const) {
      const bytes = encoder.encode(text);
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += 777) chunks.push(bytes.subarray(i, i + 777));
      expect(await collect(chunks, format)).toEqual([
        { line: 1, row: big },
        { line: 2, row: { sku: "B" } },
      ]);
    }
  });
});

describe("CSV round trip (property)", () => {
  const cell = fc.string({ unit: "grapheme", maxLength: 8 }).map((s) => s);
  const tricky = fc.constantFrom(",", '"', "\n", "\r\n", "\r", " ", "é", "€", "🍋", '""', "");
  const cellText = fc.array(fc.oneof(cell, tricky), { maxLength: 4 }).map((parts) => parts.join(""));

  function quote(value: string, always: boolean): string {
    return always || /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
  }

  it("writes any table as RFC 4180, cuts it anywhere, and reads back the same rows and lines", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 4 }).chain((width) =>
          fc.record({
            rows: fc.array(fc.array(cellText, { minLength: width, maxLength: width }), { maxLength: 6 }),
            quoteAll: fc.boolean(),
            crlf: fc.boolean(),
            cuts: fc.array(fc.nat(), { maxLength: 5 }),
            width: fc.constant(width),
          }),
        ),
        async ({ rows, quoteAll, crlf, cuts, width }) => {
          const eol = crlf ? "\r\n" : "\n";
          const header = Array.from({ length: width }, (_, i) => `c${i}`);
          const lines = [header, ...rows].map((cells) => cells.map((c) => quote(c, quoteAll)).join(","));
          const text = lines.join(eol) + eol;
          const bytes = encoder.encode(text);
          const offsets = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const chunks: Uint8Array[] = [];
          let from = 0;
          for (const at of offsets) {
            chunks.push(bytes.subarray(from, at));
            from = at;
          }
          chunks.push(bytes.subarray(from));
          const records = await collect(chunks, "csv");
          let line = 2;
          const expected = rows.map((cells, r) => {
            const record = { line, row: Object.fromEntries(cells.map((c, i) => [header[i], c])) };
            line += lines[r + 1]!.split("\n").length;
            return record;
          });
          expect(records).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("JSON and NDJSON round trip (property)", () => {
  it("reads back any array of objects, however the body is cut", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.dictionary(fc.string({ unit: "grapheme", maxLength: 6 }), fc.jsonValue({ maxDepth: 3 })),
          {
            maxLength: 5,
          },
        ),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.boolean(),
        async (objects, cuts, pretty) => {
          const json = pretty ? JSON.stringify(objects, null, 2) : JSON.stringify(objects);
          const ndjson = objects.map((o) => JSON.stringify(o)).join(pretty ? "\r\n\n" : "\n");
          const expected = (JSON.parse(json) as Record<string, unknown>[]).map((row, i) => ({
            line: i + 1,
            row,
          }));
          for (const [format, text] of [
            ["json", json],
            ["ndjson", ndjson],
          ] as const) {
            const bytes = encoder.encode(text);
            const offsets = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
            const chunks: Uint8Array[] = [];
            let from = 0;
            for (const at of offsets) {
              chunks.push(bytes.subarray(from, at));
              from = at;
            }
            chunks.push(bytes.subarray(from));
            const records = await collect(chunks, format);
            // Pretty NDJSON puts a blank line between objects, so object i sits on line 2i + 1.
            const lineOf = (i: number) => (format === "ndjson" && pretty ? 2 * i + 1 : i + 1);
            expect(records).toEqual(expected.map((r, i) => ({ ...r, line: lineOf(i) })));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("NDJSON", () => {
  it("numbers physical lines and skips blank or whitespace-only lines", () => {
    const text = '{"sku":"A","onHand":1}\n\n   \r\n{"sku":"B","onHand":-2}\r\n\t\n{"sku":"C","x":null}';
    expect(parseFeedText(text, "ndjson")).toEqual([
      { line: 1, row: { sku: "A", onHand: 1 } },
      { line: 4, row: { sku: "B", onHand: -2 } },
      { line: 6, row: { sku: "C", x: null } },
    ]);
  });

  it("names the line of invalid JSON", () => {
    const error = syncError('{"a":1}\n\n{"a":2,}\n{"a":3}\n', "ndjson");
    expect(error.line).toBe(3);
    expect(error.reason).toMatch(/^invalid JSON/);
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it("refuses a line that is not an object, and two objects on one line", () => {
    for (const [text, line, found] of [
      ['{"a":1}\n[{"a":2}]\n', 2, "an array"],
      ["\n\nnull\n", 3, "null"],
      ['{"a":1}\n"text"', 2, "a string"],
      ["42\n", 1, "a number"],
    ] as const) {
      const error = syncError(text, "ndjson");
      expect(error.line).toBe(line);
      expect(error.reason).toBe(`must be a JSON object, found ${found}`);
    }
    expect(syncError('{"a":1}\n{"a":1}{"b":2}\n', "ndjson").line).toBe(2);
  });

  it("keeps __proto__ as an ordinary key", () => {
    const [record] = parseFeedText('{"__proto__":{"x":1},"sku":"A"}\n', "ndjson");
    expect(Object.getPrototypeOf(record!.row)).toBe(Object.prototype);
    expect(Object.keys(record!.row)).toEqual(["__proto__", "sku"]);
  });
});

describe("JSON array", () => {
  it("yields each element with its 1-based index as line", () => {
    const text = '[{"sku":"A","price":"2.49"},\n {"sku":"B","tags":["x",{"y":"]}"}],"s":"a\\\\"} ]';
    expect(parseFeedText(text, "json")).toEqual([
      { line: 1, row: { sku: "A", price: "2.49" } },
      { line: 2, row: { sku: "B", tags: ["x", { y: "]}" }], s: "a\\" } },
    ]);
    expect(parseFeedText(" [ ] ", "json")).toEqual([]);
  });

  it("names the element index of a non-object or invalid element", () => {
    const number = syncError('[{"a":1},{"a":2},3]', "json");
    expect([number.line, number.reason]).toEqual([3, "must be a JSON object, found a number"]);
    expect(number.message).toBe("element 3: must be a JSON object, found a number");
    expect(syncError('[{"a":1},["x"]]', "json").line).toBe(2);
    expect(syncError("[null]", "json").line).toBe(1);
    const invalid = syncError('[{"a":1},{"a":2},{"a":01}]', "json");
    expect(invalid.line).toBe(3);
    expect(invalid.reason).toMatch(/^invalid JSON/);
  });

  it("refuses a body that is not one array of objects", () => {
    for (const [text, line] of [
      ['{"a":1}', 0],
      ["", 0],
      ["  ", 0],
      ['[{"a":1}] x', 0],
      ['[{"a":1}][]', 0],
      ['[{"a":1},]', 1],
      ['[{"a":1} {"a":2}]', 1],
      ['[{"a":1},{"a":2}', 2],
      ['[{"a":1},{"a":2', 2],
      ["[", 0],
    ] as const) {
      expect(syncError(text, "json").line, text).toBe(line);
    }
  });

  it("reports the earliest fault when a later one is in the same chunk", () => {
    const error = syncError('[{"a":1},{"a":x},{"a":3} 4]', "json");
    expect(error.line).toBe(2);
    expect(error.reason).toMatch(/^invalid JSON/);
  });
});

describe("encoding and size", () => {
  it("refuses invalid UTF-8 with the line it is on", async () => {
    const good = encoder.encode("sku,name\nA,ok\nB,");
    const body = new Uint8Array([...good, 0xff, ...encoder.encode("x\nC,y\n")]);
    const error = await streamError([body], "csv");
    expect(error.code).toBe("encoding");
    expect(error.line).toBe(3);
    for (const chunks of everySplit(body)) expect((await streamError(chunks, "csv")).line).toBe(3);
  });

  it("refuses overlong forms, surrogates and a character cut off at the end", async () => {
    const prefix = encoder.encode('{"a":1}\n{"a":"');
    for (const bad of [
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
    ]) {
      const body = new Uint8Array([...prefix, ...bad, ...encoder.encode('"}\n')]);
      const error = await streamError([body], "ndjson");
      expect([error.code, error.line]).toEqual(["encoding", 2]);
    }
    const cut = await streamError([new Uint8Array([...prefix, 0xe2, 0x82])], "ndjson");
    expect([cut.code, cut.line]).toEqual(["encoding", 2]);
  });

  it("refuses a body over maxBytes", async () => {
    const body = encoder.encode(`sku,onHand\n${"A,1\n".repeat(100)}`);
    const error = await streamError([body.subarray(0, 200), body.subarray(200)], "csv", { maxBytes: 300 });
    expect(error.code).toBe("too_large");
    expect(error.reason).toMatch(/300 bytes/);
    expect(await collect([body], "csv", { maxBytes: body.length })).toHaveLength(100);
    expect(() => parseFeedText("a\n1\n", "csv", { maxBytes: 3 })).toThrow(FeedSyntaxError);
  });
});

describe("sources", () => {
  it("reads a web ReadableStream and cancels it when the body is refused", async () => {
    const good = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('[{"a":1},'));
        controller.enqueue(encoder.encode('{"a":2}]'));
        controller.close();
      },
    });
    const records: RawRecord[] = [];
    for await (const batch of parseFeed(good, "json")) records.push(...batch);
    expect(records).toEqual([
      { line: 1, row: { a: 1 } },
      { line: 2, row: { a: 2 } },
    ]);

    let cancelled = false;
    let pulls = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls++;
        controller.enqueue(encoder.encode(pulls === 1 ? "a,b\n1,2\n" : "3\n"));
      },
      cancel() {
        cancelled = true;
      },
    });
    await expect(async () => {
      for await (const _ of parseFeed(endless, "csv")) {
        // consume
      }
    }).rejects.toThrow(/line 3: expected 2 cells/);
    expect(cancelled).toBe(true);
  });

  it("yields one batch per chunk that completes records, and one for the unterminated last line", async () => {
    const body = encoder.encode("a\n1\n2\n3\n4");
    const batches: number[] = [];
    for await (const batch of parseFeed(
      fromChunks([body.subarray(0, 4), body.subarray(4, 5), body.subarray(5)]),
      "csv",
    ))
      batches.push(batch.length);
    expect(batches).toEqual([1, 2, 1]);
  });
});

describe("100,000 rows", () => {
  const count = 100_000;
  const row = (i: number) => ({
    sku: `SKU-${i}`,
    price: `${i % 100}.${String(i % 97).padStart(2, "0")}`,
    currency: i % 2 ? "EUR" : "SEK",
    effectiveFrom: i % 5 === 0 ? "2025-03-01T00:00:00Z" : "",
    effectiveTo: "",
  });

  function chunked(text: string, size: number): Uint8Array[] {
    const bytes = encoder.encode(text);
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
    return chunks;
  }

  it("round-trips a price CSV", async () => {
    const lines = ["sku,price,currency,effectiveFrom,effectiveTo"];
    for (let i = 0; i < count; i++) lines.push(Object.values(row(i)).join(","));
    const records = await collect(chunked(`${lines.join("\r\n")}\r\n`, 65_536), "csv");
    expect(records).toHaveLength(count);
    for (const i of [0, 1, 4_999, 65_535, count - 1])
      expect(records[i]).toEqual({ line: i + 2, row: row(i) });
  });

  it("round-trips a price NDJSON body and a JSON array", async () => {
    const rows = Array.from({ length: count }, (_, i) => row(i));
    const ndjson = await collect(chunked(rows.map((r) => JSON.stringify(r)).join("\n"), 16_384), "ndjson");
    const json = await collect(chunked(JSON.stringify(rows), 16_384), "json");
    for (const records of [ndjson, json]) {
      expect(records).toHaveLength(count);
      for (const i of [0, 12_345, count - 1]) expect(records[i]).toEqual({ line: i + 1, row: row(i) });
    }
  });
});
