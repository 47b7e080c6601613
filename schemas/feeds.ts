import { z } from "zod";
import { CURRENCY_MESSAGE, ID_MESSAGE, idSchema, skuSchema } from "./common.ts";
import { isCurrencyCode } from "./currency.ts";
import { isValidGtin } from "./gtin.ts";
import { MoneyError, parseDecimalToMinor } from "./money.ts";
import { type Promotion, promotionRowSchema } from "./promotions.ts";
import { InstantError, parseInstant } from "./time.ts";
import { ID_PATTERN } from "./topics.ts";

/**
 * Feed rows (DESIGN.md §3a). CSV header names = JSON keys. CSV cells arrive as strings and JSON
 * values typed, so each field accepts both where that is unambiguous; an empty cell is "absent".
 * The schemas are built per store time zone, because an instant without an offset is store time.
 */
/** The feeds of the catalogue: products, prices, stock and promotions (central ops sends them). */
export const CATALOG_FEEDS = ["products", "prices", "stock", "promotions"] as const;
/** Every feed with rows of its own; `links` says which label shows which product (DESIGN.md §3b). */
export const FEED_NAMES = [...CATALOG_FEEDS, "links"] as const;
export type FeedName = (typeof FEED_NAMES)[number];

const absentIfEmpty = (v: unknown) => (v === "" || v === null ? undefined : v);
const trimmed = z.string().trim();
const optionalText = (max: number) => z.preprocess(absentIfEmpty, trimmed.max(max).optional());

export const UNITS = ["mg", "g", "kg", "ml", "cl", "l", "m", "piece"] as const;
export type Unit = (typeof UNITS)[number];

/** A positive decimal quantity ("500", "0.75"), kept as a canonical decimal string. */
const decimalQuantity = z.preprocess(
  (v) => (typeof v === "number" && Number.isFinite(v) ? String(v) : absentIfEmpty(v)),
  z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, "must be a positive decimal such as 500 or 0.75")
    .transform((s) =>
      s
        .replace(/^0+(?=\d)/, "")
        .replace(/(\.\d*?)0+$/, "$1")
        .replace(/\.$/, ""),
    )
    .refine((s) => /[1-9]/.test(s), "must be above zero")
    .optional(),
);

export const productRowSchema = z.object({
  sku: z.preprocess((v) => (typeof v === "string" ? v.trim() : v), skuSchema),
  gtin: z.preprocess(
    (v) => (typeof v === "number" ? String(v) : absentIfEmpty(v)),
    trimmed.refine(isValidGtin, "must be a GTIN-8/12/13/14 with a valid check digit").optional(),
  ),
  name: trimmed.min(1, "must not be empty").max(200),
  brand: optionalText(100),
  netQuantity: decimalQuantity,
  unit: z.preprocess(absentIfEmpty, z.enum(UNITS).optional()),
  category: optionalText(100),
  url: z.preprocess(
    absentIfEmpty,
    z
      .url({ protocol: /^https?$/ })
      .max(2000)
      .optional(),
  ),
});
export type ProductRow = z.infer<typeof productRowSchema>;

const PRODUCT_KEYS = ["sku", "gtin", "name", "brand", "netQuantity", "unit", "category", "url"] as const;
const DECIMAL_QUANTITY = /^\d+(\.\d+)?$/;
/**
 * A URL the fast path takes: http(s), printable ASCII only, so `trim()` and the URL parser's removal
 * of tabs and newlines leave it as it is (anything else, spaces and non-ASCII included, goes to zod).
 */
const PLAIN_HTTP_URL = /^https?:\/\/[!-~]*$/;

/** An optional text cell as `optionalText(max)` reads it; `false` when zod must decide. */
function fastOptionalText(v: unknown, max: number): string | undefined | false {
  if (v === undefined || v === "" || v === null) return undefined;
  if (typeof v !== "string") return false;
  const t = v.trim();
  return t.length <= max ? t : false;
}

/**
 * The product row schema's rules as a plain function for the ingest hot path (the products feed and
 * every Merchant Center item): returns exactly what `productRowSchema.parse` returns (the same keys,
 * present when the input has them, in the schema's order), or null when anything is wrong or
 * unusual (a number where a text is expected, a URL with spaces): then `productRowSchema` decides
 * and explains, so both paths report identically. On 200,000 products zod's object, preprocess and
 * URL layers were about a tenth of the feed's whole time. A property test holds the two to each other.
 */
