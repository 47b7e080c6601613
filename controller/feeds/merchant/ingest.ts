import { performance } from "node:perf_hooks";
import type {
  FeedSource,
  LocalOffer,
  MerchantFeed,
  MerchantFeedReply,
  MerchantItem,
  MerchantItemError,
  SourceMode,
} from "../../../schemas/index.ts";
import { type Actor, type Applied, type Changes, feedActor } from "../../changes/index.ts";
import {
  type AppliedBatch,
  BatchRejected,
  type BatchWriter,
  type CatalogStore,
} from "../../store/catalog.ts";
import { type DbWatch, faultPolicy } from "../../store/faults.ts";
import type { OnlineStore, StagedItem } from "../../store/online.ts";
import {
  checkSequenceJump,
  DEFAULT_MAX_SEQUENCE_JUMP,
  FeedTooLarge,
  MAX_REPORTED_ERRORS,
} from "../ingest.ts";
import { FeedSyntaxError } from "../parse/errors.ts";
import type { ByteSource } from "../parse/source.ts";
import { importedOffer, onlineSaleIds, reconcileOnline } from "./apply.ts";
import type { MerchantFormat } from "./body.ts";
import { type CheckOptions, MAX_LISTED_ITEMS } from "./check.ts";
import { checkedChunks } from "./check-pool.ts";

/** A batch refused as a whole: nothing of it was applied and no sequence was used. */
export class MerchantRejected extends Error {
  constructor(
    readonly details: MerchantItemError[],
    readonly itemsRead: number,
  ) {
    const first = details[0];
    super(
      `${details.length}${details.length >= MAX_REPORTED_ERRORS ? "+" : ""} item problem(s); first: line ${first?.line} ${first?.itemId ? `item ${first.itemId} ` : ""}${first?.field}: ${first?.reason}`,
    );
  }
}

export interface MerchantBatch {
  feed: MerchantFeed;
  sequence: number;
  /** `import` writes the store's products, prices, sales and stock; `audit-only` only the online view. */
  mode: SourceMode;
  /** `reject` (default): one bad item refuses the batch. `skip`: valid items go in, the rest are listed. */
  invalid?: "reject" | "skip";
  body: ByteSource;
  /** Undefined: told by the first character. */
  format?: MerchantFormat | undefined;
  gzip?: boolean | undefined;
  source: FeedSource;
  now?: number;
  maxBytes?: number;
  onProgress?: (itemsRead: number) => void;
  /** Who sends the batch (the audit log); without one, the feed itself (`feed:merchant#7`). */
  actor?: Actor;
}

/**
 * Merchant Center feeds as an adapter onto the store's own feeds: each product feed item becomes a
 * products row, a price row and perhaps a sale (a `fixed` promotion), written by the same code as the
 * central feeds; each local inventory row of this store becomes a stock row and, where it has one, a
 * local price and sale. The body is streamed and checked item by item into a staging table, then
 * applied in one transaction (see store/online.ts for why), then the affected labels are refreshed.
 */
