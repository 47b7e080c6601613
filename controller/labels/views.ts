import type { ColorMode, LabelContent, LabelReply, SyncReply } from "../../schemas/index.ts";
import type { LabelRecord, LabelStatusRow } from "../store/labels.ts";
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

/** Totals per sync status and every label that is not right, with why. */
export function syncSummary(all: LabelStatusRow[], ctx: SyncContext): SyncReply {
  const reply: SyncReply = {
    total: all.length,
    inSync: 0,
    pending: 0,
    offline: 0,
    neverSeen: 0,
    unlinked: 0,
    notRight: [],
  };
  for (const label of all) {
    const { status, detail } = labelSyncStatus(label, ctx);
    if (status === "in_sync") {
      reply.inSync++;
      continue;
    }
    if (status === "pending") reply.pending++;
    else if (status === "offline") reply.offline++;
    else if (status === "never_seen") reply.neverSeen++;
    else reply.unlinked++;
    reply.notRight.push({ labelId: label.labelId, sku: label.sku, reason: status, detail });
  }
  return reply;
}
