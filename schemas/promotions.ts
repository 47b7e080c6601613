import { z } from "zod";
import { currencySchema, idSchema, skuSchema } from "./common.ts";
import { currencyExponent } from "./currency.ts";
import { excerpt } from "./excerpt.ts";
import { MoneyError, parseDecimalToMinor } from "./money.ts";
import { InstantError, parseEndInstant, parseInstant } from "./time.ts";

/**
 * Promotions (DESIGN.md §3a): the central feed row `promotionId, kind, skus, value, buyQuantity,
 * start, end, priority` and the staff bodies of `POST/PATCH /api/v1/promotions`.
 *
 * `value` stays an exact decimal string in the normalized form. A money value ("0.50", "5.00") can
 * only become minor units once the product's currency is known, which is at resolution time: the
 * same chain-wide row may reach SKUs priced in different currencies. A row may pin a `currency`
 * (an added optional column); then its precision is checked here and the promotion only applies to
 * prices in that currency.
 *
 * Value per kind:
 *  - `percent`: percent off, 0 < value ≤ 100, decimals allowed ("12.5"); a trailing "%" is accepted.
 *  - `amount`: money off each item; `fixed`: the promotional price; `member`: the member price.
 *  - `multibuy`: `buyQuantity` items (2–99) for `value` in money ("3 for 5.00"), or, written with a
 *    "%" ("50%"), that share off the last of the `buyQuantity` items ("2nd at half price" is
 *    `buyQuantity: 2, value: "50%"`; "3rd free" is `buyQuantity: 3, value: "100%"`).
 */
export const PROMOTION_KINDS = ["percent", "amount", "fixed", "multibuy", "member"] as const;
export type PromotionKind = (typeof PROMOTION_KINDS)[number];
export const promotionKindSchema = z.enum(PROMOTION_KINDS);

export const PROMOTION_SOURCES = ["central", "store"] as const;
export type PromotionSource = (typeof PROMOTION_SOURCES)[number];

/** The normalized promotion, as stored and as the pricing engine takes it. Instants are unix ms. */
export interface Promotion {
  promotionId: string;
  kind: PromotionKind;
  /** Target SKUs; empty when the promotion targets a category instead. */
  skus: string[];
  category?: string | undefined;
  /** Canonical exact decimal ("12.5", "5", "0.5"); a multi-buy share keeps its "%" ("50%"). */
  value: string;
  /** Multi-buy only: how many items the deal is for. */
  buyQuantity?: number | undefined;
  /** When set, the promotion applies only to prices in this currency. */
  currency?: string | undefined;
  start: number;
  /** Exclusive; null = open-ended. */
  end: number | null;
  /** Higher wins an overlap (see docs/pricing.md). */
  priority: number;
  source: PromotionSource;
  author?: string | undefined;
  reason?: string | undefined;
}

export interface PromotionIssue {
  field: string;
  reason: string;
}

export type PromotionResult = { ok: true; promotion: Promotion } | { ok: false; issues: PromotionIssue[] };

export const MAX_PERCENT_DECIMALS = 6;
export const MIN_BUY_QUANTITY = 2;
export const MAX_BUY_QUANTITY = 99;
const DECIMAL = /^(\d+)(?:\.(\d+))?$/;
const FLOAT_MONEY =
  'must be a decimal string such as "2.49", not a JSON number (a float cannot hold money exactly)';

function canonicalDecimal(text: string): string {
  return text
    .replace(/^0+(?=\d)/, "")
    .replace(/(\.\d*?)0+$/, "$1")
    .replace(/\.$/, "");
}

function percentValue(text: string): string | PromotionIssue {
  const bare = text.trim().replace(/\s*%$/, "");
  const m = DECIMAL.exec(bare);
  if (!m) return { field: "value", reason: `"${excerpt(text)}" is not a percentage such as 20 or 12.5` };
  if ((m[2] ?? "").length > MAX_PERCENT_DECIMALS) {
    return { field: "value", reason: `at most ${MAX_PERCENT_DECIMALS} decimal places in a percentage` };
  }
  const canonical = canonicalDecimal(bare);
  if (!/[1-9]/.test(canonical)) return { field: "value", reason: "must be above 0 %" };
  const [whole = "0", fraction = ""] = canonical.split(".");
  if (Number(whole) > 100 || (Number(whole) === 100 && /[1-9]/.test(fraction))) {
    return { field: "value", reason: "must be at most 100 %" };
  }
  return canonical;
}

