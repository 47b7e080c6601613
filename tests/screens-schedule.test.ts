import { describe, expect, it } from "vitest";
import { windowsOf } from "../controller/screens/schedule.ts";
import { programSchema } from "../schemas/index.ts";

const Z = "Europe/Berlin";
const iso = (pairs: Array<[number, number]>) =>
  pairs.map(([a, b]) => [new Date(a).toISOString(), new Date(b).toISOString()]);
const at = (s: string) => Date.parse(s);

describe("dayparting: store-time schedule rules as instants (controller/screens/schedule.ts)", () => {
  it("turns weekdays and times of day into instants in the store's zone", () => {
    // 2026-12-01 is a Tuesday; CET = UTC+1.
    const w = windowsOf(
      { days: [2, 4], from: "07:00", to: "10:30" },
      at("2026-11-30T00:00:00Z"),
      at("2026-12-07T00:00:00Z"),
      Z,
    );
    expect(iso(w)).toEqual([
      ["2026-12-01T06:00:00.000Z", "2026-12-01T09:30:00.000Z"],
      ["2026-12-03T06:00:00.000Z", "2026-12-03T09:30:00.000Z"],
    ]);
  });

  it("keeps store time across both DST changes (23 h and 25 h days)", () => {
    // Spring forward 2026-03-29 02:00 CET → 03:00 CEST; fall back 2026-10-25 03:00 CEST → 02:00 CET.
    const spring = windowsOf(
      { from: "08:00", to: "09:00" },
      at("2026-03-28T00:00Z"),
      at("2026-03-31T00:00Z"),
      Z,
    );
    expect(iso(spring)).toEqual([
      ["2026-03-28T07:00:00.000Z", "2026-03-28T08:00:00.000Z"],
      ["2026-03-29T06:00:00.000Z", "2026-03-29T07:00:00.000Z"],
      ["2026-03-30T06:00:00.000Z", "2026-03-30T07:00:00.000Z"],
    ]);
    const fall = windowsOf(
      { from: "08:00", to: "09:00" },
      at("2026-10-24T00:00Z"),
      at("2026-10-27T00:00Z"),
      Z,
    );
    expect(iso(fall)).toEqual([
      ["2026-10-24T06:00:00.000Z", "2026-10-24T07:00:00.000Z"],
      ["2026-10-25T07:00:00.000Z", "2026-10-25T08:00:00.000Z"],
      ["2026-10-26T07:00:00.000Z", "2026-10-26T08:00:00.000Z"],
    ]);
    // A night window over the fall-back night lasts 9 store hours but 10 real ones.
    const night = windowsOf(
      { from: "22:00", to: "07:00", days: [6] },
      at("2026-10-24T00:00Z"),
      at("2026-10-27T00:00Z"),
      Z,
    );
    expect(iso(night)).toEqual([["2026-10-24T20:00:00.000Z", "2026-10-25T06:00:00.000Z"]]);
    // A time in the spring-forward gap moves forward by the gap (as every feed time does).
    const gap = windowsOf(
      { from: "02:30", to: "04:00" },
      at("2026-03-29T00:00Z"),
      at("2026-03-29T12:00Z"),
      Z,
    );
    expect(iso(gap)).toEqual([["2026-03-29T01:30:00.000Z", "2026-03-29T02:00:00.000Z"]]);
  });

  it("bounds by date range (inclusive, store days) and merges runs across midnight", () => {
    const w = windowsOf(
      { startDate: "2026-12-24", endDate: "2026-12-26" },
      at("2026-12-20T00:00Z"),
      at("2026-12-31T00:00Z"),
      Z,
    );
    expect(iso(w)).toEqual([["2026-12-23T23:00:00.000Z", "2026-12-26T23:00:00.000Z"]]);
    // Clipped to the span asked for.
    const clipped = windowsOf({}, at("2026-12-01T10:00Z"), at("2026-12-01T11:00Z"), Z);
    expect(iso(clipped)).toEqual([["2026-12-01T10:00:00.000Z", "2026-12-01T11:00:00.000Z"]]);
  });

  it("refuses a zone the layout does not have, a bad time and a date range backwards, naming the field", () => {
    const r = programSchema.safeParse({
      layout: "main-ticker",
      zones: [
        { zone: "side", playlists: [] },
        {
          zone: "main",
          playlists: [
            { name: "x", when: { from: "25:00", startDate: "2026-12-05", endDate: "2026-12-01" }, items: [] },
          ],
        },
      ],
    });
    expect(r.success).toBe(false);
    const paths = r.error?.issues.map((i) => i.path.join(".")).sort();
    expect(paths).toEqual([
      "zones.0.zone",
      "zones.1.playlists.0.when.endDate",
      "zones.1.playlists.0.when.from",
    ]);
  });
});
