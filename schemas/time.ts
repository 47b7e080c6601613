/**
 * Instants in feeds: ISO 8601 with an offset (`2026-03-29T00:00:00+01:00`, `…Z`) is an absolute
 * instant; without an offset (`2026-03-29T00:00`, `2026-03-29`) it is wall-clock time in the
 * store's IANA time zone. Local times are converted DST-safely:
 *  - in a spring-forward gap (02:30 that never happens) the time moves forward by the gap (03:30);
 *  - in a fall-back overlap (02:30 that happens twice) the first occurrence is taken.
 */
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

export class InstantError extends Error {}

const partFormatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = partFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    partFormatters.set(timeZone, f);
  }
  return f;
}

/**
 * Throws a RangeError for a time zone name Intl does not know. A canonical name (the default,
 * Europe/Berlin) is found in Intl's list of zones without building a formatter: the first
 * DateTimeFormat brings ICU's calendar and zone data into memory, ~7 MB of an idle controller's
 * ~85 MB (file-backed pages of the node binary, measured with /proc/PID/status), which an idle
 * controller otherwise never touches; it comes in with the first price shown in store time. Other
 * spellings Intl takes (UTC, aliases such as US/Eastern, another case) are checked by building the
 * formatter, as before, so the same names pass.
 */
export function assertTimeZone(timeZone: string): void {
  // Newer Intl (Node 22+) also takes a fixed offset ("+01:00") as a zone; a store's clock follows its
  // region's daylight saving time, which an offset does not, so it is refused on every Node version.
  if (/^[+-]/.test(timeZone))
    throw new RangeError(`time zone "${timeZone}" is an offset; give the store's region, e.g. Europe/Berlin`);
  if (Intl.supportedValuesOf?.("timeZone").includes(timeZone)) return;
  formatterFor(timeZone);
}

/** Offset of `timeZone` from UTC at instant `ms`, in milliseconds (east positive). */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(ms))) {
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  }
  const asUtc = Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/** Wall-clock fields in `timeZone` (given as a UTC-based ms value) → instant, DST-safe as above. */
export function localToInstant(wallClockAsUtcMs: number, timeZone: string): number {
  const day = 86_400_000;
  const before = wallClockAsUtcMs - zoneOffsetMs(wallClockAsUtcMs - day, timeZone);
  const after = wallClockAsUtcMs - zoneOffsetMs(wallClockAsUtcMs + day, timeZone);
  const valid = [before, after].filter((t) => t + zoneOffsetMs(t, timeZone) === wallClockAsUtcMs);
  if (valid.length > 0) return Math.min(...valid);
  // In a gap: read the wall clock with the offset in force before the jump, i.e. move forward.
  return before;
}

/** Parse an ISO 8601 date or date-time into unix milliseconds, local times in `timeZone`. */
export function parseInstant(text: string, timeZone: string): number {
  const m = ISO.exec(text.trim());
  if (!m) throw new InstantError(`"${excerpt(text)}" is not an ISO 8601 date or date-time`);
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", zone] = m;
  const fields = [Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s)] as const;
  const ms = Number(frac.padEnd(3, "0").slice(0, 3) || "0");
  const wall = Date.UTC(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5], ms);
  const back = new Date(wall);
  if (
    back.getUTCFullYear() !== fields[0] ||
    back.getUTCMonth() !== fields[1] - 1 ||
    back.getUTCDate() !== fields[2] ||
    fields[3] > 23 ||
    fields[4] > 59 ||
    fields[5] > 59
  ) {
    throw new InstantError(`"${excerpt(text)}" is not a real calendar date-time`);
  }
  if (zone === undefined) return timeZone === "UTC" ? wall : localToInstant(wall, timeZone);
  return wall - offsetMinutes(zone, text) * 60_000;
}

/** The widest UTC offsets in use (Line Islands +14:00, Baker Island −12:00), in minutes. */
export const MAX_OFFSET_MINUTES = 14 * 60;
export const OFFSET_MESSAGE = "has no real UTC offset (±hh:mm within ±14:00)";

/**
 * `Z`, `+01:00`, `-0800` → minutes east of UTC; real offsets only (±14:00 at most, minutes below 60).
 * A wider one such as `+99:99` would move the instant by days, so it is refused, not normalised.
 */
function offsetMinutes(zone: string, text: string): number {
  const minutes = zoneMinutes(zone);
  if (minutes === null) throw new InstantError(`"${excerpt(text)}" ${OFFSET_MESSAGE}`);
  return minutes;
}

