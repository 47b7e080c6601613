import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  displayKey,
  nextTransitions,
  type PriceEntry,
  type PriceOverride,
  type PricingInput,
  resolvePrice,
} from "../controller/pricing/index.ts";
import { currencyExponent } from "../schemas/currency.ts";
import { minorToDecimalString } from "../schemas/money.ts";
import type { Promotion } from "../schemas/promotions.ts";
import { HOUR } from "./pricing-helpers.ts";

/**
 * Random SKUs priced in EUR (2 decimals), JPY (0) and KWD (3), with overlapping history entries,
 * overrides and promotions of every kind on a coarse hourly grid, so ties and overlaps are common.
 */
const BASE = Date.parse("2026-01-01T00:00:00Z");
const SPAN = 24 * 120;
const instant = fc.integer({ min: 0, max: SPAN }).map((h) => BASE + h * HOUR);
const window = fc
  .tuple(fc.integer({ min: 0, max: SPAN }), fc.option(fc.integer({ min: 1, max: SPAN }), { nil: null }))
  .map(([from, length]) => ({
    from: BASE + from * HOUR,
    to: length === null ? null : BASE + (from + length) * HOUR,
  }));

const percentText = fc.integer({ min: 1, max: 10_000 }).map((n) => minorToDecimalString(n, "EUR")); // 0.01–100

function inputArb(currency: string) {
  const minor = fc.integer({ min: 0, max: 100_000 });
  const moneyText = fc.integer({ min: 1, max: 100_000 }).map((n) => minorToDecimalString(n, currency));
  const entries = fc
    .array(fc.tuple(minor, window, fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 5 })
    .map((rows) =>
      rows.map(
        ([amountMinor, w, sequence], i): PriceEntry => ({
          id: i + 1,
          sku: "A",
          amountMinor,
          currency,
          effectiveFrom: w.from,
          effectiveTo: w.to,
          sequence,
        }),
      ),
    );
  const overrides = fc.array(fc.tuple(minor, window), { maxLength: 2 }).map((rows) =>
    rows.map(
      ([amountMinor, w], i): PriceOverride => ({
        id: i,
        sku: "A",
        amountMinor,
        currency,
        start: w.from,
        end: w.to,
        author: "staff",
      }),
    ),
  );
  const valueFor = fc.oneof(
    fc.record({ kind: fc.constant("percent" as const), value: percentText }),
    fc.record({
      kind: fc.constantFrom("amount" as const, "fixed" as const, "member" as const),
      value: moneyText,
    }),
    fc.record({
      kind: fc.constant("multibuy" as const),
      value: fc.oneof(
        moneyText,
        percentText.map((p) => `${p}%`),
      ),
      buyQuantity: fc.integer({ min: 2, max: 5 }),
    }),
  );
  const promotions = fc.array(
    fc
      .tuple(
        valueFor,
        window,
        fc.integer({ min: 0, max: 2 }),
        fc.constantFrom("P0", "P1", "P2", "P3"),
        fc.boolean(),
      )
      .map(
        ([v, w, priority, promotionId, byCategory]): Promotion => ({
          promotionId,
          skus: byCategory ? [] : ["A"],
          category: byCategory ? "c" : undefined,
          start: w.from,
          end: w.to,
          priority,
          source: "central",
          ...v,
        }),
      ),
    { maxLength: 5 },
  );
  const policy = fc.record({
    locale: fc.constant("en-GB"),
    timeZone: fc.constantFrom(undefined, "Europe/Berlin"),
    omnibus: fc.record({
      basis: fc.constantFrom("lowestApplied" as const, "lowestRegular" as const),
      progressiveExemption: fc.boolean(),
    }),
  });
  const product = fc.record({
    sku: fc.constant("A"),
    category: fc.constant("c"),
    netQuantity: fc.constantFrom("500", "0.75", "6", "1.5"),
    unit: fc.constantFrom("g" as const, "l" as const, "piece" as const, "kg" as const),
  });
  return fc.record({ product, history: entries, overrides, promotions, policy });
}

const anyInput = fc.constantFrom("EUR", "JPY", "KWD").chain(inputArb);

function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const isMinor = (n: number) => Number.isSafeInteger(n) && n >= 0;

