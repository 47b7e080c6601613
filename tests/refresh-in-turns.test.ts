import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { feedActor } from "../controller/changes/index.ts";
import { REFRESH_CHUNK_LABELS } from "../controller/labels/label-sync.ts";
import { changePipeline } from "./support/change-pipeline.ts";
import { tempDir } from "./support/harness.ts";

/**
 * A feed batch's labels are refreshed in turns of the event loop (LabelSync.refreshSkusInTurns via
 * Changes.applyFeedBatchInTurns, as the feed ingest does): other changes run between its chunks, and
 * the refresh must still leave every label with the content a fresh refresh gives it.
 */
const dir = tempDir();
afterAll(() => dir.cleanup());
const NOW = Date.parse("2026-06-01T10:00:00Z");
const SKUS = 3_000;
/** More than three chunks: label i shows SKU i mod SKUS. */
const LABELS = 3 * REFRESH_CHUNK_LABELS + 250;
const labelId = (i: number) => `L${String(i).padStart(5, "0")}`;
const staff = { name: "anna" };

function store(name: string, afterCommit?: (where: string, fn: () => void) => boolean) {
  const { stores, sync, changes, clock, batch } = changePipeline(
    join(dir.path, `${name}.db`),
    NOW,
    afterCommit,
  );
  const feed = (f: "products" | "prices" | "links", sequence: number, rows: object[]) =>
    changes.applyFeedBatch(batch(f, sequence, rows), feedActor(f, sequence), clock.now);
  const feedInTurns = (f: "products" | "prices" | "links", sequence: number, rows: object[]) =>
    changes.applyFeedBatchInTurns(batch(f, sequence, rows), feedActor(f, sequence), clock.now);
  const prices = (minor: (i: number) => number) =>
    Array.from({ length: SKUS }, (_, i) => ({ sku: `S${i}`, amountMinor: minor(i), currency: "EUR" }));

  feed(
    "products",
    1,
    Array.from({ length: SKUS }, (_, i) => ({ sku: `S${i}`, name: `Product ${i}` })),
  );
  feed(
    "prices",
    1,
    prices((i) => 100 + i),
  );
  stores.labels.upsertDescriptors(
    Array.from({ length: LABELS }, (_, i) => ({ labelId: labelId(i) })),
    "ap",
    NOW,
  );
  feed(
    "links",
    1,
    Array.from({ length: LABELS }, (_, i) => ({ labelId: labelId(i), sku: `S${i % SKUS}` })),
  );
  const label = (id: string) => {
    const l = stores.labels.get(id);
    if (!l) throw new Error(`no label ${id}`);
    return l;
  };
  /** The sync counters kept in memory, and the same counted in SQL (they must agree at every moment). */
  const counters = (now: number) => {
    const q = { offlineBridges: [], now, offlineAfterMs: 86_400_000 };
    const tally = stores.labels.syncCountSource.tally(q).byStatus;
    const sql = Object.fromEntries(Object.keys(tally).map((k) => [k, 0]));
    for (const c of stores.labels.syncCountSource.byStatus(q)) sql[c.status] = c.n;
    return { tally, sql };
  };
  /** Labels whose recorded content is not what a refresh at `at` would give them. */
  const wrong = (at: number) =>
    stores.labels.all().filter((l) => l.contentHash !== (sync.contentAt(l, at)?.contentHash ?? null));
  return {
    stores,
    sync,
    changes,
    feed,
    feedInTurns,
    prices,
    label,
    wrong,
    counters,
    at: (t: number) => {
      clock.now = t;
    },
  };
}

