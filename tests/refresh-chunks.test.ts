import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { feedActor } from "../controller/changes/index.ts";
import { REFRESH_CHUNK_LABELS } from "../controller/labels/label-sync.ts";
import { currentSyncContext } from "../controller/labels/sync-status.ts";
import { syncCounts, syncSummary } from "../controller/labels/views.ts";
import type { SuppressedClaim } from "../controller/pricing/index.ts";
import { changePipeline } from "./support/change-pipeline.ts";
import { tempDir } from "./support/harness.ts";

const dir = tempDir();
afterAll(() => dir.cleanup());
const DAY = 86_400_000;
const NOW = Date.parse("2026-06-01T10:00:00Z");

function store(name: string) {
  const { stores, sync, changes, clock, batch } = changePipeline(join(dir.path, `${name}.db`), NOW);
  const feed = (f: "products" | "prices" | "links" | "promotions", sequence: number, rows: object[]) =>
    changes.applyFeedBatch(batch(f, sequence, rows), feedActor(f, sequence), clock.now);
  return { stores, sync, feed, at: (t: number) => (clock.now = t) };
}

/** A label's state report as the store records it; `extra` overrides battery, signal and the rest. */
function labelState(labelId: string, displayedHash: string | null, extra: object = {}, seenAt = Date.now()) {
  return { labelId, displayedHash, displayedVersion: null, battery: null, rssi: null, seenAt, ...extra };
}

describe("a refresh in chunks", () => {
  it("gives every label of a store larger than a chunk the content a one-label refresh gives it", () => {
    const { stores, sync, feed, at } = store("chunks");
    // More labels than two chunks, two labels on some SKUs, SKUs with several history entries.
    const skus = 1_500;
    const labels = 2 * REFRESH_CHUNK_LABELS + 321;
    at(NOW - 40 * DAY);
    feed(
      "products",
      1,
      Array.from({ length: skus }, (_, i) => ({
        sku: `S${i}`,
        name: `Product ${i}`,
        netQuantity: "500",
        unit: "g",
      })),
    );
    feed(
      "prices",
      1,
      Array.from({ length: skus }, (_, i) => ({ sku: `S${i}`, amountMinor: 300 + i, currency: "EUR" })),
    );
    at(NOW - 10 * DAY);
    feed(
      "prices",
      2,
      Array.from({ length: skus / 2 }, (_, i) => ({
        sku: `S${i * 2}`,
        amountMinor: 250 + i,
        currency: "EUR",
      })),
    );
    // A reduction on some SKUs (its prior price comes from the history read in the chunk).
    feed("promotions", 1, [
      {
        promotionId: "P1",
        kind: "percent",
        skus: Array.from({ length: 40 }, (_, i) => `S${i * 37}`),
        value: "20",
        start: NOW - DAY,
        end: NOW + 7 * DAY,
        priority: 0,
        source: "central",
      },
    ]);
    at(NOW);
    stores.labels.upsertDescriptors(
      Array.from({ length: labels }, (_, i) => ({ labelId: `L${String(i).padStart(5, "0")}` })),
      "ap",
      NOW,
    );
    const linked = feed(
      "links",
      1,
      Array.from({ length: labels }, (_, i) => ({
        labelId: `L${String(i).padStart(5, "0")}`,
        sku: `S${(i * 7) % skus}`,
      })),
    );
    expect(linked.labelsAffected).toBe(labels);

    const check = () => {
      let promo = 0;
      // What a label shows depends on its SKU alone (its hash too): one oracle answer per SKU.
      const bySku = new Map<string, ReturnType<typeof sync.contentAt>>();
      for (const label of stores.labels.all()) {
        const sku = label.sku as string;
        if (!bySku.has(sku)) bySku.set(sku, sync.contentAt(label, NOW));
        const expected = bySku.get(sku);
        expect(expected).not.toBeNull();
        expect(label.contentHash).toBe(expected?.contentHash);
        const shown = JSON.parse(label.contentJson ?? "null");
        expect(shown).toMatchObject({
          labelId: label.labelId,
          sku: label.sku,
          contentHash: label.contentHash,
        });
        if (shown.promo) promo++;
      }
      return promo;
    };
    expect(check()).toBeGreaterThan(0);

    // A full reprice: every label changes, in several chunks, each as a one-label refresh would.
    const repriced = feed(
      "prices",
      3,
      Array.from({ length: skus }, (_, i) => ({ sku: `S${i}`, amountMinor: 400 + i, currency: "EUR" })),
    );
    expect(repriced.labelsAffected).toBe(labels);
    check();
    expect(sync.refreshAll(NOW).changed).toBe(0);
    stores.close();
  });
});

