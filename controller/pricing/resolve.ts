import type { Promotion } from "../../schemas/promotions.ts";
import { instantText, localToInstant, zoneOffsetMs } from "../../schemas/time.ts";
import { type ClaimFigures, claimFigures } from "./claims.ts";
import { inWindow, isReduction, type Offer, type OfferSelection, selectOffers, targets } from "./offers.ts";
import { pricingPolicy } from "./policy.ts";
import { type RegularPrice, regularPriceAt } from "./regular.ts";
import { type DealDetail, moneyText, offerText, reductionText } from "./texts.ts";
import type {
  PricedMoney,
  PriceEntry,
  PriceOverride,
  PriceTrace,
  PriceTransition,
  PricingInput,
  PricingPolicy,
  PricingProduct,
  PromoDisplay,
  ReductionClaim,
  ResolvedPrice,
} from "./types.ts";
import { unitPriceMinor } from "./unit-price.ts";

const DAY_MS = 86_400_000;

/** What is in force at one instant, before texts and the Omnibus look-back. */
interface State {
  regular: RegularPrice | undefined;
  offers: OfferSelection | undefined;
  /** Single-item public price; meaningful only with a regular price. */
  shownMinor: number;
}

/** One SKU's inputs, filtered and with memoized states, shared by every instant asked about. */
interface Context {
  product: PricingProduct;
  history: readonly PriceEntry[];
  overrides: readonly PriceOverride[];
  promotions: readonly Promotion[];
  policy: PricingPolicy;
  breakpoints?: number[];
  states?: Map<number, State>;
}

function isOwnEntry(e: PriceEntry | PriceOverride, sku: string): boolean {
  return e.sku === sku && Number.isSafeInteger(e.amountMinor) && e.amountMinor >= 0;
}

/**
 * Rows for another SKU or with an impossible amount are left out rather than trusted: a resolution
 * must never show a negative price, whatever it is handed. The caller's array is kept when nothing
 * is dropped, so the common case allocates nothing.
 */
function ownRows<T extends PriceEntry | PriceOverride>(rows: readonly T[], sku: string): readonly T[] {
  for (let i = 0; i < rows.length; i++) {
    if (!isOwnEntry(rows[i] as T, sku)) return rows.filter((r) => isOwnEntry(r, sku));
  }
  return rows;
}

function targeted(promotions: readonly Promotion[], product: PricingProduct): readonly Promotion[] {
  let out: Promotion[] | undefined;
  for (let i = 0; i < promotions.length; i++) {
    const p = promotions[i] as Promotion;
    if (targets(p, product)) {
      if (out) out.push(p);
    } else {
      out ??= promotions.slice(0, i);
    }
  }
  return out ?? promotions;
}

const NONE: readonly never[] = [];

function context(input: PricingInput): Context {
  const { product } = input;
  return {
    product,
    history: ownRows(input.history, product.sku),
    overrides: input.overrides ? ownRows(input.overrides, product.sku) : NONE,
    promotions: input.promotions ? targeted(input.promotions, product) : NONE,
    policy: pricingPolicy(input.policy),
  };
}

function computeState(ctx: Context, t: number): State {
  const regular = regularPriceAt(ctx.history, ctx.overrides, t);
  if (!regular) return { regular, offers: undefined, shownMinor: 0 };
  let inForce: Promotion[] | undefined;
  for (const p of ctx.promotions) {
    if (!inWindow(p, t)) continue;
    inForce ??= [];
    inForce.push(p);
  }
  if (!inForce) return { regular, offers: undefined, shownMinor: regular.amountMinor };
  const offers = selectOffers(inForce, regular.amountMinor, regular.currency);
  return { regular, offers, shownMinor: offers.public?.priceMinor ?? regular.amountMinor };
}

function stateAt(ctx: Context, t: number): State {
  ctx.states ??= new Map();
  let s = ctx.states.get(t);
  if (!s) {
    s = computeState(ctx, t);
    ctx.states.set(t, s);
  }
  return s;
}

