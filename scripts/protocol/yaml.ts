import type { Json } from "./canonical.ts";

/**
 * A small YAML 1.2 emitter for JSON-shaped data, enough for the AsyncAPI document: block maps and
 * sequences, literal blocks for multi-line text, and JSON-style double quotes for any scalar a YAML
 * reader could take for something else. No YAML library is installed, and the output must be
 * byte-stable for the up-to-date check.
 */

/** Strings safe as plain scalars: no indicator first, no `: ` or ` #`, nothing that reads as a number. */
const PLAIN = /^[A-Za-z_$][A-Za-z0-9_$ .,;()/+'-]*$/;
/** Words YAML 1.1 readers (still common) take as booleans or null. */
const RESERVED = /^(y|n|yes|no|on|off|true|false|null|~)$/i;

function isPlain(text: string): boolean {
  return PLAIN.test(text) && !RESERVED.test(text) && !text.endsWith(" ") && !/ #|: /.test(text);
}

function scalar(value: null | boolean | number | string): string {
  if (value === null) return "null";
  if (typeof value === "boolean" || typeof value === "number") return JSON.stringify(value);
  return isPlain(value) ? value : JSON.stringify(value);
}

/** Multi-line text reads best as a literal block; only when every character survives one unchanged. */
function literalBlock(text: string, indent: string): string | undefined {
  // Tabs, controls and the Unicode line separators would not come back unchanged; a first line
  // that starts with a space would need an indentation indicator.
  if (
    !text.includes("\n") ||
    /[^\n\x20-\x7e\u00a0-\u2027\u202a-\ufefe\uff00-\ufffd]/.test(text) ||
    /^\n* /.test(text)
  ) {
    return undefined;
  }
  const body = text.replace(/\n+$/, "");
  const trailing = text.length - body.length;
  // `|-` strips the final line break, `|` keeps exactly one; more than one would need `|+`.
  if (trailing > 1) return undefined;
  const header = trailing === 1 ? "|" : "|-";
  const lines = body.split("\n").map((line) => (line === "" ? "" : `${indent}${line}`));
  return `${header}\n${lines.join("\n")}`;
}

function isEmptyContainer(value: Json): boolean {
  return (
    (Array.isArray(value) && value.length === 0) ||
    (value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 0)
  );
}

/** The text after `key:` or `- `: either ` scalar` on the same line or a nested block below. */
function valueAfter(value: Json, indent: string): string {
  if (Array.isArray(value)) return value.length === 0 ? " []" : `\n${emitSequence(value, indent)}`;
  if (value !== null && typeof value === "object") {
    return Object.keys(value).length === 0 ? " {}" : `\n${emitMap(value, indent)}`;
  }
  if (typeof value === "string") {
    const block = literalBlock(value, indent);
    if (block) return ` ${block}`;
  }
  return ` ${scalar(value)}`;
}

function emitMap(map: { [key: string]: Json }, indent: string): string {
  return Object.entries(map)
    .map(([key, value]) => `${indent}${scalar(key)}:${valueAfter(value, `${indent}  `)}`)
    .join("\n");
}

function emitSequence(items: Json[], indent: string): string {
  return items
    .map((item) => {
      if (item !== null && typeof item === "object" && !isEmptyContainer(item)) {
        // The first member of a nested map or sequence goes on the dash line, the rest align with it.
        const nested = Array.isArray(item) ? emitSequence(item, `${indent}  `) : emitMap(item, `${indent}  `);
        return `${indent}- ${nested.slice(indent.length + 2)}`;
      }
      return `${indent}-${valueAfter(item, `${indent}  `)}`;
    })
    .join("\n");
}

export function toYaml(document: { [key: string]: Json }): string {
  return `${emitMap(document, "")}\n`;
}
