import { setImmediate as nextTurn } from "node:timers/promises";
import type {
  LabelContent,
  LocalOffer,
  MerchantItem,
  ParityOnline,
  ParityReason,
  ParityShelf,
  ParitySource,
} from "../../schemas/index.ts";
import type { Logger } from "../log.ts";
import type { CatalogStore } from "../store/catalog.ts";
import { publishedLately } from "../store/labels.ts";
import type { OnlineStore } from "../store/online.ts";
import type { AuditLabel, KeptContent, MismatchRow, ParityStore } from "../store/parity.ts";
import { compareSides, shelfStock } from "./compare.ts";
import { type FeedRecord, feedRecord, feedView, withTexts } from "./online-view.ts";

/** What product pages said for SKUs (controller/parity/pages.ts), for an audit whose source is pages. */
export interface PageViews {
  /** Per SKU: the page's view, or undefined when the SKU has no page (no link) or it could not be read. */
  views: Map<string, ParityOnline>;
  fetchedAt: number;
}

export interface ParityDeps {
  parity: ParityStore;
  online: OnlineStore;
  catalog: CatalogStore;
  storeCode: string;
  locale: string;
  now: () => number;
  log: Logger;
  /** Fetches the product pages of the SKUs to compare, for an audit whose source is `pages`. */
  pages?: ((targets: { sku: string; url: string }[]) => Promise<PageViews>) | undefined;
  /** SKUs per slice between two turns of the event loop (the comparison never holds it for long). */
  sliceSize?: number;
}

/** Where an audit reads the shop: its feeds (as stored), or its product pages (fetched for the audit). */
export type AuditSource = "feed" | "pages";

const key = (sku: string, reason: string) => `${sku}\u0000${reason}`;

/** A shown content (label payload fields) as the shelf side of the comparison. */
function shelfOf(
  hash: string,
  content: Partial<LabelContent>,
  kept: Omit<KeptContent, "shownJson"> | null,
): ParityShelf {
  return {
    contentHash: hash,
    price: content.price ?? null,
    regularPrice: content.regularPrice ?? null,
    ...(content.memberPrice ? { memberPrice: content.memberPrice } : {}),
    stock: shelfStock(content.stock),
    netQuantity: kept?.netQuantity && kept.unit ? { quantity: kept.netQuantity, unit: kept.unit } : null,
  };
}

/**
 * The parity audit (issue 14 §5): per SKU with a linked label, what the web shop shows for this
 * store at the audit instant against what each label DISPLAYS, i.e. the content of its acknowledged
 * hash (one of its last published contents), not the latest published one. Rules, in order:
 * 1. The online side: the product feed's item, with this store's local row over it, the sale
 *    resolved at the instant (online-view.ts); or, with pages as the source, the product page
 *    (Google takes the page), the feed then only checked against it (`sources_disagree`).
 * 2. No item online: `not_online` (listed, counted in `notOnline`, not compared).
 * 3. An item the shop has but that could not be read: `online_item_invalid` (compared, mismatched).
 * 4. Each label: its displayed content against the online side (compare.ts). A label showing nothing
 *    we know, or showing an older content while the latest published one would be right, is
 *    `label_pending`: the fix is on its way, the shelf is not yet right.
 * 5. A SKU is at parity when every label of it is. `since` carries over from the previous audit for
 *    the same SKU and reason.
 */
