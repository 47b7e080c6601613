/**
 * One item of a Merchant Center feed as read from the body, before its values are checked:
 * attribute name → text, with the line of the element (XML) or row (TSV) each came from.
 */
export interface LinedItem {
  /** Line of the `<item>`/`<entry>` element, or of the TSV row. */
  line: number;
  values: Record<string, string | undefined>;
  /** Line of each attribute's element (XML); absent for TSV, where every value is on `line`. */
  lines?: Record<string, number>;
  /** A row that could not be read as an item at all (TSV: wrong number of cells). */
  problem?: string;
}

/** Incremental reader: text cut anywhere goes in, whole items come out. */
export interface ItemReader {
  push(text: string, out: LinedItem[]): void;
  /** The body is complete: emit what is left, or throw if it is unfinished. */
  end(out: LinedItem[]): void;
}

/**
 * An empty record for attribute values or lines: nothing inherited (an attribute may be called
 * `constructor` or `__proto__`), like Object.create(null), but an object V8 keeps in fast mode
 * (properties on a shared shape, not a hash table), which halves the cost of filling it per item.
 */
class Bare {}
Object.setPrototypeOf(Bare.prototype, null);
Reflect.deleteProperty(Bare.prototype, "constructor");
export const bareRecord = <T>(): Record<string, T> => new Bare() as Record<string, T>;

/** The line to blame for a problem with one attribute of an item. */
export function lineOf(item: LinedItem, field: string): number {
  return item.lines?.[field] ?? item.line;
}

/** Attribute names as Google writes them in TSV headers: `g:` prefix and case ignored, spaces as `_`. */
export function attributeName(header: string): string {
  return header.trim().toLowerCase().replace(/^g:/, "").replace(/\s+/g, "_");
}