function moneyValue(text: string, currency: string | undefined): string | PromotionIssue {
  const bare = text.trim();
  const m = DECIMAL.exec(bare);
  if (!m) return { field: "value", reason: `"${excerpt(text)}" is not a decimal amount such as "2.49"` };
  if (currency !== undefined) {
    try {
      parseDecimalToMinor(bare, currency);
    } catch (e) {
      if (!(e instanceof MoneyError)) throw e;
      return { field: "value", reason: e.message };
    }
  } else if ((m[2] ?? "").length > 4) {
    // No ISO 4217 currency has more than 4 minor digits; finer checks wait for the product's currency.
    return { field: "value", reason: "has more decimal places than any currency allows" };
  }
  const canonical = canonicalDecimal(bare);
  if (!/[1-9]/.test(canonical)) return { field: "value", reason: "must be above zero" };
  return canonical;
}

/** Canonical `value` for `kind`, or the problem with it. JSON numbers are accepted for percentages only. */
export function normalizePromotionValue(
  kind: PromotionKind,
  raw: string | number,
  currency?: string,
): string | PromotionIssue {
  const isShare = kind === "percent" || (kind === "multibuy" && typeof raw === "string" && /%\s*$/.test(raw));
  if (typeof raw === "number") {
    if (kind !== "percent") return { field: "value", reason: FLOAT_MONEY };
    if (!Number.isFinite(raw) || /e/i.test(String(raw))) {
      return { field: "value", reason: "must be a plain percentage such as 20 or 12.5" };
    }
    return percentValue(String(raw));
  }
  if (!isShare) return moneyValue(raw, currency);
  const share = percentValue(raw);
  return typeof share === "string" && kind === "multibuy" ? `${share}%` : share;
}

/** Promotion fields before the cross-field checks; `value` still raw. */
export type PromotionDraft = Omit<Promotion, "value"> & { value: string | number };

/** The cross-field rules shared by feed rows, POST and PATCH; canonicalizes `value`. */
export function finishPromotion(draft: PromotionDraft): PromotionResult {
  const issues: PromotionIssue[] = [];
  const value = normalizePromotionValue(draft.kind, draft.value, draft.currency);
  if (typeof value !== "string") issues.push(value);
  const skus = [...new Set(draft.skus)];
  if (skus.length > 0 && draft.category !== undefined) {
    issues.push({ field: "category", reason: "give either skus or a category, not both" });
  } else if (skus.length === 0 && draft.category === undefined) {
    issues.push({ field: "skus", reason: "must name at least one SKU (or give a category)" });
  }
  if (draft.kind === "multibuy") {
    const q = draft.buyQuantity;
    if (q === undefined) {
      issues.push({ field: "buyQuantity", reason: "is required for a multibuy promotion" });
    } else if (!Number.isInteger(q) || q < MIN_BUY_QUANTITY || q > MAX_BUY_QUANTITY) {
      issues.push({
        field: "buyQuantity",
        reason: `must be a whole number from ${MIN_BUY_QUANTITY} to ${MAX_BUY_QUANTITY}`,
      });
    }
  } else if (draft.buyQuantity !== undefined) {
    issues.push({ field: "buyQuantity", reason: "only applies to multibuy promotions" });
  }
  if (draft.currency !== undefined && currencyExponent(draft.currency) === undefined) {
    issues.push({ field: "currency", reason: `unknown ISO 4217 currency "${excerpt(draft.currency)}"` });
  }
  if (!Number.isSafeInteger(draft.start)) issues.push({ field: "start", reason: "is not a valid instant" });
  if (draft.end !== null && !(draft.end > draft.start)) {
    issues.push({ field: "end", reason: "must be after start" });
  }
  if (issues.length > 0 || typeof value !== "string") return { ok: false, issues };
  const promotion: Promotion = {
    promotionId: draft.promotionId,
    kind: draft.kind,
    skus,
    value,
    start: draft.start,
    end: draft.end,
    priority: draft.priority,
    source: draft.source,
  };
  if (draft.category !== undefined) promotion.category = draft.category;
  if (draft.kind === "multibuy") promotion.buyQuantity = draft.buyQuantity;
  if (draft.currency !== undefined) promotion.currency = draft.currency;
  if (draft.author !== undefined) promotion.author = draft.author;
  if (draft.reason !== undefined) promotion.reason = draft.reason;
  return { ok: true, promotion };
}

// ---- field parsers shared by the feed row and the API bodies ----

const absentIfEmpty = (v: unknown) => (v === "" || v === null ? undefined : v);
const trimIfString = (v: unknown) => (typeof v === "string" ? v.trim() : v);

