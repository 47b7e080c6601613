import type { Promotion } from "../../../schemas/index.ts";
import { fill, msg } from "./i18n/index.ts";

/** Promotions answer instants as ISO 8601 (epoch ms from older controllers): one reader for both. */
export const instant = (v: number | string | null | undefined): number | null =>
  v === null || v === undefined ? null : typeof v === "number" ? v : Date.parse(v);

/** A promotion as the API lists it (instants as ISO strings or epoch ms). */
export type PromotionView = Omit<Promotion, "start" | "end"> & {
  start: number | string;
  end: number | string | null;
  deleted?: boolean;
};

/** "20 % off", "3 for 5.00", … in the console's words (the label's own text is the server's). */
export function describe(p: PromotionView): string {
  const k = msg.promotions.kinds;
  switch (p.kind) {
    case "percent":
      return fill(k.percentValue, { value: p.value });
    case "amount":
      return fill(k.amountValue, { value: p.value });
    case "fixed":
      return fill(k.fixedValue, { value: p.value });
    case "multibuy":
      return fill(k.multibuyValue, { n: p.buyQuantity ?? 2, value: p.value });
    case "member":
      return fill(k.memberValue, { value: p.value });
    default:
      return p.value;
  }
}

export type Phase = "active" | "upcoming" | "ended";
export function phase(p: PromotionView, now = Date.now()): Phase {
  const start = instant(p.start) ?? 0;
  const end = instant(p.end);
  if (end !== null && end <= now) return "ended";
  return start > now ? "upcoming" : "active";
}
