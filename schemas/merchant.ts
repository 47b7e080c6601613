import { z } from "zod";
import { ID_MESSAGE } from "./common.ts";
import { currencyExponent } from "./currency.ts";
import { excerpt } from "./excerpt.ts";
import { fastProductRow, type ProductRow, productRowSchema, type Unit } from "./feeds.ts";
import { isValidGtin } from "./gtin.ts";
import { type Money, MoneyError, parseDecimalToMinor } from "./money.ts";
import { InstantError, type InstantWindow, parseInstant, parseWindow } from "./time.ts";
import { ID_PATTERN } from "./topics.ts";

/**
 * Google Merchant Center data (DESIGN.md §3b, online parity): the product feed (RSS 2.0 / Atom
 * XML in the namespace below, or TSV with attribute names as header) and the local inventory feed
 * (TSV). An item arrives as attribute name → text; this module turns it into the store's own rows
 * (a product row, a price, a sale) plus what only the web shop states (online availability, the
 * unit-price base), or into a list of problems, each naming the attribute.
 */
export const MERCHANT_NAMESPACE = "http://base.google.com/ns/1.0";
export const MAX_MERCHANT_ID_LENGTH = 50;

export const ONLINE_AVAILABILITIES = ["in_stock", "out_of_stock", "preorder", "backorder"] as const;
export type OnlineAvailability = (typeof ONLINE_AVAILABILITIES)[number];
export const LOCAL_AVAILABILITIES = [
  "in_stock",
  "limited_availability",
  "on_display_to_order",
  "out_of_stock",
] as const;
export type LocalAvailability = (typeof LOCAL_AVAILABILITIES)[number];

/** One attribute's problem: which attribute, the text it had, and why it is refused. */
export interface ItemProblem {
  field: string;
  value: string;
  reason: string;
}

/** An attribute's text by name (the first occurrence; names lower-case, without a `g:` prefix). */
export type RawItem = Readonly<Record<string, string | undefined>>;

// ---- money -------------------------------------------------------------------------------------

const MERCHANT_PRICE = /^(\d+(?:\.\d+)?)\s+([A-Za-z]{3})$/;

/**
 * `"15.00 USD"` → exact minor units by the currency's ISO 4217 exponent (`1200.00 JPY` → 1200,
 * `3.25 KWD` → 3250). `.` is the only decimal mark and there is no thousands separator; a digit
 * the currency cannot hold (`1.005 EUR`) is an error, never a rounding.
 */

export function parseMerchantPrice(text: string): Money {
  const quick = plainMerchantPrice(text);
  if (quick !== undefined) return quick;
  const t = text.trim();
  const m = MERCHANT_PRICE.exec(t);
  if (!m) {
    if (/^[\d.,\s]+[A-Za-z]{3}$/.test(t) && t.includes(",")) {
      throw new MoneyError(
        `"${excerpt(text)}": write the amount with "." as the decimal mark and no thousands separator`,
      );
    }
    throw new MoneyError(`"${excerpt(text)}" is not an amount and an ISO 4217 code such as "15.00 USD"`);
  }
  const currency = (m[2] as string).toUpperCase();
  const exponent = currencyExponent(currency);
  if (exponent === undefined) throw new MoneyError(`unknown ISO 4217 currency "${excerpt(m[2] as string)}"`);
  // Zeros past the currency's exponent say nothing ("1200.00 JPY" is 1200); any other digit there would
  // need a rounding, and stays an error.
  const [whole, fraction = ""] = (m[1] as string).split(".");
  const kept =
    fraction.length > exponent && /^0+$/.test(fraction.slice(exponent))
      ? fraction.slice(0, exponent)
      : fraction;
  return {
    amountMinor: parseDecimalToMinor(kept ? `${whole}.${kept}` : (whole as string), currency),
    currency,
  };
}

/**
 * The common form, `15.00 EUR`, checked in one pass over the characters: digits, at most one point
 * with at most the currency's exponent of digits after it, one space, three ASCII letters of a known
 * currency. The amount is then exactly what the full rules above pass on, so the result is the same;
 * anything else (other spaces, trailing zeros past the exponent, an unknown code) is undefined and
 * goes through them. A feed's hot path: ~1.6 µs an item through the regular expression and split.
 */
