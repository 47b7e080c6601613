import { type SaxesAttributeNS, SaxesParser, type SaxesTagNS } from "saxes";
import { FeedSyntaxError } from "../parse/errors.ts";
import type { ItemReader, LinedItem } from "./items.ts";
import { ItemAssembler, type TagLine } from "./xml-assemble.ts";

/**
 * Items of an RSS 2.0 (`<item>`) or Atom (`<entry>`) product feed, streamed through saxes with
 * namespaces resolved; the item rules (which elements are items and attributes, which occurrence
 * counts) are xml-assemble.ts's, shared with the hand scanner.
 *
 * This is the reference reader: xml-scan.ts reads the common well-formed subset faster by hand and
 * hands the rest of a body to this one (and tests/merchant-xml-scan.test.ts holds the two to each
 * other on generated feeds).
 */
export class SaxesItemReader implements ItemReader, TagLine {
  private readonly parser = new SaxesParser({ xmlns: true, position: true });
  private readonly items = new ItemAssembler(this);
  private depth = 0;
  /** Line where the last start tag began. */
  private startLine = 1;

  constructor() {
    const p = this.parser;
    p.on("opentagstart", () => {
      this.startLine = p.line;
    });
    p.on("opentag", (tag) => this.open(tag));
    p.on("closetag", () => {
      this.items.close(this.depth);
      this.depth--;
    });
    p.on("text", (t) => this.items.addText(this.depth, t));
    p.on("cdata", (t) => this.items.addText(this.depth, t));
    p.on("error", (e) => {
      throw new FeedSyntaxError(`not well-formed XML: ${e.message}`, p.line);
    });
  }

  tagLine(): number {
    return this.startLine;
  }

  push(text: string, out: LinedItem[]): void {
    this.items.out = out;
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
    this.items.out = out;
    this.parser.close();
    if (this.items.inItem) throw new FeedSyntaxError("the body ends inside an item", this.parser.line);
  }

  private open(tag: SaxesTagNS): void {
    this.depth++;
    const href = (tag.attributes as Record<string, SaxesAttributeNS>).href?.value;
    this.items.open(this.depth, tag.local, tag.uri, href);
  }
}
