import { locale } from "./i18n/index.ts";

const dateTime = new Map<string, Intl.DateTimeFormat>();
function formatter(kind: "dateTime" | "date" | "time"): Intl.DateTimeFormat {
  let f = dateTime.get(kind);
  if (!f) {
    const options: Intl.DateTimeFormatOptions =
      kind === "date"
        ? { dateStyle: "medium" }
        : kind === "time"
          ? { timeStyle: "medium" }
          : { dateStyle: "short", timeStyle: "short" };
    f = new Intl.DateTimeFormat(locale(), options);
    dateTime.set(kind, f);
  }
  return f;
}

/** An ISO 8601 instant in the store's locale (the browser's time zone: staff stand in the store). */
export const when = (iso: string | null | undefined, kind: "dateTime" | "date" | "time" = "dateTime") =>
  iso ? formatter(kind).format(new Date(iso)) : "—";

const numbers = new Map<string, Intl.NumberFormat>();
export function count(n: number): string {
  let f = numbers.get("n");
  if (!f) {
    f = new Intl.NumberFormat(locale());
    numbers.set("n", f);
  }
  return f.format(n);
}

/** "3 min ago" in the store's language. */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "—";
  const s = Math.round((new Date(iso).getTime() - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(locale(), { numeric: "auto" });
  const abs = Math.abs(s);
  if (abs < 60) return rtf.format(s, "second");
  if (abs < 3600) return rtf.format(Math.round(s / 60), "minute");
  if (abs < 86400) return rtf.format(Math.round(s / 3600), "hour");
  return rtf.format(Math.round(s / 86400), "day");
}

/** `datetime-local` input value for an instant, and back (local time of the browser). */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}
