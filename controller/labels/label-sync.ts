import { withTimeout } from "../../lib/timeout.ts";
import { youngGenerationRoomy } from "../../lib/young-generation.ts";
import { labelContentJson } from "../../schemas/index.ts";
import type { Logger } from "../log.ts";
import type { ContentPublish, ControllerLink } from "../mqtt/controller-link.ts";
import type { SuppressedClaim } from "../pricing/index.ts";
import type { CatalogSnapshot, CatalogStore } from "../store/catalog.ts";
import type { ContentUpdate, LabelLink, LabelRecord, LabelStore } from "../store/labels.ts";
import type { ClaimTracker } from "./claims.ts";
import {
  type ContentContext,
  contentHash,
  type LabelBody,
  labelBody,
  resolveFor,
  shownContent,
} from "./content.ts";

/** A SKU's upcoming promotion and override starts judged for claims, at most (the nearest first). */
const MAX_INSTANTS_JUDGED = 16;
const NONE: ReadonlyMap<string, SuppressedClaim> = new Map();
/**
 * How far behind the latest instant a refresh's "now" must be to count as a clock stepped back: a
 * scheduled change is resolved at its due instant, which may be a little before a refresh that ran
 * meanwhile, and must still clear a label whose price really ended.
 */
const CLOCK_STEP_TOLERANCE_MS = 5 * 60_000;

export interface RefreshOutcome {
  /** Labels whose content changed and was (re)published. */
  changed: number;
  /** Settles when the broker has acknowledged every publish of this refresh. */
  delivered: Promise<void>;
}

/**
 * Keeps each label's published content equal to what it must show. Content is recomputed from the
 * store, compared by hash with what was last published, and only real changes are written (in one
 * transaction, so a restart knows what went out) and published retained at QoS 1.
 */
/** Above this many labels, a refresh reads every label's link in one scan instead of one by one. */
const BULK_LABELS = 512;
/**
 * Labels a refresh resolves, records and publishes together (and SKUs a claims check reads
 * together): what a refresh holds at once is bounded by this, not by the size of the store.
 */
export const REFRESH_CHUNK_LABELS = 2_000;
/**
 * How long a refresh in turns waits for the broker's acknowledgement of a chunk before it goes on
 * regardless, ms: the wait only keeps the contents in flight few, it must not make a stalled broker
 * stall the refresh (and the feed reply behind it).
 */
const PUBLISH_WAIT_MS = 2_000;

/**
 * Runs one chunk's reads and writes (the store's fault watch, `tryWrite`); false when the database
 * refused them, which ends the refresh.
 */
export type RefreshGuard = (fn: () => void) => boolean;
const unguarded: RefreshGuard = (fn) => {
  fn();
  return true;
};