export function parityAudits(deps: ParityDeps) {
  let running: { auditId: number; done: Promise<void> } | null = null;
  let again: AuditSource | undefined;
  const slice = deps.sliceSize ?? 2000;

  function sourceOfFeed(): ParitySource {
    if (deps.online.offerCount("merchant") === 0)
      return { kind: "none", url: null, fetchedAt: null, etag: null };
    const pull = deps.online.pull("merchant");
    const last = deps.catalog.lastSequence("merchant");
    if (pull && pull.sequence !== null && pull.sequence === last) {
      return {
        kind: "url",
        url: pull.url,
        fetchedAt: pull.changedAt === null ? null : new Date(pull.changedAt).toISOString(),
        etag: pull.etag,
      };
    }
    return { kind: "upload", url: null, fetchedAt: null, etag: null };
  }

  async function execute(auditId: number, at: number, sourceKind: AuditSource): Promise<void> {
    const started = performance.now();
    const store = deps.parity;
    const labels = store.linkedLabels();
    const kept = store.keptContents();
    // Kept contents only matter while a linked label names them (published, displayed, or among its
    // last few): the others are dropped here, from what was just read, without another scan.
    const live = new Set<string>();
    for (const l of labels) {
      if (l.contentHash) live.add(l.contentHash);
      if (l.displayedHash) live.add(l.displayedHash);
      if (l.recentHashes) for (const h of l.recentHashes.split(" ")) live.add(h);
    }
    const gone = [...kept.keys()].filter((h) => !live.has(h));
    store.dropContents(gone);
    for (const h of gone) kept.delete(h);
    // Only the items of linked SKUs are parsed (an item's JSON is the audit's largest read).
    const linkedSkus = new Set(labels.map((l) => l.sku));
    const national = new Map<string, FeedRecord<MerchantItem>>();
    for (const r of deps.online.iterateOffers("merchant")) {
      if (r.sku !== null && linkedSkus.has(r.sku)) national.set(r.sku, feedRecord(r));
    }
    const local = new Map<string, FeedRecord<LocalOffer>>();
    for (const r of deps.online.iterateOffers("local-inventory")) {
      if (r.sku !== null && linkedSkus.has(r.sku)) local.set(r.sku, feedRecord(r));
    }

    let source = sourceOfFeed();
    let pages: PageViews | undefined;
    if (sourceKind === "pages") {
      if (!deps.pages) throw new Error("no product page reader configured");
      const targets: { sku: string; url: string }[] = [];
      const seen = new Set<string>();
      for (const l of labels) {
        if (seen.has(l.sku)) continue;
        seen.add(l.sku);
        const record = national.get(l.sku);
        const url =
          (record && "item" in record ? record.item.product.url : undefined) ??
          deps.catalog.product(l.sku)?.url ??
          undefined;
        if (url) targets.push({ sku: l.sku, url });
      }
      pages = await deps.pages(targets);
      source = { kind: "pages", url: null, fetchedAt: new Date(pages.fetchedAt).toISOString(), etag: null };
    }

    const shelves = new Map<string, ParityShelf | null>();
    /** What a label shows for `hash`: the content kept by hash (every published one is); null if unknown. */
    const shelfFor = (label: AuditLabel, hash: string | null): ParityShelf | null => {
      if (hash === null || !publishedLately(label, hash)) return null;
      const cached = shelves.get(hash);
      if (cached !== undefined) return cached;
      const k = kept.get(hash);
      const shelf = k ? shelfOf(hash, JSON.parse(k.shownJson) as Partial<LabelContent>, k) : null;
      shelves.set(hash, shelf);
      return shelf;
    };

    const previous = store.previousSince(auditId);
    const rows: MismatchRow[] = [];
    let compared = 0;
    let atParity = 0;
    let mismatched = 0;
    let notOnline = 0;
    const add = (
      sku: string,
      reason: ParityReason,
      labelIds: string[],
      online: ParityOnline | null,
      shelf: ParityShelf | null,
      feed?: ParityOnline | null,
    ) => {
      rows.push({
        sku,
        reason,
        labelIdsJson: JSON.stringify(labelIds),
        // A sources_disagree row keeps the feed's view beside the page's, in the same column.
        onlineJson: online
          ? JSON.stringify(
              feed
                ? { ...withTexts(online, deps.locale), feed: withTexts(feed, deps.locale) }
                : withTexts(online, deps.locale),
            )
          : null,
        shelfJson: shelf ? JSON.stringify(shelf) : null,
        since: previous.get(key(sku, reason)) ?? at,
      });
    };

    let i = 0;
    let sinceYield = 0;
    while (i < labels.length) {
      const sku = (labels[i] as AuditLabel).sku;
      let j = i;
      while (j < labels.length && (labels[j] as AuditLabel).sku === sku) j++;
      const group = labels.slice(i, j);
      i = j;
      if (++sinceYield >= slice) {
        sinceYield = 0;
        await nextTurn();
      }

      const fromFeed = feedView(national.get(sku), local.get(sku), at);
      let online = fromFeed;
      if (pages) {
        const page = pages.views.get(sku);
        if (page) {
          // This store's availability comes from its local row, whatever the page says.
          online = { ...page, availability: fromFeed?.availability ?? null, stock: fromFeed?.stock ?? null };
          if (fromFeed && !fromFeed.problems && compareOnline(page, fromFeed)) {
            add(
              sku,
              "sources_disagree",
              group.map((l) => l.labelId),
              online,
              null,
              fromFeed,
            );
          }
        }
      }
      // A reason about the online item, not the labels: one row for the SKU, with the shelf as its
      // first label shows it.
      const addForSku = (reason: ParityReason, side: ParityOnline | null) => {
        const first = group[0] as AuditLabel;
        add(
          sku,
          reason,
          group.map((l) => l.labelId),
          side,
          shelfFor(first, first.displayedHash),
        );
      };
      if (!online) {
        notOnline++;
        addForSku("not_online", null);
        continue;
      }
      compared++;
      if (online.problems && online.problems.length > 0) {
        mismatched++;
        addForSku("online_item_invalid", online);
        continue;
      }
      const byReason = new Map<ParityReason, { labelIds: string[]; shelf: ParityShelf | null }>();
      for (const label of group) {
        const shelf = shelfFor(label, label.displayedHash);
        let reasons: ParityReason[];
        if (!shelf) reasons = ["label_pending"];
        else {
          reasons = compareSides(online, shelf);
          if (reasons.length > 0 && label.displayedHash !== label.contentHash) {
            const latest = shelfFor(label, label.contentHash);
            if (latest && compareSides(online, latest).length === 0) reasons = ["label_pending"];
          }
        }
        for (const reason of reasons) {
          const entry = byReason.get(reason);
          if (entry) entry.labelIds.push(label.labelId);
          else byReason.set(reason, { labelIds: [label.labelId], shelf });
        }
      }
      if (byReason.size === 0) {
        atParity++;
        continue;
      }
      mismatched++;
      for (const [reason, { labelIds, shelf }] of byReason) add(sku, reason, labelIds, online, shelf);
    }

    store.finishAudit(
      auditId,
      { sourceJson: JSON.stringify(source), compared, atParity, mismatched, notOnline },
      rows,
      deps.now(),
    );
    deps.log.info("parity audit done", {
      auditId,
      source: source.kind,
      compared,
      atParity,
      mismatched,
      notOnline,
      ms: Math.round(performance.now() - started),
    });
  }

  /**
   * Start an audit now (its instant: `at`, default now) against the feeds or the product pages, and
   * return its id at once; one already running is joined (its id returned), and when asked for
   * again meanwhile, one more runs after it (with the last source asked for).
   */
  function run(options: { at?: number; source?: AuditSource } = {}): {
    auditId: number;
    done: Promise<void>;
  } {
    if (running) {
      again = options.source ?? again ?? "feed";
      return running;
    }
    const instant = options.at ?? deps.now();
    const source = options.source ?? "feed";
    const auditId = deps.parity.startAudit(instant, deps.storeCode, JSON.stringify(sourceOfFeed()));
    const done = (async () => {
      await nextTurn();
      try {
        await execute(auditId, instant, source);
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        deps.parity.failAudit(auditId, error, deps.now());
        deps.log.error("parity audit failed", { auditId, error: e instanceof Error ? e.stack : error });
      } finally {
        running = null;
        if (again) {
          const next = again;
          again = undefined;
          void run({ source: next }).done;
        }
      }
    })();
    running = { auditId, done };
    return running;
  }

  return {
    run,
    /** The audit under way, if any. */
    current: () => running,
  };
}
export type ParityAudits = ReturnType<typeof parityAudits>;

/** Whether the page and the feed say different things a shopper sees (price, struck price, currency). */
function compareOnline(page: ParityOnline, feed: ParityOnline): boolean {
  const a = (m: ParityOnline["price"]) => (m ? `${m.amountMinor} ${m.currency}` : "");
  return a(page.price) !== a(feed.price) || a(page.regularPrice) !== a(feed.regularPrice);
}