describe("a feed batch's refresh in turns", () => {
  it("does its first chunk at once, the rest in later turns, and ends with every label right despite the changes made between", async () => {
    const s = store("turns");
    const before = new Map(s.stores.labels.all().map((l) => [l.labelId, l]));
    // Every label acknowledges what it shows, so a label with new content counts as pending.
    s.stores.labels.recordStates(
      [...before.values()].map((l) => ({
        labelId: l.labelId,
        displayedHash: l.contentHash,
        displayedVersion: l.contentVersion,
        battery: null,
        rssi: null,
        seenAt: NOW,
      })),
    );
    expect(s.counters(NOW).tally.in_sync).toBe(LABELS);
    const committing = s.feedInTurns(
      "prices",
      2,
      s.prices((i) => 500 + i),
    );
    // Returned with the batch applied and one chunk of labels recorded: the rest waits for a turn.
    expect(committing.value.applied).toBe(true);
    const changedNow = s.stores.labels
      .all()
      .filter((l) => l.contentHash !== before.get(l.labelId)?.contentHash).length;
    expect(changedNow).toBeGreaterThanOrEqual(REFRESH_CHUNK_LABELS);
    expect(changedNow).toBeLessThan(2 * REFRESH_CHUNK_LABELS);
    let c = s.counters(NOW);
    expect(c.tally).toEqual(c.sql);
    expect(c.tally.pending).toBe(changedNow);
    // The next chunk, in a later turn; the counters follow its writes (only the rows it wrote are read
    // again: nothing else was written since the last count).
    const changedSoFar = () =>
      s.stores.labels.all().filter((l) => l.contentHash !== before.get(l.labelId)?.contentHash).length;
    for (let turns = 0; changedSoFar() === changedNow && turns < 1_000; turns++)
      await new Promise((resolve) => setImmediate(resolve));
    const changedThen = changedSoFar();
    expect(changedThen).toBeGreaterThan(changedNow);
    expect(changedThen).toBeLessThan(LABELS - 250);
    c = s.counters(NOW);
    expect(c.tally).toEqual(c.sql);
    expect(c.tally.pending).toBe(changedThen);

    // Between chunks, before the refresh reaches them: a label not refreshed yet is moved to another
    // SKU, and a later price batch changes a SKU whose labels are not refreshed yet either.
    const moved = labelId(SKUS - 1); // shows the last SKU: in the last chunk
    expect(s.label(moved).contentHash).toBe(before.get(moved)?.contentHash);
    s.at(NOW + 60_000);
    const relinked = s.changes.linkLabel(moved, "S1", staff);
    expect(relinked.labelsAffected).toBe(1);
    const movedVersion = s.label(moved).contentVersion;
    const later = s.feed("prices", 3, [{ sku: `S${SKUS - 2}`, amountMinor: 999, currency: "EUR" }]);
    expect(later.labelsAffected).toBe(2);
    const laterLabel = labelId(SKUS - 2 + SKUS); // the second label of that SKU, in the last chunk
    const laterVersion = s.label(laterLabel).contentVersion;

    const applied = await committing.applied;
    // Every label of the store changed once, but the three changed meanwhile: they were right already.
    expect(applied.labelsAffected).toBe(LABELS - 3);
    expect(s.wrong(NOW + 60_000)).toEqual([]);
    // The moved label shows its new SKU and was not given its old one's content again afterwards.
    expect(s.label(moved).sku).toBe("S1");
    expect(s.label(moved).contentVersion).toBe(movedVersion);
    expect(JSON.parse(s.label(moved).contentJson ?? "null")).toMatchObject({ sku: "S1" });
    // The later batch's price stays: the refresh resolved that chunk at the instant it ran.
    expect(s.label(laterLabel).contentVersion).toBe(laterVersion);
    expect(JSON.parse(s.label(laterLabel).contentJson ?? "null").price.amountMinor).toBe(999);
    expect(s.sync.refreshAll(NOW + 60_000).changed).toBe(0);
    c = s.counters(NOW + 60_000);
    expect(c.tally).toEqual(c.sql);
    expect(c.tally.pending).toBe(LABELS);
    s.stores.close();
  });

  it("is done before it returns when the batch touches one chunk or less", () => {
    const s = store("one-chunk");
    const before = s.label(labelId(7)).contentHash;
    const committing = s.feedInTurns("prices", 2, [{ sku: "S7", amountMinor: 777, currency: "EUR" }]);
    // Nothing awaited: the labels of S7 already have their new content recorded.
    expect(s.label(labelId(7)).contentHash).not.toBe(before);
    expect(s.wrong(NOW)).toEqual([]);
    return committing.applied.then((a) => {
      expect(a.labelsAffected).toBe(3); // labels 7, 7 + SKUS, 7 + 2 * SKUS
      s.stores.close();
    });
  });

  it("ends at a chunk whose writes the database refused, with what it recorded before", async () => {
    let chunks = 0;
    let refuse = false;
    const s = store("refused", (_where, fn) => {
      if (refuse && ++chunks === 2) return false;
      fn();
      return true;
    });
    refuse = true;
    const committing = s.feedInTurns(
      "prices",
      2,
      s.prices((i) => 600 + i),
    );
    const applied = await committing.applied;
    expect(chunks).toBe(2);
    expect(applied.labelsAffected).toBeGreaterThanOrEqual(REFRESH_CHUNK_LABELS);
    expect(applied.labelsAffected).toBeLessThan(2 * REFRESH_CHUNK_LABELS);
    // The rest is left for the refresh the fault watch runs once writes go through again.
    expect(s.wrong(NOW).length).toBe(LABELS - applied.labelsAffected);
    expect(s.sync.refreshAll(NOW).changed).toBe(LABELS - applied.labelsAffected);
    expect(s.wrong(NOW)).toEqual([]);
    s.stores.close();
  });
});
