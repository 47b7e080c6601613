import { MERCHANT_NAMESPACE } from "../../../schemas/index.ts";
import { bareRecord, type LinedItem } from "./items.ts";

export const ATOM_NAMESPACE = "http://www.w3.org/2005/Atom";
/** Attributes a feed may give in plain RSS / Atom form (`<title>`) as well as in Google's (`<g:title>`). */
export const PLAIN_FORMS: ReadonlySet<string> = new Set(["title", "link", "description"]);

/** One bit per plain form's name: which of them an item has already given in Google's form. */
const plainBit = (name: string) =>
  name === "title" ? 1 : name === "link" ? 2 : name === "description" ? 4 : 0;

/**
 * The line of the start tag being opened, asked for only when an item or an attribute starts: the
 * hand scanner finds a line by searching for line breaks, which most elements need not pay for.
 */
export interface TagLine {
  tagLine(): number;
}

/**
 * The item rules of an XML product feed, whichever reader tokenises the body (saxes in
 * xml-items.ts, the hand scanner in xml-scan.ts): they report elements opening and closing with
 * their depth (the root is 1) and namespace URI, and text with the depth of the element it is in;
 * this assembles the items.
 *
 * An item is an RSS `<item>` (no namespace) or an Atom `<entry>`. An attribute is a direct child of
 * an item in the namespace `http://base.google.com/ns/1.0`, whatever its prefix, or a plain RSS /
 * Atom `title`, `link` (Atom: its `href`) or `description`; its value is its own text (CDATA
 * included), trimmed. Text of a nested block such as `<g:shipping>` (which has its own `<g:price>`)
 * never reaches the item. The first occurrence of a repeated attribute counts, except that Google's
 * form replaces a plain one given earlier.
 */
export class ItemAssembler {
  /** Where completed items go (the reader sets it for each chunk). */
  out: LinedItem[] = [];
  /** Depth of the item element being read, or -1 outside items. */
  private itemDepth = -1;
  private item: LinedItem | null = null;
  /** The attribute element being read (a direct child of the item); null when it is not one. */
  private attr: string | null = null;
  private attrIsGoogle = false;
  private text = "";
  private attrLine = 1;
  /** Which plain forms' names (plainBit) the item has given in Google's form. */
  private googlePlain = 0;

  constructor(private readonly where: TagLine) {}

  /** Whether an item is open (the hand scanner may only hand over to saxes outside items). */
  get inItem(): boolean {
    return this.itemDepth >= 0;
  }

  /** Whether text inside an element at `depth` is an attribute's value (readers skip the rest). */
  capturing(depth: number): boolean {
    return this.attr !== null && depth === this.itemDepth + 1;
  }

  /** Text (already decoded) inside an element at `depth`. */
  addText(depth: number, text: string): void {
    if (this.capturing(depth)) this.text += text;
  }

  /** Forget a partly read item: the hand scanner re-reads from a point outside items. */
  reset(): void {
    this.itemDepth = -1;
    this.item = null;
    this.attr = null;
  }

  /** An element at `depth` opens; `href`: its unprefixed `href` attribute, if any. */
  open(depth: number, local: string, uri: string, href: string | undefined): void {
    if (this.itemDepth < 0) {
      if ((local === "item" && uri === "") || (local === "entry" && uri === ATOM_NAMESPACE)) {
        this.itemDepth = depth;
        this.item = { line: this.where.tagLine(), values: bareRecord(), lines: bareRecord() };
        this.googlePlain = 0;
      }
      return;
    }
    if (depth !== this.itemDepth + 1) return;
    const google = uri === MERCHANT_NAMESPACE;
    const plain = (uri === "" || uri === ATOM_NAMESPACE) && PLAIN_FORMS.has(local);
    this.attr = google || plain ? local : null;
    if (this.attr === null) return;
    this.attrIsGoogle = google;
    this.attrLine = this.where.tagLine();
    this.text = "";
    if (plain && local === "link" && uri === ATOM_NAMESPACE && href) this.text = href;
  }

  /** The element at `depth` closes. */
  close(depth: number): void {
    const item = this.item;
    if (item === null) return;
    if (depth === this.itemDepth + 1 && this.attr !== null) {
      const name = this.attr;
      // Only the plain forms' names can have been given in another form, so one bit each says
      // whether Google's form has come yet.
      const bit = plainBit(name);
      if (
        item.values[name] === undefined ||
        (this.attrIsGoogle && bit !== 0 && (this.googlePlain & bit) === 0)
      ) {
        item.values[name] = this.text.trim();
        (item.lines as Record<string, number>)[name] = this.attrLine;
        if (this.attrIsGoogle) this.googlePlain |= bit;
      }
      this.attr = null;
    } else if (depth === this.itemDepth) {
      this.out.push(item);
      this.item = null;
      this.itemDepth = -1;
    }
  }
}
