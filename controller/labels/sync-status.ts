import type { SyncStatus } from "../../schemas/index.ts";
import type { SuppressedClaim } from "../pricing/index.ts";
import { type LabelStatusRow, type LabelStore, publishedLately } from "../store/labels.ts";
import type { FailedLabel } from "./retries.ts";

export interface SyncContext {
  now: number;
  offlineAfterMs: number;
  offlineBridges: ReadonlySet<string>;
  /** SKUs whose shelf shows a reduction's price without its claim (not_a_reduction), as of the last refresh. */
  notAReductions?: ReadonlyMap<string, SuppressedClaim>;
  /** Labels that did not acknowledge their content after every resend (controller/labels/retries.ts). */
  failed?: ReadonlyMap<string, FailedLabel>;
}

/**
 * The inputs for judging whether labels are right, now: the clock, the silence limit, bridges down,
 * and the reductions charged without a claim.
 */
export const currentSyncContext = (
  labels: Pick<LabelStore, "offlineBridgeIds">,
  offlineAfterMs: number,
  notAReductions?: ReadonlyMap<string, SuppressedClaim>,
  failed?: ReadonlyMap<string, FailedLabel>,
): SyncContext => ({
  now: Date.now(),
  offlineAfterMs,
  offlineBridges: labels.offlineBridgeIds(),
  ...(notAReductions ? { notAReductions } : {}),
  ...(failed ? { failed } : {}),
});

export interface LabelSyncStatus {
  status: SyncStatus;
  detail: string;
  /** With `failed`: the sends of the content it never acknowledged. */
  failed?: FailedLabel;
}

const ago = (ms: number) => {
  const s = Math.round(ms / 1000);
  return s < 120
    ? `${s} s ago`
    : s < 7200
      ? `${Math.round(s / 60)} min ago`
      : `${Math.round(s / 3600)} h ago`;
};

/**
 * Whether a label shows what it must, and if not, why. Order matters: a label that shows the right
 * content is in sync even while unreachable (e-paper keeps its image), so "offline" only names labels
 * that are wrong AND cannot be reached; "failed" names a label whose bridge is there but which did
 * not acknowledge its content after every resend.
 */
export function labelSyncStatus(label: LabelStatusRow, ctx: SyncContext): LabelSyncStatus {
  if (label.sku === null) return { status: "unlinked", detail: "not linked to a product" };
  if (label.contentHash === null) {
    return { status: "pending", detail: `no price in force for SKU ${label.sku}: nothing to show yet` };
  }
  if (label.lastSeen === null)
    return { status: "never_seen", detail: "the label has never reported what it shows" };
  if (label.displayedHash === label.contentHash)
    return { status: "in_sync", detail: "shows the current content" };
  // A hash the controller never published to this label: a forged state, or a content someone else
  // put on the broker. Not "pending" (nothing of ours is on its way to replace it in the label's
  // eyes) and never in sync. Labels from before the controller kept these hashes are not judged.
  if (
    label.displayedHash !== null &&
    label.recentHashes !== null &&
    !publishedLately(label, label.displayedHash)
  ) {
    return {
      status: "unknown_content",
      detail: `reports content ${label.displayedHash.slice(0, 12)}…, which the controller never published to it`,
    };
  }
  const shows =
    label.displayedHash === null
      ? "shows nothing yet"
      : `shows version ${label.displayedVersion ?? "?"}, not version ${label.contentVersion}`;
  if (label.bridgeId !== null && ctx.offlineBridges.has(label.bridgeId)) {
    return { status: "offline", detail: `${shows}; its bridge ${label.bridgeId} is offline` };
  }
  // Before the silence check: a label that never acknowledges is also silent, and "failed" says more.
  const failed = ctx.failed?.get(label.labelId);
  if (failed && failed.contentHash === label.contentHash) {
    return {
      status: "failed",
      detail: `${shows}; no acknowledgement after ${failed.attempts} sends, the last ${ago(ctx.now - failed.lastTry)}`,
      failed,
    };
  }
  if (ctx.now - label.lastSeen > ctx.offlineAfterMs) {
    return { status: "offline", detail: `${shows}; last heard from ${ago(ctx.now - label.lastSeen)}` };
  }
  return { status: "pending", detail: `${shows}; update on its way` };
}
