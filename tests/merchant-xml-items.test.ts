import { describe, expect, it } from "vitest";
import type { ItemReader, LinedItem } from "../controller/feeds/merchant/items.ts";
import { SaxesItemReader } from "../controller/feeds/merchant/xml-items.ts";
import { XmlItemReader } from "../controller/feeds/merchant/xml-scan.ts";

/**
 * The item rules of an XML product feed (xml-assemble.ts), stated outright. Both readers share them,
 * so tests/merchant-xml-scan.test.ts, which holds the scanner to saxes, cannot catch a wrong rule:
 * here each rule has its expected items, read by each reader (the scanner by hand to the end).
 */

const G = "http://base.google.com/ns/1.0";
const ATOM = "http://www.w3.org/2005/Atom";

function read(reader: ItemReader, text: string): { line: number; values: object; lines: object }[] {
  const out: LinedItem[] = [];
  // Cut in two mid-body: items stay whole across chunks.
  const half = Math.floor(text.length / 2);
  reader.push(text.slice(0, half), out);
  reader.push(text.slice(half), out);
  reader.end(out);
  return out.map((i) => ({ line: i.line, values: { ...i.values }, lines: { ...i.lines } }));
}

const rss = (items: string) =>
  `<?xml version="1.0"?>\n<rss version="2.0" xmlns:g="${G}"><channel><title>Shop</title>\n${items}\n</channel></rss>\n`;

const cases: { rule: string; xml: string; values: Record<string, string>[] }[] = [
  {
    rule: "a nested block's children are not the item's, even when the block comes first",
    xml: rss(
      `<item><g:shipping><g:price>4.95 EUR</g:price><g:country>DE</g:country></g:shipping><g:price>15.00 EUR</g:price><g:id>A</g:id></item>`,
    ),
    values: [{ shipping: "", price: "15.00 EUR", id: "A" }],
  },
  {
    rule: "an attribute's value is its own text only (a child element's text is left out), trimmed",
    xml: rss(`<item><g:id> A<g:x>junk</g:x>1 </g:id></item>`),
    values: [{ id: "A1" }],
  },
  {
    rule: "the first occurrence of a repeated attribute counts",
    xml: rss(`<item><g:id>A</g:id><g:price>1.00 EUR</g:price><g:price>2.00 EUR</g:price></item>`),
    values: [{ id: "A", price: "1.00 EUR" }],
  },
  {
    rule: "Google's form replaces a plain one given earlier, and stays before a later plain one",
    xml: rss(
      `<item><title>plain</title><g:title>google</g:title><g:link>https://g.example/</g:link><link>https://plain.example/</link><description>d1</description><description>d2</description></item>`,
    ),
    values: [{ title: "google", link: "https://g.example/", description: "d1" }],
  },
  {
    rule: "a second Google form does not replace the first",
    xml: rss(`<item><title>plain</title><g:title>one</g:title><g:title>two</g:title></item>`),
    values: [{ title: "one" }],
  },
  {
    rule: "only title, link and description have a plain form; other namespaces are not attributes",
    xml: rss(
      `<item><price>1.00 EUR</price><o:id xmlns:o="urn:other">X</o:id><g:id>A</g:id><a:title xmlns:a="${ATOM}">atom</a:title></item>`,
    ),
    values: [{ id: "A", title: "atom" }],
  },
  {
    rule: "CDATA and entities are text; an item's values are only its own",
    xml: rss(
      `<item><g:id>A</g:id><title><![CDATA[Fish & <Chips>]]> &amp; more</title></item>\n<item><g:id>B</g:id></item>`,
    ),
    values: [{ id: "A", title: "Fish & <Chips> & more" }, { id: "B" }],
  },
  {
    rule: "an item inside an item is not an item of its own",
    xml: rss(`<item><g:id>A</g:id><x><item><g:id>inner</g:id></item></x></item>`),
    values: [{ id: "A" }],
  },
  {
    rule: "RSS: a link's value is its text, never an href attribute",
    xml: rss(`<item><g:id>A</g:id><link href="https://attr.example/">https://text.example/</link></item>`),
    values: [{ id: "A", link: "https://text.example/" }],
  },
  {
    rule: "Atom: an entry is an item, a link's href is its value",
    xml: `<feed xmlns="${ATOM}" xmlns:g="${G}"><title>Shop</title>\n<entry><g:id>A</g:id><title>T</title><link rel="alternate" href="https://a.example/?a=1&amp;b=2"/></entry>\n<item><g:id>not-an-rss-item</g:id></item></feed>`,
    values: [{ id: "A", title: "T", link: "https://a.example/?a=1&b=2" }],
  },
];

describe("XML item rules, the same through both readers", () => {
  for (const { rule, xml, values } of cases) {
    it(rule, () => {
      const hand = new XmlItemReader();
      const byHand = read(hand, xml);
      expect(hand.handedOver).toBe(false);
      expect(byHand.map((i) => i.values)).toEqual(values);
      expect(read(new SaxesItemReader(), xml)).toEqual(byHand);
    });
  }

  it("names the line of the item and of each attribute's element", () => {
    // saxes's line once it has read the name and the character after it (here the line break).
    const xml = rss(
      `<item>\n  <g:id>A</g:id>\n  <g:shipping>\n    <g:price>4.95 EUR</g:price>\n  </g:shipping>\n  <g:price\n>1.00 EUR</g:price>\n</item>`,
    );
    const byHand = read(new XmlItemReader(), xml);
    expect(byHand).toEqual([{ line: 3, values: expect.anything(), lines: { id: 4, shipping: 5, price: 9 } }]);
    expect(read(new SaxesItemReader(), xml)).toEqual(byHand);
  });
});