describe("the sync counters", () => {
  it("equal the summary's counts over labels in every state", () => {
    const { stores, feed } = store("counts");
    feed("products", 1, [
      { sku: "A", name: "Apples" },
      { sku: "B", name: "Bread" },
      { sku: "C", name: "Cheese" },
    ]);
    feed("prices", 1, [
      { sku: "A", amountMinor: 200, currency: "EUR" },
      { sku: "B", amountMinor: 300, currency: "EUR" },
    ]);
    const ids = Array.from({ length: 12 }, (_, i) => `C${i}`);
    stores.labels.upsertDescriptors(
      ids.map((labelId) => ({ labelId })),
      "ap",
      NOW,
    );
    stores.labels.upsertDescriptors([{ labelId: "D0" }, { labelId: "D1" }], "down", NOW);
    stores.labels.setBridgeOnline("ap", true, "simulated", NOW);
    stores.labels.setBridgeOnline("down", false, "simulated", NOW);
    const link: [string, string][] = [
      ["C0", "A"],
      ["C1", "A"],
      ["C2", "A"],
      ["C3", "B"],
      ["C4", "B"],
      ["C5", "B"],
      ["C6", "C"], // no price: pending
      ["C7", "A"],
      ["C8", "B"],
      ["D0", "A"],
      ["D1", "B"],
    ];
    feed(
      "links",
      1,
      link.map(([labelId, sku]) => ({ labelId, sku })),
    );
    const hash = (id: string) => stores.labels.get(id)?.contentHash ?? null;
    const state = labelState;
    stores.labels.recordStates([
      state("C0", hash("C0"), { battery: 10 }), // in sync, low battery
      state("C1", hash("C1"), { rssi: -90 }), // in sync, weak signal
      state("C3", hash("C3")), // in sync
      state("C4", null, { battery: 15 }), // pending, low battery
      state("C5", "f".repeat(32)), // a hash never published: unknown content
      state("C7", hash("C7"), {}, Date.now() - 10 * DAY), // in sync though silent for long
      state("C8", null, {}, Date.now() - 10 * DAY), // silent and wrong: offline
      state("D0", null), // its bridge is down: offline
      state("C9", "x"), // unlinked
      // C2 never seen, C10 and C11 unlinked and never seen, D1 never seen
    ]);
    // Four labels of a SKU whose content changed once after they showed the first one.
    feed("products", 2, [{ sku: "E", name: "Eggs" }]);
    feed("prices", 2, [{ sku: "E", amountMinor: 100, currency: "EUR" }]);
    const more = ["C12", "C13", "C14", "C15"];
    stores.labels.upsertDescriptors(
      more.map((labelId) => ({ labelId })),
      "ap",
      NOW,
    );
    feed(
      "links",
      2,
      more.map((labelId) => ({ labelId, sku: "E" })),
    );
    const first = hash("C12") as string;
    feed("prices", 3, [{ sku: "E", amountMinor: 110, currency: "EUR" }]);
    const second = hash("C12") as string;
    expect(second).not.toBe(first);
    stores.labels.recordStates([
      state("C12", first), // the content before: pending
      state("C13", `${first} ${second}`), // not a hash the controller published: unknown content
      state("C14", first, {}, Date.now() - 10 * DAY), // silent, and failed below
      state("C15", first), // failed below
    ]);
    const failed = new Map([
      ["C14", { contentHash: second, attempts: 4, lastTry: Date.now() }],
      ["C15", { contentHash: second, attempts: 4, lastTry: Date.now() }],
      ["C12", { contentHash: first, attempts: 4, lastTry: Date.now() }], // an older content: not failed
      ["C0", { contentHash: "0".repeat(32), attempts: 4, lastTry: Date.now() }], // in sync now
      ["GONE", { contentHash: second, attempts: 4, lastTry: Date.now() }], // removed since
    ]);
    // Label states and contents are written without an fsync, and the file is FULL again after.
    expect(stores.db.$client.pragma("synchronous", { simple: true })).toBe(2);
    const eur = (amountMinor: number) => ({ amountMinor, currency: "EUR", text: `€${amountMinor / 100}` });
    const claim: SuppressedClaim = {
      reason: "not_a_reduction",
      promotionId: "P",
      kind: "percent",
      promotionalPrice: eur(180),
      priorPrice: eur(170),
      lookbackDays: 30,
      reductionStart: NOW,
      detail: "its prior price is lower",
    };
    for (const notAReductions of [new Map<string, SuppressedClaim>(), new Map([["A", claim]])]) {
      for (const f of [undefined, failed]) {
        const ctx = currentSyncContext(stores.labels, 3 * DAY, notAReductions, f);
        const { notRight: _list, ...summary } = syncSummary(stores.labels.statusRows(), ctx);
        const counts = syncCounts(stores.labels.syncCountSource, ctx);
        expect(counts).toEqual(summary);
        expect(Object.keys(counts)).toEqual(Object.keys(summary));
        expect(counts.total).toBe(18);
        expect(counts.inSync).toBe(4);
      }
    }
    const ctx = currentSyncContext(stores.labels, 3 * DAY, new Map([["A", claim]]), failed);
    expect(syncCounts(stores.labels.syncCountSource, ctx)).toMatchObject({
      pending: 3,
      failed: 2,
      unknownContent: 2,
      offline: 2,
      neverSeen: 2,
      unlinked: 3,
      notAReduction: 5,
      lowBattery: 2,
      weakSignal: 1,
    });
    stores.close();
  });
});