function plainMerchantPrice(text: string): Money | undefined {
  const n = text.length;
  if (n < 5 || n > 24 || text.charCodeAt(n - 4) !== 32) return undefined;
  for (let i = n - 3; i < n; i++) {
    const c = text.charCodeAt(i) | 32;
    if (c < 97 || c > 122) return undefined;
  }
  const currency = text.slice(n - 3).toUpperCase();
  const exponent = currencyExponent(currency);
  if (exponent === undefined) return undefined;
  let point = -1;
  for (let i = 0; i < n - 4; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 && point < 0 && i > 0) point = i;
    else if (c < 48 || c > 57) return undefined;
  }
  if (point === n - 5 || (point > 0 && n - 5 - point > exponent)) return undefined;
  return { amountMinor: parseDecimalToMinor(text.slice(0, n - 4), currency), currency };
}

// ---- unit pricing -------------------------------------------------------------------------------

export type Dimension = "mass" | "volume" | "length" | "area" | "count";

/**
 * The units Merchant Center allows in `unit_pricing_measure`, each with its dimension and its size in
 * that dimension's reference unit (g, ml, cm, sqm, ct) as an exact decimal.
 */
export const MERCHANT_UNITS: Readonly<Record<string, { dimension: Dimension; size: string }>> = {
  mg: { dimension: "mass", size: "0.001" },
  g: { dimension: "mass", size: "1" },
  kg: { dimension: "mass", size: "1000" },
  oz: { dimension: "mass", size: "28.349523125" },
  lb: { dimension: "mass", size: "453.59237" },
  ml: { dimension: "volume", size: "1" },
  cl: { dimension: "volume", size: "10" },
  l: { dimension: "volume", size: "1000" },
  cbm: { dimension: "volume", size: "1000000" },
  floz: { dimension: "volume", size: "29.5735295625" },
  pt: { dimension: "volume", size: "473.176473" },
  qt: { dimension: "volume", size: "946.352946" },
  gal: { dimension: "volume", size: "3785.411784" },
  cm: { dimension: "length", size: "1" },
  m: { dimension: "length", size: "100" },
  in: { dimension: "length", size: "2.54" },
  ft: { dimension: "length", size: "30.48" },
  yd: { dimension: "length", size: "91.44" },
  sqm: { dimension: "area", size: "1" },
  sqft: { dimension: "area", size: "0.09290304" },
  ct: { dimension: "count", size: "1" },
};

/** A quantity with a Merchant Center unit: `750ml` → `{ quantity: "750", unit: "ml" }`. */
export interface Measure {
  quantity: string;
  unit: string;
}

const MEASURE = /^(\d+(?:\.\d+)?)\s*([A-Za-z]+)$/;

function canonicalDecimal(text: string): string {
  return text
    .replace(/^0+(?=\d)/, "")
    .replace(/(\.\d*?)0+$/, "$1")
    .replace(/\.$/, "");
}

export function parseMeasure(text: string): Measure | string {
  const m = MEASURE.exec(text.trim());
  if (!m) return `"${excerpt(text)}" is not a quantity and a unit such as "750 ml"`;
  const unit = (m[2] as string).toLowerCase();
  if (!(unit in MERCHANT_UNITS)) {
    return `unknown unit "${excerpt(m[2] as string)}"; one of ${Object.keys(MERCHANT_UNITS).join(", ")}`;
  }
  const quantity = canonicalDecimal(m[1] as string);
  if (!/[1-9]/.test(quantity)) return "the quantity must be above zero";
  return { quantity, unit };
}

/** The bases Merchant Center allows: 1, 2, 4, 8, 10 or 100 of a unit, and four exceptions. */
const BASE_NUMBERS = new Set(["1", "2", "4", "8", "10", "100"]);
const BASE_EXCEPTIONS = new Set(["75 cl", "750 ml", "50 kg", "1000 kg"]);

export function parseBaseMeasure(text: string): Measure | string {
  const m = parseMeasure(text);
  if (typeof m === "string") return m;
  if (!BASE_NUMBERS.has(m.quantity) && !BASE_EXCEPTIONS.has(`${m.quantity} ${m.unit}`)) {
    return `"${excerpt(text)}" is not an allowed base: 1, 2, 4, 8, 10 or 100 of a unit, or 75cl, 750ml, 50kg, 1000kg`;
  }
  return m;
}

