import { describe, expect, it } from "vitest";
import {
  contentHash,
  labelBody,
  resolveFor,
  shownContent,
  stockState,
} from "../controller/labels/content.ts";
import { labelSyncStatus } from "../controller/labels/sync-status.ts";
import { pricingPolicy } from "../controller/pricing/index.ts";
import type { CatalogSnapshot, PriceHistoryEntry, ProductRecord } from "../controller/store/catalog.ts";
import type { LabelRecord } from "../controller/store/labels.ts";
import { labelContentJson, labelContentSchema } from "../schemas/index.ts";

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
  const shownFor = (history: PriceHistoryEntry[], onHand: number) =>
    shownContent(product, resolveFor(snapshot(history), product, 1, policy), onHand, ctx);

  it("hash depends on what is shown, not on which label shows it", () => {
    const shown = shownFor([h(1, 219, 0)], 10);
    if (!shown) throw new Error("expected content");
    const l1 = labelBody("L1", shown);
    const l2 = labelBody("L2", shown);
    expect(l1.contentHash).toBe(l2.contentHash);
    expect(l1.contentHash).toMatch(/^[0-9a-f]{32}$/);
    expect(labelBody("L1", shownFor([h(1, 229, 0)], 10) ?? shown).contentHash).not.toBe(l1.contentHash);
    expect(labelBody("L1", shownFor([h(1, 219, 0)], 0) ?? shown).contentHash).not.toBe(l1.contentHash);
    expect(l1.price).toEqual({ amountMinor: 219, currency: "EUR", text: "2,19\u00a0€" });
  });

  it("writes its JSON canonically, whatever order the engine built its objects in", () => {
    const resolved = resolveFor(snapshot([h(1, 219, 0)]), product, 1, policy);
    if (!resolved) throw new Error("expected a price");
    const reordered = {
      ...resolved,
      price: { text: resolved.price.text, currency: "EUR", amountMinor: 219 },
    };
    const a = JSON.stringify(shownContent(product, resolved, 10, ctx));
    const b = JSON.stringify(shownContent(product, reordered, 10, ctx));
    expect(a).toBe(b);
  });

  it("assembles the full payload around the shown JSON, and it parses as label content", () => {
    const shown = shownFor([h(1, 219, 0)], 2);
    if (!shown) throw new Error("expected content");
    const json = JSON.stringify(shown);
    const payload = JSON.parse(labelContentJson("L9", json, contentHash(json), 4));
    expect(labelContentSchema.parse(payload)).toEqual({ ...labelBody("L9", shown), version: 4 });
    expect(payload.stock).toBe("low");
  });

  it("has nothing to show without a price", () => {
    expect(shownFor([], 10)).toBeNull();
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
    recentHashes: "aaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbb",
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
    ["a hash never published to it", { displayedHash: "cccccccccccccccc" }, ctx, "unknown_content"],
    [
      "a hash never published to it, bridge offline",
      { displayedHash: "cccccccccccccccc" },
      { ...ctx, offlineBridges: new Set(["ap1"]) },
      "unknown_content",
    ],
    [
      "from before hashes were kept: not judged",
      { displayedHash: "cccccccccccccccc", recentHashes: null },
      ctx,
      "pending",
    ],
  ])("%s", (_name, patch, c, status) => {
    expect(labelSyncStatus({ ...base, ...patch }, c as typeof ctx).status).toBe(status);
  });
});
