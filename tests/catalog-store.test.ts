import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { feedActor } from "../controller/changes/index.ts";
import { loadConfig } from "../controller/config.ts";
import { createLogger } from "../controller/log.ts";
import { feedPipeline } from "../controller/pipeline.ts";
import { type AnyFeedRow, BatchRejected, type Lined } from "../controller/store/catalog.ts";
import { openStores } from "../controller/store/index.ts";
import { PriceColumns } from "../controller/store/price-columns.ts";
import type { FeedName, PriceRow } from "../schemas/index.ts";
import { tempDir } from "./support/harness.ts";

const dir = tempDir();
afterAll(() => dir.cleanup());
const NOW = Date.parse("2026-06-01T10:00:00Z");

/**
 * `columns`: price batches go as the HTTP/CLI ingest hands them over, column by column
 * (PriceColumns), rather than as row objects; the store must treat both alike.
 */
function storeWith(products: number, name: string, columns = false) {
  const stores = openStores(join(dir.path, `${name}.db`));
  // Batches go the way the controller applies them: the change layer puts the guard rail (50 % either
  // way by default) to the store's write and records the audit entries.
  const { changes } = feedPipeline(stores, loadConfig({}, []), { log: createLogger("silent") });
  const applyBatch = (
    feed: FeedName,
    sequence: number,
    format: string,
    rows: Lined<AnyFeedRow>[],
    now: number,
  ) =>
    changes.applyFeedBatch(
      { feed, sequence, format, rows: columns && feed === "prices" ? asColumns(rows) : rows },
      feedActor(feed, sequence),
      now,
    ).value;
  const catalog = { ...stores.catalog, applyBatch };
  applyBatch(
    "products",
    1,
    "csv",
    Array.from({ length: products }, (_, i) => ({ line: i + 2, row: { sku: `S${i}`, name: `P${i}` } })),
    NOW,
  );
  return { ...stores, catalog };
}
function asColumns(rows: Lined<AnyFeedRow>[]): PriceColumns {
  const columns = new PriceColumns();
  for (const { line, row } of rows) columns.push(line, row as PriceRow);
  return columns;
}
const prices = (entries: [string, number][]): Lined<PriceRow>[] =>
  entries.map(([sku, amountMinor], i) => ({ line: i + 2, row: { sku, amountMinor, currency: "EUR" } }));

