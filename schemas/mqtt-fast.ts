import { CONTENT_HASH_PATTERN } from "./common.ts";
import { isCurrencyCode } from "./currency.ts";
import type { LabelContent, LabelState } from "./mqtt.ts";
import { ID_PATTERN } from "./topics.ts";

/**
 * Hand-written checks of the two payloads a reprice carries once per label (a content to the bridge,
 * a state back), run before zod. They accept only a payload that is plainly valid: every key one the
 * schema knows, every value of the right type and range (a `ts` given as a string, a key the schema
 * would strip, an explicit null where a field is optional: anything less plain is not judged here).
 * For those the caller runs the zod schema as before, which decides and names the field. So the
 * verdict is zod's in every case (tests/mqtt-fast-checks.test.ts holds them to it over valid payloads
 * and thousands of broken ones); what changes is the cost of the common case: zod's safeParse of a
 * state or content builds a fresh object through its generic checks, a few microseconds each,
 * 100,000 times in a 50,000-label reprice across the two processes.
 *
 * A payload that passes is returned as it is (the same object): with no unknown keys that is what zod
 * would have returned, key order aside.
 */

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === "object" && x !== null && !Array.isArray(x);
const isInt = (x: unknown): x is number => Number.isSafeInteger(x);
const isNumberIn = (x: unknown, min: number, max: number) => typeof x === "number" && x >= min && x <= max;
const isId = (x: unknown) => typeof x === "string" && ID_PATTERN.test(x);
const isHash = (x: unknown) => typeof x === "string" && CONTENT_HASH_PATTERN.test(x);
const isString = (x: unknown) => typeof x === "string";

/** A label state as the schema takes it, or undefined: ask zod (labelStateSchema). */
export function plainLabelState(x: unknown): LabelState | undefined {
  if (!isObject(x)) return undefined;
  let keys = 0;
  for (const key in x) {
    keys++;
    const value = x[key];
    switch (key) {
      case "v":
        if (value !== 1) return undefined;
        break;
      case "displayedHash":
        if (value !== null && !isHash(value)) return undefined;
        break;
      case "version":
        if (!isInt(value) || value < 0) return undefined;
        break;
      case "battery":
        if (!isNumberIn(value, 0, 100)) return undefined;
        break;
      case "rssi":
        if (!isNumberIn(value, -150, 20)) return undefined;
        break;
      case "ts":
        // An ISO 8601 string is zod's to judge (offsets, calendar); a number is plain.
        if (!isInt(value) || value < 0) return undefined;
        break;
      default:
        return undefined;
    }
  }
  // Own enumerable keys only: an object with inherited ones is not plain JSON.
  if (keys !== Object.keys(x).length) return undefined;
  return "v" in x && "displayedHash" in x ? (x as unknown as LabelState) : undefined;
}

const MONEY_KEYS = 3;
function isMoney(x: unknown, unit = false): boolean {
  if (!isObject(x)) return false;
  const keys = Object.keys(x);
  if (keys.length !== MONEY_KEYS + (unit ? 1 : 0)) return false;
  return (
    isInt(x.amountMinor) &&
    typeof x.currency === "string" &&
    isCurrencyCode(x.currency) &&
    isString(x.text) &&
    (!unit || isString(x.per))
  );
}

const STOCK = new Set(["in_stock", "low", "out"]);
const BASIS = new Set(["prior", "regular", "perishable"]);

function isPromo(x: unknown): boolean {
  if (!isObject(x)) return false;
  let keys = 0;
  for (const key in x) {
    keys++;
    const value = x[key];
    switch (key) {
      case "promotionId":
      case "kind":
      case "text":
      case "validUntil":
        if (!isString(value)) return false;
        break;
      case "percent":
        if (!isInt(value) || value < 1 || value > 100) return false;
        break;
      case "basis":
        if (typeof value !== "string" || !BASIS.has(value)) return false;
        break;
      default:
        return false;
    }
  }
  return keys === Object.keys(x).length && "promotionId" in x && "kind" in x && "text" in x;
}

/** The fields a content must have (the rest are optional). */
const CONTENT_REQUIRED = ["v", "labelId", "sku", "name", "price", "stock", "contentHash", "version"];

/** A label content as the schema takes it, or undefined: ask zod (labelContentSchema). */
export function plainLabelContent(x: unknown): LabelContent | undefined {
  if (!isObject(x)) return undefined;
  let keys = 0;
  for (const key in x) {
    keys++;
    const value = x[key];
    switch (key) {
      case "v":
        if (value !== 1) return undefined;
        break;
      case "labelId":
      case "sku":
        if (!isId(value)) return undefined;
        break;
      case "gtin":
      case "name":
      case "brand":
      case "url":
      case "template":
      case "locale":
        if (!isString(value)) return undefined;
        break;
      case "price":
      case "regularPrice":
      case "referencePrice":
      case "memberPrice":
        if (!isMoney(value)) return undefined;
        break;
      case "unitPrice":
        if (!isMoney(value, true)) return undefined;
        break;
      case "stock":
        if (typeof value !== "string" || !STOCK.has(value)) return undefined;
        break;
      case "referenceDays":
        if (!isInt(value) || value <= 0) return undefined;
        break;
      case "promo":
        if (!isPromo(value)) return undefined;
        break;
      case "contentHash":
        if (!isHash(value)) return undefined;
        break;
      case "version":
        if (!isInt(value) || value < 0) return undefined;
        break;
      default:
        return undefined;
    }
  }
  if (keys !== Object.keys(x).length) return undefined;
  for (const key of CONTENT_REQUIRED) if (!(key in x)) return undefined;
  return x as unknown as LabelContent;
}