/** The store's own unit for a Merchant Center measure (labels price per kg / l / m / piece). */
export function storeQuantity(m: Measure): { netQuantity: string; unit: Unit } | undefined {
  switch (m.unit) {
    case "mg":
    case "g":
    case "kg":
    case "ml":
    case "cl":
    case "l":
    case "m":
      return { netQuantity: m.quantity, unit: m.unit };
    case "ct":
      return { netQuantity: m.quantity, unit: "piece" };
    case "cm":
      return { netQuantity: shiftDecimal(m.quantity, -2), unit: "m" };
    default:
      return undefined;
  }
}

/** An exact decimal times 10^places (places may be negative), written canonically. */
export function shiftDecimal(decimal: string, places: number): string {
  const [whole = "0", fraction = ""] = decimal.split(".");
  let digits = whole + fraction;
  let point = whole.length + places;
  if (point < 0) {
    digits = "0".repeat(-point) + digits;
    point = 0;
  }
  if (point > digits.length) digits = digits.padEnd(point, "0");
  const text = point === digits.length ? digits : `${digits.slice(0, point) || "0"}.${digits.slice(point)}`;
  return canonicalDecimal(text);
}

// ---- GTIN ---------------------------------------------------------------------------------------

/**
 * Why a GTIN with a valid check digit still names no trade item, or undefined: GS1 keeps prefixes
 * for numbers a shop assigns itself (restricted circulation: 02, 04, 20–29 and GTIN-8 0/2),
 * coupons (05, 981–984, 99) and refund receipts (980). Merchant Center warns about these; so do we.
 */
export function gtinWarning(gtin: string): string | undefined {
  if (gtin.length === 8 && (gtin[0] === "0" || gtin[0] === "2")) {
    return "a GTIN-8 starting with 0 or 2 is a restricted-circulation number, not a trade item";
  }
  const g13 = gtin.padStart(14, "0").slice(1);
  const p2 = Number(g13.slice(0, 2));
  const p3 = Number(g13.slice(0, 3));
  if (p2 === 2 || p2 === 4 || (p3 >= 200 && p3 <= 299)) {
    return "restricted-circulation prefix (a number for in-store use), not a trade item";
  }
  if (p2 === 5 || (p3 >= 981 && p3 <= 984) || p2 === 99) return "coupon prefix, not a trade item";
  if (p3 === 980) return "refund-receipt prefix, not a trade item";
  return undefined;
}

// ---- the product feed item ------------------------------------------------------------------------

export interface OnlineSale extends Money {
  /** Absent: in force from when the batch is applied until a later feed drops it. */
  window?: InstantWindow | undefined;
}

/** One product feed item, read: what goes into the store and what only the web shop states. */
export interface MerchantItem {
  sku: string;
  itemGroupId?: string | undefined;
  product: ProductRow;
  price: Money;
  sale?: OnlineSale | undefined;
  availability?: OnlineAvailability | undefined;
  /** `availability_date` (pre-order, back-order) as written and as an instant. */
  availabilityDate?: { text: string; at: number } | undefined;
  measure?: Measure | undefined;
  base?: Measure | undefined;
}

export type ItemResult =
  | { ok: true; item: MerchantItem; warnings: ItemProblem[] }
  | { ok: false; itemId: string; problems: ItemProblem[] };

/** The feed attribute each product row field comes from (to name it in errors). */
const PRODUCT_FIELD_SOURCE: Record<string, string> = {
  sku: "id",
  gtin: "gtin",
  name: "title",
  brand: "brand",
  netQuantity: "unit_pricing_measure",
  unit: "unit_pricing_measure",
  category: "product_type",
  url: "link",
};

const clip = (text: string) => excerpt(text, 200);

/** `in stock` and `in_stock` are the same value; case does not matter. */
function enumValue<T extends string>(text: string, allowed: readonly T[]): T | undefined {
  const v = text.trim().toLowerCase().replace(/\s+/g, "_");
  return (allowed as readonly string[]).includes(v) ? (v as T) : undefined;
}

function flag(text: string | undefined): boolean | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const v = text.trim().toLowerCase();
  if (v === "yes" || v === "true") return true;
  if (v === "no" || v === "false") return false;
  return undefined;
}

const present = (v: string | undefined): v is string => v !== undefined && v.trim() !== "";