describe("the sync counters kept in memory", () => {
  it("stay equal to the SQL count through contents, states, the clock, bridges, rollbacks and other writers", async () => {
    const { stores, feed, at } = store("tally");
    const Database = (await import("better-sqlite3")).default;
    const labels = stores.labels;
    const skus = ["A", "B", "C"];
    feed(
      "products",
      1,
      skus.map((sku) => ({ sku, name: `Product ${sku}` })),
    );
    feed("prices", 1, [
      { sku: "A", amountMinor: 200, currency: "EUR" },
      { sku: "B", amountMinor: 300, currency: "EUR" },
    ]);
    const ids = Array.from({ length: 40 }, (_, i) => `T${i}`);
    labels.upsertDescriptors(
      ids.map((labelId) => ({ labelId })),
      "ap",
      NOW,
    );
    labels.setBridgeOnline("ap", true, "simulated", NOW);
    labels.setBridgeOnline("ap2", true, "simulated", NOW);
    // C has no price (pending without content); T36-T39 stay unlinked.
    feed(
      "links",
      1,
      ids.slice(0, 36).map((labelId, i) => ({ labelId, sku: skus[i % 3] })),
    );
    let clock = Date.now();
    const offlineAfterMs = 3 * DAY;
    /** The tally's counts, the SQL count's, and the per-label judgement's, all without `failed`. */
    const views = () => {
      const ctx = { ...currentSyncContext(labels, offlineAfterMs), now: clock };
      const { notRight: _list, ...summary } = syncSummary(labels.statusRows(), ctx);
      const sql: Record<string, number> = {};
      let low = 0;
      let weak = 0;
      for (const c of labels.syncCountSource.byStatus({ ...ctx, offlineBridges: ctx.offlineBridges })) {
        sql[c.status] = c.n;
        low += c.lowBattery;
        weak += c.weakSignal;
      }
      const tally = labels.syncCountSource.tally(ctx);
      const fromTally: Record<string, number> = Object.fromEntries(
        Object.entries(tally.byStatus).filter(([, n]) => n > 0),
      );
      return {
        summary,
        counts: syncCounts(labels.syncCountSource, ctx),
        sql: { ...sql, low, weak },
        tally: { ...fromTally, low: tally.lowBattery, weak: tally.weakSignal },
      };
    };
    const check = (what: string) => {
      const v = views();
      expect(v.tally, what).toEqual(v.sql);
      expect(v.counts, what).toEqual(v.summary);
      return v.counts;
    };
    const hash = (id: string) => labels.get(id)?.contentHash ?? null;
    // Seen "now" on the test's clock unless said otherwise.
    const state = (labelId: string, displayedHash: string | null, extra: object = {}, seenAt = clock) =>
      labelState(labelId, displayedHash, extra, seenAt);

    expect(check("linked, never seen").neverSeen).toBe(24);
    // States: in sync, showing nothing yet, a hash never published, low battery, weak signal, and an
    // id the store does not have.
    const unknown = labels.recordStates([
      state("T0", hash("T0"), { battery: 10 }),
      state("T1", hash("T1"), { rssi: -95 }),
      state("T3", null),
      state("T4", "f".repeat(32)),
      state("T6", hash("T6"), {}, clock - 10 * DAY),
      state("T7", null, { battery: 5, rssi: -100 }, clock - 10 * DAY),
      state("NOPE", null),
    ]);
    expect(unknown).toEqual(["NOPE"]);
    let c = check("first states");
    expect(c).toMatchObject({ inSync: 3, unknownContent: 1, offline: 1, lowBattery: 2, weakSignal: 2 });

    // A reprice of A: its labels are now behind (pending, or offline when silent), then acknowledge.
    at(clock);
    feed("prices", 2, [{ sku: "A", amountMinor: 250, currency: "EUR" }]);
    c = check("after a reprice");
    expect(c.inSync).toBe(1); // T1 (B) only
    labels.recordStates([state("T0", hash("T0")), state("T3", hash("T3"))]);
    c = check("acknowledged");
    expect(c.inSync).toBe(3);

    // The clock moves on: labels behind become offline without any write.
    labels.recordStates([state("T9", null)]);
    const before = check("T9 behind, heard now");
    clock += 4 * DAY;
    const later = check("four days later");
    expect(later.offline).toBeGreaterThan(before.offline);
    // A bridge goes down: its labels that are behind are offline whatever their silence.
    clock -= 4 * DAY;
    labels.setBridgeOnline("ap", false, "simulated", clock);
    expect(check("bridge down").offline).toBeGreaterThanOrEqual(2);
    labels.setBridgeOnline("ap", true, "simulated", clock);

    // A transaction that writes contents and states, then fails: nothing of it is counted.
    const sqlite = stores.db.$client;
    const counted = check("before the rollback");
    for (const write of [
      () => labels.recordStates(ids.slice(0, 36).map((id) => state(id, hash(id)))),
      () => labels.setContents([{ labelId: "T1", contentVersion: 99, contentHash: null }]),
    ]) {
      expect(() =>
        sqlite.transaction(() => {
          write();
          expect(check("inside the transaction")).not.toEqual(counted);
          throw new Error("rolled back");
        })(),
      ).toThrow("rolled back");
      expect(check("after the rollback")).toEqual(counted);
    }

    // Writes that are not the tally's own: a relink, a removal, a new label, an owner moved, and a
    // write by another connection (another process, e.g. the import CLI).
    labels.setLink("T36", "B");
    labels.remove("T5");
    labels.upsertDescriptors([{ labelId: "T40" }], "ap", clock);
    labels.setOwner("T7", "ap2");
    check("structural writes");
    const other = new Database(join(dir.path, "tally.db"));
    other
      .prepare("UPDATE labels SET displayed_hash = content_hash, last_seen = ? WHERE sku = 'B'")
      .run(clock);
    other.close();
    c = check("another connection's write");
    expect(c.inSync).toBeGreaterThanOrEqual(12);
    // Hot writes after all of that are followed again.
    labels.recordStates([state("T0", null, { battery: 50, rssi: -40 })]);
    check("a state after the reload");
    stores.close();
  });
});