// Large batches read the prices in force with one scan; small ones query per row. Same answers.
describe.each([
  ["one scan (batch of 600)", 600, false],
  ["point queries (batch of 10)", 10, false],
  ["one scan (batch of 600), rows as columns", 600, true],
  ["point queries (batch of 10), rows as columns", 10, true],
])("price batches via %s", (_name, size, columns) => {
  const stores = storeWith(size, `catalog-${size}-${columns}`, columns);
  const skus = Array.from({ length: size }, (_, i) => `S${i}`);
  afterAll(() => stores.close());

  it("appends new prices, skips unchanged ones, and lets the last row of a SKU win", () => {
    const first = stores.catalog.applyBatch("prices", 1, "csv", prices(skus.map((s) => [s, 1000])), NOW);
    expect(first).toMatchObject({ applied: true, rowsChanged: size, held: 0 });
    const again = stores.catalog.applyBatch(
      "prices",
      2,
      "csv",
      prices(skus.map((s) => [s, 1000])),
      NOW + 1000,
    );
    expect(again).toMatchObject({ applied: true, rowsChanged: 0, held: 0 });
    expect(again.changedSkus.size).toBe(0);
    // S0 twice: 900 then 1000 — the second row is compared with the first (now in force), so it counts.
    const twice = prices([
      ["S0", 900],
      ...skus.slice(1).map((s): [string, number] => [s, 1000]),
      ["S0", 1000],
    ]);
    const third = stores.catalog.applyBatch("prices", 3, "csv", twice, NOW + 2000);
    expect(third).toMatchObject({ rowsChanged: 2, held: 0 });
    expect(stores.catalog.priceHistory("S0").map((h) => h.amountMinor)).toEqual([1000, 900, 1000]);
  });

  it("holds a cut over 50 % and supersedes it when a later price arrives", () => {
    const cut = stores.catalog.applyBatch(
      "prices",
      4,
      "csv",
      prices([["S1", 400], ...skus.slice(2).map((s): [string, number] => [s, 1000])]),
      NOW + 3000,
    );
    expect(cut).toMatchObject({ rowsChanged: 0, held: 1 });
    expect(
      stores.approvals.list("pending").map((a) => [a.sku, a.currentAmountMinor, a.proposedAmountMinor]),
    ).toEqual([["S1", 1000, 400]]);
    const later = stores.catalog.applyBatch("prices", 5, "csv", prices([["S1", 950]]), NOW + 4000);
    expect(later).toMatchObject({ rowsChanged: 1, held: 0 });
    expect(stores.approvals.list("pending")).toEqual([]);
    expect(stores.approvals.list("superseded")).toHaveLength(1);
  });

  it("rolls the whole batch back on an unknown SKU and names its line", () => {
    const before = stores.catalog.priceHistory("S2").length;
    expect(() =>
      stores.catalog.applyBatch(
        "prices",
        6,
        "csv",
        prices([...skus.slice(2).map((s): [string, number] => [s, 1100]), ["NOPE", 1]]),
        NOW + 5000,
      ),
    ).toThrow(/row\(s\) rejected/);
    expect(stores.catalog.priceHistory("S2")).toHaveLength(before);
    expect(stores.catalog.lastSequence("prices")).toBe(5);
  });

  it("keeps the audit log append-only", () => {
    expect(stores.audit.list({ entity: "feed" }).length).toBeGreaterThan(0);
    expect(() => stores.db.$client.prepare("UPDATE audit_log SET actor = 'x'").run()).toThrow(/append-only/);
    expect(() => stores.db.$client.prepare("DELETE FROM audit_log").run()).toThrow(/append-only/);
  });
});

// The bulk read of the prices in force (one statement for the catalogue) must find, for every SKU,
// the row a point query finds: with windows that end, prices that start later, windows already over,
// and a later open price over an earlier one. The same 600 rows go as one batch (bulk read) to one
// store and as sixty batches of ten (point queries) to another; outcomes and histories must match.
describe("the prices in force read in bulk and per row", () => {
  const DAY = 86_400_000;
  const history = (stores: ReturnType<typeof storeWith>) => {
    stores.catalog.applyBatch(
      "prices",
      1,
      "csv",
      prices(Array.from({ length: 600 }, (_, i): [string, number] => [`S${i}`, 1000 + i])),
      NOW - 10 * DAY,
    );
    const dated: Lined<PriceRow>[] = [];
    for (let i = 0; i < 600; i++) {
      const sku = `S${i}`;
      const at = (from: number, to: number | undefined, amountMinor: number) =>
        dated.push({
          line: dated.length + 2,
          row: { sku, amountMinor, currency: "EUR", effectiveFrom: from, ...(to ? { effectiveTo: to } : {}) },
        });
      if (i % 5 === 1) at(NOW - DAY, NOW + DAY, 800 + i); // a window in force now
      if (i % 5 === 2) at(NOW + DAY, undefined, 1200 + i); // starts tomorrow
      if (i % 5 === 3) at(NOW - 3 * DAY, NOW - 2 * DAY, 700 + i); // over
      if (i % 5 === 4) at(NOW - 4 * DAY, undefined, 1100 + i); // a later open price
    }
    stores.catalog.applyBatch("prices", 2, "csv", dated, NOW - 5 * DAY);
  };
  // Per SKU: the price in force again, a 5 % rise, or a cut past the guard rail (held).
  const batch = Array.from({ length: 600 }, (_, i): [string, number] => {
    const inForce = i % 5 === 1 ? 800 + i : i % 5 === 4 ? 1100 + i : 1000 + i;
    return [
      `S${i}`,
      i % 3 === 0 ? inForce : i % 3 === 1 ? Math.round(inForce * 1.05) : Math.round(inForce * 0.4),
    ];
  });
  const outcome = (
    stores: ReturnType<typeof storeWith>,
    results: { rowsChanged: number; held: number }[],
  ) => ({
    rowsChanged: results.reduce((n, r) => n + r.rowsChanged, 0),
    held: results.reduce((n, r) => n + r.held, 0),
    approvals: stores.approvals
      .list("pending")
      .map((a) => [a.sku, a.currentAmountMinor, a.proposedAmountMinor])
      .sort(),
    history: Array.from({ length: 600 }, (_, i) =>
      stores.catalog.priceHistory(`S${i}`).map((h) => [h.amountMinor, h.effectiveFrom, h.effectiveTo]),
    ),
  });

  it("gives the same changes, holds and history", () => {
    const bulk = storeWith(600, "in-force-bulk");
    const point = storeWith(600, "in-force-point");
    try {
      history(bulk);
      history(point);
      const one = bulk.catalog.applyBatch("prices", 3, "csv", prices(batch), NOW);
      const tens = Array.from({ length: 60 }, (_, k) =>
        point.catalog.applyBatch("prices", 3 + k, "csv", prices(batch.slice(k * 10, k * 10 + 10)), NOW),
      );
      const expected = outcome(point, tens);
      // 600 rows: 200 the same; of the rest, a window in force (S1, S16, …) is no open price, so its
      // SKU's row is a change even at the same amount; every third cut is held.
      expect(expected.held).toBe(200);
      expect(expected.rowsChanged).toBe(200 + 40);
      expect(outcome(bulk, [one])).toEqual(expected);
    } finally {
      bulk.close();
      point.close();
    }
  });
});

