import { describe, expect, it } from "vitest";
import { isStale, nextChange, qrPath, tileAt } from "../display/player/src/timeline.ts";
import type { Show, Tile } from "../schemas/index.ts";

const tile = (text: string): Tile => ({
  sku: "A",
  name: "A",
  price: { amountMinor: 1, currency: "EUR", text },
  stock: "in_stock",
  lines: [text],
  contentHash: text,
});
const T0 = Date.parse("2026-12-01T10:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();
const show: Show = {
  screenId: "s",
  name: "s",
  locale: "de-DE",
  at: iso(T0),
  until: iso(T0 + 7 * 86_400_000),
  freshnessSeconds: 300,
  playlistVersion: 1,
  items: [{ kind: "price", sku: "A" }],
  tiles: {
    A: [
      { from: iso(T0), tile: tile("1,99 €") },
      { from: iso(T0 + 3_600_000), tile: tile("2,49 €") },
      { from: iso(T0 + 7_200_000), tile: null },
    ],
  },
};

describe("the player's timeline: what a tile shows at an instant, from the show alone", () => {
  it("switches exactly at each step's instant, not a millisecond before", () => {
    const text = (at: number) => {
      const s = tileAt(show, "A", at);
      return s.kind === "tile" ? s.tile.price.text : s.kind;
    };
    expect(text(T0)).toBe("1,99 €");
    expect(text(T0 + 3_599_999)).toBe("1,99 €");
    expect(text(T0 + 3_600_000)).toBe("2,49 €");
    expect(text(T0 + 7_200_000)).toBe("none");
    // Before the show and after its end nothing is known: no price rather than a possibly expired one.
    expect(text(T0 - 1)).toBe("unknown");
    expect(text(T0 + 7 * 86_400_000)).toBe("unknown");
    expect(tileAt(show, "B", T0).kind).toBe("unknown");
  });

  it("knows the next instant to wake up at", () => {
    expect(nextChange(show, T0)).toBe(T0 + 3_600_000);
    expect(nextChange(show, T0 + 3_600_000)).toBe(T0 + 7_200_000);
    expect(nextChange(show, T0 + 7_200_000)).toBe(Date.parse(show.until));
    expect(nextChange(show, Date.parse(show.until))).toBeUndefined();
  });

  it("marks tiles stale after the freshness limit, never with the limit off", () => {
    expect(isStale(show, T0, T0 + 300_000)).toBe(false);
    expect(isStale(show, T0, T0 + 300_001)).toBe(true);
    expect(isStale({ ...show, freshnessSeconds: 0 }, T0, T0 + 86_400_000)).toBe(false);
  });

  it("draws a QR matrix as one path, a square per dark module", () => {
    expect(qrPath({ size: 2, modules: "1001" })).toBe("M0 0h1v1h-1zM1 1h1v1h-1z");
  });
});
