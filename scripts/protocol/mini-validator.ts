/**
 * A small JSON Schema validator for the keywords the generator emits, so tests can check real
 * payloads against the generated files without a validator package (none is installed). It throws
 * on any keyword it does not know rather than skipping it: a schema it cannot fully judge must fail
 * the test, not pass it. `format` is an annotation in draft 2020-12 and is not asserted.
 */

type Schema = boolean | { [keyword: string]: unknown };

const ANNOTATIONS = new Set([
  "$schema",
  "$id",
  "title",
  "description",
  "default",
  "examples",
  "format",
  "deprecated",
  "readOnly",
  "writeOnly",
]);

const ASSERTIONS = new Set([
  "type",
  "const",
  "enum",
  "pattern",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
  "properties",
  "required",
  "additionalProperties",
  "propertyNames",
  "items",
  "oneOf",
  "anyOf",
  "allOf",
  "not",
]);

export class UnsupportedKeywordError extends Error {}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "object":
      return typeOf(value) === "object";
    default:
      return typeOf(value) === type;
  }
}

/** Structural equality of JSON values, for `const` and `enum`. */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeOf(a) !== typeOf(b) || typeof a !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao);
  return keys.length === Object.keys(bo).length && keys.every((k) => k in bo && jsonEqual(ao[k], bo[k]));
}

const regexes = new Map<string, RegExp>();
function regex(source: string): RegExp {
  let r = regexes.get(source);
  if (!r) {
    r = new RegExp(source, "u");
    regexes.set(source, r);
  }
  return r;
}

function checkKeywords(schema: { [keyword: string]: unknown }, path: string): void {
  for (const keyword of Object.keys(schema)) {
    if (!ANNOTATIONS.has(keyword) && !ASSERTIONS.has(keyword) && !keyword.startsWith("x-")) {
      throw new UnsupportedKeywordError(`keyword "${keyword}" at ${path} is not supported`);
    }
  }
}

/** Every problem found, as `path: message`; empty when the value is valid. */
export function validate(schema: Schema, value: unknown, path = "$"): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${path}: no value is allowed here`];
  checkKeywords(schema, path);
  const errors: string[] = [];
  const fail = (message: string) => errors.push(`${path}: ${message}`);
  const s = schema as Record<string, unknown>;

  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    if (!types.some((t) => hasType(value, t))) fail(`expected ${types.join(" or ")}, got ${typeOf(value)}`);
  }
  if ("const" in s && !jsonEqual(value, s.const)) fail(`must be ${JSON.stringify(s.const)}`);
  if (Array.isArray(s.enum) && !s.enum.some((e) => jsonEqual(value, e))) {
    fail(`must be one of ${JSON.stringify(s.enum)}`);
  }

  if (typeof value === "string") {
    const length = [...value].length;
    if (typeof s.minLength === "number" && length < s.minLength) fail(`shorter than ${s.minLength}`);
    if (typeof s.maxLength === "number" && length > s.maxLength) fail(`longer than ${s.maxLength}`);
    if (typeof s.pattern === "string" && !regex(s.pattern).test(value)) fail(`does not match ${s.pattern}`);
  }
  if (typeof value === "number") {
    if (typeof s.minimum === "number" && value < s.minimum) fail(`below ${s.minimum}`);
    if (typeof s.maximum === "number" && value > s.maximum) fail(`above ${s.maximum}`);
    if (typeof s.exclusiveMinimum === "number" && value <= s.exclusiveMinimum) fail("too small");
    if (typeof s.exclusiveMaximum === "number" && value >= s.exclusiveMaximum) fail("too large");
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === "number" && value.length < s.minItems) fail(`fewer than ${s.minItems} items`);
    if (typeof s.maxItems === "number" && value.length > s.maxItems) fail(`more than ${s.maxItems} items`);
    if (s.items !== undefined) {
      value.forEach((item, i) => {
        errors.push(...validate(s.items as Schema, item, `${path}[${i}]`));
      });
    }
  }
  if (typeOf(value) === "object") {
    const object = value as Record<string, unknown>;
    const properties = (s.properties ?? {}) as Record<string, Schema>;
    for (const key of (s.required ?? []) as string[]) {
      if (!(key in object)) fail(`missing required "${key}"`);
    }
    for (const [key, member] of Object.entries(object)) {
      const memberPath = `${path}.${key}`;
      if (s.propertyNames !== undefined) {
        errors.push(...validate(s.propertyNames as Schema, key, `${memberPath} (name)`));
      }
      if (key in properties) errors.push(...validate(properties[key] as Schema, member, memberPath));
      else if (s.additionalProperties !== undefined) {
        errors.push(...validate(s.additionalProperties as Schema, member, memberPath));
      }
    }
  }

  if (Array.isArray(s.allOf)) for (const sub of s.allOf) errors.push(...validate(sub as Schema, value, path));
  if (Array.isArray(s.anyOf) && !s.anyOf.some((sub) => validate(sub as Schema, value, path).length === 0)) {
    fail("matches none of anyOf");
  }
  if (Array.isArray(s.oneOf)) {
    const matches = s.oneOf.filter((sub) => validate(sub as Schema, value, path).length === 0).length;
    if (matches !== 1) fail(`matches ${matches} of oneOf, not exactly 1`);
  }
  if (s.not !== undefined && validate(s.not as Schema, value, path).length === 0) fail("matches not");
  return errors;
}

/** Throws if any subschema uses a keyword `validate` does not implement. */
export function assertSupported(schema: Schema, path = "$"): void {
  if (typeof schema === "boolean") return;
  checkKeywords(schema, path);
  const s = schema as Record<string, unknown>;
  for (const [key, sub] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) {
    assertSupported(sub, `${path}.properties.${key}`);
  }
  for (const key of ["items", "additionalProperties", "propertyNames", "not"] as const) {
    const sub = s[key];
    if (sub !== undefined && (typeof sub === "boolean" || typeOf(sub) === "object")) {
      assertSupported(sub as Schema, `${path}.${key}`);
    }
  }
  for (const key of ["oneOf", "anyOf", "allOf"] as const) {
    const list = s[key];
    if (!Array.isArray(list)) continue;
    for (const [i, sub] of list.entries()) assertSupported(sub as Schema, `${path}.${key}[${i}]`);
  }
}
