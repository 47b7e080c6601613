import { describe, expect, it } from "vitest";
import {
  applyPromotionPatch,
  type Promotion,
  promotionCreateBodySchema,
  promotionPatchBodySchema,
  promotionRowSchema,
} from "../schemas/promotions.ts";

const tz = "Europe/Berlin";
const row = promotionRowSchema(tz);
const base = {
  promotionId: "P1",
  kind: "percent",
  skus: "A",
  value: "20",
  start: "2026-05-01",
  end: "2026-05-08",
};

function issues(
  schema: { safeParse(v: unknown): { success: boolean; error?: { issues: unknown[] } } },
  v: unknown,
) {
  const r = schema.safeParse(v);
  expect(r.success).toBe(false);
  return (r.error?.issues ?? []) as { path: (string | number)[]; message: string }[];
}

describe("promotions feed row", () => {
  it("parses a CSV row: |-separated SKUs, store-time dates, empty cells absent", () => {
    const p = row.parse({ ...base, skus: "A| B |C", buyQuantity: "", priority: "", end: "" });
    expect(p).toEqual({
      promotionId: "P1",
      kind: "percent",
      skus: ["A", "B", "C"],
      value: "20",
      start: Date.parse("2026-04-30T22:00:00Z"),
      end: null,
      priority: 0,
      source: "central",
    });
  });

  it("takes SKUs as a JSON array, or its text in a CSV cell, and drops duplicates", () => {
    expect(row.parse({ ...base, skus: ["A", "B", "A"] }).skus).toEqual(["A", "B"]);
    expect(row.parse({ ...base, skus: '["A","B"]' }).skus).toEqual(["A", "B"]);
  });

  it.each([
    ["percent", "12.50", undefined, "12.5"],
    ["percent", "20%", undefined, "20"],
    ["percent", 7.5, undefined, "7.5"],
    ["amount", "0.50", undefined, "0.5"],
    ["fixed", "001.99", undefined, "1.99"],
    ["member", "1.79", undefined, "1.79"],
    ["multibuy", "5.00", "3", "5"],
    ["multibuy", "50 %", 2, "50%"],
  ])("%s %s → %s", (kind, value, buyQuantity, expected) => {
    const p = row.parse({ ...base, kind, value, buyQuantity });
    expect(p.value).toBe(expected);
    expect(p.buyQuantity).toBe(buyQuantity === undefined ? undefined : Number(buyQuantity));
  });

  it.each([
    [{ value: "0" }, "value", /above 0/],
    [{ value: "100.5" }, "value", /at most 100/],
    [{ value: "abc" }, "value", /not a percentage/],
    [{ kind: "amount", value: 0.5 }, "value", /not a JSON number/],
    [{ kind: "fixed", value: "1.999", currency: "EUR" }, "value", /EUR allows 2/],
    [{ kind: "fixed", value: "1.99999" }, "value", /more decimal places/],
    [{ kind: "multibuy", value: "5" }, "buyQuantity", /required/],
    [{ kind: "multibuy", value: "5", buyQuantity: "1" }, "buyQuantity", /from 2 to 99/],
    [{ buyQuantity: 3 }, "buyQuantity", /only applies to multibuy/],
    [{ kind: "holiday" }, "kind", /./],
    [{ skus: "" }, "skus", /at least one SKU/],
    [{ category: "dairy" }, "category", /not both/],
    [{ end: "2026-04-01" }, "end", /after start/],
    [{ start: "2026-02-30" }, "start", /real calendar/],
    [{ start: undefined }, "start", /required/],
    [{ currency: "XXX" }, "currency", /ISO 4217/],
    [{ skus: "A/B" }, "skus", /letters, digits/],
  ])("rejects %j naming the field", (change, field, message) => {
    const found = issues(row, { ...base, ...change });
    expect(found.some((i) => i.path[0] === field && message.test(i.message))).toBe(true);
  });

  it("accepts a category target instead of SKUs and a pinned currency", () => {
    const p = row.parse({
      ...base,
      kind: "amount",
      value: "0.125",
      skus: "",
      category: "dairy",
      currency: "kwd",
    });
    expect(p).toMatchObject({ skus: [], category: "dairy", currency: "KWD", value: "0.125" });
  });
});

describe("POST /api/v1/promotions body", () => {
  const create = promotionCreateBodySchema(tz);
  const body = { kind: "fixed", skus: ["A"], value: "1.99", start: "2026-05-01T08:00", author: "anna" };

  it("defaults source to store and priority to 0, and keeps author and reason", () => {
    const p = create.parse({ ...body, reason: "clearance" });
    expect(p).toMatchObject({
      promotionId: "",
      source: "store",
      priority: 0,
      author: "anna",
      reason: "clearance",
    });
    expect(p.start).toBe(Date.parse("2026-05-01T06:00:00Z"));
  });

  it("needs no author (the API records the token's name) and accepts a central source", () => {
    expect(create.safeParse({ ...body, author: undefined }).success).toBe(true);
    expect(create.parse({ ...body, source: "central", promotionId: "C-1" })).toMatchObject({
      source: "central",
      promotionId: "C-1",
    });
  });
});

describe("PATCH /api/v1/promotions/{id}", () => {
  const patchSchema = promotionPatchBodySchema(tz);
  const existing: Promotion = {
    promotionId: "P1",
    kind: "multibuy",
    skus: ["A"],
    value: "5",
    buyQuantity: 3,
    start: Date.parse("2026-05-01T00:00:00Z"),
    end: Date.parse("2026-05-08T00:00:00Z"),
    priority: 0,
    source: "store",
    author: "anna",
  };

  it("changes only what it names and records the new author", () => {
    const patch = patchSchema.parse({ value: "4.50", author: "ben", reason: "deeper" });
    const r = applyPromotionPatch(existing, patch);
    expect(r).toEqual({
      ok: true,
      promotion: { ...existing, value: "4.5", author: "ben", reason: "deeper" },
    });
  });

  it("makes a promotion open-ended with end: null, and retargets by category", () => {
    const r = applyPromotionPatch(
      existing,
      patchSchema.parse({ end: null, category: "dairy", author: "ben" }),
    );
    expect(r.ok && r.promotion).toMatchObject({ end: null, skus: [], category: "dairy" });
  });

  it("re-checks the merged promotion: a kind change needs a value that fits it", () => {
    const bad = applyPromotionPatch(
      existing,
      patchSchema.parse({ kind: "percent", value: "150", author: "ben" }),
    );
    expect(bad).toEqual({ ok: false, issues: [{ field: "value", reason: "must be at most 100 %" }] });
    const good = applyPromotionPatch(
      existing,
      patchSchema.parse({ kind: "percent", value: "15", author: "ben" }),
    );
    expect(good.ok && good.promotion).toMatchObject({ kind: "percent", value: "15" });
    expect(good.ok && "buyQuantity" in good.promotion).toBe(false);
    const early = applyPromotionPatch(existing, patchSchema.parse({ end: "2026-04-01", author: "ben" }));
    expect(early).toEqual({ ok: false, issues: [{ field: "end", reason: "must be after start" }] });
  });

  it("rejects unknown fields (the id is in the path); an author is optional", () => {
    expect(issues(patchSchema, { promotionId: "X", author: "ben" }).length).toBeGreaterThan(0);
    expect(patchSchema.safeParse({ value: "1" }).success).toBe(true);
  });
});