export function labelSync(deps: {
  catalog: CatalogStore;
  labels: LabelStore;
  link: () => ControllerLink | null;
  ctx: ContentContext;
  log: Logger;
  /** The controller's clock (tests shift it to stand just before midnight). */
  now?: () => number;
  /** Told which SKUs a refresh resolved (the scheduler tracks their next change). */
  onResolved?: (skus: string[]) => void;
  /** Told what every refresh resolved: keeps the reductions charged without a claim, and audits them. */
  claims?: ClaimTracker;
}) {
  const { catalog, labels, log } = deps;
  const clock = deps.now ?? Date.now;
  /**
   * The latest instant the store has worked at: its last refresh, or at start its last feed batch.
   * A refresh at an earlier "now" means the wall clock was stepped back (NTP, a board without a
   * battery-backed clock booting at its image's date): the price in force may then be missing only
   * because that "now" is before the price began, and a label that shows a price must not go blank
   * for it. It keeps its content until the clock is right again (a real end of a price, seen at or
   * after this instant, still clears it).
   */
  let latestNow = catalog.lastAppliedAt?.() ?? Number.NEGATIVE_INFINITY;
  /** When each SKU was last resolved, and the next instant its shelf may change (for the scheduler). */
  const nextChange = new Map<string, { resolvedAt: number; at: number | undefined }>();

  /** A label's new content (its payload to publish, and what it records), or none (unlinked, no price). */
  interface Pending {
    update: ContentUpdate;
    json: string | null;
  }

  function contentsFor(
    source: CatalogSnapshot,
    sku: string,
    linked: LabelLink[],
    now: number,
    out: Pending[],
  ): number {
    const product = source.product(sku);
    const resolved = product ? resolveFor(source, product, now, deps.ctx.policy) : null;
    nextChange.set(sku, { resolvedAt: now, at: resolved?.validUntil });
    deps.claims?.observe(sku, resolved);
    const shown = product ? shownContent(product, resolved, source.stock(sku), deps.ctx) : null;
    // Stringified and hashed once per product, whatever the number of labels showing it.
    const shownJson = shown ? JSON.stringify(shown) : null;
    const hash = shownJson ? contentHash(shownJson) : null;
    const clockBehind = now < latestNow - CLOCK_STEP_TOLERANCE_MS;
    const kept =
      shownJson && product
        ? { json: shownJson, netQuantity: product.netQuantity, unit: product.unit }
        : undefined;
    let keptBlank = 0;
    for (const label of linked) {
      if (hash === label.contentHash) continue;
      if (hash === null && product && label.contentHash !== null && clockBehind) {
        keptBlank++;
        continue;
      }
      const version = label.contentVersion + 1;
      out.push(
        hash !== null && kept && shownJson
          ? {
              update: {
                labelId: label.labelId,
                row: label.row,
                contentVersion: version,
                contentHash: hash,
                shown: kept,
              },
              json: labelContentJson(label.labelId, shownJson, hash, version),
            }
          : {
              update: { labelId: label.labelId, row: label.row, contentVersion: version, contentHash: null },
              json: null,
            },
      );
    }
    return keptBlank;
  }

  function commit(changed: Pending[]): RefreshOutcome {
    labels.setContents(changed.map((p) => p.update));
    return {
      changed: changed.length,
      delivered: publishAll(changed.map((p) => [p.update.labelId, p.json, p.update.contentHash])),
    };
  }

  function publishAll(items: ContentPublish[]): Promise<void> {
    const link = deps.link();
    // Without a broker nothing is queued: the contents are already recorded, and every (re)connect
    // republishes all of them from the store. Queuing as well would send each one twice and let the
    // client's offline queue grow with every reprice during an outage. A publish that fails while
    // connected is logged, not retried by hand, for the same reason.
    if (!link || items.length === 0 || !link.connected()) return Promise.resolve();
    return link.publishContents(items).then((failed) => {
      if (failed.length > 0) {
        log.warn("content publishes failed; they are resent on reconnect", {
          labels: failed.length,
          first: failed[0],
        });
      }
    });
  }

  /**
   * One refresh, chunk by chunk: each chunk's SKUs are read, resolved, recorded (one transaction)
   * and published before the next is read, so a reprice of 50,000 labels never holds the
   * catalogue, the price history or 50,000 pending contents at once, only one chunk's.
   */
  function startRefresh(now: number) {
    let keptBlank = 0;
    let changedTotal = 0;
    /** The instant the last chunk was resolved at (a refresh in turns moves it on). */
    let lastNow = now;
    const delivered: Promise<void>[] = [];
    return {
      /** Resolve, record and publish one chunk; settles when the broker has acknowledged it. */
      chunk(chunk: Iterable<readonly [string | null, LabelLink[]]>, now: number): Promise<void> {
        lastNow = now;
        const skus = new Set<string>();
        for (const [sku] of chunk) if (sku !== null) skus.add(sku);
        const source = catalog.snapshot(skus, now);
        const changed: Pending[] = [];
        for (const [sku, linked] of chunk) {
          if (sku !== null) keptBlank += contentsFor(source, sku, linked, now, changed);
          else
            for (const label of linked)
              if (label.contentHash !== null)
                changed.push({
                  update: {
                    labelId: label.labelId,
                    row: label.row,
                    contentVersion: label.contentVersion + 1,
                    contentHash: null,
                  },
                  json: null,
                });
        }
        const outcome = commit(changed);
        changedTotal += outcome.changed;
        delivered.push(outcome.delivered);
        // Told chunk by chunk: 100,000 SKUs told at the end held the last chunk's publishes back.
        if (skus.size > 0) deps.onResolved?.([...skus]);
        return outcome.delivered;
      },
      finish(): RefreshOutcome {
        if (keptBlank > 0) {
          log.warn(
            "clock is behind the latest instant the store worked at; labels keep the price they show",
            {
              labels: keptBlank,
              now: new Date(lastNow).toISOString(),
              latest: new Date(latestNow).toISOString(),
            },
          );
        }
        latestNow = Math.max(latestNow, lastNow);
        deps.claims?.settle(lastNow);
        return {
          changed: changedTotal,
          delivered:
            delivered.length === 1
              ? (delivered[0] as Promise<void>)
              : Promise.all(delivered).then(() => undefined),
        };
      },
    };
  }

  /** Groups of labels (by SKU) cut into chunks of about REFRESH_CHUNK_LABELS labels. */
  function* chunksOf(groups: Iterable<[string | null, LabelLink[]]>) {
    let chunk: [string | null, LabelLink[]][] = [];
    let labelsIn = 0;
    for (const entry of groups) {
      chunk.push(entry);
      labelsIn += entry[1].length;
      if (labelsIn >= REFRESH_CHUNK_LABELS) {
        yield chunk;
        chunk = [];
        labelsIn = 0;
      }
    }
    if (chunk.length > 0) yield chunk;
  }

  function refreshGroups(groups: ReadonlyMap<string | null, LabelLink[]>, now: number): RefreshOutcome {
    const run = startRefresh(now);
    for (const chunk of chunksOf(groups)) run.chunk(chunk, now);
    return run.finish();
  }

  /**
   * A refresh of many labels that gives the event loop back between chunks (refreshSkusInTurns,
   * refreshLabelsInTurns): the first chunk's contents reach the broker, the bridges and the labels
   * while the next ones are still resolved, and their states are recorded meanwhile, instead of the
   * whole refresh being done before the first content leaves. The first chunk is done at once (a
   * change of one SKU never waits for a turn). Before each further chunk the refresh waits until the
   * broker has acknowledged the chunk before the last (bounded by PUBLISH_WAIT_MS: a broker that
   * stopped answering must not stop the refresh), so at most two chunks' contents are in flight.
   *
   * Other changes run between chunks and refresh their own labels, so each chunk reads its labels
   * again (`keep` says which of them it still refreshes, e.g. those still linked to the SKU that
   * changed) and resolves at the instant it runs: `now` plus the time the refresh has taken. A chunk
   * therefore shows what a refresh started at that instant would, never an older state. `guard` runs
   * each chunk's writes (the store's fault watch); a refused write ends the refresh there, as it ends
   * a synchronous one, and the watch refreshes every label once writes go through again.
   */
  async function refreshInTurns(
    plan: () => Iterable<[string | null, LabelLink[]]>,
    keep: (now: LabelLink, planned: LabelLink) => boolean,
    now: number,
    guard: RefreshGuard,
  ): Promise<RefreshOutcome> {
    const run = startRefresh(now);
    const started = clock();
    /** The broker's acknowledgement of the last chunk, and of the one before it. */
    let last: Promise<void> | undefined;
    let beforeLast: Promise<void> | undefined;
    let chunks: Generator<[string | null, LabelLink[]][]> | undefined;
    // The plan and the first chunk in this same run of the event loop: nothing else can have
    // changed the labels between the two.
    const planned = guard(() => {
      chunks = chunksOf(plan());
      const first = chunks.next();
      if (!first.done) last = run.chunk(first.value, now);
    });
    if (!planned || !chunks) return run.finish();
    // Only a refresh with more than one chunk gets here past its first loop: a one-SKU change never
    // changes the young generation's size.
    let roomy: (() => void) | undefined;
    try {
      for (const chunk of chunks) {
        roomy ??= youngGenerationRoomy();
        // A failed publish is the retries' to handle (it is listed, not thrown): only the wait matters.
        if (beforeLast)
          await withTimeout(
            beforeLast.catch(() => undefined),
            PUBLISH_WAIT_MS,
          );
        await new Promise<void>((resolve) => setImmediate(resolve));
        const at = now + Math.max(0, clock() - started);
        let delivered: Promise<void> | undefined;
        const written = guard(() => {
          const plannedByRow = new Map<number, LabelLink>();
          const kept: LabelLink[] = [];
          for (const [, linked] of chunk)
            for (const l of linked) {
              if (l.row !== undefined) plannedByRow.set(l.row, l);
              else {
                // Planned from a lookup by id (a small refresh is one chunk, so this is only a fallback).
                const current = labels.get(l.labelId);
                if (current && keep(current, l)) kept.push(current);
              }
            }
          for (const l of labels.linksOfRows([...plannedByRow.keys()])) {
            const was = plannedByRow.get(l.row as number);
            // A rowid can be taken again by a label added after one was removed: the id must match too.
            if (was && was.labelId === l.labelId && keep(l, was)) kept.push(l);
          }
          delivered = run.chunk(groupBySku(kept), at);
        });
        if (!written) break;
        beforeLast = last;
        last = delivered;
      }
    } finally {
      roomy?.();
    }
    return run.finish();
  }

  const groupBySku = (list: LabelLink[]) => {
    const groups = new Map<string | null, LabelLink[]>();
    for (const l of list) {
      const g = groups.get(l.sku);
      if (g) g.push(l);
      else groups.set(l.sku, [l]);
    }
    return groups;
  };

  /** These labels' links and last published hashes (unknown ids left out). */
  function linksOf(labelIds: string[]): LabelLink[] {
    // Many labels (a links feed relinking a store) are read with one scan of every label's link,
    // not a lookup each: 50,000 point reads of whole rows cost more than the refresh itself.
    if (labelIds.length > BULK_LABELS) {
      const wanted = new Set(labelIds);
      return labels.links().filter((l) => wanted.has(l.labelId));
    }
    return labelIds.map((id) => labels.get(id)).filter((l): l is LabelRecord => l !== undefined);
  }

  function snapshotFor(sku: string, at: number) {
    return catalog.snapshot(new Set([sku]), at);
  }

  return {
    /** The locale, stock threshold and pricing policy every label's content is made with. */
    ctx: deps.ctx,

    /** What is (or was, or will be) in force for a SKU at an instant; null without a price. */
    resolveSku(sku: string, at: number) {
      const source = snapshotFor(sku, at);
      const product = source.product(sku);
      return product ? resolveFor(source, product, at, deps.ctx.policy) : null;
    },

    /** What a label had (or will have) to show at an instant, stamped with its hash. */
    contentAt(label: LabelRecord, at: number): (LabelBody & { contentHash: string }) | null {
      if (label.sku === null) return null;
      const source = snapshotFor(label.sku, at);
      const product = source.product(label.sku);
      if (!product) return null;
      const shown = shownContent(
        product,
        resolveFor(source, product, at, deps.ctx.policy),
        source.stock(label.sku),
        deps.ctx,
      );
      return shown ? labelBody(label.labelId, shown) : null;
    },

    /**
     * Reductions of these SKUs that are (or will be) charged without a claim: at `at`, and at each
     * later start of a promotion or override that names them (a promotion that starts next week is
     * judged at its start). One entry per SKU and promotion, in SKU order of `skus`.
     */
    suppressedClaimsAt(skus: ReadonlySet<string>, at: number) {
      const found: { sku: string; at: number; claim: SuppressedClaim }[] = [];
      if (skus.size === 0) return found;
      // Chunk by chunk, as a refresh reads (a category promotion makes every SKU of a feed a candidate).
      const all = [...skus];
      let source!: CatalogSnapshot;
      for (let i = 0; i < all.length; i++) {
        const sku = all[i] as string;
        if (i % REFRESH_CHUNK_LABELS === 0)
          source = catalog.snapshot(new Set(all.slice(i, i + REFRESH_CHUNK_LABELS)), at);
        const product = source.product(sku);
        const promotions = product ? source.promotions(sku, product.category) : [];
        if (!product || promotions.length === 0) continue;
        const instants = new Set([at]);
        for (const p of promotions) if (p.start > at) instants.add(p.start);
        for (const o of source.overrides(sku)) if (o.start > at) instants.add(o.start);
        const seen = new Set<string>();
        for (const t of [...instants].sort((a, b) => a - b).slice(0, MAX_INSTANTS_JUDGED)) {
          const claim = resolveFor(source, product, t, deps.ctx.policy)?.notAReduction;
          if (!claim || seen.has(claim.promotionId)) continue;
          seen.add(claim.promotionId);
          found.push({ sku, at: t, claim });
        }
      }
      return found;
    },

    /** Reductions on the shelf now that are charged without a claim, by SKU (as of the last refresh). */
    notAReductions(): ReadonlyMap<string, SuppressedClaim> {
      return deps.claims?.current() ?? NONE;
    },

    /**
     * The next instant after `after` at which this SKU's shelf may change. Answered from the last
     * refresh when it resolved the SKU at that instant, else resolved afresh.
     */
    nextChangeAt(sku: string, after: number): number | undefined {
      const known = nextChange.get(sku);
      if (known && known.resolvedAt <= after && (known.at === undefined || known.at > after)) return known.at;
      const at = this.resolveSku(sku, after)?.validUntil;
      nextChange.set(sku, { resolvedAt: after, at });
      return at;
    },

    /** After a feed batch: recompute the labels showing these SKUs. */
    refreshSkus(skus: ReadonlySet<string>, now = clock()): RefreshOutcome {
      return refreshGroups(labels.linkedToAny(skus), now);
    },

    refreshLabels(labelIds: string[], now = clock()): RefreshOutcome {
      return refreshGroups(groupBySku(linksOf(labelIds)), now);
    },

    /**
     * refreshSkus for a change that may touch most of the store (a feed batch): the same outcome,
     * reached in turns of the event loop (see refreshInTurns). A label relinked to another SKU
     * meanwhile is left to the refresh its relink made.
     */
    refreshSkusInTurns(skus: ReadonlySet<string>, now = clock(), guard = unguarded): Promise<RefreshOutcome> {
      return refreshInTurns(
        () => labels.linkedToAny(skus),
        (l, was) => l.sku === was.sku,
        now,
        guard,
      );
    },

    /** refreshLabels in turns of the event loop: each label with what it is linked to when its chunk runs. */
    refreshLabelsInTurns(labelIds: string[], now = clock(), guard = unguarded): Promise<RefreshOutcome> {
      return refreshInTurns(
        () => groupBySku(linksOf(labelIds)),
        () => true,
        now,
        guard,
      );
    },

    /**
     * Clear the retained content of labels the store no longer has (a removed label): nothing in the
     * store remembers them, so a reconnect would not. Best effort, like every publish.
     */
    clearRetained(labelIds: string[]): Promise<void> {
      return publishAll(labelIds.map((id) => [id, null]));
    },

    /** At start: anything that changed while the controller was down (e.g. a price that began) goes out. */
    refreshAll(now = clock()): RefreshOutcome {
      return refreshGroups(groupBySku(labels.links()), now);
    },

    /**
     * On every (re)connect: publish every label's current content again. The broker may have lost its
     * retained messages (the embedded one keeps them in memory); devices de-duplicate by contentHash.
     */
    republishAll(): Promise<void> {
      const items: ContentPublish[] = [];
      for (const l of labels.all()) {
        if (l.contentJson) items.push([l.labelId, l.contentJson]);
      }
      log.info("republishing label contents", { labels: items.length });
      return publishAll(items);
    },
  };
}
export type LabelSync = ReturnType<typeof labelSync>;