/** Every instant at which something this SKU depends on starts or ends, ascending. */
function breakpoints(ctx: Context): number[] {
  if (!ctx.breakpoints) {
    const all = new Set<number>();
    for (const e of ctx.history) {
      all.add(e.effectiveFrom);
      if (e.effectiveTo !== null) all.add(e.effectiveTo);
    }
    for (const o of ctx.overrides) {
      all.add(o.start);
      if (o.end !== null) all.add(o.end);
    }
    for (const p of ctx.promotions) {
      all.add(p.start);
      if (p.end !== null) all.add(p.end);
    }
    ctx.breakpoints = [...all].sort((a, b) => a - b);
  }
  return ctx.breakpoints;
}

/** The first instant after t at which any input starts or ends; no sort needed for one answer. */
function nextBoundary(ctx: Context, t: number): number | undefined {
  let next = Number.POSITIVE_INFINITY;
  for (const e of ctx.history) {
    if (e.effectiveFrom > t && e.effectiveFrom < next) next = e.effectiveFrom;
    if (e.effectiveTo !== null && e.effectiveTo > t && e.effectiveTo < next) next = e.effectiveTo;
  }
  for (const o of ctx.overrides) {
    if (o.start > t && o.start < next) next = o.start;
    if (o.end !== null && o.end > t && o.end < next) next = o.end;
  }
  for (const p of ctx.promotions) {
    if (p.start > t && p.start < next) next = p.start;
    if (p.end !== null && p.end > t && p.end < next) next = p.end;
  }
  return next === Number.POSITIVE_INFINITY ? undefined : next;
}

