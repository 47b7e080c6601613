import { describe, expect, it } from "vitest";
import { nextTransitions, resolvePrice } from "../controller/pricing/index.ts";
import { lastDayText } from "../display/i18n/index.ts";
import {
  type Promotion,
  promotionCreateBodySchema,
  promotionPatchBodySchema,
  promotionRowSchema,
} from "../schemas/promotions.ts";
import { InstantError, parseEndInstant } from "../schemas/time.ts";
import { entry, HOUR, iso } from "./pricing-helpers.ts";

/** Promotions written in store time (Europe/Berlin) across the 2026 clock changes. */
const tz = "Europe/Berlin";
const row = promotionRowSchema(tz);
const history = [entry(249, iso("2025-01-01T00:00:00Z"))];
const product = { sku: "A" };

function promotion(start: string, end: string): Promotion {
  return row.parse({
    promotionId: "MIDNIGHT",
    kind: "percent",
    skus: "A",
    value: "20",
    start,
    end,
    priority: "",
  });
}

const priceAt = (p: Promotion, at: number) =>
  resolvePrice({ product, history, promotions: [p], at, policy: { timeZone: tz } })?.price.amountMinor;

describe("a promotion from 00:00 store time on the spring-forward day (29 March 2026)", () => {
  const p = promotion("2026-03-29T00:00", "2026-03-30T00:00");

  it("starts at 00:00 CET and ends at 00:00 CEST: a 23-hour day", () => {
    expect(p.start).toBe(iso("2026-03-28T23:00:00Z"));
    expect(p.end).toBe(iso("2026-03-29T22:00:00Z"));
    expect((p.end as number) - p.start).toBe(23 * HOUR);
  });

  it("is on the shelf from exactly its start to just before its end", () => {
    expect(priceAt(p, p.start - 1)).toBe(249);
    expect(priceAt(p, p.start)).toBe(199);
    expect(priceAt(p, iso("2026-03-29T01:30:00Z"))).toBe(199); // 03:30 CEST, just after the jump
    expect(priceAt(p, (p.end as number) - 1)).toBe(199);
    expect(priceAt(p, p.end as number)).toBe(249);
  });

  it("lists exactly those two instants as transitions", () => {
    const transitions = nextTransitions(
      { product, history, promotions: [p] },
      iso("2026-03-28T00:00:00Z"),
      iso("2026-03-31T00:00:00Z"),
    );
    expect(transitions.map((x) => x.at)).toEqual([p.start, p.end]);
    expect(transitions.map((x) => x.result?.price.amountMinor)).toEqual([199, 249]);
  });

  it("moves a start in the skipped hour (02:30) forward by the gap, to 03:30 CEST", () => {
    expect(promotion("2026-03-29T02:30", "2026-03-30").start).toBe(iso("2026-03-29T01:30:00Z"));
  });
});

describe("a promotion from 00:00 store time on the fall-back day (25 October 2026)", () => {
  const p = promotion("2026-10-25T00:00", "2026-10-26T00:00");

  it("starts at 00:00 CEST and ends at 00:00 CET: a 25-hour day", () => {
    expect(p.start).toBe(iso("2026-10-24T22:00:00Z"));
    expect(p.end).toBe(iso("2026-10-25T23:00:00Z"));
    expect((p.end as number) - p.start).toBe(25 * HOUR);
  });

  it("is on the shelf through both 02:30s", () => {
    expect(priceAt(p, p.start - 1)).toBe(249);
    expect(priceAt(p, p.start)).toBe(199);
    expect(priceAt(p, iso("2026-10-25T00:30:00Z"))).toBe(199); // 02:30 CEST
    expect(priceAt(p, iso("2026-10-25T01:30:00Z"))).toBe(199); // 02:30 CET
    expect(priceAt(p, (p.end as number) - 1)).toBe(199);
    expect(priceAt(p, p.end as number)).toBe(249);
  });

  it("reads an ambiguous 02:30 as its first occurrence (CEST)", () => {
    expect(promotion("2026-10-25T02:30", "2026-10-26").start).toBe(iso("2026-10-25T00:30:00Z"));
  });

  it("agrees with the same instants written with an offset", () => {
    const withOffset = promotion("2026-10-25T00:00+02:00", "2026-10-26T00:00+01:00");
    expect([withOffset.start, withOffset.end]).toEqual([p.start, p.end]);
  });

  it("says until when the promotion is valid, as an ISO instant", () => {
    const r = resolvePrice({ product, history, promotions: [p], at: p.start });
    expect(r?.promo?.validUntil).toBe("2026-10-25T23:00:00.000Z");
    expect(r?.validUntil).toBe(p.end);
  });
});

describe("an end given as a date is the end of that day in store time", () => {
  it("runs through the whole last day, even the 25-hour one (fall-back, 25 October 2026)", () => {
    const p = promotion("2026-10-24", "2026-10-25");
    expect(p.start).toBe(iso("2026-10-23T22:00:00Z"));
    // Until Sunday means all of Sunday: the end is Monday 00:00 CET, 49 hours after the start.
    expect(p.end).toBe(iso("2026-10-25T23:00:00Z"));
    expect(priceAt(p, iso("2026-10-25T22:59:59Z"))).toBe(199);
    expect(priceAt(p, iso("2026-10-25T23:00:00Z"))).toBe(249);
  });

  it("reads the same for staff bodies and patches, and leaves a date-time end as written", () => {
    const body = promotionCreateBodySchema(tz).parse({
      kind: "percent",
      skus: ["A"],
      value: "20",
      start: "2026-03-28",
      end: "2026-03-29",
      author: "Anna",
    });
    // The spring-forward day has 23 hours: it ends at 00:00 CEST on the 30th.
    expect(body.end).toBe(iso("2026-03-29T22:00:00Z"));
    expect(promotionPatchBodySchema(tz).parse({ end: "2026-03-29", author: "Anna" }).end).toBe(body.end);
    expect(promotion("2026-03-28", "2026-03-29T00:00").end).toBe(iso("2026-03-28T23:00:00Z"));
  });

  it("shows the store's last day on the label: the end in store time with its offset", () => {
    const p = promotion("2026-10-24", "2026-10-25");
    const r = resolvePrice({ product, history, promotions: [p], at: p.start, policy: { timeZone: tz } });
    expect(r?.promo?.validUntil).toBe("2026-10-26T00:00:00+01:00");
    expect(lastDayText(r?.promo?.validUntil ?? "", "de-DE")).toBe("25.10.");
  });

  it("refuses an impossible date as before", () => {
    expect(() => parseEndInstant("2026-02-30", tz)).toThrow(InstantError);
  });
});