/** A price attribute in the store's currency, or a problem on that attribute. */
function priceIn(
  field: string,
  text: string,
  storeCurrency: string,
  problems: ItemProblem[],
): Money | undefined {
  try {
    const money = parseMerchantPrice(text);
    if (money.currency !== storeCurrency) {
      problems.push({
        field,
        value: clip(text),
        reason: `is priced in ${money.currency}; this store sells in ${storeCurrency}`,
      });
      return undefined;
    }
    return money;
  } catch (e) {
    if (!(e instanceof MoneyError)) throw e;
    problems.push({ field, value: clip(text), reason: e.message });
    return undefined;
  }
}

/** `sale_price` with its `sale_price_effective_date`, as one unit; checked against `price`. */
function saleOf(
  raw: RawItem,
  price: Money | undefined,
  storeCurrency: string,
  problems: ItemProblem[],
): OnlineSale | undefined {
  const text = raw.sale_price;
  const windowText = raw.sale_price_effective_date;
  if (!present(text)) {
    if (present(windowText)) {
      problems.push({ field: "sale_price", value: "", reason: "is required with sale_price_effective_date" });
    }
    return undefined;
  }
  const amount = priceIn("sale_price", text, storeCurrency, problems);
  let window: InstantWindow | undefined;
  if (present(windowText)) {
    try {
      window = parseWindow(windowText);
    } catch (e) {
      if (!(e instanceof InstantError)) throw e;
      problems.push({ field: "sale_price_effective_date", value: clip(windowText), reason: e.message });
    }
  }
  if (!amount) return undefined;
  if (price && amount.amountMinor >= price.amountMinor) {
    problems.push({ field: "sale_price", value: clip(text), reason: "must be below price" });
    return undefined;
  }
  return { ...amount, ...(window ? { window } : {}) };
}

