import { describe, expect, it } from "vitest";
import { buildLabelBody, contentHash, priceInForce, stockState } from "../controller/labels/content.ts";
import { labelSyncStatus } from "../controller/labels/sync-status.ts";
import type { PriceHistoryEntry } from "../controller/store/catalog.ts";
import type { LabelRecord } from "../controller/store/labels.ts";

const h = (
  id: number,
  amountMinor: number,
  from: number,
  to: number | null = null,
  sequence = 1,
): PriceHistoryEntry => ({
  id,
  sku: "A",
  amountMinor,
  currency: "EUR",
  effectiveFrom: from,
  effectiveTo: to,
  sequence,
});

describe("price in force", () => {
  const history = [h(1, 100, 0), h(2, 80, 1000, 2000), h(3, 120, 3000), h(4, 110, 3000, null, 2)];
  it.each([
    [500, 100],
    [1000, 80],
    [1999, 80],
    [2000, 100],
    [3000, 110],
    [9999, 110],
  ])("at %i → %i", (at, amount) => {
    expect(priceInForce(history, at)?.amountMinor).toBe(amount);
  });
  it("is undefined before any price and independent of input order", () => {
    expect(priceInForce(history, -1)).toBeUndefined();
    expect(priceInForce([...history].reverse(), 3000)?.id).toBe(4);
  });
});

describe("label content", () => {
  const product = {
    sku: "A",
    gtin: null,
    name: "Tea",
    brand: null,
    netQuantity: null,
    unit: null,
    category: null,
    url: null,
  };
  const ctx = { locale: "de-DE", stockLowThreshold: 3 };
  it("hash depends on what is shown, not on the label or key order", () => {
    const a = buildLabelBody("L1", product, [h(1, 219, 0)], 10, 1, ctx);
    const b = buildLabelBody("L2", product, [h(1, 219, 0)], 10, 1, ctx);
    const c = buildLabelBody("L1", product, [h(1, 229, 0)], 10, 1, ctx);
    const d = buildLabelBody("L1", product, [h(1, 219, 0)], 0, 1, ctx);
    if (!a || !b || !c || !d) throw new Error("expected content");
    expect(contentHash(a)).toBe(contentHash(b));
    expect(contentHash(a)).toBe(contentHash({ ...a, stock: a.stock, name: a.name }));
    expect(contentHash(a)).not.toBe(contentHash(c));
    expect(contentHash(a)).not.toBe(contentHash(d));
    expect(a.price).toEqual({ amountMinor: 219, currency: "EUR", text: "2,19\u00a0€" });
  });
  it("has nothing to show without a price", () => {
    expect(buildLabelBody("L1", product, [], 10, 1, ctx)).toBeNull();
  });
  it("derives stock states from thresholds", () => {
    expect([undefined, -1, 0, 1, 3, 4].map((n) => stockState(n, 3))).toEqual([
      "in_stock",
      "out",
      "out",
      "low",
      "low",
      "in_stock",
    ]);
  });
});

describe("sync status", () => {
  const base: LabelRecord = {
    labelId: "L1",
    model: null,
    width: null,
    height: null,
    colors: null,
    bridgeId: "ap1",
    sku: "A",
    contentHash: "aaaaaaaaaaaaaaaa",
    contentVersion: 2,
    contentJson: "{}",
    displayedHash: "aaaaaaaaaaaaaaaa",
    displayedVersion: 2,
    battery: 90,
    rssi: -60,
    lastSeen: 1_000_000,
    createdAt: 0,
  };
  const ctx = { now: 1_000_000, offlineAfterMs: 60_000, offlineBridges: new Set<string>() };
  it.each<[string, Partial<LabelRecord>, object, string]>([
    ["shows current content", {}, ctx, "in_sync"],
    ["right content but unreachable is still right", { lastSeen: 0 }, ctx, "in_sync"],
    ["unlinked", { sku: null }, ctx, "unlinked"],
    ["never reported", { lastSeen: null, displayedHash: null }, ctx, "never_seen"],
    ["old content, reachable", { displayedHash: "bbbbbbbbbbbbbbbb", displayedVersion: 1 }, ctx, "pending"],
    ["old content, silent too long", { displayedHash: "bbbbbbbbbbbbbbbb", lastSeen: 0 }, ctx, "offline"],
    [
      "old content, bridge offline",
      { displayedHash: "bbbbbbbbbbbbbbbb" },
      { ...ctx, offlineBridges: new Set(["ap1"]) },
      "offline",
    ],
    ["linked but no price", { contentHash: null }, ctx, "pending"],
  ])("%s", (_name, patch, c, status) => {
    expect(labelSyncStatus({ ...base, ...patch }, c as typeof ctx).status).toBe(status);
  });
});