describe("price resolution properties", () => {
  it("never negative, whole minor units, a reduction never above the regular price", () => {
    fc.assert(
      fc.property(anyInput, instant, (input, at) => {
        const r = resolvePrice({ ...input, at });
        if (!r) return;
        expect(isMinor(r.price.amountMinor)).toBe(true);
        expect(isMinor(r.regularPrice.amountMinor)).toBe(true);
        expect(r.price.amountMinor).toBeLessThanOrEqual(r.regularPrice.amountMinor);
        if ((r.promo && ["percent", "amount", "fixed"].includes(r.promo.kind)) || r.notAReduction) {
          expect(r.price.amountMinor).toBeLessThan(r.regularPrice.amountMinor);
        } else {
          expect(r.price.amountMinor).toBe(r.regularPrice.amountMinor);
        }
        if (r.memberPrice) expect(r.memberPrice.amountMinor).toBeLessThan(r.price.amountMinor);
        if (r.referencePrice) expect(isMinor(r.referencePrice.amountMinor)).toBe(true);
        // A claim is measured from one compare price, strictly above the price, and says so once.
        if (r.claim) {
          const { comparePrice, saving, percent, basis } = r.claim;
          expect(comparePrice.amountMinor).toBeGreaterThan(r.price.amountMinor);
          expect(saving.amountMinor).toBe(comparePrice.amountMinor - r.price.amountMinor);
          if (percent !== undefined) {
            expect(percent * comparePrice.amountMinor).toBeLessThanOrEqual(saving.amountMinor * 100);
            expect((percent + 1) * comparePrice.amountMinor).toBeGreaterThan(saving.amountMinor * 100);
          }
          expect(r.promo?.percent).toBe(percent);
          if (basis === "prior") expect(r.referencePrice).toEqual(comparePrice);
          else expect(r.referencePrice).toBeUndefined();
        } else {
          expect(r.referencePrice).toBeUndefined();
        }
        if (r.notAReduction) {
          expect(r.promo).toBeUndefined();
          expect(r.notAReduction.priorPrice?.amountMinor ?? 0).toBeLessThanOrEqual(r.price.amountMinor);
        }
        if (r.unitPrice) expect(isMinor(r.unitPrice.amountMinor)).toBe(true);
        if (r.validUntil !== undefined) expect(r.validUntil).toBeGreaterThan(at);
        const currencies = [r.price, r.regularPrice, r.referencePrice, r.memberPrice, r.unitPrice]
          .filter((m) => m !== undefined)
          .map((m) => m.currency);
        expect(new Set(currencies).size).toBe(1);
      }),
      { numRuns: 300 },
    );
  });

  it("is deterministic and does not depend on the order of its inputs", () => {
    fc.assert(
      fc.property(anyInput, instant, fc.integer(), (input, at, seed) => {
        const first = resolvePrice({ ...input, at });
        expect(resolvePrice({ ...input, at })).toEqual(first);
        const shuffled: PricingInput = {
          ...input,
          history: shuffle(input.history, seed),
          overrides: shuffle(input.overrides, seed + 1),
          promotions: shuffle(input.promotions, seed + 2),
        };
        expect(resolvePrice({ ...shuffled, at })).toEqual(first);
      }),
      { numRuns: 300 },
    );
  });

  it("rounds a percentage reduction half-up to the currency's minor unit (EUR, JPY, KWD)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("EUR", "JPY", "KWD"),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 0, max: 3 }),
        (currency, regular, digits, scale) => {
          const percent = String(digits);
          const value =
            scale === 0
              ? percent
              : `${percent.slice(0, -scale) || "0"}.${percent.slice(-scale).padStart(scale, "0")}`;
          if (digits > 100 * 10 ** scale) return; // above 100 %
          const at = BASE;
          const r = resolvePrice({
            product: { sku: "A" },
            history: [
              {
                id: 1,
                sku: "A",
                amountMinor: regular,
                currency,
                effectiveFrom: BASE,
                effectiveTo: null,
                sequence: 1,
              },
            ],
            promotions: [
              {
                promotionId: "P",
                kind: "percent",
                skus: ["A"],
                value,
                start: BASE,
                end: null,
                priority: 0,
                source: "central",
              },
            ],
            at,
          });
          expect(currencyExponent(r?.price.currency ?? "")).toBeDefined();
          const off = BigInt(regular - (r?.price.amountMinor ?? 0));
          // exact reduction = regular × digits / (100 × 10^scale); off must be it rounded half-up
          const num = BigInt(regular) * BigInt(digits);
          const den = 100n * 10n ** BigInt(scale);
          const twiceError = 2n * (off * den - num);
          expect(twiceError <= den && twiceError > -den).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("lists every change as a transition, and nothing changes between transitions", () => {
    fc.assert(
      fc.property(
        anyInput,
        instant,
        fc.integer({ min: 1, max: SPAN }),
        fc.array(fc.integer({ min: 1, max: SPAN * 60 }), { minLength: 1, maxLength: 8 }),
        (input, from, length, probes) => {
          const to = from + length * HOUR;
          const transitions = nextTransitions(input, from, to);
          for (const x of transitions) {
            expect(x.at).toBeGreaterThan(from);
            expect(x.at).toBeLessThanOrEqual(to);
            expect(displayKey(resolvePrice({ ...input, at: x.at }))).toBe(displayKey(x.result));
          }
          for (const minutes of probes) {
            const t = from + ((minutes * 60_000) % (to - from)) + 1;
            const last = transitions.filter((x) => x.at <= t).at(-1);
            const expected = last
              ? displayKey(last.result)
              : displayKey(resolvePrice({ ...input, at: from }));
            expect(displayKey(resolvePrice({ ...input, at: t }))).toBe(expected);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("keeps the answer until validUntil", () => {
    fc.assert(
      fc.property(anyInput, instant, fc.double({ min: 0, max: 1, noNaN: true }), (input, at, share) => {
        const r = resolvePrice({ ...input, at });
        if (r?.validUntil === undefined) return;
        const later = at + Math.floor((r.validUntil - at - 1) * share);
        expect(displayKey(resolvePrice({ ...input, at: later }))).toBe(displayKey(r));
      }),
      { numRuns: 300 },
    );
  });
});
