import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { xmlFeed } from "../bench/merchant.ts";
import type { ItemReader, LinedItem } from "../controller/feeds/merchant/items.ts";
import { SaxesItemReader } from "../controller/feeds/merchant/xml-items.ts";
import { XmlItemReader } from "../controller/feeds/merchant/xml-scan.ts";
import { FeedSyntaxError } from "../controller/feeds/parse/errors.ts";

/**
 * The hand-written XML scanner (xml-scan.ts) against saxes (xml-items.ts), its reference: on the same
 * text cut into the same chunks, both must give the same items per chunk (values, item line, each
 * attribute's line) and, for a body that is not well-formed, the same error (message with line and
 * column, and line). Where the scanner meets what it does not read itself it hands over to saxes, so
 * the tests also check that the feeds they generate without damage are read by hand to the end.
 */

const G = "http://base.google.com/ns/1.0";
const ATOM = "http://www.w3.org/2005/Atom";

type Item = { line: number; values: Record<string, unknown>; lines: Record<string, unknown> };
interface Outcome {
  /** The items of each chunk (the last entry: the end of the body). */
  pushes: Item[][];
  error: { message: string; line: number } | null;
  /** Items the chunk that failed had completed before the error (the pipeline never sees them). */
  lost: Item[];
}

function readAll(reader: ItemReader, chunks: string[]): Outcome {
  const pushes: Item[][] = [];
  const plain = (out: LinedItem[]) =>
    out.map((i) => ({ line: i.line, values: { ...i.values }, lines: { ...i.lines } }));
  let out: LinedItem[] = [];
  try {
    for (const c of chunks) {
      out = [];
      reader.push(c, out);
      pushes.push(plain(out));
    }
    out = [];
    reader.end(out);
    pushes.push(plain(out));
    return { pushes, error: null, lost: [] };
  } catch (e) {
    if (!(e instanceof FeedSyntaxError)) throw e;
    return { pushes, error: { message: e.message, line: e.line }, lost: plain(out) };
  }
}