/** Reads a product feed item; `storeCurrency` is SHELFSYNC_CURRENCY. */
export function readMerchantItem(raw: RawItem, storeCurrency: string): ItemResult {
  const problems: ItemProblem[] = [];
  const warnings: ItemProblem[] = [];
  const id = raw.id?.trim() ?? "";
  if (id === "") problems.push({ field: "id", value: "", reason: "is required" });
  else if (id.length > MAX_MERCHANT_ID_LENGTH) {
    problems.push({
      field: "id",
      value: clip(id),
      reason: `longer than ${MAX_MERCHANT_ID_LENGTH} characters`,
    });
  } else if (!ID_PATTERN.test(id))
    problems.push({ field: "id", value: id, reason: `as a SKU, ${ID_MESSAGE}` });

  let price: Money | undefined;
  if (present(raw.price)) price = priceIn("price", raw.price, storeCurrency, problems);
  else problems.push({ field: "price", value: "", reason: "is required" });
  const sale = saleOf(raw, price, storeCurrency, problems);

  let measure: Measure | undefined;
  let base: Measure | undefined;
  let stored: { netQuantity: string; unit: Unit } | undefined;
  if (present(raw.unit_pricing_measure)) {
    const m = parseMeasure(raw.unit_pricing_measure);
    if (typeof m === "string") {
      problems.push({ field: "unit_pricing_measure", value: clip(raw.unit_pricing_measure), reason: m });
    } else {
      measure = m;
      stored = storeQuantity(m);
      if (!stored) {
        warnings.push({
          field: "unit_pricing_measure",
          value: clip(raw.unit_pricing_measure),
          reason: `labels price per kg, l, m or piece; "${m.unit}" is kept for the parity audit only`,
        });
      }
    }
  }
  if (present(raw.unit_pricing_base_measure)) {
    const b = parseBaseMeasure(raw.unit_pricing_base_measure);
    const value = clip(raw.unit_pricing_base_measure);
    if (typeof b === "string") problems.push({ field: "unit_pricing_base_measure", value, reason: b });
    else if (!present(raw.unit_pricing_measure)) {
      problems.push({ field: "unit_pricing_base_measure", value, reason: "needs unit_pricing_measure" });
    } else if (measure && MERCHANT_UNITS[b.unit]?.dimension !== MERCHANT_UNITS[measure.unit]?.dimension) {
      problems.push({
        field: "unit_pricing_base_measure",
        value,
        reason: `"${b.unit}" is not the same kind of unit as unit_pricing_measure "${measure.unit}"`,
      });
    } else base = b;
  }

  let availability: OnlineAvailability | undefined;
  if (present(raw.availability)) {
    availability = enumValue(raw.availability, ONLINE_AVAILABILITIES);
    if (!availability) {
      problems.push({
        field: "availability",
        value: clip(raw.availability),
        reason: `must be one of ${ONLINE_AVAILABILITIES.join(", ")}`,
      });
    }
  }
  let availabilityDate: MerchantItem["availabilityDate"];
  if (present(raw.availability_date)) {
    const text = raw.availability_date.trim();
    try {
      availabilityDate = { text, at: parseInstant(text, "UTC") };
    } catch (e) {
      if (!(e instanceof InstantError)) throw e;
      problems.push({ field: "availability_date", value: clip(text), reason: e.message });
    }
  }

  const identifierExists = flag(raw.identifier_exists);
  if (present(raw.identifier_exists) && identifierExists === undefined) {
    problems.push({
      field: "identifier_exists",
      value: clip(raw.identifier_exists),
      reason: "must be yes or no",
    });
  }
  const gtin = raw.gtin?.trim();
  if (gtin && isValidGtin(gtin)) {
    const why = gtinWarning(gtin);
    if (why) warnings.push({ field: "gtin", value: gtin, reason: why });
  }

  const draft = {
    sku: id,
    gtin: gtin || undefined,
    name: raw.title ?? "",
    brand: raw.brand,
    netQuantity: stored?.netQuantity,
    unit: stored?.unit,
    category: raw.product_type,
    url: raw.link,
  };
  // The plain-function path first; zod only for a row it does not take (to explain, or to decide).
  const fast = fastProductRow(draft);
  const parsed = fast !== null ? { success: true as const, data: fast } : productRowSchema.safeParse(draft);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? "");
      const field = PRODUCT_FIELD_SOURCE[key] ?? key;
      // The id's rules were checked above, with the feed's own limits.
      if (field === "id" || problems.some((p) => p.field === field)) continue;
      const value = (draft as Record<string, string | undefined>)[key] ?? "";
      const reason = field === "title" && value.trim() === "" ? "is required" : issue.message;
      problems.push({ field, value: clip(value), reason });
    }
  }
  if (problems.length > 0 || !parsed.success || !price) return { ok: false, itemId: id, problems };
  const itemGroupId = raw.item_group_id?.trim();
  return {
    ok: true,
    warnings,
    item: {
      sku: id,
      ...(itemGroupId ? { itemGroupId } : {}),
      product: parsed.data,
      price,
      ...(sale ? { sale } : {}),
      ...(availability ? { availability } : {}),
      ...(availabilityDate ? { availabilityDate } : {}),
      ...(measure ? { measure } : {}),
      ...(base ? { base } : {}),
    },
  };
}

// ---- the local inventory row ------------------------------------------------------------------------

/** A local inventory row for one store: its local price and sale replace the national ones. */
export interface LocalOffer {
  storeCode: string;
  sku: string;
  quantity?: number | undefined;
  availability?: LocalAvailability | undefined;
  price?: Money | undefined;
  sale?: OnlineSale | undefined;
  pickupMethod?: string | undefined;
  pickupSla?: string | undefined;
}

export type LocalResult =
  | { ok: true; offer: LocalOffer }
  | { ok: false; itemId: string; problems: ItemProblem[] };

