/**
 * Screen layouts and their zones (DESIGN.md §3b: "richer layouts, zones and schedules extend it"),
 * without zod: the console and the player import these at run time, and zod is not in their bundles.
 */
export const ZONES = ["main", "side", "ticker"] as const;
export type ZoneName = (typeof ZONES)[number];
export const LAYOUTS = {
  full: ["main"],
  "main-side": ["main", "side"],
  "main-ticker": ["main", "ticker"],
  "main-side-ticker": ["main", "side", "ticker"],
} as const satisfies Record<string, readonly ZoneName[]>;
export type LayoutName = keyof typeof LAYOUTS;
