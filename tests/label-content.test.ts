import { describe, expect, it } from "vitest";
import { buildLabelBody, contentHash, resolveFor, stockState } from "../controller/labels/content.ts";
import { labelSyncStatus } from "../controller/labels/sync-status.ts";
import { pricingPolicy } from "../controller/pricing/index.ts";
import type { CatalogSnapshot, PriceHistoryEntry, ProductRecord } from "../controller/store/catalog.ts";
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

describe("label content", () => {
  const product: ProductRecord = {
    sku: "A",
    gtin: null,
    name: "Tea",
    brand: null,
    netQuantity: null,
    unit: null,
    category: null,
    url: null,
  };
  const policy = pricingPolicy({ locale: "de-DE", timeZone: "Europe/Berlin" });
  const ctx = { locale: "de-DE", stockLowThreshold: 3, policy };
  const snapshot = (history: PriceHistoryEntry[]): CatalogSnapshot => ({
    product: () => product,
    priceHistory: () => history,
    stock: () => undefined,
    promotions: () => [],
    overrides: () => [],
  });
  const body = (labelId: string, history: PriceHistoryEntry[], onHand: number) =>
    buildLabelBody(labelId, product, resolveFor(snapshot(history), product, 1, policy), onHand, ctx);
  it("hash depends on what is shown, not on the label or key order", () => {
    const a = body("L1", [h(1, 219, 0)], 10);
    const b = body("L2", [h(1, 219, 0)], 10);
    const c = body("L1", [h(1, 229, 0)], 10);
    const d = body("L1", [h(1, 219, 0)], 0);
    if (!a || !b || !c || !d) throw new Error("expected content");
    expect(contentHash(a)).toBe(contentHash(b));
    expect(contentHash(a)).toBe(contentHash({ ...a, stock: a.stock, name: a.name }));
    expect(contentHash(a)).not.toBe(contentHash(c));
    expect(contentHash(a)).not.toBe(contentHash(d));
    expect(a.price).toEqual({ amountMinor: 219, currency: "EUR", text: "2,19\u00a0€" });
  });
  it("has nothing to show without a price", () => {
    expect(body("L1", [], 10)).toBeNull();
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