function cut(text: string, at: number[]): string[] {
  const points = [...new Set(at.map((n) => n % (text.length + 1)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(text.slice(from, p));
    from = p;
  }
  chunks.push(text.slice(from));
  return chunks.filter((c) => c.length > 0);
}

/**
 * Both readers over the same chunks; returns the scanner's outcome and whether it handed over. The
 * one allowed difference: saxes fails as soon as it reads the offending character, the scanner once
 * it has the whole construct (a start tag up to its `>`), so the error may come a chunk later, with
 * the items completed before it in that chunk delivered first. Up to saxes's failing chunk, and in
 * all the items before the error, the two agree.
 */
function compare(text: string, at: number[] = []): { outcome: Outcome; handedOver: boolean } {
  const chunks = cut(text, at);
  const hand = new XmlItemReader();
  const outcome = readAll(hand, chunks);
  const saxes = readAll(new SaxesItemReader(), chunks);
  expect(outcome.error).toEqual(saxes.error);
  if (saxes.error === null) expect(outcome.pushes).toEqual(saxes.pushes);
  else {
    expect(outcome.pushes.slice(0, saxes.pushes.length)).toEqual(saxes.pushes);
    expect([...outcome.pushes.flat(), ...outcome.lost]).toEqual([...saxes.pushes.flat(), ...saxes.lost]);
  }
  return { outcome, handedOver: hand.handedOver };
}

const breaks = fc.constantFrom("\n", "\r\n", "\r", "", " ", "\n  ", "\t");
const piece = fc.oneof(
  fc.string({ unit: fc.constantFrom(..."abcXYZ019 .,:/-_#"), maxLength: 12 }),
  fc.constantFrom("&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#233;", "&#x1F600;", "&#10;", "&#13;"),
  fc.constantFrom("é", "😀", "€", "15.00 EUR", " 4999 JPY ", "in stock"),
  fc.constantFrom("<![CDATA[a<b&c]]>", "<![CDATA[]]>", "<![CDATA[x\r\ny]]]>", "<!-- note -->", "<?pi data?>"),
  breaks,
);
const content = fc.array(piece, { maxLength: 5 }).map((a) => a.join(""));

function field(p: string, atom: boolean) {
  const attr = fc.constantFrom("id", "price", "sale_price", "title", "link", "description", "brand", "gtin");
  return fc.oneof(
    fc.tuple(attr, content).map(([n, c]) => `<${p}:${n}>${c}</${p}:${n}>`),
    fc.tuple(fc.constantFrom("title", "link", "description"), content).map(([n, c]) => `<${n}>${c}</${n}>`),
    content.map(
      (c) =>
        `<${p}:shipping><${p}:country>DE</${p}:country>${c}<${p}:price>4.95 EUR</${p}:price></${p}:shipping>`,
    ),
    content.map((c) => `<${p}:price>1${c}<${p}:x>2</${p}:x>.00 EUR</${p}:price>`),
    content.map((c) => `<o:price xmlns:o="urn:other">${c}</o:price>`),
    content.map((c) => `<q:price xmlns:q="${G}">${c}</q:price>`),
    content.map((c) => `<id xmlns="${G}">${c}</id>`),
    fc.constantFrom(
      `<${p}:id/>`,
      `<${p}:brand />`,
      atom
        ? `<link rel="alternate" href="https://a.example/x?a=1&amp;b=2"/>`
        : `<link>https://a.example/y</link>`,
      `<foo a="1" b='&amp;x' c="&#x41;">t</foo>`,
      `<${p}:price >1.00 EUR</${p}:price >`,
      `<${p}:price\n>2.00 EUR</${p}:price\r\n>`,
      `<item><${p}:id>inner</${p}:id></item>`,
    ),
    breaks,
    piece,
  );
}

function item(p: string, atom: boolean) {
  const tag = atom ? "entry" : "item";
  return fc
    .tuple(fc.array(field(p, atom), { maxLength: 8 }), fc.constantFrom("", " ", ' a="1"', "\n"))
    .map(([fields, attrs]) => `<${tag}${attrs}>${fields.join("")}</${tag}>`);
}

const feed = fc
  .record({
    atom: fc.boolean(),
    p: fc.constantFrom("g", "x", "gns"),
    decl: fc.constantFrom(
      "",
      '<?xml version="1.0" encoding="UTF-8"?>\n',
      "<?xml version='1.0'?>",
      '<?xml version="1.0" standalone="yes"?>\r\n',
    ),
    head: fc.constantFrom("", "<!-- head -->\n", "<?style x?>", "\n"),
    tail: fc.constantFrom("", "\n", "<!-- end -->", "\r\n<?done?>\n"),
  })
  .chain(({ atom, p, decl, head, tail }) =>
    fc.array(fc.tuple(item(p, atom), breaks), { maxLength: 6 }).map((items) => {
      const body = items.map(([i, b]) => i + b).join("");
      return atom
        ? `${decl}${head}<feed xmlns="${ATOM}" xmlns:${p}="${G}">\n<title>Shop</title>${body}</feed>${tail}`
        : `${decl}${head}<rss version="2.0" xmlns:${p}="${G}"><channel>\n<title>Shop</title>${body}</channel></rss>${tail}`;
    }),
  );

const damage = fc.tuple(
  fc.nat(),
  fc.constantFrom(
    "delete",
    "truncate",
    "<",
    ">",
    "&",
    '"',
    "\x01",
    "]]>",
    "\uFFFE",
    "x",
    " ",
    "\n",
    "\r",
    "<!DOCTYPE rss>",
    "&foo;",
    "&#0;",
    "<z:x/>",
    "</item>",
    "<item>",
    "--",
    "<!--",
    "<![CDATA[",
    "?>",
    "\uD800",
    "😀",
    "<?xml version='1.0'?>",
    '<a b="1" b="2"/>',
    '<y:a xmlns:y=""/>',
    "<é/>",
  ),
);

function damaged(text: string, [at, what]: [number, string]): string {
  const i = at % (text.length + 1);
  if (what === "delete") return text.slice(0, i) + text.slice(i + 1);
  if (what === "truncate") return text.slice(0, i);
  return text.slice(0, i) + what + text.slice(i);
}

describe("the hand-written XML scanner reads what saxes reads", () => {
  it("generated feeds (RSS, Atom, any prefix bound to Google's namespace, CDATA, entities, nested blocks, CR LF), cut anywhere: same items, attributes and lines, read by hand to the end", () => {
    fc.assert(
      fc.property(feed, fc.array(fc.nat(), { maxLength: 8 }), (text, at) => {
        const { outcome, handedOver } = compare(text, at);
        expect(outcome.error).toBeNull();
        expect(handedOver).toBe(false);
      }),
      { numRuns: 400 },
    );
  });

  it("damaged feeds, cut anywhere: the same error (message, line, column) or the same items", () => {
    let errors = 0;
    fc.assert(
      fc.property(feed, damage, fc.array(fc.nat(), { maxLength: 6 }), (text, d, at) => {
        if (compare(damaged(text, d), at).outcome.error) errors++;
      }),
      { numRuns: 600 },
    );
    // The damage must mostly break the feeds, or this test would compare only good bodies.
    expect(errors).toBeGreaterThan(200);
  });

  it.each([
    ["a DOCTYPE", `<!DOCTYPE rss>\n<rss><channel><item><title>A</title></item></channel></rss>`],
    [
      "an undefined entity in an item",
      `<rss><channel>\n<item><title>A &nbsp; B</title></item></channel></rss>`,
    ],
    ["an unbound prefix", `<rss><channel>\n<item>\n<g:id>A</g:id></item></channel></rss>`],
    ["a mismatched end tag", `<rss xmlns:g="${G}"><channel>\n<item><g:id>A</g:price></item></channel></rss>`],
    ["text after the root", `<rss><channel></channel></rss>\nmore`],
    ["a second root", `<rss><channel></channel></rss>\n<rss/>`],
    ["CDATA before the root", `<![CDATA[x]]><rss/>`],
    ["an XML declaration after the start", ` <?xml version="1.0"?><rss/>`],
    ["-- in a comment", `<rss><channel>\n<item><!-- a -- b --></item></channel></rss>`],
    ["]]> in text", `<rss><channel>\n<item><title>a ]]> b</title></item></channel></rss>`],
    ["an unquoted attribute", `<rss><channel>\n<item a=1><title>a</title></item></channel></rss>`],
    ["a duplicate attribute", `<rss><channel>\n<item a="1" a="2"><title>a</title></item></channel></rss>`],
    ["an undeclared prefix", `<rss xmlns:g=""><channel/></rss>`],
    ["a disallowed character", `<rss><channel>\n<item><title>a\u0001</title></item></channel></rss>`],
    ["an unfinished body", `<rss><channel>\n<item><title>a</title></item>\n<item><title>b</tit`],
    ["an empty body", ""],
    ["XML 1.1", `<?xml version="1.1"?><rss><channel><item><title>A</title></item></channel></rss>`],
    ["a byte order mark", `\uFEFF<rss><channel><item><title>A</title></item></channel></rss>`],
    ["non-ASCII names", `<rss><channel><item><títle>A</títle><title>B</title></item></channel></rss>`],
    [
      "an error after good items",
      `<rss><channel>\n<item><title>A</title></item>\r\n<item><title>B</title></item>\n<item><title>C&</title></item></channel></rss>`,
    ],
  ])("%s: handled as saxes handles it, at every cut", (_, text) => {
    for (let at = 0; at <= text.length; at += 3) compare(text, [at, at + 11]);
  });

  it("the fixtures and the benchmark's feed are read by hand, items identical to saxes's", () => {
    const dir = join(import.meta.dirname, "fixtures/merchant");
    for (const name of ["products.xml", "products-atom.xml"]) {
      const text = readFileSync(join(dir, name), "utf8");
      const { outcome, handedOver } = compare(text, [100, 333, 1000]);
      expect(handedOver).toBe(false);
      expect(outcome.pushes.flat().length).toBeGreaterThan(0);
    }
    const bench = [...xmlFeed(300)].join("");
    const { outcome, handedOver } = compare(bench, [65_536, 70_000, 70_001]);
    expect(handedOver).toBe(false);
    expect(outcome.pushes.flat()).toHaveLength(300);
  });

  it("hands over mid-body and still names the body's own line and column", () => {
    const good = `<rss xmlns:g="${G}"><channel>\n${"<item><g:id>A</g:id></item>\n".repeat(5)}`;
    const { outcome, handedOver } = compare(`${good}<item><g:id>&bad;</g:id></item></channel></rss>`, [
      good.length,
    ]);
    expect(handedOver).toBe(true);
    expect(outcome.pushes.flat()).toHaveLength(5);
    expect(outcome.error?.line).toBe(7);
    expect(outcome.error?.message).toMatch(/^line 7: not well-formed XML: 7:\d+: undefined entity/);
  });
});