// A bulk snapshot (more than 512 SKUs) reuses the live promotions the previous one read while the file
// is unchanged: every kind of write in between must make the next snapshot read them again.
describe("bulk snapshots and promotion changes", () => {
  const stores = storeWith(600, "snapshot-promotions");
  afterAll(() => stores.close());
  const skus = new Set(Array.from({ length: 600 }, (_, i) => `S${i}`));
  const sale = (id: string, sku: string, value: string) => ({
    promotionId: id,
    kind: "fixed" as const,
    skus: [sku],
    value,
    currency: "EUR",
    start: NOW - 1000,
    end: null,
    priority: 0,
    source: "central" as const,
  });
  const seen = (sku: string) =>
    stores.catalog
      .snapshot(skus, NOW)
      .promotions(sku, null)
      .map((p) => `${p.promotionId}=${p.value}`);

  it("sees a promotion saved, changed or removed on this connection", () => {
    expect(seen("S1")).toEqual([]);
    stores.promotions.save(sale("p1", "S1", "1.00"), NOW, null);
    expect(seen("S1")).toEqual(["p1=1.00"]);
    expect(seen("S1")).toEqual(["p1=1.00"]);
    stores.promotions.save(sale("p1", "S1", "2.00"), NOW, null);
    expect(seen("S1")).toEqual(["p1=2.00"]);
    stores.promotions.remove("p1", NOW - 2000);
    expect(seen("S1")).toEqual([]);
  });

  it("does not keep a promotion whose write was rolled back", () => {
    expect(seen("S2")).toEqual([]);
    expect(() =>
      stores.transaction(() => {
        stores.promotions.save(sale("p2", "S2", "1.00"), NOW, null);
        expect(seen("S2")).toEqual(["p2=1.00"]);
        throw new Error("roll back");
      }),
    ).toThrow("roll back");
    expect(seen("S2")).toEqual([]);
  });

  it("sees a promotion another connection wrote", () => {
    expect(seen("S3")).toEqual([]);
    const other = openStores(stores.db.$client.name);
    try {
      other.promotions.save(sale("p3", "S3", "1.00"), NOW, null);
    } finally {
      other.close();
    }
    expect(seen("S3")).toEqual(["p3=1.00"]);
  });
});