export function fastProductRow(row: unknown): ProductRow | null {
  if (typeof row !== "object" || row === null) return null;
  const r = row as Record<string, unknown>;
  if (typeof r.sku !== "string" || typeof r.name !== "string") return null;
  const sku = r.sku.trim();
  if (!ID_PATTERN.test(sku)) return null;
  const name = r.name.trim();
  if (name.length < 1 || name.length > 200) return null;
  let gtin: string | undefined;
  if (r.gtin !== undefined && r.gtin !== "" && r.gtin !== null) {
    if (typeof r.gtin !== "string") return null;
    gtin = r.gtin.trim();
    if (!isValidGtin(gtin)) return null;
  }
  const brand = fastOptionalText(r.brand, 100);
  const category = fastOptionalText(r.category, 100);
  if (brand === false || category === false) return null;
  let netQuantity: string | undefined;
  if (r.netQuantity !== undefined && r.netQuantity !== "" && r.netQuantity !== null) {
    if (typeof r.netQuantity !== "string") return null;
    const t = r.netQuantity.trim();
    if (!DECIMAL_QUANTITY.test(t)) return null;
    netQuantity = t
      .replace(/^0+(?=\d)/, "")
      .replace(/(\.\d*?)0+$/, "$1")
      .replace(/\.$/, "");
    if (!/[1-9]/.test(netQuantity)) return null;
  }
  let unit: Unit | undefined;
  if (r.unit !== undefined && r.unit !== "" && r.unit !== null) {
    if (!(UNITS as readonly unknown[]).includes(r.unit)) return null;
    unit = r.unit as Unit;
  }
  let url: string | undefined;
  if (r.url !== undefined && r.url !== "" && r.url !== null) {
    if (typeof r.url !== "string" || r.url.length > 2000) return null;
    if (!PLAIN_HTTP_URL.test(r.url) || !URL.canParse(r.url)) return null;
    url = r.url;
  }
  const values = { sku, gtin, name, brand, netQuantity, unit, category, url };
  const out: Record<string, unknown> = {};
  for (const key of PRODUCT_KEYS) if (key in r) out[key] = values[key];
  return out as ProductRow;
}

const integerText = z.preprocess(
  (v) => (typeof v === "string" && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v),
  z.number({ error: "must be a whole number" }).int("must be a whole number"),
);

export const stockRowSchema = z.object({
  sku: z.preprocess((v) => (typeof v === "string" ? v.trim() : v), skuSchema),
  onHand: integerText.pipe(z.number().int().min(-1_000_000_000).max(1_000_000_000)),
});
export type StockRow = z.infer<typeof stockRowSchema>;

export interface PriceRow {
  sku: string;
  amountMinor: number;
  currency: string;
  /** Unix ms; absent = in force from when the batch is applied. */
  effectiveFrom?: number | undefined;
  /** Unix ms, exclusive; absent = open-ended. */
  effectiveTo?: number | undefined;
}

/** A problem found in a row: the field's path and the reason. */
export type RowProblem = { path: string[]; message: string };

const priceRowShape = z.object({
  sku: z.string({ error: "is required" }),
  price: z.string({
    error: (iss) =>
      typeof iss.input === "number"
        ? 'must be a decimal string such as "2.49", not a JSON number (a float cannot hold money exactly)'
        : "is required",
  }),
  currency: z.string({ error: "is required" }),
  effectiveFrom: z.string().nullish(),
  effectiveTo: z.string().nullish(),
});

/** An optional instant field; a top-level function, since a closure per row showed up in profiles. */
function readInstant(
  value: string | null | undefined,
  field: string,
  timeZone: string,
  report: (problem: RowProblem) => void,
): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  try {
    return parseInstant(text, timeZone);
  } catch (e) {
    if (!(e instanceof InstantError)) throw e;
    report({ path: [field], message: e.message });
    return undefined;
  }
}

/**
 * Every rule of a price row beyond field types, in one place. `report` receives each problem; the
 * return value is only meaningful when nothing was reported.
 */
