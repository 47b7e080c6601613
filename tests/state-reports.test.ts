import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { BURST_STATES, labelReports, STATE_FLUSH_MS } from "../controller/labels/state-reports.ts";
import { currentSyncContext } from "../controller/labels/sync-status.ts";
import { syncCounts } from "../controller/labels/views.ts";
import { createLogger } from "../controller/log.ts";
import { openStores } from "../controller/store/index.ts";
import type { LabelStateUpdate } from "../controller/store/labels.ts";
import { type BridgeLabels, PROTOCOL_VERSION } from "../schemas/index.ts";
import { tempDir } from "./support/harness.ts";
import { storeWithLabels } from "./support/label-store.ts";

const dir = tempDir();
afterAll(() => dir.cleanup());
afterEach(() => {
  vi.useRealTimers();
});

/** The label store with each recordStates call's size noted: how the reports were batched. */
function countingWrites(stores: ReturnType<typeof openStores>) {
  const writes: number[] = [];
  const labels = {
    ...stores.labels,
    recordStates: (u: Parameters<typeof stores.labels.recordStates>[0]) => {
      writes.push(u.length);
      return stores.labels.recordStates(u);
    },
  };
  return { labels, writes };
}

describe("label state reports", () => {
  it("buffers states until a flush, never creates a label from a state, and never dates a report in the future", () => {
    const stores = openStores(join(dir.path, "reports.db"));
    const reports = labelReports({ labels: stores.labels, log: createLogger("silent") });
    const received = Date.parse("2026-06-01T10:00:00Z");
    stores.labels.upsertDescriptors([{ labelId: "NEW-1" }], "ap1", received);
    reports.onLabelState(
      "NEW-1",
      { v: PROTOCOL_VERSION, displayedHash: "abc", battery: 2.9, ts: received + 60_000 },
      received,
    );
    // 500 states from invented label ids: not one label more.
    for (let i = 0; i < 500; i++)
      reports.onLabelState(`INVENTED-${i}`, { v: PROTOCOL_VERSION, displayedHash: "abc" }, received);
    expect(stores.labels.get("NEW-1")?.displayedHash).toBeNull();
    reports.flush();
    expect(stores.labels.all().map((l) => l.labelId)).toEqual(["NEW-1"]);
    expect(stores.labels.get("NEW-1")).toMatchObject({
      displayedHash: "abc",
      battery: 2.9,
      lastSeen: received,
    });
    reports.close();
    stores.close();
  });

  it("writes reports after a quiet spell in the next turn of the event loop, in one write", async () => {
    const stores = openStores(join(dir.path, "prompt.db"));
    const { labels, writes } = countingWrites(stores);
    stores.labels.upsertDescriptors([{ labelId: "Q-1" }, { labelId: "Q-2" }], "ap1", Date.now());
    const reports = labelReports({ labels, log: createLogger("silent") });
    const state = { v: PROTOCOL_VERSION, displayedHash: "h1" } as const;
    reports.onLabelState("Q-1", state, Date.now());
    reports.onLabelState("Q-2", state, Date.now());
    await new Promise((r) => setImmediate(r));
    expect(stores.labels.get("Q-1")?.displayedHash).toBe("h1");
    expect(writes).toEqual([2]);
    reports.close();
    stores.close();
  });

  it("writes a trickle of reports at once, one after another, but holds a report back for the timer after a burst", async () => {
    const stores = openStores(join(dir.path, "trickle.db"));
    const { labels, writes } = countingWrites(stores);
    const ids = Array.from({ length: BURST_STATES + 10 }, (_, i) => `T-${i}`);
    stores.labels.upsertDescriptors(
      ids.map((labelId) => ({ labelId })),
      "ap1",
      Date.now(),
    );
    // The flush timer and the clock are the test's: only the immediate runs by itself, so a tick of the
    // timer cannot write the held-back report early on a loaded machine.
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "performance"] });
    const reports = labelReports({ labels, log: createLogger("silent") });
    const turn = () => new Promise((r) => setImmediate(r));
    const state = (h: string) => ({ v: PROTOCOL_VERSION, displayedHash: h }) as const;
    // A trickle (check-ins): each report is written in the next turn, even right after another write.
    for (const id of ids.slice(0, 3)) {
      reports.onLabelState(id, state("a"), Date.now());
      await turn();
      expect(stores.labels.get(id)?.displayedHash).toBe("a");
    }
    expect(writes).toEqual([1, 1, 1]);
    // A burst (a reprice's acknowledgements) is written in one go; the report right after it waits.
    for (const id of ids.slice(0, BURST_STATES)) reports.onLabelState(id, state("b"), Date.now());
    await turn();
    expect(writes).toEqual([1, 1, 1, BURST_STATES]);
    const late = ids[BURST_STATES] as string;
    reports.onLabelState(late, state("c"), Date.now());
    await turn();
    expect(stores.labels.get(late)?.displayedHash).toBeNull();
    vi.advanceTimersByTime(STATE_FLUSH_MS);
    expect(stores.labels.get(late)?.displayedHash).toBe("c");
    expect(writes).toEqual([1, 1, 1, BURST_STATES, 1]);
    reports.close();
    vi.useRealTimers();
    stores.close();
  });

  it("records a burst in whole statements as one state at a time would: rows, sync counts and unknown ids", () => {
    const open = (name: string) => {
      const { stores, ids } = storeWithLabels(join(dir.path, name), "S", 150);
      const sql = stores.db.$client;
      const addProduct = sql.prepare("INSERT INTO products (sku, name, updated_at) VALUES (?, ?, 1)");
      for (const [i, id] of ids.entries()) {
        addProduct.run(`P${i}`, `P${i}`);
        stores.labels.setLink(id, `P${i}`);
      }
      stores.labels.setContents(
        stores.labels.links().map((l, i) => ({
          labelId: l.labelId,
          row: l.row,
          contentVersion: 1,
          contentHash: `h${i}`,
          shown: { json: `{"i":${i}}`, netQuantity: null, unit: null },
        })),
      );
      // The counts are read once before, so that the burst's writes are followed, not re-read.
      syncCounts(stores.labels.syncCountSource, currentSyncContext(stores.labels, 3_600_000));
      return stores;
    };
    const bulk = open("states-bulk.db");
    const oracle = open("states-oracle.db");
    const now = Date.now();
    // 140 known labels (some showing their content, some another, some with battery and signal) and
    // 10 invented ids among them, so that whole statements meet unknown ids too.
    const updates: LabelStateUpdate[] = [];
    for (let i = 0; i < 150; i++) {
      const labelId = i % 15 === 7 ? `NOPE-${i}` : `S${String(i).padStart(3, "0")}`;
      updates.push({
        labelId,
        displayedHash: i % 4 === 0 ? "other" : `h${i}`,
        displayedVersion: i % 3 === 0 ? null : 1,
        battery: i % 5 === 0 ? 5 : null,
        rssi: i % 6 === 0 ? -95 : null,
        seenAt: now - i,
      });
    }
    const unknownBulk = bulk.labels.recordStates(updates);
    const unknownOracle = updates.flatMap((u) => oracle.labels.recordStates([u]));
    expect(unknownBulk).toEqual(unknownOracle);
    expect(unknownBulk).toHaveLength(10);
    const rows = (stores: ReturnType<typeof openStores>) =>
      stores.labels
        .all()
        .map((l) => [l.labelId, l.displayedHash, l.displayedVersion, l.battery, l.rssi, l.lastSeen]);
    expect(rows(bulk)).toEqual(rows(oracle));
    const counts = (stores: ReturnType<typeof openStores>) =>
      syncCounts(stores.labels.syncCountSource, currentSyncContext(stores.labels, 3_600_000));
    const c = counts(bulk);
    expect(c).toEqual(counts(oracle));
    expect(c.inSync).toBeGreaterThan(50);
    bulk.close();
    oracle.close();
  });

  it("records bridge availability and registers the labels of an inventory under the bridge", () => {
    const stores = openStores(join(dir.path, "bridges.db"));
    const reports = labelReports({ labels: stores.labels, log: createLogger("silent"), now: () => 5 });
    reports.onBridgeLabels("ap1", {
      v: PROTOCOL_VERSION,
      bridgeId: "ap1",
      kind: "simulated",
      labels: [{ labelId: "L1", model: "m", width: 296, height: 128, colors: "bwr" }],
    });
    expect(stores.labels.get("L1")).toMatchObject({ bridgeId: "ap1", width: 296 });
    expect(stores.labels.offlineBridgeIds().has("ap1")).toBe(false);
    reports.onBridgeStatus("ap1", { v: PROTOCOL_VERSION, state: "offline", ts: 5 });
    expect(stores.labels.offlineBridgeIds().has("ap1")).toBe(true);
    reports.close();
    stores.close();
  });

  it("keeps a label with the first bridge that announced it: another bridge's inventory neither takes it nor resizes it", () => {
    const stores = openStores(join(dir.path, "owners.db"));
    const reports = labelReports({ labels: stores.labels, log: createLogger("silent"), now: () => 5 });
    const inventory = (bridgeId: string, width: number): BridgeLabels => ({
      v: PROTOCOL_VERSION,
      bridgeId,
      kind: "simulated",
      labels: [{ labelId: "L1", model: "m", width, height: width, colors: "bw" }],
    });
    // Registered by staff first (no owner): the first bridge to announce it takes it.
    stores.labels.upsertDescriptors([{ labelId: "L1" }], null, 1);
    reports.onBridgeLabels("ap1", inventory("ap1", 296));
    reports.onBridgeLabels("rogue", inventory("rogue", 1));
    expect(stores.labels.get("L1")).toMatchObject({ bridgeId: "ap1", width: 296, height: 296 });
    // Its owner may still change it; an ops move hands it over.
    reports.onBridgeLabels("ap1", inventory("ap1", 400));
    expect(stores.labels.get("L1")).toMatchObject({ bridgeId: "ap1", width: 400 });
    expect(stores.labels.setOwner("L1", "ap2")).toBe(true);
    reports.onBridgeLabels("ap1", inventory("ap1", 1));
    reports.onBridgeLabels("ap2", inventory("ap2", 128));
    expect(stores.labels.get("L1")).toMatchObject({ bridgeId: "ap2", width: 128 });
    reports.close();
    stores.close();
  });
});
