import type {
  ColorMode,
  LabelContent,
  LabelFilter,
  LabelReply,
  NotAReduction,
  SyncReply,
  SyncStatus,
} from "../../schemas/index.ts";
import type { SuppressedClaim } from "../pricing/index.ts";
import {
  type LabelRecord,
  type LabelStatusRow,
  type LabelStore,
  LOW_BATTERY_PERCENT,
  WEAK_SIGNAL_DBM,
} from "../store/labels.ts";
import { claimFacts } from "./claims.ts";
import { labelSyncStatus, type SyncContext } from "./sync-status.ts";

/** The API's view of one label (DESIGN.md §3a names). */
export function labelReply(label: LabelRecord, ctx: SyncContext): LabelReply {
  const { status } = labelSyncStatus(label, ctx);
  return {
    labelId: label.labelId,
    sku: label.sku,
    model: label.model,
    width: label.width,
    height: label.height,
    colors: label.colors as ColorMode | null,
    bridgeId: label.bridgeId,
    content: label.contentJson ? (JSON.parse(label.contentJson) as LabelContent) : null,
    displayedHash: label.displayedHash,
    inSync: status === "in_sync",
    status,
    battery: label.battery,
    rssi: label.rssi,
    lastSeen: label.lastSeen === null ? null : new Date(label.lastSeen).toISOString(),
  };
}

export { LOW_BATTERY_PERCENT, WEAK_SIGNAL_DBM };

export const lowBattery = (l: Pick<LabelStatusRow, "battery">) =>
  l.battery !== null && l.battery <= LOW_BATTERY_PERCENT;
export const weakSignal = (l: Pick<LabelStatusRow, "rssi">) => l.rssi !== null && l.rssi <= WEAK_SIGNAL_DBM;

/** Whether a label is in one of the label list's filters (the sync dashboard's counters). */
export function labelInFilter(label: LabelStatusRow, filter: LabelFilter, ctx: SyncContext): boolean {
  switch (filter) {
    case "low_battery":
      return lowBattery(label);
    case "weak_signal":
      return weakSignal(label);
    case "not_a_reduction":
      return label.sku !== null && ctx.notAReductions?.has(label.sku) === true;
    default:
      return labelSyncStatus(label, ctx).status === filter;
  }
}

/**
 * Totals per sync status and every label that is not right, with why. A label that shows what it
 * must but whose SKU has a reduction charged without its claim is listed as `not_a_reduction` (the
 * shelf is right, the promotion is not what it was meant to be); a label that is also out of sync
 * keeps its sync reason and carries the claim beside it.
 */
export function syncSummary(all: LabelStatusRow[], ctx: SyncContext): SyncReply {
  const reply: SyncReply = {
    total: all.length,
    inSync: 0,
    pending: 0,
    failed: 0,
    offline: 0,
    neverSeen: 0,
    unlinked: 0,
    unknownContent: 0,
    notAReduction: 0,
    lowBattery: 0,
    weakSignal: 0,
    notRight: [],
  };
  for (const label of all) {
    if (lowBattery(label)) reply.lowBattery++;
    if (weakSignal(label)) reply.weakSignal++;
    const { status, detail, failed } = labelSyncStatus(label, ctx);
    const claim = label.sku === null ? undefined : ctx.notAReductions?.get(label.sku);
    const notAReduction = claim && label.sku !== null ? notAReductionView(label.sku, claim) : undefined;
    if (notAReduction) reply.notAReduction++;
    if (status === "in_sync") {
      reply.inSync++;
      if (claim && notAReduction) {
        reply.notRight.push({
          labelId: label.labelId,
          sku: label.sku,
          reason: "not_a_reduction",
          detail: claim.detail,
          notAReduction,
        });
      }
      continue;
    }
    if (status === "pending") reply.pending++;
    else if (status === "failed") reply.failed++;
    else if (status === "offline") reply.offline++;
    else if (status === "never_seen") reply.neverSeen++;
    else if (status === "unknown_content") reply.unknownContent++;
    else reply.unlinked++;
    reply.notRight.push({
      labelId: label.labelId,
      sku: label.sku,
      reason: status,
      detail,
      ...(failed ? { attempts: failed.attempts, lastTry: new Date(failed.lastTry).toISOString() } : {}),
      ...(notAReduction ? { notAReduction } : {}),
    });
  }
  return reply;
}

/** The sync counters: the summary without its list of labels that are not right. */
export type SyncCounts = Omit<SyncReply, "notRight">;

const STATUS_FIELD: Record<Exclude<SyncStatus, "in_sync">, keyof SyncCounts> = {
  pending: "pending",
  failed: "failed",
  offline: "offline",
  never_seen: "neverSeen",
  unlinked: "unlinked",
  unknown_content: "unknownContent",
};
const countOf = (status: SyncStatus): keyof SyncCounts =>
  status === "in_sync" ? "inSync" : STATUS_FIELD[status];

/**
 * The counters of `syncSummary`, equal to them, for a dashboard that polls while 50,000 labels
 * acknowledge a reprice: the store keeps the labels counted by status in memory (labelSyncStatus's
 * rules; store/labels.ts labelTally), and only the labels that did not acknowledge after every
 * resend (the `failed` rule, a set held in memory) are read and judged one by one.
 */
export function syncCounts(source: LabelStore["syncCountSource"], ctx: SyncContext): SyncCounts {
  const tally = source.tally({
    offlineBridges: ctx.offlineBridges,
    now: ctx.now,
    offlineAfterMs: ctx.offlineAfterMs,
  });
  const counts: SyncCounts = {
    total: 0,
    inSync: 0,
    pending: 0,
    failed: 0,
    offline: 0,
    neverSeen: 0,
    unlinked: 0,
    unknownContent: 0,
    notAReduction: 0,
    lowBattery: tally.lowBattery,
    weakSignal: tally.weakSignal,
  };
  for (const [status, n] of Object.entries(tally.byStatus) as [Exclude<SyncStatus, "failed">, number][]) {
    counts.total += n;
    counts[countOf(status)] += n;
  }
  if (ctx.failed && ctx.failed.size > 0) {
    const { failed: _failed, ...withoutFailed } = ctx;
    for (const labelId of ctx.failed.keys()) {
      const label = source.statusRow(labelId);
      if (!label) continue;
      const counted = labelSyncStatus(label, withoutFailed).status;
      const status = labelSyncStatus(label, ctx).status;
      if (status === counted) continue;
      counts[countOf(counted)]--;
      counts[countOf(status)]++;
    }
  }
  if (ctx.notAReductions && ctx.notAReductions.size > 0)
    counts.notAReduction = source.linkedTo(ctx.notAReductions.keys());
  return counts;
}

/** A suppressed claim as `/sync` and the price reply show it. */
export function notAReductionView(sku: string, claim: SuppressedClaim): NotAReduction {
  const { promotionId, promotionalPrice, priorPrice, lookbackDays, reductionStart } = claimFacts(sku, claim);
  return { promotionId, promotionalPrice, priorPrice, lookbackDays, reductionStart };
}
