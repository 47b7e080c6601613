import { changeSet } from "./changes/index.ts";
import type { Config } from "./config.ts";
import { FEED_QUEUE_DEFAULTS, feedAdmission } from "./feeds/admission.ts";
import { feedIngestor } from "./feeds/ingest.ts";
import { merchantIngestor } from "./feeds/merchant/ingest.ts";
import { claimReview, claimTracker } from "./labels/claims.ts";
import { labelSync } from "./labels/label-sync.ts";
import type { Logger } from "./log.ts";
import type { ControllerLink } from "./mqtt/controller-link.ts";
import { pricingPolicy } from "./pricing/index.ts";
import type { DbWatch } from "./store/faults.ts";
import type { Stores } from "./store/index.ts";

export type PipelineConfig = Pick<
  Config,
  | "locale"
  | "currency"
  | "timeZone"
  | "stockLowThreshold"
  | "omnibus"
  | "omnibusDays"
  | "omnibusProgressive"
  | "omnibusPerishable"
  | "unitBases"
  | "guardMaxCut"
  | "guardMaxRaise"
> &
  Partial<
    Pick<
      Config,
      | "feedMaxSequenceJump"
      | "guardWindowDays"
      | "feedMaxMb"
      | "feedMaxRows"
      | "feedConcurrency"
      | "feedQueue"
    >
  > &
  Partial<Pick<Config, "currency" | "storeId" | "storeCode">>;

/** Guard-rail policy from the configuration. */
export const guardRailOf = (
  c: Pick<Config, "guardMaxCut" | "guardMaxRaise"> & Partial<Pick<Config, "guardWindowDays">>,
) => ({
  maxCutShare: c.guardMaxCut,
  maxRaiseShare: c.guardMaxRaise,
  windowDays: c.guardWindowDays ?? DEFAULT_GUARD_WINDOW_DAYS,
});
/** SHELFSYNC_GUARD_WINDOW_DAYS's default: the same look-back as the Omnibus prior price. */
export const DEFAULT_GUARD_WINDOW_DAYS = 30;

/**
 * The path from a feed to label content, assembled once for the controller, the import CLI and the
 * benchmarks alike: pricing policy → label sync (resolve, hash, record, publish) → the change layer
 * (apply → audit → refresh, for every change) → feed ingestion.
 */
export function feedPipeline(
  stores: Stores,
  config: PipelineConfig,
  options: {
    log: Logger;
    link?: () => ControllerLink | null;
    now?: () => number;
    onResolved?: (skus: string[]) => void;
    /** The controller's database fault watch (store/faults.ts); the CLIs and benches run without. */
    watch?: DbWatch;
  },
) {
  const watch = options.watch;
  const policy = pricingPolicy({
    locale: config.locale,
    timeZone: config.timeZone,
    omnibus: {
      enabled: config.omnibus,
      lookbackDays: config.omnibusDays,
      progressiveExemption: config.omnibusProgressive,
      perishableCategories: config.omnibusPerishable,
    },
    unitPrice: { byCategory: config.unitBases },
  });
  const sync = labelSync({
    catalog: stores.catalog,
    labels: stores.labels,
    link: options.link ?? (() => null),
    ctx: { locale: config.locale, stockLowThreshold: config.stockLowThreshold, policy },
    log: options.log,
    ...(options.now ? { now: options.now } : {}),
    ...(options.onResolved ? { onResolved: options.onResolved } : {}),
    claims: claimTracker(stores),
  });
  const changes = changeSet({
    stores,
    sync,
    guardRail: guardRailOf(config),
    locale: config.locale,
    currency: config.currency,
    review: claimReview({ promotions: stores.promotions, sync }),
    ...(options.now ? { now: options.now } : {}),
    ...(watch ? { afterCommit: watch.tryWrite } : {}),
  });
  // One feed queue per process: POSTed batches, the CLI's direct import, chain messages and central
  // catch-up all take their turns here (SHELFSYNC_FEED_CONCURRENCY at once).
  const admission = feedAdmission({
    concurrency: config.feedConcurrency ?? FEED_QUEUE_DEFAULTS.concurrency,
    queue: config.feedQueue ?? FEED_QUEUE_DEFAULTS.queue,
  });
  const ingest = feedIngestor({
    admission,
    catalog: stores.catalog,
    changes,
    timeZone: config.timeZone,
    ...(options.now ? { now: options.now } : {}),
    ...(watch ? { watch } : {}),
    ...(config.feedMaxSequenceJump ? { maxSequenceJump: config.feedMaxSequenceJump } : {}),
    ...(config.feedMaxMb ? { maxBytes: config.feedMaxMb * 1024 * 1024 } : {}),
    ...(config.feedMaxRows ? { maxRows: config.feedMaxRows } : {}),
  });
  const ingestMerchant = merchantIngestor({
    catalog: stores.catalog,
    online: stores.online,
    changes,
    currency: config.currency ?? "EUR",
    storeCode: config.storeCode ?? config.storeId ?? "store-1",
    ...(options.now ? { now: options.now } : {}),
    ...(watch ? { watch } : {}),
    ...(config.feedMaxSequenceJump ? { maxSequenceJump: config.feedMaxSequenceJump } : {}),
  });
  return { policy, sync, changes, admission, ingest, ingestMerchant };
}
