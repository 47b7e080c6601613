import { z } from "zod";
import { isCurrencyCode } from "./currency.ts";
import { hasRealOffset } from "./time.ts";
import { ID_PATTERN } from "./topics.ts";

/** Protocol version carried as `v` by every MQTT payload. */
export const PROTOCOL_VERSION = 1;
export const protocolVersion = z.literal(PROTOCOL_VERSION);

export const ID_MESSAGE = "must be 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit";
export const CURRENCY_MESSAGE = "must be an ISO 4217 currency code such as EUR";

export const idSchema = z.string().regex(ID_PATTERN, ID_MESSAGE);

/**
 * An ISO 8601 instant with an offset or Z, the offset a real one (±hh:mm within ±14:00): zod's own
 * check takes up to ±23:59, and `+23:59` moves an instant by a day.
 */
export const offsetInstantSchema = (error = "must be an ISO 8601 instant with an offset or Z") =>
  z.iso
    .datetime({ offset: true, error })
    .refine(hasRealOffset, "must have a UTC offset within ±14:00 (±hh:mm)");
export const skuSchema = idSchema;

export const currencySchema = z.string().refine(isCurrencyCode, { message: CURRENCY_MESSAGE });

/** A money object on the wire: integer minor units, the currency, and the text to show. */
export const moneySchema = z.object({
  amountMinor: z.number().int(),
  currency: currencySchema,
  text: z.string(),
});
export type MoneyObject = z.infer<typeof moneySchema>;

/** What a unit price is per (Directive 98/6/EC, PAngV): the bases the pricing engine uses. */
export const UNIT_BASES = ["kg", "l", "100 g", "100 ml", "piece", "m"] as const;
export type UnitBase = (typeof UNIT_BASES)[number];

/** A price per unit of measure: a money object plus what it is per ("kg", "l", "100 g", "piece"…). */
export const unitPriceSchema = moneySchema.extend({ per: z.string() });

/**
 * The promotion a shelf shows: which, what kind, its text, and until when (ISO 8601). `percent` is
 * the one percentage a reduction announces (whole percent, rounded down, measured from the art. 6a
 * prior price): a badge shows this number, never one of its own.
 */
export const promoDisplaySchema = z.object({
  promotionId: z.string(),
  kind: z.string(),
  text: z.string(),
  percent: z.number().int().min(1).max(100).optional(),
  /**
   * What an announced reduction is measured from: `prior` (the art. 6a prior price, `referencePrice`),
   * `regular` (no Omnibus rule in this store) or `perishable` (exempt as perishable, art. 6a(3): the
   * label says why).
   */
  basis: z.enum(["prior", "regular", "perishable"]).optional(),
  /** The end (exclusive), ISO 8601 in store time with its offset: an end at 00:00 means "until the day before". */
  validUntil: z.string().optional(),
});

export const STOCK_STATES = ["in_stock", "low", "out"] as const;
export const stockStateSchema = z.enum(STOCK_STATES);
export type StockState = z.infer<typeof stockStateSchema>;

/** Panel colour modes: black/white, black/white/red, black/white/yellow, black/white/red/yellow. */
export const COLOR_MODES = ["bw", "bwr", "bwy", "bwry"] as const;
export const colorModeSchema = z.enum(COLOR_MODES);
export type ColorMode = z.infer<typeof colorModeSchema>;

/**
 * Hex SHA-256 prefix used as a content hash (what a label shows, independent of version); one
 * pattern for the schema and for mqtt-fast.ts's hand check.
 */
export const CONTENT_HASH_PATTERN = /^[0-9a-f]{16,64}$/;
export const contentHashSchema = z.string().regex(CONTENT_HASH_PATTERN, "must be lower-case hex");
