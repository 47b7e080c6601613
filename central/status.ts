import type { MqttClient } from "mqtt";
import { keepSubscribed } from "../lib/subscribe.ts";
import {
  type ChainStoreStatus,
  chainStoreStatusSchema,
  chainTopics,
  parseChangeId,
  storeHasChange,
} from "../schemas/index.ts";

/**
 * The chain's roll-up as central sees it: every store's retained `shelfsync/chain/store/{id}/status`
 * (schemas/chain.ts), kept up to date while subscribed. For one change (`{feed}-{sequence}`) a store
 * "shows" it when its feed has reached that sequence with nothing missing at or below it, and then
 * its labels in sync show it (a label in sync shows the store's current content, which includes the
 * change); before that, none of its labels do.
 */
export interface StoreProgress {
  storeId: string;
  /** The change applied (null when no change was asked about). */
  applied: boolean | null;
  /** Whether the change is meant for this store (a per-store change names its stores). */
  targeted: boolean;
  sequence: number | null;
  labelsShowing: number;
  labelsTotal: number;
  lastChangeAt: string | null;
  at: string;
}

export interface ChangeProgress {
  changeId: string | null;
  stores: { total: number; showing: number };
  labels: { total: number; showing: number };
  perStore: StoreProgress[];
}

export function progressOf(
  statuses: Iterable<ChainStoreStatus>,
  changeId: string | null,
  targets: string[] | null = null,
): ChangeProgress {
  const change = changeId ? parseChangeId(changeId) : null;
  if (changeId && !change) throw new Error(`"${changeId}" is not a change id ({feed}-{sequence})`);
  const perStore: StoreProgress[] = [];
  for (const s of statuses) {
    const targeted = targets === null || targets.includes(s.storeId);
    const applied = change ? storeHasChange(s, change.feed, change.sequence) : null;
    perStore.push({
      storeId: s.storeId,
      applied,
      targeted,
      sequence: change ? (s.feeds[change.feed]?.sequence ?? null) : null,
      labelsShowing: applied === false ? 0 : s.labels.inSync,
      labelsTotal: s.labels.total,
      lastChangeAt: s.lastChange?.appliedAt ?? null,
      at: s.at,
    });
  }
  perStore.sort((a, b) => a.storeId.localeCompare(b.storeId));
  const counted = perStore.filter((p) => p.targeted);
  return {
    changeId,
    stores: { total: counted.length, showing: counted.filter((p) => p.applied !== false).length },
    labels: {
      total: counted.reduce((n, p) => n + p.labelsTotal, 0),
      showing: counted.reduce((n, p) => n + p.labelsShowing, 0),
    },
    perStore,
  };
}

/** Follow every store's roll-up on the chain broker; `onChange` after each new status. */
export async function watchRollUp(
  client: MqttClient,
  onChange?: (statuses: ReadonlyMap<string, ChainStoreStatus>) => void,
): Promise<{ statuses: ReadonlyMap<string, ChainStoreStatus>; stop(): Promise<void> }> {
  const statuses = new Map<string, ChainStoreStatus>();
  const onMessage = (topic: string, payload: Buffer) => {
    if (!topic.startsWith("shelfsync/chain/store/") || !topic.endsWith("/status")) return;
    if (payload.length === 0) return;
    try {
      const s = chainStoreStatusSchema.parse(JSON.parse(payload.toString("utf8")));
      statuses.set(s.storeId, s);
      onChange?.(statuses);
    } catch {
      // Not a roll-up this version reads: skipped (a newer store may add fields, never drop these).
    }
  };
  client.on("message", onMessage);
  await client.subscribeAsync(chainTopics.anyStoreStatus, { qos: 1 });
  // Also after a reconnect, and again while a cluster that lost a node refuses it.
  const unkeep = keepSubscribed(client, [chainTopics.anyStoreStatus], { qos: 1 });
  return {
    statuses,
    stop: async () => {
      unkeep();
      client.off("message", onMessage);
      await client.unsubscribeAsync(chainTopics.anyStoreStatus).catch(() => {});
    },
  };
}

/** A table for people: one line per store, then the totals. */
export function progressTable(p: ChangeProgress): string {
  const rows = p.perStore.map((s) => [
    s.storeId,
    s.applied === null ? "-" : !s.targeted ? "n/a" : s.applied ? "yes" : "no",
    s.sequence === null ? "-" : String(s.sequence),
    `${s.labelsShowing}/${s.labelsTotal}`,
    s.lastChangeAt ?? "-",
  ]);
  const head = ["store", "applied", "sequence", "labels showing", "last change applied at"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  const pct = (a: number, b: number) => (b === 0 ? "-" : `${((100 * a) / b).toFixed(1)} %`);
  return [
    line(head),
    ...rows.map(line),
    "",
    `${p.changeId ? `change ${p.changeId}: ` : ""}stores ${p.stores.showing}/${p.stores.total} (${pct(p.stores.showing, p.stores.total)}), labels ${p.labels.showing}/${p.labels.total} (${pct(p.labels.showing, p.labels.total)})`,
    "",
  ].join("\n");
}
