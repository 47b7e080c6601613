import { describe, expect, it } from "vitest";
import {
  advance,
  type Cursor,
  isStale,
  nextChange,
  playlistAt,
  qrPath,
  tileAt,
} from "../display/player/src/timeline.ts";
import type { PlaylistItem, Show, ShowZone, Tile } from "../schemas/index.ts";

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
  layout: "full",
  zones: [
    {
      zone: "main",
      playlists: [{ name: "p", priority: 0, items: [{ kind: "price", sku: "A" }], windows: null }],
    },
  ],
  promotions: {},
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

const H = 3_600_000;
const text = (t: string, seconds = 10): PlaylistItem => ({ kind: "text", text: t, seconds });

describe("the player's schedule: which playlist and item a zone plays, from (show, now) alone", () => {
  // Breakfast 1 h from T0+1h (priority 5), lunch 1 h from T0+1.5h (priority 9), a fallback always; a
  // promotion item that ends at T0+30 min.
  const zone: ShowZone = {
    zone: "main",
    playlists: [
      {
        name: "fallback",
        priority: 0,
        items: [text("a"), { kind: "promotion", promotionId: "P" }],
        windows: null,
      },
      { name: "breakfast", priority: 5, items: [text("b", 600)], windows: [[iso(T0 + H), iso(T0 + 2 * H)]] },
      { name: "lunch", priority: 9, items: [text("l")], windows: [[iso(T0 + 1.5 * H), iso(T0 + 2.5 * H)]] },
    ],
  };
  const s: Show = {
    ...show,
    zones: [zone],
    promotions: { P: { skus: ["A"], start: iso(T0 - H), end: iso(T0 + H / 2) } },
  };
  const name = (at: number) => zone.playlists[playlistAt(s, zone, at)]?.name;

  it("picks the highest priority in force; windows are [from, to) to the millisecond", () => {
    expect(name(T0)).toBe("fallback");
    expect(name(T0 + H - 1)).toBe("fallback");
    expect(name(T0 + H)).toBe("breakfast");
    expect(name(T0 + 1.5 * H - 1)).toBe("breakfast");
    expect(name(T0 + 1.5 * H)).toBe("lunch");
    expect(name(T0 + 2.5 * H - 1)).toBe("lunch");
    expect(name(T0 + 2.5 * H)).toBe("fallback");
    // Every boundary is an instant to wake at.
    expect(nextChange(s, T0 + H / 4)).toBe(T0 + H / 2);
    expect(nextChange(s, T0 + H / 2)).toBe(T0 + H);
    expect(nextChange(s, T0 + H)).toBe(T0 + 1.5 * H);
  });

  it("cycles items, cuts an item when its daypart begins, and skips a promotion that ended", () => {
    let c: Cursor | null = null;
    const ended: Array<[string, number, number]> = [];
    const step = (at: number) => {
      const r = advance(s, zone, c, at);
      if (r.ended) ended.push([`${r.ended.name}.${r.ended.index}`, r.ended.start, at]);
      c = r.cursor;
      return c ? `${c.name}.${c.index}` : null;
    };
    expect(step(T0)).toBe("fallback.0");
    expect(step(T0 + 9_999)).toBe("fallback.0"); // not before its 10 s
    expect(step(T0 + 10_000)).toBe("fallback.1"); // the promotion, while it runs
    expect(step(T0 + 20_000)).toBe("fallback.0");
    // The promotion ends at T0+30 min: from then on only item 0 plays, again and again.
    expect(step(T0 + H / 2 - 5_000)).toBe("fallback.1");
    expect(step(T0 + H / 2)).toBe("fallback.0"); // cut at its end, not after its 10 s
    expect(step(T0 + H / 2 + 10_000)).toBe("fallback.0");
    // Breakfast begins mid-item: the fallback's item is cut on that instant.
    expect(step(T0 + H)).toBe("breakfast.0");
    expect(ended.at(-1)).toEqual(["fallback.0", T0 + H / 2 + 10_000, T0 + H]);
    expect(step(T0 + 1.5 * H)).toBe("lunch.0");
    expect(ended.at(-1)).toEqual(["breakfast.0", T0 + H, T0 + 1.5 * H]);
    // Records follow one another without a gap or an overlap.
    for (let i = 1; i < ended.length; i++) expect(ended[i]?.[1]).toBe(ended[i - 1]?.[2]);
  });

  it("starts the new show's playlist from its first item when the program changed", () => {
    const first = advance(s, zone, null, T0).cursor;
    const next = advance({ ...s, playlistVersion: 2 }, zone, first, T0 + 1_000);
    expect(next.ended).toBe(first);
    expect(next.cursor?.start).toBe(T0 + 1_000);
    expect(next.cursor?.version).toBe(2);
  });

  it("plays nothing in a zone whose playlists are all out of their windows", () => {
    const empty: ShowZone = { zone: "side", playlists: [zone.playlists[1] as ShowZone["playlists"][number]] };
    expect(advance(s, empty, null, T0).cursor).toBeNull();
    expect(advance(s, empty, null, T0 + H).cursor?.name).toBe("breakfast");
  });
});
