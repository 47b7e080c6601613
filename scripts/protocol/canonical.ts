/**
 * Deterministic serialisation for the generated protocol files: the `--check` step compares bytes,
 * so the same schemas must always give the same text, whatever order an object was assembled in.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * JSON Schema and AsyncAPI keywords in reading order (identity, what the value is, its constraints,
 * then its parts). Keys not listed follow in alphabetical order. Names inside `properties`,
 * `channels` and other name maps are not keywords: they keep the order the source declares them in,
 * which is stable and reads better than alphabetical (`v` first, `contentHash` after shown fields).
 */
const KEYWORD_ORDER = [
  "$schema",
  "$id",
  "$ref",
  "asyncapi",
  "info",
  "defaultContentType",
  "servers",
  "channels",
  "operations",
  "components",
  "host",
  "protocol",
  "protocolVersion",
  "address",
  "action",
  "channel",
  "name",
  "title",
  "version",
  "summary",
  "description",
  "deprecated",
  "contentType",
  "type",
  "const",
  "enum",
  "format",
  "pattern",
  "minimum",
  "exclusiveMinimum",
  "maximum",
  "exclusiveMaximum",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
  "default",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "oneOf",
  "anyOf",
  "allOf",
  "not",
  "variables",
  "security",
  "parameters",
  "messages",
  "payload",
  "examples",
  "bindings",
];
const rank = new Map(KEYWORD_ORDER.map((k, i) => [k, i]));

/** Objects whose keys are names chosen by the author, not keywords: keep their declared order. */
const NAME_MAPS = new Set([
  "properties",
  "$defs",
  "servers",
  "channels",
  "operations",
  "messages",
  "parameters",
  "schemas",
  "securitySchemes",
  "variables",
  "bindings",
]);

/** Values that are instance data, not schema: their keys are kept as the source wrote them. */
const DATA = new Set(["examples", "default", "const", "enum"]);

type Mode = "keywords" | "names" | "data";

function childMode(mode: Mode, key: string): Mode {
  if (mode === "data") return "data";
  // A member of a name map is a value again (a schema, a channel), whatever it is called.
  if (mode === "names") return "keywords";
  return DATA.has(key) ? "data" : NAME_MAPS.has(key) ? "names" : "keywords";
}

function compareKeys(a: string, b: string): number {
  const ra = rank.get(a);
  const rb = rank.get(b);
  if (ra !== undefined && rb !== undefined) return ra - rb;
  if (ra !== undefined) return -1;
  if (rb !== undefined) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A copy with keyword keys in canonical order and `undefined` members dropped. */
export function canonicalize(value: unknown, mode: Mode = "keywords"): Json {
  if (value === null || typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`cannot serialise ${value}`);
    return value;
  }
  if (Array.isArray(value))
    return value.map((item) => canonicalize(item, mode === "data" ? "data" : "keywords"));
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (mode === "keywords") entries.sort(([a], [b]) => compareKeys(a, b));
    const out: { [key: string]: Json } = {};
    for (const [k, v] of entries) out[k] = canonicalize(v, childMode(mode, k));
    return out;
  }
  throw new Error(`cannot serialise a ${typeof value}`);
}

export function toCanonicalJson(value: unknown): string {
  return `${JSON.stringify(canonicalize(value), null, 2)}\n`;
}