/** `["A","B"]` (JSON array, or its text in a CSV cell) or `A|B` (CSV). */
function splitSkus(v: unknown): unknown {
  if (typeof v !== "string") return absentIfEmpty(v);
  const text = v.trim();
  if (text === "") return undefined;
  if (text.startsWith("[")) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text
    .split("|")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

const integerOrAbsent = (v: unknown) => {
  const a = absentIfEmpty(v);
  return typeof a === "string" && /^\s*-?\d+\s*$/.test(a) ? Number(a) : a;
};

const fields = {
  promotionId: z.preprocess(trimIfString, idSchema),
  kind: z.preprocess((v) => (typeof v === "string" ? v.trim().toLowerCase() : v), promotionKindSchema),
  skus: z.preprocess(splitSkus, z.array(skuSchema).min(1).max(100_000).optional()),
  category: z.preprocess(absentIfEmpty, z.string().trim().min(1).max(100).optional()),
  value: z.union([z.string(), z.number()], { error: "is required" }),
  buyQuantity: z.preprocess(integerOrAbsent, z.number({ error: "must be a whole number" }).int().optional()),
  currency: z.preprocess(
    (v) => (typeof v === "string" ? absentIfEmpty(v.trim().toUpperCase()) : absentIfEmpty(v)),
    currencySchema.optional(),
  ),
  instant: z.string({ error: "is required" }).trim().min(1, "is required"),
  priority: z.preprocess(
    integerOrAbsent,
    z.number({ error: "must be a whole number" }).int().min(-1_000_000).max(1_000_000).optional(),
  ),
  source: z.enum(PROMOTION_SOURCES),
  /**
   * Accepted for compatibility with clients from before tokens named people; the API records the
   * token's name as the author, whatever this says.
   */
  author: z.preprocess(absentIfEmpty, z.string().trim().max(100).optional()),
  reason: z.preprocess(absentIfEmpty, z.string().trim().max(500).optional()),
};

type Ctx = z.core.$RefinementCtx;

/**
 * Promotion rows share a few start and end times (midnights), and reading a zone's offset is the
 * slowest step of a row, so instants are memoized per zone (bounded).
 */
const instants = new Map<string, number>();
function cachedInstant(text: string, timeZone: string, field: string): number {
  // An end given as a date is the end of that day (parseEndInstant); a start is its beginning.
  const isEnd = field === "end";
  const key = `${timeZone}|${isEnd ? "end" : "at"}|${text}`;
  let ms = instants.get(key);
  if (ms === undefined) {
    ms = isEnd ? parseEndInstant(text, timeZone) : parseInstant(text, timeZone);
    if (instants.size >= 10_000) instants.clear();
    instants.set(key, ms);
  }
  return ms;
}

/** A start or end field as an instant; `end` as a bare date means the end of that day in store time. */
function instantOrIssue(text: string, timeZone: string, field: string, ctx: Ctx): number {
  try {
    return cachedInstant(text, timeZone, field);
  } catch (e) {
    if (!(e instanceof InstantError)) throw e;
    ctx.addIssue({ code: "custom", path: [field], message: e.message });
    return Number.NaN;
  }
}

function report(result: PromotionResult, ctx: Ctx): Promotion {
  if (result.ok) return result.promotion;
  for (const issue of result.issues)
    ctx.addIssue({ code: "custom", path: [issue.field], message: issue.reason });
  return z.NEVER;
}

/** The terms every promotion has, whoever sends it (feed row or staff body), in the §3a order. */
const termsShape = {
  kind: fields.kind,
  skus: fields.skus,
  category: fields.category,
  value: fields.value,
  buyQuantity: fields.buyQuantity,
  currency: fields.currency,
  start: fields.instant,
  end: z.preprocess(absentIfEmpty, fields.instant.optional()),
  priority: fields.priority,
};
type Terms = z.infer<z.ZodObject<typeof termsShape>>;

/** Terms (instants read in store time) plus who sends them → a normalized promotion, or issues. */
function withTerms(
  terms: Terms,
  sender: Pick<Promotion, "promotionId" | "source" | "author" | "reason">,
  timeZone: string,
  ctx: Ctx,
): Promotion {
  const start = instantOrIssue(terms.start, timeZone, "start", ctx);
  const end = terms.end === undefined ? null : instantOrIssue(terms.end, timeZone, "end", ctx);
  if (Number.isNaN(start) || Number.isNaN(end)) return z.NEVER;
  return report(
    finishPromotion({
      promotionId: sender.promotionId,
      kind: terms.kind,
      skus: terms.skus ?? [],
      category: terms.category,
      value: terms.value,
      buyQuantity: terms.buyQuantity,
      currency: terms.currency,
      start,
      end,
      priority: terms.priority ?? 0,
      source: sender.source,
      ...(sender.author === undefined ? {} : { author: sender.author }),
      ...(sender.reason === undefined ? {} : { reason: sender.reason }),
    }),
    ctx,
  );
}

/** A row of the central promotions feed; store-time instants are read in `timeZone`. */
export function promotionRowSchema(timeZone: string): z.ZodType<Promotion> {
  return z
    .object({ promotionId: fields.promotionId, ...termsShape })
    .transform(({ promotionId, ...terms }, ctx) =>
      withTerms(terms, { promotionId, source: "central" }, timeZone, ctx),
    );
}

/**
 * `POST /api/v1/promotions`. `promotionId` may be left out for the server to assign; the result
 * then carries an empty `promotionId` to fill in. `source` defaults to `store`.
 */
export function promotionCreateBodySchema(timeZone: string): z.ZodType<Promotion> {
  return z
    .object({
      promotionId: fields.promotionId.optional(),
      ...termsShape,
      source: fields.source.default("store"),
      author: fields.author,
      reason: fields.reason,
    })
    .transform(({ promotionId, source, author, reason, ...terms }, ctx) =>
      withTerms(terms, { promotionId: promotionId ?? "", source, author, reason }, timeZone, ctx),
    );
}
export type PromotionCreateBody = z.input<ReturnType<typeof promotionCreateBodySchema>>;

/**
 * `PATCH /api/v1/promotions/{promotionId}`: any field but the id (`author` is accepted, but the API
 * records the token's name). `end: null` makes the promotion open-ended; setting `skus` clears a `category` and
 * the other way round; `currency: null` unpins the currency. Apply with `applyPromotionPatch`.
 */
export interface PromotionPatch {
  kind?: PromotionKind | undefined;
  skus?: string[] | undefined;
  category?: string | undefined;
  value?: string | number | undefined;
  buyQuantity?: number | null | undefined;
  currency?: string | null | undefined;
  start?: number | undefined;
  end?: number | null | undefined;
  priority?: number | undefined;
  source?: PromotionSource | undefined;
  author?: string | undefined;
  reason?: string | undefined;
}

export function promotionPatchBodySchema(timeZone: string): z.ZodType<PromotionPatch> {
  return z
    .strictObject({
      kind: fields.kind.optional(),
      skus: fields.skus,
      category: fields.category,
      value: fields.value.optional(),
      buyQuantity: z.union([z.null(), fields.buyQuantity]),
      currency: z.union([z.null(), fields.currency]),
      start: fields.instant.optional(),
      end: z.union([z.null(), fields.instant]).optional(),
      priority: fields.priority,
      source: fields.source.optional(),
      author: fields.author,
      reason: fields.reason,
    })
    .transform((body, ctx): PromotionPatch => {
      if (body.skus !== undefined && body.category !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["category"],
          message: "give either skus or a category, not both",
        });
      }
      const patch: PromotionPatch = body.author === undefined ? {} : { author: body.author };
      for (const key of [
        "kind",
        "skus",
        "category",
        "value",
        "buyQuantity",
        "currency",
        "priority",
      ] as const) {
        if (body[key] !== undefined) Object.assign(patch, { [key]: body[key] });
      }
      if (body.source !== undefined) patch.source = body.source;
      if (body.reason !== undefined) patch.reason = body.reason;
      if (body.start !== undefined) patch.start = instantOrIssue(body.start, timeZone, "start", ctx);
      if (body.end === null) patch.end = null;
      else if (body.end !== undefined) patch.end = instantOrIssue(body.end, timeZone, "end", ctx);
      return patch;
    });
}

/**
 * Merge a patch into the stored promotion and re-check every rule. `author` and `reason` become the
 * last change's (the audit log keeps the earlier ones). A kind other than multibuy drops
 * `buyQuantity`.
 */
export function applyPromotionPatch(existing: Promotion, patch: PromotionPatch): PromotionResult {
  const kind = patch.kind ?? existing.kind;
  let skus = existing.skus;
  let category = existing.category;
  if (patch.skus !== undefined) {
    skus = patch.skus;
    category = undefined;
  }
  if (patch.category !== undefined) {
    category = patch.category;
    skus = [];
  }
  const buyQuantity =
    kind !== "multibuy"
      ? undefined
      : patch.buyQuantity === null
        ? undefined
        : (patch.buyQuantity ?? existing.buyQuantity);
  return finishPromotion({
    promotionId: existing.promotionId,
    kind,
    skus,
    category,
    value: patch.value ?? existing.value,
    buyQuantity,
    currency: patch.currency === null ? undefined : (patch.currency ?? existing.currency),
    start: patch.start ?? existing.start,
    end: patch.end === undefined ? existing.end : patch.end,
    priority: patch.priority ?? existing.priority,
    source: patch.source ?? existing.source,
    author: patch.author,
    reason: patch.reason,
  });
}