// A large batch inserts its price rows several to a statement; an unknown SKU is only found by the
// insert's foreign key, so these check that every row error is still named, in line order, and that
// rows keep their order in the history.
describe.each([
  ["objects", false],
  ["columns", true],
])("price rows of both shapes in one statement's worth, as %s", (name, columns) => {
  const stores = storeWith(300, `multi-row-shapes-${name}`, columns);
  afterAll(() => stores.close());

  it("stores each row's own start and end beside rows in force from the batch's instant", () => {
    // 300 rows: chunks of 64 with only open rows from now, and chunks where every tenth row has dates.
    const from = NOW + 86_400_000;
    const to = from + 3_600_000;
    const rows: Lined<PriceRow>[] = Array.from({ length: 300 }, (_, i) => ({
      line: i + 2,
      row: {
        sku: `S${i}`,
        amountMinor: 1000 + i,
        currency: "EUR",
        ...(i >= 128 && i % 10 === 0 ? { effectiveFrom: from, effectiveTo: to } : {}),
        ...(i === 131 ? { effectiveTo: to } : {}),
      },
    }));
    const applied = stores.catalog.applyBatch("prices", 7, "csv", rows, NOW);
    expect(applied).toMatchObject({ applied: true, rowsChanged: 300 });
    const stored = stores.db.$client
      .prepare<
        [],
        { sku: string; a: number; f: number; t: number | null; feed: string; s: number; r: number }
      >(
        `SELECT sku, amount_minor AS a, effective_from AS f, effective_to AS t, feed, feed_sequence AS s,
           recorded_at AS r FROM price_history ORDER BY id`,
      )
      .all();
    expect(stored.map((h) => h.sku)).toEqual(rows.map((r) => r.row.sku));
    for (const [i, h] of stored.entries()) {
      const dated = i >= 128 && i % 10 === 0;
      expect(h).toEqual({
        sku: `S${i}`,
        a: 1000 + i,
        f: dated ? from : NOW,
        t: dated || i === 131 ? to : null,
        feed: "prices",
        s: 7,
        r: NOW,
      });
    }
  });
});

describe.each([
  ["objects", false],
  ["columns", true],
])("price rows inserted several to a statement, as %s", (name, columns) => {
  const stores = storeWith(1000, `multi-row-${name}`, columns);
  afterAll(() => stores.close());
  const rejected = (rows: Lined<PriceRow>[], sequence: number) => {
    try {
      stores.catalog.applyBatch("prices", sequence, "csv", rows, NOW);
    } catch (e) {
      if (e instanceof BatchRejected) return e.details.map((d) => `${d.line} ${d.field}`);
      throw e;
    }
    throw new Error("the batch was applied");
  };
  const rowsOf = (n: number) =>
    prices(Array.from({ length: n }, (_, i): [string, number] => [`S${i}`, 1000 + i]));

  it("names every unknown SKU and other row errors in line order, and applies nothing", () => {
    const rows = rowsOf(1000);
    for (const i of [8, 498, 997]) (rows[i] as Lined<PriceRow>).row.sku = `NOPE${i}`;
    (rows[300] as Lined<PriceRow>).row.currency = "USD";
    expect(rejected(rows, 1)).toEqual(["10 sku", "302 currency", "500 sku", "999 sku"]);
    expect(stores.catalog.priceHistory("S1")).toEqual([]);
    expect(stores.catalog.lastSequence("prices")).toBe(null);
  });

  it("reports the first 100 problems when there are more", () => {
    const rows = rowsOf(1000);
    for (let i = 0; i < 1000; i += 7) (rows[i] as Lined<PriceRow>).row.sku = `NOPE${i}`;
    const lines = Array.from({ length: 100 }, (_, k) => `${k * 7 + 2} sku`);
    expect(rejected(rows, 1)).toEqual(lines);
  });

  it("keeps rows in line order, the last of a SKU in force, and the guard rail reading them", () => {
    const rows = rowsOf(1000);
    rows.push({ line: 1002, row: { sku: "S5", amountMinor: 1400, currency: "EUR" } });
    // A cut of more than 50 % from the price this same batch set: held, measured from 1007.
    rows.push({ line: 1003, row: { sku: "S7", amountMinor: 100, currency: "EUR" } });
    const applied = stores.catalog.applyBatch("prices", 1, "csv", rows, NOW);
    expect(applied).toMatchObject({ applied: true, rowsChanged: 1001, held: 1 });
    expect(stores.catalog.priceHistory("S5").map((h) => h.amountMinor)).toEqual([1005, 1400]);
    const ids = ["S0", "S1", "S999"].map((s) => stores.catalog.priceHistory(s)[0]?.id ?? 0);
    expect(ids[0]).toBeLessThan(ids[1] as number);
    expect(ids[1]).toBeLessThan(ids[2] as number);
    expect(stores.catalog.priceHistory("S7").map((h) => h.amountMinor)).toEqual([1007]);
    expect(stores.approvals.list("pending").map((a) => a.sku)).toEqual(["S7"]);
  });
});