/** Reads a local inventory row (`store_code, id, quantity, price, sale_price, availability, …`). */
export function readLocalOffer(raw: RawItem, storeCurrency: string): LocalResult {
  const problems: ItemProblem[] = [];
  const storeCode = raw.store_code?.trim() ?? "";
  if (storeCode === "") problems.push({ field: "store_code", value: "", reason: "is required" });
  const id = (raw.id ?? raw.itemid)?.trim() ?? "";
  if (id === "") problems.push({ field: "id", value: "", reason: "is required" });
  else if (id.length > MAX_MERCHANT_ID_LENGTH || !ID_PATTERN.test(id)) {
    problems.push({ field: "id", value: clip(id), reason: `as a SKU, ${ID_MESSAGE}` });
  }
  let quantity: number | undefined;
  if (present(raw.quantity)) {
    const q = raw.quantity.trim();
    if (/^\d{1,9}$/.test(q)) quantity = Number(q);
    else problems.push({ field: "quantity", value: clip(q), reason: "must be a whole number, 0 or more" });
  }
  let availability: LocalAvailability | undefined;
  if (present(raw.availability)) {
    availability = enumValue(raw.availability, LOCAL_AVAILABILITIES);
    if (!availability) {
      problems.push({
        field: "availability",
        value: clip(raw.availability),
        reason: `must be one of ${LOCAL_AVAILABILITIES.join(", ")}`,
      });
    }
  }
  const price = present(raw.price) ? priceIn("price", raw.price, storeCurrency, problems) : undefined;
  const sale = saleOf(raw, price, storeCurrency, problems);
  if (problems.length > 0) return { ok: false, itemId: id, problems };
  const text = (v: string | undefined) => (present(v) ? v.trim().toLowerCase() : undefined);
  return {
    ok: true,
    offer: {
      storeCode,
      sku: id,
      ...(quantity === undefined ? {} : { quantity }),
      ...(availability ? { availability } : {}),
      ...(price ? { price } : {}),
      ...(sale ? { sale } : {}),
      ...(text(raw.pickup_method) ? { pickupMethod: text(raw.pickup_method) } : {}),
      ...(text(raw.pickup_sla) ? { pickupSla: text(raw.pickup_sla) } : {}),
    },
  };
}

/**
 * What the shop charges in one store: a local price replaces the national one, and a local sale
 * (its price with its window, as one unit) replaces the national sale; what the local row leaves out
 * is inherited. A sale that is not below the price it would reduce is dropped.
 */
export function effectiveOffer(
  national: { price: Money; sale?: OnlineSale | undefined },
  local: Pick<LocalOffer, "price" | "sale"> | undefined,
): { price: Money; sale?: OnlineSale | undefined } {
  const price = local?.price ?? national.price;
  const sale = local?.sale ?? national.sale;
  if (!sale || sale.amountMinor >= price.amountMinor) return { price };
  return { price, sale };
}

// ---- API replies ----------------------------------------------------------------------------------

/** An item refused (or warned about): line of its element or row, its id, the attribute, the text, why. */
export const merchantItemErrorSchema = z.object({
  line: z.number().int(),
  itemId: z.string(),
  field: z.string(),
  value: z.string(),
  reason: z.string(),
});
export type MerchantItemError = z.infer<typeof merchantItemErrorSchema>;

export const MERCHANT_FEEDS = ["merchant", "local-inventory"] as const;
export type MerchantFeed = (typeof MERCHANT_FEEDS)[number];
export const SOURCE_MODES = ["import", "audit-only"] as const;
export type SourceMode = (typeof SOURCE_MODES)[number];

/** Where a batch came from: a POST body, a file, or a pull from a URL (with what the server said). */
export const feedSourceSchema = z.object({
  kind: z.enum(["upload", "file", "url"]),
  url: z.string().nullable(),
  fetchedAt: z.string().nullable(),
  etag: z.string().nullable(),
});
export type FeedSource = z.infer<typeof feedSourceSchema>;

export const merchantFeedReplySchema = z.object({
  feed: z.enum(MERCHANT_FEEDS),
  sequence: z.number().int(),
  mode: z.enum(SOURCE_MODES),
  applied: z.boolean(),
  reason: z.string().optional(),
  source: feedSourceSchema,
  itemsRead: z.number().int(),
  /** Items taken (valid, and for local inventory: this store's and known). */
  itemsAccepted: z.number().int(),
  itemsInvalid: z.number().int(),
  /** Local inventory: rows for other store codes, left alone. */
  itemsOtherStores: z.number().int().optional(),
  /** Local inventory: ids the store's catalogue does not know (listed, not applied). */
  unknownIds: z.array(z.string()).optional(),
  rowsChanged: z.number().int(),
  held: z.number().int(),
  labelsAffected: z.number().int(),
  durationMs: z.number(),
  /** Items refused (`?invalid=skip` or audit-only), up to a limit; `itemsInvalid` counts them all. */
  invalid: z.array(merchantItemErrorSchema),
  warnings: z.array(merchantItemErrorSchema),
});
export type MerchantFeedReply = z.infer<typeof merchantFeedReplySchema>;
