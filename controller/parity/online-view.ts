import {
  effectiveOffer,
  formatMoney,
  type ItemProblem,
  type LocalOffer,
  type MerchantItem,
  type Money,
  type MoneyObject,
  type OnlineSale,
  type ParityOnline,
} from "../../schemas/index.ts";
import type { OnlineOfferRecord } from "../store/online.ts";
import { onlineStock } from "./compare.ts";

export const moneyObject = (m: Money, locale: string): MoneyObject => ({
  amountMinor: m.amountMinor,
  currency: m.currency,
  text: formatMoney(m.amountMinor, m.currency, locale),
});

/**
 * Money whose text is written later (`withTexts`): the comparison reads amounts only, and most SKUs
 * are at parity, so formatting every online price (Intl, the audit's largest cost) would be waste.
 */
const untexted = (m: Money): MoneyObject => ({ amountMinor: m.amountMinor, currency: m.currency, text: "" });

/** The view with the texts of its money written in the store's locale (for a mismatch kept). */
export function withTexts(v: ParityOnline, locale: string): ParityOnline {
  const fill = (m: MoneyObject | null | undefined) =>
    m && m.text === "" ? { ...m, text: formatMoney(m.amountMinor, m.currency, locale) } : m;
  return {
    ...v,
    price: fill(v.price) ?? null,
    regularPrice: fill(v.regularPrice) ?? null,
    ...(v.memberPrice ? { memberPrice: fill(v.memberPrice) } : {}),
  };
}

/** Whether a sale is in force at `at`: a window is half-open; a sale without one is in force while the feed has it. */
export const saleInForce = (sale: OnlineSale | undefined, at: number): sale is OnlineSale =>
  sale !== undefined && (!sale.window || (sale.window.start <= at && at < sale.window.end));

/** What one feed's record of a SKU says: the item, why it was refused, or nothing. */
export type FeedRecord<T> = { item: T } | { problems: ItemProblem[] } | undefined;

/** An online_offers row as what the audit needs (whatever the batch's mode: audit-only counts too). */
export function feedRecord<T>(r: OnlineOfferRecord | undefined): FeedRecord<T> {
  if (!r) return undefined;
  if (r.offerJson !== null) return { item: JSON.parse(r.offerJson) as T };
  return { problems: r.problemsJson === null ? [] : (JSON.parse(r.problemsJson) as ItemProblem[]) };
}

/**
 * What the shop shows for a SKU in this store at `at`, from the feeds: local inventory over the
 * product feed (a local price replaces the national one; a local sale with its window replaces the
 * national sale), the sale resolved at the instant, this store's availability from its local row.
 * Returns undefined when the product feed does not have the SKU (not online). Money texts are
 * left empty until `withTexts`.
 */
export function feedView(
  national: FeedRecord<MerchantItem>,
  local: FeedRecord<LocalOffer>,
  at: number,
): ParityOnline | undefined {
  if (!national) return undefined;
  const problems = [
    ...("problems" in national ? national.problems : []),
    ...(local && "problems" in local ? local.problems : []),
  ];
  const localOffer = local && "item" in local ? local.item : undefined;
  const availability = localOffer?.availability ?? null;
  const base = {
    availability,
    stock: onlineStock(availability),
    from: "feed",
  };
  if (!("item" in national) || problems.length > 0) {
    return { price: null, regularPrice: null, netQuantity: null, ...base, problems };
  }
  const item = national.item;
  const { price, sale } = effectiveOffer(item, localOffer);
  const onSale = saleInForce(sale, at);
  return {
    price: untexted(onSale ? sale : price),
    regularPrice: onSale ? untexted(price) : null,
    netQuantity: item.measure ? { quantity: item.measure.quantity, unit: item.measure.unit } : null,
    ...base,
  };
}