/** Index of the last breakpoint ≤ t, or −1. */
function segmentIndex(bps: readonly number[], t: number): number {
  let lo = 0;
  let hi = bps.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((bps[mid] as number) <= t) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

const reductionId = (s: State): string | undefined =>
  isReduction(s.offers?.public) ? s.offers.public.promotion.promotionId : undefined;

/** Walk back over segments in which the same promotion was the reduction shown. */
function runStartIndex(ctx: Context, bps: readonly number[], index: number, promotionId: string): number {
  let i = index;
  while (i > 0 && reductionId(stateAt(ctx, bps[i - 1] as number)) === promotionId) i--;
  return i;
}

/**
 * `days` calendar days before `instant` in the store's zone (23 h and 25 h days included), else
 * 24 h days. Promotions start at a handful of instants (midnights), and reading a zone's offset is
 * slow, so answers are memoized, bounded.
 */
const lookbackStarts = new Map<string, number>();
function daysBefore(instant: number, days: number, timeZone: string | undefined): number {
  if (timeZone === undefined) return instant - days * DAY_MS;
  const key = `${timeZone}|${days}|${instant}`;
  let from = lookbackStarts.get(key);
  if (from === undefined) {
    const wall = instant + zoneOffsetMs(instant, timeZone);
    from = localToInstant(wall - days * DAY_MS, timeZone);
    if (lookbackStarts.size >= 10_000) lookbackStarts.clear();
    lookbackStarts.set(key, from);
  }
  return from;
}

interface Reference {
  referenceMinor: number | undefined;
  reductionStart: number;
  campaignStart: number;
  window: { from: number; to: number };
}

/**
 * Omnibus (98/6/EC art. 6a): the prior price is the lowest price in force during the look-back
 * before the reduction started. The look-back is anchored at the start, so it does not roll while
 * the reduction runs. A reduction that deepens one running up to its start without a gap belongs
 * to the same campaign and keeps the campaign's prior price (art. 6a(5)).
 */
function omnibusReference(ctx: Context, t: number, offer: Offer, currency: string): Reference {
  const bps = breakpoints(ctx);
  const omnibus = ctx.policy.omnibus;
  const ri = runStartIndex(ctx, bps, segmentIndex(bps, t), offer.promotion.promotionId);
  let ci = ri;
  while (omnibus.progressiveExemption && ci > 0) {
    const before = stateAt(ctx, bps[ci - 1] as number);
    const stage = stateAt(ctx, bps[ci] as number);
    const prior = before.offers?.public;
    if (!isReduction(prior) || before.regular?.currency !== stage.regular?.currency) break;
    if (prior.priceMinor < stage.shownMinor) break;
    ci = runStartIndex(ctx, bps, ci - 1, prior.promotion.promotionId);
  }
  const reductionStart = bps[ri] as number;
  const campaignStart = bps[ci] as number;
  const from = daysBefore(campaignStart, omnibus.lookbackDays, ctx.policy.timeZone);
  let lowest: number | undefined;
  const consider = (instant: number) => {
    const s = stateAt(ctx, instant);
    if (!s.regular || s.regular.currency !== currency) return;
    const value = omnibus.basis === "lowestApplied" ? s.shownMinor : s.regular.amountMinor;
    if (lowest === undefined || value < lowest) lowest = value;
  };
  if (from < campaignStart) {
    consider(from);
    for (let i = segmentIndex(bps, from) + 1; i < bps.length && (bps[i] as number) < campaignStart; i++) {
      consider(bps[i] as number);
    }
  }
  return { referenceMinor: lowest, reductionStart, campaignStart, window: { from, to: campaignStart } };
}

/** Why a reduction's price is charged but not announced, for the audit log and the people told. */
function suppressedDetail(
  promotionId: string,
  price: PricedMoney,
  prior: PricedMoney | undefined,
  days: number,
  since: number,
): string {
  const start = new Date(since).toISOString();
  const why = prior
    ? `its prior price, the lowest in the ${days} days before it started (${start}), is ${prior.text}, not above it`
    : `no price was in force in the ${days} days before it started (${start}), so there is no prior price to measure it from`;
  return `promotion ${promotionId} is charged (${price.text}) but not announced as a reduction: ${why}`;
}

/**
 * What a shown reduction may announce. With the Omnibus rule on, it is measured from the art. 6a
 * prior price, and a price not below that (or no prior price at all) is charged without any claim.
 */
function applyReduction(
  ctx: Context,
  t: number,
  offer: Offer,
  regularMinor: number,
  currency: string,
  result: ResolvedPrice,
): void {
  const { locale, omnibus } = ctx.policy;
  const category = ctx.product.category;
  let figures: ClaimFigures | null;
  if (!omnibus.enabled) {
    figures = claimFigures("regular", regularMinor, offer.priceMinor);
  } else if (category !== undefined && omnibus.perishableCategories.includes(category)) {
    figures = claimFigures("perishable", regularMinor, offer.priceMinor);
  } else {
    const ref = omnibusReference(ctx, t, offer, currency);
    const trace = result.trace;
    trace.reductionStart = ref.reductionStart;
    trace.campaignStart = ref.campaignStart;
    trace.referenceWindow = ref.window;
    figures =
      ref.referenceMinor === undefined ? null : claimFigures("prior", ref.referenceMinor, offer.priceMinor);
    if (!figures) {
      const prior =
        ref.referenceMinor === undefined ? undefined : money(ref.referenceMinor, currency, locale);
      const p = offer.promotion;
      const detail = suppressedDetail(
        p.promotionId,
        result.price,
        prior,
        omnibus.lookbackDays,
        ref.campaignStart,
      );
      result.notAReduction = {
        reason: "not_a_reduction",
        promotionId: p.promotionId,
        kind: p.kind,
        promotionalPrice: result.price,
        ...(prior ? { priorPrice: prior } : {}),
        lookbackDays: omnibus.lookbackDays,
        reductionStart: ref.campaignStart,
        detail,
      };
      result.warnings = [`not_a_reduction: ${detail}`];
      return;
    }
    result.referencePrice = money(figures.compareMinor, currency, locale);
  }
  // An offer always lowers the price below the regular one, so only the prior price can refuse a claim.
  if (!figures) return;
  const claim: ReductionClaim = {
    basis: figures.basis,
    comparePrice: money(figures.compareMinor, currency, locale),
    saving: money(figures.savingMinor, currency, locale),
  };
  if (figures.percent !== undefined) claim.percent = figures.percent;
  if (figures.basis === "prior") claim.lookbackDays = omnibus.lookbackDays;
  result.claim = claim;
  result.promo = promoDisplay(ctx.policy, offer, currency, figures);
}

function promoDisplay(
  policy: PricingPolicy,
  offer: Offer,
  currency: string,
  figures?: ClaimFigures,
): PromoDisplay {
  const p = offer.promotion;
  const { locale } = policy;
  const display: PromoDisplay = {
    promotionId: p.promotionId,
    kind: p.kind,
    text: figures
      ? reductionText(p.kind, figures, currency, locale)
      : offerText(offer.detail as DealDetail, offer.priceMinor, currency, locale),
  };
  if (figures?.percent !== undefined) display.percent = figures.percent;
  if (figures) display.basis = figures.basis;
  if (p.end !== null) display.validUntil = instantText(p.end, policy.timeZone);
  return display;
}

function money(amountMinor: number, currency: string, locale: string): PricedMoney {
  return { amountMinor, currency, text: moneyText(amountMinor, currency, locale) };
}

function resolveAt(ctx: Context, t: number): ResolvedPrice | null {
  const state = ctx.states?.get(t) ?? computeState(ctx, t);
  const regular = state.regular;
  if (!regular) return null;
  const { currency } = regular;
  const { locale } = ctx.policy;
  const regularPrice = money(regular.amountMinor, currency, locale);
  const result: ResolvedPrice = {
    price:
      state.shownMinor === regular.amountMinor ? regularPrice : money(state.shownMinor, currency, locale),
    regularPrice,
    trace: { priceEntryId: regular.entry?.id ?? null },
  };
  const trace: PriceTrace = result.trace;
  if (regular.override) {
    const o = regular.override;
    trace.override = { id: o.id, author: o.author, reason: o.reason };
  }
  const offers = state.offers;
  if (offers?.public) {
    if (isReduction(offers.public))
      applyReduction(ctx, t, offers.public, regular.amountMinor, currency, result);
    else result.promo = promoDisplay(ctx.policy, offers.public, currency);
  }
  if (offers?.member) {
    result.memberPrice = money(offers.member.priceMinor, currency, locale);
    result.memberPromo = promoDisplay(ctx.policy, offers.member, currency);
  }
  if (offers && offers.ignored.length > 0) trace.ignored = offers.ignored;
  const unit = unitPriceMinor(state.shownMinor, ctx.product, ctx.policy.unitPrice);
  if (unit) result.unitPrice = { ...money(unit.amountMinor, currency, locale), per: unit.per };
  const next = nextBoundary(ctx, t);
  if (next !== undefined) result.validUntil = next;
  return result;
}

function assertInstant(t: number, name: string): void {
  if (!Number.isSafeInteger(t)) throw new RangeError(`${name} must be unix milliseconds, got ${t}`);
}

/**
 * The price of one SKU at instant `at`: a pure function of the inputs, whatever order they come in.
 * Null when no price is in force.
 */
export function resolvePrice(input: PricingInput & { at: number }): ResolvedPrice | null {
  assertInstant(input.at, "at");
  return resolveAt(context(input), input.at);
}

/** The part of an answer a shelf shows: two answers with the same key need no republish. */
export function displayKey(result: ResolvedPrice | null): string {
  if (!result) return "null";
  return JSON.stringify([
    result.price,
    result.regularPrice,
    result.referencePrice,
    result.claim,
    result.unitPrice,
    result.promo,
    result.memberPrice,
    result.memberPromo,
  ]);
}

/**
 * Every instant in (from, to] at which what the shelf shows for this SKU changes, with the answer
 * from then on. Consecutive ranges (a, b], (b, c] together list each transition exactly once.
 */
export function nextTransitions(input: PricingInput, from: number, to: number): PriceTransition[] {
  assertInstant(from, "from");
  assertInstant(to, "to");
  const ctx = context(input);
  const bps = breakpoints(ctx);
  const out: PriceTransition[] = [];
  let previous = displayKey(resolveAt(ctx, from));
  for (let i = segmentIndex(bps, from) + 1; i < bps.length && (bps[i] as number) <= to; i++) {
    const at = bps[i] as number;
    const result = resolveAt(ctx, at);
    const key = displayKey(result);
    if (key !== previous) out.push({ at, result });
    previous = key;
  }
  return out;
}