function convertPriceRow(
  row: z.infer<typeof priceRowShape>,
  timeZone: string,
  report: (problem: RowProblem) => void,
): PriceRow {
  const sku = row.sku.trim();
  if (!ID_PATTERN.test(sku)) report({ path: ["sku"], message: ID_MESSAGE });
  const currency = knownCurrency(row.currency.trim().toUpperCase());
  let amountMinor = 0;
  if (currency === undefined) {
    report({ path: ["currency"], message: CURRENCY_MESSAGE });
  } else {
    try {
      amountMinor = parseDecimalToMinor(row.price, currency);
      if (amountMinor < 0) report({ path: ["price"], message: "must not be negative" });
    } catch (e) {
      if (!(e instanceof MoneyError)) throw e;
      report({ path: ["price"], message: e.message });
    }
  }
  const effectiveFrom = readInstant(row.effectiveFrom, "effectiveFrom", timeZone, report);
  const effectiveTo = readInstant(row.effectiveTo, "effectiveTo", timeZone, report);
  if (effectiveFrom !== undefined && effectiveTo !== undefined && effectiveTo <= effectiveFrom) {
    report({ path: ["effectiveTo"], message: "must be after effectiveFrom" });
  }
  return { sku, amountMinor, currency: currency ?? "", effectiveFrom, effectiveTo };
}

/** The last currency code `knownCurrency` accepted. */
let lastCurrency = "";

/**
 * The code when it is an ISO 4217 currency, else undefined. The rows of a feed nearly all carry the
 * same code, each read from the body as a string of its own: the row keeps the one string seen first
 * (100,000 rows held until the apply hold one "EUR", not 100,000), found by comparing three characters
 * instead of a lookup per row.
 */
function knownCurrency(code: string): string | undefined {
  if (code === lastCurrency) return lastCurrency;
  if (!isCurrencyCode(code)) return undefined;
  lastCurrency = code;
  return code;
}

/** The price row schema: the contract (and what the JSON Schema export describes). */
export function priceRowSchema(timeZone: string): z.ZodType<PriceRow> {
  return priceRowShape.transform(
    (row, ctx): PriceRow => convertPriceRow(row, timeZone, (p) => ctx.addIssue({ code: "custom", ...p })),
  );
}

/**
 * The same rules as `priceRowSchema`, as a plain function for the ingest hot path: returns the row,
 * or null when anything is wrong (then `priceRowSchema` explains it, so both report identically).
 * The field-type checks mirror `priceRowShape`. Measured on 100,000 rows, going through zod here
 * cost more than all the checks themselves.
 */
export function fastPriceRow(timeZone: string): (row: unknown) => PriceRow | null {
  const optional = (v: unknown) => v === undefined || v === null || typeof v === "string";
  // One counter for every row (validation is synchronous): no closure allocated per row.
  let problems = 0;
  const report = () => {
    problems++;
  };
  return (row) => {
    if (typeof row !== "object" || row === null) return null;
    const r = row as Record<string, unknown>;
    if (typeof r.sku !== "string" || typeof r.price !== "string" || typeof r.currency !== "string")
      return null;
    if (!optional(r.effectiveFrom) || !optional(r.effectiveTo)) return null;
    problems = 0;
    const out = convertPriceRow(r as z.infer<typeof priceRowShape>, timeZone, report);
    return problems === 0 ? out : null;
  };
}

/** A row of the links feed: `labelId, sku`; an empty (or absent) `sku` unlinks the label. */
export interface LinkRow {
  labelId: string;
  /** null = unlink. */
  sku: string | null;
}

export const linkRowSchema: z.ZodType<LinkRow> = z.object({
  labelId: z.preprocess((v) => (typeof v === "string" ? v.trim() : v), idSchema),
  sku: z
    .preprocess(
      (v) => (typeof v === "string" ? v.trim() || null : v === undefined ? null : v),
      skuSchema.nullable(),
    )
    .transform((v) => v ?? null),
});

export function feedRowSchemas(timeZone: string) {
  return {
    products: productRowSchema,
    prices: priceRowSchema(timeZone),
    stock: stockRowSchema,
    promotions: promotionRowSchema(timeZone),
    links: linkRowSchema,
  } satisfies Record<FeedName, z.ZodType>;
}
export type FeedRow<F extends FeedName> = F extends "products"
  ? ProductRow
  : F extends "prices"
    ? PriceRow
    : F extends "stock"
      ? StockRow
      : F extends "links"
        ? LinkRow
        : Promotion;

/** Media types a feed batch may use. */
export const FEED_MEDIA_TYPES = {
  csv: ["text/csv"],
  ndjson: ["application/x-ndjson", "application/jsonl", "application/ndjson"],
  json: ["application/json"],
} as const;
export type FeedFormat = keyof typeof FEED_MEDIA_TYPES;
