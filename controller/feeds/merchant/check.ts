import {
  ID_PATTERN,
  type ItemProblem,
  MAX_MERCHANT_ID_LENGTH,
  type MerchantFeed,
  type MerchantItemError,
  readLocalOffer,
  readMerchantItem,
  type SourceMode,
} from "../../../schemas/index.ts";
import { emptyStageRows, pushStaged, type StageRows } from "../../store/online.ts";
import { type LinedItem, lineOf } from "./items.ts";

/** Invalid items and warnings listed in a reply (all are counted). */
export const MAX_LISTED_ITEMS = 1000;

/** What checking a batch needs to know; plain data, so that a worker thread can be told it. */
export interface CheckOptions {
  feed: MerchantFeed;
  mode: SourceMode;
  /** Invalid items are staged (for the online view) and listed, not a reason to refuse the batch. */
  skip: boolean;
  /** SHELFSYNC_CURRENCY. */
  currency: string;
  /** SHELFSYNC_STORE_CODE (local inventory). */
  storeCode: string;
  /** Problems (and warnings) listed at most: the reply's cap (feeds/merchant/ingest.ts). */
  problemCap: number;
}

/**
 * One chunk of a batch's items, checked: the items to stage, what the reply counts, and the
 * problems, warnings and unknown ids found in it. Plain arrays and numbers (see StageRows).
 */
export interface CheckedChunk {
  rows: StageRows;
  read: number;
  accepted: number;
  invalid: number;
  otherStores: number;
  problems: MerchantItemError[];
  warnings: MerchantItemError[];
  unknownIds: string[];
}

/**
 * Checks a batch's items chunk by chunk: each one staged (valid, or invalid for the online view),
 * skipped (local inventory of another store, or of a SKU the store does not know), or an error.
 * The same code on the event loop and in the checking worker (check-worker.ts). `knownSku` is the
 * catalogue's (local inventory only: the worker checks product feeds, which need no lookup).
 *
 * Lists are capped as the reply caps them, counting this checker's own entries: the caller, which
 * adds the repeated ids it finds while staging, caps the merged list again.
 */
export function itemChecker(options: CheckOptions, knownSku?: (sku: string) => boolean) {
  const { feed, mode, skip, currency, storeCode, problemCap } = options;
  let problemsListed = 0;
  let warningsListed = 0;
  let unknownListed = 0;

  return function check(items: readonly LinedItem[]): CheckedChunk {
    const out: CheckedChunk = {
      rows: emptyStageRows(),
      read: 0,
      accepted: 0,
      invalid: 0,
      otherStores: 0,
      problems: [],
      warnings: [],
      unknownIds: [],
    };
    const report = (item: LinedItem, itemId: string, list: ItemProblem[], warning: boolean) => {
      for (const p of list) {
        if (warning) {
          if (warningsListed >= problemCap) return;
          warningsListed++;
          out.warnings.push({ line: lineOf(item, p.field), itemId, ...p });
        } else {
          if (problemsListed >= problemCap) return;
          problemsListed++;
          out.problems.push({ line: lineOf(item, p.field), itemId, ...p });
        }
      }
    };
    for (const item of items) {
      out.read++;
      let itemId = (item.values.id ?? item.values.itemid ?? "").trim();
      let list: ItemProblem[];
      let offerJson: string | null = null;
      let imported: Parameters<typeof pushStaged>[6];
      if (item.problem) {
        list = [{ field: "(row)", value: "", reason: item.problem }];
      } else if (feed === "merchant") {
        const r = readMerchantItem(item.values, currency);
        if (r.ok) {
          if (r.warnings.length > 0) report(item, r.item.sku, r.warnings, true);
          offerJson = JSON.stringify(r.item);
          if (mode === "import")
            imported = { product: r.item.product, price: r.item.price, sale: r.item.sale };
          list = [];
        } else list = r.problems;
      } else {
        const code = item.values.store_code?.trim();
        if (code !== undefined && code !== "" && code !== storeCode) {
          out.otherStores++;
          continue;
        }
        const r = readLocalOffer(item.values, currency);
        if (r.ok) {
          itemId = r.offer.sku;
          if (knownSku && !knownSku(r.offer.sku)) {
            if (unknownListed < MAX_LISTED_ITEMS) {
              unknownListed++;
              out.unknownIds.push(r.offer.sku);
            }
            continue;
          }
          offerJson = JSON.stringify(r.offer);
          list = [];
        } else list = r.problems;
      }
      if (list.length > 0) {
        out.invalid++;
        report(item, itemId, list, false);
        if (!skip || itemId === "") continue;
        const sku = itemId.length <= MAX_MERCHANT_ID_LENGTH && ID_PATTERN.test(itemId) ? itemId : null;
        pushStaged(out.rows, itemId, item.line, sku, null, list, undefined);
        continue;
      }
      out.accepted++;
      pushStaged(out.rows, itemId, item.line, itemId, offerJson, null, imported);
    }
    return out;
  };
}
export type ItemChecker = ReturnType<typeof itemChecker>;
