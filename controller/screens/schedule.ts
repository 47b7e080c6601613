import type { WindowRule } from "../../schemas/index.ts";
import { localToInstant } from "../../schemas/time.ts";

/**
 * Dayparting: a playlist's store-time rule (weekdays, time of day, date range) as the instants it is
 * in force, so that the player compares instants only and needs no time-zone data. Wall-clock times
 * become instants with the same DST rules as every feed time (schemas/time.ts localToInstant): a
 * time in the spring-forward gap moves forward by the gap, one in the fall-back overlap is its first
 * occurrence. A day is a calendar day of the store, so a day of 23 or 25 hours is one day too.
 */

const DAY = 86_400_000;

/** "HH:MM[:SS]" → ms after midnight ("24:00" = the next midnight). */
const timeMs = (t: string): number => {
  const [h = 0, m = 0, s = 0] = t.split(":").map(Number);
  return ((h * 60 + m) * 60 + s) * 1000;
};
/** "YYYY-MM-DD" → that date's midnight as a UTC-based wall-clock value (days since the epoch × DAY). */
const dateMs = (d: string): number => Date.parse(`${d}T00:00:00Z`);

/** ISO weekday (1 = Monday … 7 = Sunday) of a wall-clock date given as a UTC-based value. */
const weekday = (wallMidnight: number): number => {
  const d = new Date(wallMidnight).getUTCDay();
  return d === 0 ? 7 : d;
};

/**
 * The [from, to) intervals, in unix ms, within [start, end) in which `rule` holds in `timeZone`.
 * Adjacent or overlapping intervals are merged (a window 22:00–06:00 every day is one run per night).
 */
export function windowsOf(
  rule: WindowRule,
  start: number,
  end: number,
  timeZone: string,
): Array<[number, number]> {
  const from = rule.from === undefined ? 0 : timeMs(rule.from);
  const toRaw = rule.to === undefined ? DAY : timeMs(rule.to);
  // A "to" at or before "from" runs into the next day (22:00–06:00); equal = the whole day from "from".
  const to = toRaw <= from ? toRaw + DAY : toRaw;
  const days = rule.days ? new Set(rule.days) : null;
  const first = rule.startDate ? dateMs(rule.startDate) : Number.NEGATIVE_INFINITY;
  const last = rule.endDate ? dateMs(rule.endDate) : Number.POSITIVE_INFINITY;
  // Walk the store's calendar days from the day before `start` (its window may run past midnight).
  const wall = (ms: number) => {
    const d = new Date(ms);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  };
  const offsetGuess = localToInstant(start, timeZone) - start; // ≈ −offset; only to find the first day
  let day = wall(start - offsetGuess) - DAY;
  const lastDay = wall(end - offsetGuess) + DAY;
  const out: Array<[number, number]> = [];
  for (; day <= lastDay; day += DAY) {
    if (day < first || day > last) continue;
    if (days && !days.has(weekday(day))) continue;
    const a = Math.max(localToInstant(day + from, timeZone), start);
    const b = Math.min(localToInstant(day + to, timeZone), end);
    if (b <= a) continue;
    const prev = out[out.length - 1];
    if (prev && a <= prev[1]) prev[1] = Math.max(prev[1], b);
    else out.push([a, b]);
  }
  return out;
}
