import type { ItemReader, LinedItem } from "./items.ts";
import { ItemAssembler, type TagLine } from "./xml-assemble.ts";
import { SaxesItemReader } from "./xml-items.ts";

const XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace";
const XMLNS_NAMESPACE = "http://www.w3.org/2000/xmlns/";

/** Thrown inside the scanner at anything outside the subset it reads: saxes takes over from there. */
const BAIL = Symbol("bail to saxes");

/**
 * Characters XML 1.0 does not allow anywhere (saxes fails on each): C0 controls but tab, LF and CR,
 * U+FFFE, U+FFFF and lone surrogates. Tested once per chunk: a body that has one is saxes's to explain.
 * The first test is a plain character class (fast on the one-byte text most feeds are); only a chunk
 * with surrogates, paired as they should be or not, takes the second, which tells pairs apart.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the control characters XML forbids.
const MAYBE_BAD = /[\0-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the same, surrogate pairs allowed.
const BAD = /[\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF\p{Cs}]/u;
const hasBadChar = (text: string) => MAYBE_BAD.test(text) && BAD.test(text);

/** The XML declaration forms read by hand (anything else at the start goes to saxes). */
const XML_DECL =
  /^<\?xml version=(["'])1\.0\1(?: encoding=(["'])[A-Za-z][A-Za-z0-9._-]*\2)?(?: standalone=(["'])(?:yes|no)\3)? ?\?>/;

/** Uncommitted text kept past this (a giant item, a huge comment) goes to saxes, which streams it. */
const MAX_PENDING = 4 << 20;

const GT = 62;
const SLASH = 47;
const BANG = 33;
const QUESTION = 63;
const EQUALS = 61;
const DQUOTE = 34;
const SQUOTE = 39;
const COLON = 58;