function zoneMinutes(zone: string): number | null {
  if (zone === "Z" || zone === "z") return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (!m) return null;
  const hours = Number(m[2]);
  const minutes = Number(m[3]);
  const total = hours * 60 + minutes;
  if (minutes > 59 || total > MAX_OFFSET_MINUTES) return null;
  return m[1] === "-" ? -total : total;
}

/**
 * Whether an ISO 8601 date-time's own offset (if it has one) is real: for instants read by other
 * parsers (zod's `z.iso.datetime`, `Date.parse`), which take anything up to ±23:59.
 */
export function hasRealOffset(text: string): boolean {
  const zone = /(Z|z|[+-]\d{2}:?\d{2})$/.exec(text.trim())?.[1];
  return zone === undefined || zoneMinutes(zone) !== null;
}

/** At most this many characters of a bad value are quoted back in an error. */
export const EXCERPT_CHARS = 40;
const excerpt = (text: string) => (text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text);

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** A half-open window [start, end) in unix ms, with each bound as it was written. */
export interface InstantWindow {
  start: number;
  end: number;
  startText: string;
  endText: string;
}

/**
 * A `start/end` window as Google Merchant Center writes it (`sale_price_effective_date`:
 * `2026-03-23T00:00+0100/2026-04-06T00:00+0200`). Each bound keeps its own offset, so a window may
 * cross a DST change; a bound without an offset is UTC (the Merchant Center rule, not store time);
 * a date alone starts at 00:00 and ends at 23:59 of that day. The end is exclusive and must come
 * after the start. Never `new Date(text)`: V8 rolls 2026-02-29 over to 1 March and reads an
 * offset-less time in the machine's zone.
 */
export function parseWindow(text: string): InstantWindow {
  const parts = text.trim().split("/");
  if (parts.length !== 2 || parts[0] === "" || parts[1] === "") {
    throw new InstantError(`"${excerpt(text)}" is not a window "start/end" of two ISO 8601 date-times`);
  }
  const [startText, endText] = parts.map((p) => p.trim()) as [string, string];
  const start = parseInstant(startText, "UTC");
  const end = parseInstant(DATE_ONLY.test(endText) ? `${endText}T23:59` : endText, "UTC");
  if (end <= start) throw new InstantError(`"${excerpt(text)}" ends before it starts`);
  return { start, end, startText, endText };
}

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, "0");

/**
 * An instant as ISO 8601 in the store's wall-clock time with its UTC offset at that instant
 * (`2026-04-17T00:00:00+02:00`), so a reader sees the store's date without a time zone database;
 * `…Z` without a zone. Milliseconds only when there are any.
 */
const instantTexts = new Map<string, string>();
export function instantText(ms: number, timeZone?: string): string {
  if (timeZone === undefined) return new Date(ms).toISOString();
  // Promotions end at a handful of instants (midnights) and reading a zone's offset is slow: memoize.
  const key = `${timeZone}|${ms}`;
  const known = instantTexts.get(key);
  if (known !== undefined) return known;
  const text = wallClockText(ms, timeZone);
  if (instantTexts.size >= 10_000) instantTexts.clear();
  instantTexts.set(key, text);
  return text;
}

function wallClockText(ms: number, timeZone: string): string {
  const offset = zoneOffsetMs(ms, timeZone);
  const wall = new Date(ms + offset);
  const millis = wall.getUTCMilliseconds();
  const minutes = Math.round(offset / 60_000);
  const sign = minutes < 0 ? "-" : "+";
  return (
    `${wall.getUTCFullYear()}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())}` +
    `T${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}:${pad(wall.getUTCSeconds())}` +
    `${millis ? `.${pad(millis, 3)}` : ""}${sign}${pad(Math.trunc(minutes / 60))}:${pad(minutes % 60)}`
  );
}

/**
 * The end of a window as staff and feeds write it: a date without a time is the end of that day in
 * store time (the next midnight: "until Sunday" means all of Sunday), anything else as parseInstant.
 */
export function parseEndInstant(text: string, timeZone: string): number {
  const trimmed = text.trim();
  const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/.exec(trimmed);
  if (!dateOnly) return parseInstant(trimmed, timeZone);
  parseInstant(trimmed, timeZone); // the same checks and message for an impossible date
  const next = Date.UTC(Number(dateOnly[1]), Number(dateOnly[2]) - 1, Number(dateOnly[3]) + 1);
  return localToInstant(next, timeZone);
}
