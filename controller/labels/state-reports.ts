import type { Availability, BridgeLabels, LabelState } from "../../schemas/index.ts";
import type { Logger } from "../log.ts";
import type { LabelStateUpdate, LabelStore } from "../store/labels.ts";

/** How often buffered label state reports are written: one transaction per burst, not per message. */
export const STATE_FLUSH_MS = 100;

function toMs(ts: LabelState["ts"], fallback: number): number {
  if (ts === undefined) return fallback;
  return typeof ts === "number" ? ts : Date.parse(ts);
}

/**
 * What devices and bridges report, into the label store: label states (what a label displays, its
 * battery and signal), bridge availability and bridge inventories. States are buffered and written
 * every STATE_FLUSH_MS in one transaction: after a reprice thousands arrive at once, and one fsync per
 * message would not keep up. A state from an unknown label registers it. These reports feed
 * sync-status.ts, which judges from them whether a label is right.
 */
export function labelReports(deps: { labels: LabelStore; log: Logger; now?: () => number }) {
  const { labels, log } = deps;
  const now = deps.now ?? Date.now;
  let pending: LabelStateUpdate[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    labels.recordStates(batch);
  };
  const timer = setInterval(flush, STATE_FLUSH_MS);
  return {
    /** A label's state report; `receivedAt` bounds a device clock that runs ahead. */
    onLabelState(labelId: string, state: LabelState, receivedAt: number): void {
      pending.push({
        labelId,
        displayedHash: state.displayedHash,
        displayedVersion: state.version ?? null,
        battery: state.battery ?? null,
        rssi: state.rssi ?? null,
        seenAt: Math.min(toMs(state.ts, receivedAt), receivedAt),
      });
    },
    onBridgeStatus(bridgeId: string, availability: Availability): void {
      labels.setBridgeOnline(bridgeId, availability.state === "online", null, now());
    },
    /** A bridge's inventory: the bridge is online, and its labels are registered or updated. */
    onBridgeLabels(bridgeId: string, inventory: BridgeLabels): void {
      labels.setBridgeOnline(bridgeId, true, inventory.kind, now());
      const changed = labels.upsertDescriptors(inventory.labels, bridgeId, now());
      if (changed.length > 0) log.info("bridge announced labels", { bridgeId, changed: changed.length });
    },
    /** Write buffered state reports now (tests and shutdown). */
    flush,
    /** Stop the flush timer and write what is buffered. */
    close(): void {
      clearInterval(timer);
      flush();
    },
  };
}
export type LabelReports = ReturnType<typeof labelReports>;