const isSpace = (c: number) => c === 32 || c === 10 || c === 9 || c === 13;
/** Name characters read by hand: ASCII letters, digits, `_ . - :` (any other, valid or not, bails). */
const isNameStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
const isNameChar = (c: number) =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 58) || c === 95 || c === 45 || c === 46;
const isXmlChar = (n: number) =>
  n === 9 ||
  n === 10 ||
  n === 13 ||
  (n >= 0x20 && n <= 0xd7ff) ||
  (n >= 0xe000 && n <= 0xfffd) ||
  (n >= 0x10000 && n <= 0x10ffff);

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** Text with its references replaced: the five predefined entities and character references only. */
function decodeRefs(s: string): string {
  let out = "";
  let last = 0;
  for (let i = s.indexOf("&"); i >= 0; i = s.indexOf("&", last)) {
    const semi = s.indexOf(";", i + 1);
    if (semi < 0) throw BAIL;
    const name = s.slice(i + 1, semi);
    let ch = ENTITIES[name];
    if (ch === undefined) {
      let n = Number.NaN;
      if (/^#[0-9]{1,7}$/.test(name)) n = Number.parseInt(name.slice(1), 10);
      else if (/^#x[0-9a-fA-F]{1,6}$/.test(name)) n = Number.parseInt(name.slice(2), 16);
      if (!isXmlChar(n)) throw BAIL;
      ch = String.fromCodePoint(n);
    }
    out += s.slice(last, i) + ch;
    last = semi + 1;
  }
  return out + s.slice(last);
}

/** Line ends as XML reads them: CR LF and a lone CR are one LF. */
const normalizeBreaks = (s: string) => s.replace(/\r\n?/g, "\n");

const ROOT_NS: ReadonlyMap<string, string> = new Map([
  ["xml", XML_NAMESPACE],
  ["xmlns", XMLNS_NAMESPACE],
]);

/** A name read once: a tag of it with no attributes is then recognised by a map lookup. */
interface KnownName {
  qname: string;
  prefix: string;
  local: string;
}
/** Distinct names remembered (a feed has a few dozen; a body with more reads the rest in full). */
const MAX_NAMES = 256;

/**
 * The items of an RSS / Atom product feed, read by a hand-written scanner for the well-formed
 * subset feeds use: elements, attributes, namespace declarations (matched by URI, never by prefix),
 * CDATA, comments, processing instructions, the five predefined entities and character references,
 * CR LF line ends. Same items, attributes and lines as the saxes reader (xml-items.ts), which stays
 * the reference: saxes cost ~8 µs an item, most of a feed's reading time. Both hand what they read
 * to the same item rules (xml-assemble.ts).
 *
 * Anything else — a DOCTYPE, another entity, a name with non-ASCII letters, a disallowed character,
 * and every well-formedness error — is not judged here: the scanner hands the body, from the last
 * point it has fully read, to the saxes reader, which then reports exactly what it reports when it
 * reads the body from its start (same message, line and column). That point is the end of the last
 * item, or of the last markup outside items; saxes is given the start tags still open there and the
 * line and column, so it continues with the same namespaces and depth. Until an item is complete,
 * its text stays here (an item is re-read when a chunk ends inside it), which is what makes
 * handing over possible.
 */
export class XmlItemReader implements ItemReader, TagLine {
  private saxes: SaxesItemReader | null = null;
  /** Text from the resume point not read to the end yet (an unfinished item or markup). */
  private pending = "";
  /** The same text as the chunks it came in (the first one from the resume point), for saxes. */
  private parts: string[] = [];
  /** The last character of `pending` when it is a CR or a high surrogate, not read yet. */
  private held = "";

  // What is known at the resume point (the committed state).
  /** Open elements: qualified name, namespaces in scope, start tag as written (outside items only). */
  private readonly qnames: string[] = [];
  private readonly nsStack: ReadonlyMap<string, string>[] = [];
  private readonly raws: string[] = [];
  /** Names read once, by length (tags of one length are told apart by comparing the text). */
  private readonly namesByLength: (KnownName[] | undefined)[] = [];
  private namesKnown = 0;
  private committedDepth = 0;
  private committedLine = 1;
  /** Column at the resume point: colCount + the code points of colText (kept as text, counted if needed). */
  private colText = "";
  private colCount = 0;
  private committedRootSeen = false;
  private committedRootClosed = false;
  /** Nothing is committed yet: a hand-over gives saxes the body from its first character. */
  private atStart = true;

  // The text being read (pending + chunk), where reading is, and where it may resume.
  private buf = "";
  private pos = 0;
  private rootSeen = false;
  private rootClosed = false;
  private resumePos = 0;
  // Line tracking over buf: line of the character at lnPos's line, where that line starts, next breaks.
  private lineNo = 1;
  private lineStart = -1;
  private nextN = -1;
  private nextR = Number.POSITIVE_INFINITY;
  private hasCR = false;
  // Cached next positions (recomputed when reading passes them).
  private nextAmp = -1;
  private nextCdEnd = -1;

  private readonly items = new ItemAssembler(this);
  /** The character after the name of the start tag being entered (the item rules may ask its line). */
  private nameEnd = 0;

  /** Whether saxes reads the rest of this body (tests: the common feeds never get there). */
  get handedOver(): boolean {
    return this.saxes !== null;
  }

  push(text: string, out: LinedItem[]): void {
    if (this.saxes) {
      this.saxes.push(text, out);
      return;
    }
    if (text.length === 0) return;
    const fresh = this.held + text;
    this.parts.push(text);
    const buf = this.pending.length > 0 ? this.pending + text : text;
    // A trailing CR or high surrogate waits for the next chunk to say what it is (as saxes does).
    const last = buf.charCodeAt(buf.length - 1);
    const hold = last === 13 || (last >= 0xd800 && last <= 0xdbff);
    this.held = hold ? buf.slice(-1) : "";
    if (hasBadChar(hold ? fresh.slice(0, -1) : fresh)) {
      this.handOver(0, out);
      return;
    }
    this.read(buf, hold ? buf.length - 1 : buf.length, false, out);
  }

  end(out: LinedItem[]): void {
    if (!this.saxes) {
      if (hasBadChar(this.held)) this.handOver(0, out);
      else this.read(this.pending, this.pending.length, true, out);
    }
    this.saxes?.end(out);
  }

  /**
   * Read `buf` (the text from the resume point) up to `limit` as far as it is complete; hand over at
   * anything the scanner does not read itself.
   */
  private read(buf: string, limit: number, final: boolean, out: LinedItem[]): void {
    this.items.out = out;
    this.buf = limit < buf.length ? buf.slice(0, limit) : buf;
    this.pos = 0;
    this.resumePos = 0;
    this.qnames.length = this.nsStack.length = this.raws.length = this.committedDepth;
    this.rootSeen = this.committedRootSeen;
    this.rootClosed = this.committedRootClosed;
    this.items.reset();
    this.lineNo = this.committedLine;
    this.lineStart = -1;
    this.hasCR = this.buf.indexOf("\r") >= 0;
    this.nextN = this.findN(0);
    this.nextR = this.hasCR ? this.findR(0) : Number.POSITIVE_INFINITY;
    this.nextAmp = -1;
    this.nextCdEnd = -1;
    try {
      while (this.step()) {}
      // Complete only when the root has closed and nothing but white space follows it.
      if (final && (!this.rootClosed || !this.isWhite(this.pos, this.buf.length))) throw BAIL;
    } catch (e) {
      if (e !== BAIL) throw e;
      this.handOver(this.resumePos, out);
      return;
    }
    if (final) return;
    if (buf.length - this.resumePos > MAX_PENDING) {
      this.handOver(this.resumePos, out);
      return;
    }
    this.pending = buf.slice(this.resumePos);
    let n = this.resumePos;
    while (n > 0) {
      const first = this.parts[0] as string;
      if (first.length > n) {
        this.parts[0] = first.slice(n);
        break;
      }
      n -= first.length;
      this.parts.shift();
    }
  }

  /**
   * From here on saxes reads: the body from `from` (in the text since the resume point), in the
   * chunks it came in (saxes places some errors at the end of a chunk's text), then every chunk.
   */
  private handOver(from: number, out: LinedItem[]): void {
    const saxes = new SaxesItemReader();
    if (!this.atStart) {
      const open = this.committedRootClosed
        ? "<x/>"
        : this.raws
            .slice(0, this.committedDepth)
            .map((raw) => raw.replace(/[\t\n\r]/g, " "))
            .join("");
      const column = this.colCount + this.colText.replace(/[\uDC00-\uDFFF]/g, "").length;
      saxes.resume(open, this.committedLine, column);
    }
    this.saxes = saxes;
    const parts = this.parts;
    this.parts = [];
    this.qnames.length = this.nsStack.length = this.raws.length = 0;
    this.buf = this.pending = this.held = this.colText = "";
    let n = from;
    for (const part of parts) {
      if (n >= part.length) {
        n -= part.length;
        continue;
      }
      saxes.push(n > 0 ? part.slice(n) : part, out);
      n = 0;
    }
  }

  // ---- lines ----

  private findN(from: number): number {
    const i = this.buf.indexOf("\n", from);
    return i < 0 ? Number.POSITIVE_INFINITY : i;
  }

  private findR(from: number): number {
    const i = this.buf.indexOf("\r", from);
    return i < 0 ? Number.POSITIVE_INFINITY : i;
  }

  /** Line of the character at `p` (saxes's count: LF, CR LF and a lone CR each end a line). */
  private lineAt(p: number): number {
    for (;;) {
      const b = Math.min(this.nextN, this.nextR);
      if (b >= p) return this.lineNo;
      this.lineNo++;
      const after = b === this.nextR && this.buf.charCodeAt(b + 1) === 10 ? b + 2 : b + 1;
      this.lineStart = after;
      if (this.nextN < after) this.nextN = this.findN(after);
      if (this.nextR < after) this.nextR = this.findR(after);
    }
  }

  /** Everything before `p` is read and outside items: a hand-over may start here. */
  private commit(p: number): void {
    this.committedLine = this.lineAt(p);
    if (this.lineStart >= this.resumePos) {
      this.colText = this.buf.slice(this.lineStart, p);
      this.colCount = 0;
    } else {
      this.colText += this.buf.slice(this.resumePos, p);
      if (this.colText.length > 1 << 20) {
        this.colCount += this.colText.replace(/[\uDC00-\uDFFF]/g, "").length;
        this.colText = "";
      }
    }
    this.committedDepth = this.qnames.length;
    this.committedRootSeen = this.rootSeen;
    this.committedRootClosed = this.rootClosed;
    this.resumePos = p;
    this.atStart = false;
  }

  private isWhite(from: number, to: number): boolean {
    for (let i = from; i < to; i++) if (!isSpace(this.buf.charCodeAt(i))) return false;
    return true;
  }

  // ---- markup ----

  /** Read one text run and the markup after it; false when the buffer ends first. */
  private step(): boolean {
    const buf = this.buf;
    const pos = this.pos;
    const lt = buf.indexOf("<", pos);
    if (lt < 0) return false;
    if (lt > pos) this.textRun(pos, lt);
    const c = buf.charCodeAt(lt + 1);
    if (Number.isNaN(c)) return false;
    let end: number;
    if (c === SLASH) end = this.endTag(lt);
    else if (c === BANG) end = this.bang(lt);
    else if (c === QUESTION) end = this.pi(lt);
    else end = this.startTag(lt);
    if (end < 0) return false;
    this.pos = end;
    // Before the root, the resume point stays at the start (saxes must see the prolog itself).
    if (!this.items.inItem && this.rootSeen) this.commit(end);
    return true;
  }

  private textRun(a: number, b: number): void {
    if (this.qnames.length === 0) {
      // Outside the root only white space (saxes: "text data outside of root node").
      if (!this.isWhite(a, b)) throw BAIL;
      return;
    }
    const buf = this.buf;
    if (this.nextCdEnd < a) {
      const i = buf.indexOf("]]>", a);
      this.nextCdEnd = i < 0 ? Number.POSITIVE_INFINITY : i;
    }
    if (this.nextCdEnd < b) throw BAIL;
    if (this.nextAmp < a) {
      const i = buf.indexOf("&", a);
      this.nextAmp = i < 0 ? Number.POSITIVE_INFINITY : i;
    }
    const amp = this.nextAmp < b;
    const depth = this.qnames.length;
    const capture = this.items.capturing(depth);
    if (!capture && !amp) return;
    let s = buf.slice(a, b);
    if (this.hasCR) s = normalizeBreaks(s);
    // Decoded even when not kept: a bad reference is a hand-over, as saxes fails on it anywhere.
    if (amp) s = decodeRefs(s);
    if (capture) this.items.addText(depth, s);
  }

  private endTag(lt: number): number {
    const buf = this.buf;
    const q = this.qnames[this.qnames.length - 1];
    if (q === undefined) throw BAIL;
    let i = lt + 2 + q.length;
    if (i >= buf.length) return -1;
    if (!buf.startsWith(q, lt + 2)) throw BAIL;
    let c = buf.charCodeAt(i);
    while (isSpace(c)) c = buf.charCodeAt(++i);
    if (Number.isNaN(c)) return -1;
    if (c !== GT) throw BAIL;
    this.leave();
    return i + 1;
  }

  private bang(lt: number): number {
    const buf = this.buf;
    if (buf.startsWith("<!--", lt)) {
      const e = buf.indexOf("-->", lt + 4);
      if (e < 0) return -1;
      if (buf.indexOf("--", lt + 4) < e) throw BAIL;
      return e + 3;
    }
    if (buf.startsWith("<![CDATA[", lt)) {
      if (this.qnames.length === 0) throw BAIL;
      const e = buf.indexOf("]]>", lt + 9);
      if (e < 0) return -1;
      const depth = this.qnames.length;
      if (this.items.capturing(depth)) {
        const s = buf.slice(lt + 9, e);
        this.items.addText(depth, this.hasCR ? normalizeBreaks(s) : s);
      }
      return e + 3;
    }
    const head = buf.slice(lt, lt + 9);
    if (head.length < 9 && ("<![CDATA[".startsWith(head) || "<!--".startsWith(head))) return -1;
    throw BAIL;
  }

  private pi(lt: number): number {
    const buf = this.buf;
    if (lt === 0 && this.atStart && buf.startsWith("<?xml", 0)) {
      if (buf.length < 6) return -1;
      const after = buf.charCodeAt(5);
      if (!isSpace(after) && after !== QUESTION) return this.piBody(lt);
      const m = XML_DECL.exec(buf);
      if (m) return m[0].length;
      if (buf.indexOf("?>") < 0 && buf.indexOf("<", 1) < 0) return -1;
      throw BAIL;
    }
    return this.piBody(lt);
  }

  private piBody(lt: number): number {
    const buf = this.buf;
    let i = lt + 2;
    let c = buf.charCodeAt(i);
    if (!isNameStart(c)) {
      if (Number.isNaN(c)) return -1;
      throw BAIL;
    }
    do c = buf.charCodeAt(++i);
    while (isNameChar(c) && c !== COLON);
    if (Number.isNaN(c)) return -1;
    if (c !== QUESTION && !isSpace(c)) throw BAIL;
    if (buf.slice(lt + 2, i).toLowerCase() === "xml") throw BAIL;
    const e = buf.indexOf("?>", i);
    return e < 0 ? -1 : e + 2;
  }

  private startTag(lt: number): number {
    const buf = this.buf;
    if (this.rootClosed) throw BAIL;
    // Most tags are a name alone, seen many times: found by the text between < and > (a string hash,
    // no character loop), checked once when first read below.
    const gt = buf.indexOf(">", lt + 1);
    if (gt < 0) return -1;
    let known: KnownName | undefined;
    const candidates = this.namesByLength[gt - lt - 1];
    if (candidates !== undefined) {
      for (const k of candidates) {
        if (buf.startsWith(k.qname, lt + 1)) {
          known = k;
          break;
        }
      }
    }
    if (known !== undefined) {
      const ns = this.nsStack[this.nsStack.length - 1] ?? ROOT_NS;
      let uri: string | undefined;
      if (known.prefix === "") uri = ns.get("") ?? "";
      else {
        uri = ns.get(known.prefix);
        if (uri === undefined || uri === "") throw BAIL;
      }
      this.enter(known.qname, known.local, uri, ns, undefined, lt, gt, gt + 1, false);
      return gt + 1;
    }
    return this.startTagInFull(lt);
  }

  /** A start tag read character by character: attributes, declarations, a first-seen name. */
  private startTagInFull(lt: number): number {
    const buf = this.buf;
    let i = lt + 1;
    let c = buf.charCodeAt(i);
    if (!isNameStart(c)) {
      if (Number.isNaN(c)) return -1;
      throw BAIL;
    }
    do c = buf.charCodeAt(++i);
    while (isNameChar(c));
    if (Number.isNaN(c)) return -1;
    const nameEnd = i;
    const qname = buf.slice(lt + 1, nameEnd);
    // Attributes: [name, raw value] pairs.
    let attrs: string[] | null = null;
    let selfClosing = false;
    let spaced = false;
    for (;;) {
      c = buf.charCodeAt(i);
      if (isSpace(c)) {
        spaced = true;
        i++;
        continue;
      }
      if (c === GT) {
        i++;
        break;
      }
      if (c === SLASH) {
        const d = buf.charCodeAt(i + 1);
        if (d === GT) {
          selfClosing = true;
          i += 2;
          break;
        }
        if (Number.isNaN(d)) return -1;
        throw BAIL;
      }
      if (Number.isNaN(c)) return -1;
      if (!spaced || !isNameStart(c)) throw BAIL;
      const an = i;
      do c = buf.charCodeAt(++i);
      while (isNameChar(c));
      const name = buf.slice(an, i);
      while (isSpace(c)) c = buf.charCodeAt(++i);
      if (Number.isNaN(c)) return -1;
      if (c !== EQUALS) throw BAIL;
      do c = buf.charCodeAt(++i);
      while (isSpace(c));
      if (Number.isNaN(c)) return -1;
      if (c !== DQUOTE && c !== SQUOTE) throw BAIL;
      const close = buf.indexOf(c === DQUOTE ? '"' : "'", i + 1);
      if (close < 0) return -1;
      const value = buf.slice(i + 1, close);
      // Values with markup or white space other than spaces (normalised by saxes) go to saxes.
      if (/[<\t\n\r]/.test(value)) throw BAIL;
      if (attrs === null) attrs = [];
      attrs.push(name, value.includes("&") ? decodeRefs(value) : value);
      i = close + 1;
      spaced = false;
    }

    const parentNs = this.nsStack[this.nsStack.length - 1] ?? ROOT_NS;
    let ns = parentNs;
    let href: string | undefined;
    if (attrs) {
      // Declarations first: they apply to the element and all its attributes, wherever they stand.
      for (let k = 0; k < attrs.length; k += 2) {
        const name = attrs[k] as string;
        if (name !== "xmlns" && !name.startsWith("xmlns:")) continue;
        const prefix = name === "xmlns" ? "" : name.slice(6);
        const uri = attrs[k + 1] as string;
        if (prefix.includes(":") || (name !== "xmlns" && prefix === "")) throw BAIL;
        if (prefix === "xml" || prefix === "xmlns" || uri === XML_NAMESPACE || uri === XMLNS_NAMESPACE)
          throw BAIL;
        if ((prefix !== "" && uri === "") || uri !== uri.trim()) throw BAIL;
        if (ns === parentNs) ns = new Map(parentNs);
        (ns as Map<string, string>).set(prefix, uri);
      }
      const seen: string[] = [];
      for (let k = 0; k < attrs.length; k += 2) {
        const name = attrs[k] as string;
        const colon = name.indexOf(":");
        let key = name;
        if (colon >= 0) {
          const prefix = name.slice(0, colon);
          const local = name.slice(colon + 1);
          if (prefix === "" || local === "" || local.includes(":")) throw BAIL;
          const uri = ns.get(prefix);
          if (uri === undefined || uri === "") throw BAIL;
          key = `{${uri}}${local}`;
        }
        if (seen.includes(key)) throw BAIL;
        seen.push(key);
        if (name === "href") href = attrs[k + 1];
      }
    }
    const colon = qname.indexOf(":");
    const prefix = colon < 0 ? "" : qname.slice(0, colon);
    const local = colon < 0 ? qname : qname.slice(colon + 1);
    if (colon >= 0 && (prefix === "" || local === "" || local.includes(":") || prefix === "xmlns"))
      throw BAIL;
    let uri: string;
    if (colon < 0) uri = ns.get("") ?? "";
    else {
      const u = ns.get(prefix);
      if (u === undefined || u === "") throw BAIL;
      uri = u;
    }
    if (attrs === null && !selfClosing && nameEnd === i - 1 && this.namesKnown < MAX_NAMES) {
      // Names as property keys (the item's values are keyed by them): interned once, not per lookup.
      const interned = Object.keys({ [local]: 0 })[0] as string;
      const sameLength = this.namesByLength[qname.length] ?? [];
      sameLength.push({ qname, prefix, local: interned });
      this.namesByLength[qname.length] = sameLength;
      this.namesKnown++;
    }
    this.enter(qname, local, uri, ns, href, lt, nameEnd, i, selfClosing);
    return i;
  }

  /** An element starts (and, self-closing, ends): the stack, the root state and the item rules. */
  private enter(
    qname: string,
    local: string,
    uri: string,
    ns: ReadonlyMap<string, string>,
    href: string | undefined,
    lt: number,
    nameEnd: number,
    end: number,
    selfClosing: boolean,
  ): void {
    this.rootSeen = true;
    this.qnames.push(qname);
    this.nsStack.push(ns);
    this.raws.push(this.items.inItem ? "" : this.buf.slice(lt, end));
    this.nameEnd = nameEnd;
    this.items.open(this.qnames.length, local, uri, href);
    if (selfClosing) this.leave();
  }

  /** Line of the start tag being entered: saxes gives the line after reading its name. */
  tagLine(): number {
    return this.lineAt(this.nameEnd + 1);
  }

  private leave(): void {
    this.items.close(this.qnames.length);
    this.qnames.pop();
    this.nsStack.pop();
    this.raws.pop();
    if (this.qnames.length === 0) this.rootClosed = true;
  }
}
