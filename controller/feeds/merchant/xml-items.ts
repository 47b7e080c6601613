import { type SaxesAttributeNS, SaxesParser, type SaxesTagNS } from "saxes";
import { MERCHANT_NAMESPACE } from "../../../schemas/index.ts";
import { FeedSyntaxError } from "../parse/errors.ts";
import type { ItemReader, LinedItem } from "./items.ts";

export const ATOM_NAMESPACE = "http://www.w3.org/2005/Atom";
/** Attributes a feed may give in plain RSS / Atom form (`<title>`) as well as in Google's (`<g:title>`). */
export const PLAIN_FORMS: ReadonlySet<string> = new Set(["title", "link", "description"]);

/**
 * Items of an RSS 2.0 (`<item>`) or Atom (`<entry>`) product feed, streamed through saxes with
 * namespaces resolved: an attribute is an element in the namespace `http://base.google.com/ns/1.0`,
 * whatever its prefix, or a plain RSS / Atom `title`, `link` (Atom: its `href`) or `description`;
 * when both forms come, Google's wins. Only direct children of an item are attributes: a nested
 * block such as `<g:shipping>` (which has its own `<g:price>`) never leaks into the item. CDATA and
 * entities are text like any other; the first occurrence of a repeated attribute counts.
 *
 * This is the reference reader: xml-scan.ts reads the common well-formed subset faster by hand and
 * hands the rest of a body to this one (and tests/merchant-xml-scan.test.ts holds the two to each
 * other on generated feeds).
 */
export class SaxesItemReader implements ItemReader {
  private readonly parser = new SaxesParser({ xmlns: true, position: true });
  private out: LinedItem[] = [];
  private depth = 0;
  /** Depth of the item element being read, or -1 outside items. */
  private itemDepth = -1;
  private item: LinedItem | null = null;
  /** The attribute element being read (a direct child of the item); null when it is not one. */
  private attr: string | null = null;
  private attrIsGoogle = false;
  private text = "";
  /** Line where the last start tag began, and where the current attribute's element began. */
  private startLine = 1;
  private attrLine = 1;
  private readonly googleSet = new Set<string>();

  constructor() {
    const p = this.parser;
    p.on("opentagstart", () => {
      this.startLine = p.line;
    });
    p.on("opentag", (tag) => this.open(tag));
    p.on("closetag", () => this.close());
    p.on("text", (t) => this.addText(t));
    p.on("cdata", (t) => this.addText(t));
    p.on("error", (e) => {
      throw new FeedSyntaxError(`not well-formed XML: ${e.message}`, p.line);
    });
  }

  push(text: string, out: LinedItem[]): void {
    this.out = out;
    this.parser.write(text);
  }

  /**
   * Continue a body another reader began: `openTags` are the start tags of the elements open at that
   * point (on one line, whitespace in them as spaces; `<x/>` once the root has closed), which give
   * saxes the same namespaces, depth and root state; then the position is set to where the rest of
   * the body starts, so that errors name the body's own line and column.
   */
  resume(openTags: string, line: number, column: number): void {
    this.parser.write(openTags);
    this.parser.line = line;
    this.parser.column = column;
  }

  end(out: LinedItem[]): void {
    this.out = out;
    this.parser.close();
    if (this.itemDepth >= 0) throw new FeedSyntaxError("the body ends inside an item", this.parser.line);
  }

  private open(tag: SaxesTagNS): void {
    this.depth++;
    if (this.itemDepth < 0) {
      if ((tag.local === "item" && tag.uri === "") || (tag.local === "entry" && tag.uri === ATOM_NAMESPACE)) {
        this.itemDepth = this.depth;
        this.item = { line: this.startLine, values: Object.create(null), lines: Object.create(null) };
        this.googleSet.clear();
      }
      return;
    }
    if (this.depth !== this.itemDepth + 1) return;
    const google = tag.uri === MERCHANT_NAMESPACE;
    const plain = (tag.uri === "" || tag.uri === ATOM_NAMESPACE) && PLAIN_FORMS.has(tag.local);
    this.attr = google || plain ? tag.local : null;
    this.attrIsGoogle = google;
    this.attrLine = this.startLine;
    this.text = "";
    if (plain && tag.local === "link" && tag.uri === ATOM_NAMESPACE) {
      const href = (tag.attributes as Record<string, SaxesAttributeNS>).href;
      if (href) this.text = href.value;
    }
  }

  private addText(t: string): void {
    if (this.attr !== null && this.depth === this.itemDepth + 1) this.text += t;
  }

  private close(): void {
    const item = this.item;
    if (item && this.depth === this.itemDepth + 1 && this.attr !== null) {
      const name = this.attr;
      const known = item.values[name] !== undefined;
      // First occurrence wins; Google's form replaces a plain one given earlier.
      if (!known || (this.attrIsGoogle && !this.googleSet.has(name))) {
        item.values[name] = this.text.trim();
        (item.lines as Record<string, number>)[name] = this.attrLine;
        if (this.attrIsGoogle) this.googleSet.add(name);
      }
      this.attr = null;
    } else if (item && this.depth === this.itemDepth) {
      this.out.push(item);
      this.item = null;
      this.itemDepth = -1;
    }
    this.depth--;
  }
}