describe("a batch's outcome", () => {
  it("is recorded without an fsync, and the next batch is committed FULL again", () => {
    const stores = storeWith(3, "outcome");
    const sql = stores.db.$client;
    // The file is opened FULL (2): an acknowledged feed batch survives a power loss.
    expect(sql.pragma("synchronous", { simple: true })).toBe(2);
    stores.catalog.applyBatch("prices", 1, "csv", prices([["S0", 100]]), NOW);
    // The outcome is bookkeeping after the acknowledged write: its commit does not wait for the disk
    // (NORMAL: it survives kill -9 in WAL mode), since it lies on a single change's way to its label.
    const pragmas: unknown[] = [];
    const pragma = sql.pragma.bind(sql);
    const spy = vi.spyOn(sql, "pragma").mockImplementation((source, options) => {
      pragmas.push(source);
      return pragma(source, options);
    });
    stores.catalog.recordBatchOutcome("prices", 1, 7, 12.5);
    spy.mockRestore();
    expect(pragmas).toEqual(["synchronous = NORMAL", "synchronous = 2"]);
    expect(stores.catalog.recentBatches(1)[0]).toMatchObject({
      feed: "prices",
      sequence: 1,
      labelsAffected: 7,
      durationMs: 12.5,
    });
    expect(sql.pragma("synchronous", { simple: true })).toBe(2);
    // Inside a caller's transaction the outcome is part of it, and goes if it rolls back.
    expect(() =>
      sql.transaction(() => {
        stores.catalog.recordBatchOutcome("prices", 1, 9, 1);
        throw new Error("rolled back");
      })(),
    ).toThrow("rolled back");
    expect(stores.catalog.recentBatches(1)[0]).toMatchObject({ labelsAffected: 7 });
    expect(sql.pragma("synchronous", { simple: true })).toBe(2);
    stores.close();
  });
});

describe("a bulk snapshot's price history", () => {
  it("lists each SKU's entries in id order, as the point query does, also when a later entry starts earlier", () => {
    const stores = openStores(join(dir.path, "history-order.db"));
    const { catalog } = stores;
    const skus = Array.from({ length: 600 }, (_, i) => `H${i}`);
    const lined = (rows: object[]) => rows.map((row, i) => ({ line: i + 2, row: row as AnyFeedRow }));
    catalog.applyBatch("products", 1, "csv", lined(skus.map((sku) => ({ sku, name: sku }))), NOW);
    // Every third SKU gets a second entry that starts before its first (a backdated correction):
    // the index walk then meets the entries out of id order.
    catalog.applyBatch(
      "prices",
      1,
      "csv",
      lined(skus.map((sku) => ({ sku, amountMinor: 500, currency: "EUR", effectiveFrom: NOW - 1_000 }))),
      NOW,
    );
    catalog.applyBatch(
      "prices",
      2,
      "csv",
      lined(
        skus
          .filter((_, i) => i % 3 === 0)
          .map((sku) => ({
            sku,
            amountMinor: 400,
            currency: "EUR",
            effectiveFrom: NOW - 5_000,
            effectiveTo: NOW - 2_000,
          })),
      ),
      NOW,
    );
    const bulk = catalog.snapshot(new Set(skus), NOW);
    let outOfStartOrder = 0;
    for (const sku of skus) {
      const point = catalog.priceHistory(sku);
      expect(bulk.priceHistory(sku)).toEqual(point);
      const starts = point.map((h) => h.effectiveFrom);
      if (starts.some((s, i) => i > 0 && s < (starts[i - 1] as number))) outOfStartOrder++;
    }
    // Not vacuous: those SKUs' histories are in id order and not in start order.
    expect(outOfStartOrder).toBe(200);
    stores.close();
  });
});