export function merchantIngestor(deps: {
  catalog: CatalogStore;
  online: OnlineStore;
  changes: Pick<Changes, "applyMerchantBatch">;
  /** SHELFSYNC_CURRENCY: an item priced in another currency is an error on `price`. */
  currency: string;
  /** SHELFSYNC_STORE_CODE: local inventory rows of other stores are left alone. */
  storeCode: string;
  now?: () => number;
  /** As for the central feeds (feeds/ingest.ts): wait out another process's lock, note best effort. */
  watch?: Pick<DbWatch, "writeWaiting" | "tryWrite">;
  /** SHELFSYNC_FEED_MAX_SEQUENCE_JUMP, as for the central feeds. */
  maxSequenceJump?: number;
  /** Product feed bodies above this many bytes are checked in a worker (default CHECK_IN_WORKER_ABOVE). */
  checkInWorkerAbove?: number;
}) {
  const { catalog, online } = deps;
  const { write, note } = faultPolicy(deps.watch);

  return async function ingestMerchant(batch: MerchantBatch): Promise<MerchantFeedReply> {
    const started = performance.now();
    const { feed, sequence, mode } = batch;
    // An audit source never fails on an item: Google disapproves item by item, and so does the audit.
    const skip = mode === "audit-only" || batch.invalid === "skip";
    const reply: MerchantFeedReply = {
      feed,
      sequence,
      mode,
      applied: false,
      source: batch.source,
      itemsRead: 0,
      itemsAccepted: 0,
      itemsInvalid: 0,
      ...(feed === "local-inventory" ? { itemsOtherStores: 0, unknownIds: [] } : {}),
      rowsChanged: 0,
      held: 0,
      labelsAffected: 0,
      durationMs: 0,
      invalid: [],
      warnings: [],
    };
    const finish = () => {
      reply.durationMs = Math.round((performance.now() - started) * 10) / 10;
      return reply;
    };
    const last = catalog.lastSequence(feed);
    if (last !== null && sequence <= last) {
      reply.reason = `sequence ${sequence} is not above the last applied ${feed} sequence ${last}`;
      return finish();
    }
    checkSequenceJump(feed, sequence, last, deps.maxSequenceJump ?? DEFAULT_MAX_SEQUENCE_JUMP);

    const stage = online.openStage();
    const problems: MerchantItemError[] = [];
    const listCap = skip ? MAX_LISTED_ITEMS : MAX_REPORTED_ERRORS;
    let format: MerchantFormat | undefined = batch.format;
    const checkOptions: CheckOptions = {
      feed,
      mode,
      skip,
      currency: deps.currency,
      storeCode: deps.storeCode,
      problemCap: listCap,
    };

    try {
      try {
        for await (const checked of checkedChunks(
          batch.body,
          {
            format: batch.format,
            gzip: batch.gzip,
            maxBytes: batch.maxBytes,
            tsvOnly: feed === "local-inventory",
            onFormat: (f) => {
              format = f;
            },
          },
          checkOptions,
          (sku) => catalog.product(sku) !== undefined,
          deps.checkInWorkerAbove,
        )) {
          reply.itemsRead += checked.read;
          reply.itemsAccepted += checked.accepted;
          reply.itemsInvalid += checked.invalid;
          if (checked.otherStores > 0)
            reply.itemsOtherStores = (reply.itemsOtherStores ?? 0) + checked.otherStores;
          const unknown = reply.unknownIds;
          if (unknown)
            for (const id of checked.unknownIds) if (unknown.length < MAX_LISTED_ITEMS) unknown.push(id);
          for (const w of checked.warnings) if (reply.warnings.length < listCap) reply.warnings.push(w);
          for (const p of checked.problems) if (problems.length < listCap) problems.push(p);
          batch.onProgress?.(reply.itemsRead);
          if (!skip && problems.length > 0) {
            if (problems.length >= MAX_REPORTED_ERRORS) break;
            continue;
          }
          const refused = checked.rows.problemsJsons;
          for (const d of stage.stage(checked.rows)) {
            reply.itemsInvalid++;
            if (refused[d.index] === null) reply.itemsAccepted--;
            if (problems.length < listCap) {
              problems.push({
                line: d.line,
                itemId: d.itemId,
                field: "id",
                value: d.itemId,
                reason: `appears more than once in this batch (first at line ${d.firstLine})`,
              });
            }
          }
        }
      } catch (e) {
        if (!(e instanceof FeedSyntaxError)) throw e;
        if (e.code === "too_large") throw new FeedTooLarge(e.reason);
        throw new MerchantRejected(
          [{ line: e.line, itemId: "", field: `(${e.code})`, value: "", reason: e.reason }],
          reply.itemsRead,
        );
      }
      if (!skip && problems.length > 0) throw new MerchantRejected(problems, reply.itemsRead);
      reply.invalid = problems;

      const now = batch.now ?? (deps.now ?? Date.now)();
      let change: Applied<AppliedBatch>;
      try {
        change = await write(`${feed} feed batch`, () =>
          deps.changes.applyMerchantBatch(
            {
              feed,
              sequence,
              format: format ?? "tsv",
              mode,
              itemsRead: reply.itemsRead,
              expectedPriceRows: mode === "import" ? reply.itemsAccepted : 0,
              audit: { itemsInvalid: reply.itemsInvalid, source: batch.source },
              write: (w) => {
                stage.putAll(feed, sequence, mode, now);
                const saleIds = mode === "import" ? onlineSaleIds(w) : new Set<string>();
                if (mode === "import")
                  for (const page of stage.pages()) importPage(w, feed, page, now, saleIds);
                for (const gone of online.removeGone(feed, sequence)) {
                  if (mode === "import" && gone.mode === "import" && gone.sku !== null) {
                    reconcileOnline(w, gone.sku, sidesOf(feed, gone.sku, undefined), 0, now, saleIds);
                  }
                }
              },
            },
            batch.actor ?? feedActor(feed, sequence),
            now,
          ),
        );
      } catch (e) {
        if (!(e instanceof BatchRejected)) throw e;
        throw new MerchantRejected(
          e.details.map((d) => ({ line: d.line, itemId: "", field: d.field, value: "", reason: d.reason })),
          reply.itemsRead,
        );
      }
      const applied = change.value;
      if (!applied.applied) {
        reply.reason = `sequence ${sequence} was applied meanwhile by another batch`;
        return finish();
      }
      reply.applied = true;
      reply.rowsChanged = applied.rowsChanged;
      reply.held = applied.held;
      reply.labelsAffected = change.labelsAffected;
      finish();
      note("merchant batch outcome", () =>
        catalog.recordBatchOutcome(feed, sequence, reply.labelsAffected, reply.durationMs),
      );
      return reply;
    } finally {
      stage.drop();
    }
  };

  /**
   * The other side of a SKU, from the online view: for a product feed item, this store's imported
   * local row; for a local row, the imported national item. `own` is the side the batch brings.
   */
  function sidesOf(
    feed: MerchantFeed,
    sku: string,
    own: Pick<MerchantItem, "price" | "sale"> | LocalOffer | undefined,
  ) {
    if (feed === "merchant") {
      return {
        national: own as Pick<MerchantItem, "price" | "sale"> | undefined,
        local: importedOffer<LocalOffer>(online.offer("local-inventory", sku)),
      };
    }
    return {
      national: importedOffer<MerchantItem>(online.offer("merchant", sku)),
      local: own as LocalOffer | undefined,
    };
  }

  function importPage(
    w: BatchWriter,
    feed: MerchantFeed,
    page: StagedItem[],
    now: number,
    saleIds: ReadonlySet<string>,
  ): void {
    const valid = page.filter((s) => (s.imported !== undefined || s.offerJson !== null) && s.sku !== null);
    if (feed === "merchant") {
      // The typed columns staged beside the JSON; the JSON only for an item staged without them.
      const items = valid.map((s) => ({
        line: s.line,
        sku: s.sku as string,
        item: s.imported ?? (JSON.parse(s.offerJson as string) as MerchantItem),
      }));
      w.rows(
        "products",
        items.map(({ line, item }) => ({ line, row: item.product })),
      );
      const anyLocal = online.offerCount("local-inventory") > 0;
      for (const { line, sku, item } of items) {
        const sides = anyLocal ? sidesOf(feed, sku, item) : { national: item };
        reconcileOnline(w, sku, sides, line, now, saleIds);
      }
      return;
    }
    const offers = valid.map((s) => ({
      line: s.line,
      offer: JSON.parse(s.offerJson as string) as LocalOffer,
    }));
    w.rows(
      "stock",
      offers
        .filter(({ offer }) => offer.quantity !== undefined)
        .map(({ line, offer }) => ({ line, row: { sku: offer.sku, onHand: offer.quantity as number } })),
    );
    for (const { line, offer } of offers)
      reconcileOnline(w, offer.sku, sidesOf(feed, offer.sku, offer), line, now, saleIds);
  }
}
export type MerchantIngestor = ReturnType<typeof merchantIngestor>;
