/**
 * Once a night at `hour` in the store's time zone: a check every five minutes whose local date and
 * hour are read with Intl (DST-safe: a night whose hour is skipped by a clock change runs in the
 * next check after it; one whose hour repeats runs once, by its date).
 */
export function nightly(
  hour: number,
  timeZone: string,
  now: () => number,
  run: () => void,
): { stop(): void } {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    hourCycle: "h23",
  });
  let lastNight: string | undefined;
  const check = (atStart: boolean) => {
    const p = Object.fromEntries(parts.formatToParts(now()).map((x) => [x.type, x.value]));
    const date = `${p.year}-${p.month}-${p.day}`;
    if (Number(p.hour) >= hour && lastNight !== date) {
      // The first check of a day at or after the hour. A controller started later that day waits for
      // the next night; one running since before the hour runs now, even when the clock skipped it.
      lastNight = date;
      if (!atStart || Number(p.hour) === hour) run();
    }
  };
  check(true);
  const timer = setInterval(() => check(false), 5 * 60_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
