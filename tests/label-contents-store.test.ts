import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { contentHash } from "../controller/labels/content.ts";
import { openStores } from "../controller/store/index.ts";
import type { ContentUpdate } from "../controller/store/labels.ts";
import { labelContentJson } from "../schemas/index.ts";
import { tempDir } from "./support/harness.ts";
import { storeWithLabels } from "./support/label-store.ts";
import { storeBefore } from "./support/migrations.ts";

const dir = tempDir();
afterAll(() => dir.cleanup());

const shown = (sku: string, minor: number) =>
  JSON.stringify({
    sku,
    name: `Kaffee "Gold" ${sku}`,
    price: { amountMinor: minor, currency: "EUR", text: `${minor / 100}\u00a0€` },
    stock: "in_stock",
    locale: "de-DE",
    promo: { promotionId: "p", kind: "percent", text: "-12.5 %", percent: 12.5 },
  });

describe("a label's content, kept once by hash", () => {
  it("is read back as the payload that was published, and is not stored in the label row", () => {
    const stores = openStores(join(dir.path, "new.db"));
    const sql = stores.db.$client;
    sql.exec("INSERT INTO products (sku, name, updated_at) VALUES ('A', 'A', 1), ('B', 'B', 1)");
    stores.labels.upsertDescriptors([{ labelId: "L1" }, { labelId: "L2" }, { labelId: "L3" }], "ap", 1);
    for (const id of ["L1", "L2"]) stores.labels.setLink(id, "A");
    const json = shown("A", 1299);
    const hash = contentHash(json);
    const kept = { json, netQuantity: "500", unit: "g" };
    stores.labels.setContents([
      { labelId: "L1", contentVersion: 1, contentHash: hash, shown: kept },
      { labelId: "L2", contentVersion: 7, contentHash: hash, shown: kept },
      { labelId: "L3", contentVersion: 1, contentHash: null },
    ]);
    expect(stores.labels.get("L1")?.contentJson).toBe(labelContentJson("L1", json, hash, 1));
    expect(stores.labels.get("L2")?.contentJson).toBe(labelContentJson("L2", json, hash, 7));
    expect(stores.labels.get("L3")?.contentJson).toBeNull();
    expect(stores.labels.all().map((l) => l.contentJson)).toEqual([
      labelContentJson("L1", json, hash, 1),
      labelContentJson("L2", json, hash, 7),
      null,
    ]);
    expect(sql.prepare("SELECT COUNT(*) AS n FROM label_contents").get()).toEqual({ n: 1 });
    const columns = sql
      .prepare<[], { name: string }>("PRAGMA table_info(labels)")
      .all()
      .map((c) => c.name);
    expect(columns).not.toContain("content_json");
    stores.close();
  });

  it("writes a bulk call (whole statements of many labels and a tail) as one label at a time would", () => {
    // The oracle: the same updates written one per call, which takes the one-statement-a-label path.
    const open = (name: string) => {
      return storeWithLabels(join(dir.path, name), "B", 150).stores;
    };
    const bulk = open("bulk.db");
    const oracle = open("oracle.db");
    const updatesFor = (stores: ReturnType<typeof openStores>, round: number): ContentUpdate[] => {
      const links = stores.labels.links();
      const updates: ContentUpdate[] = links.map((l, i) => {
        if ((i + round) % 7 === 0)
          return { labelId: l.labelId, row: l.row, contentVersion: round, contentHash: null };
        // Pairs of labels share a content (one label_contents row for both).
        const json = shown(`S${Math.floor(i / 2)}`, 100 * round + Math.floor(i / 2));
        const kept = { json, netQuantity: i % 3 === 0 ? "1" : null, unit: i % 3 === 0 ? "kg" : null };
        return {
          labelId: l.labelId,
          row: l.row,
          contentVersion: round,
          contentHash: contentHash(json),
          shown: kept,
        };
      });
      // Rounds 1 and 3 name distinct rows only (a refresh's calls: whole statements of many labels);
      // round 2 also writes a label twice (the later wins, both are remembered) and one by id.
      if (round === 2) {
        const again = shown("again", round);
        const first = links[0] as (typeof links)[number];
        updates.push({
          labelId: first.labelId,
          row: first.row,
          contentVersion: round + 100,
          contentHash: contentHash(again),
          shown: { json: again, netQuantity: null, unit: null },
        });
        const last = links[149] as (typeof links)[number];
        updates.push({
          labelId: last.labelId,
          contentVersion: round + 200,
          contentHash: contentHash(again),
          shown: { json: again, netQuantity: null, unit: null },
        });
      }
      return updates;
    };
    for (const round of [1, 2, 3]) {
      bulk.labels.setContents(updatesFor(bulk, round));
      for (const u of updatesFor(oracle, round)) oracle.labels.setContents([u]);
    }
    const view = (stores: ReturnType<typeof openStores>) =>
      stores.labels
        .all()
        .map((l) => [l.labelId, l.contentHash, l.contentVersion, l.recentHashes, l.contentJson]);
    const written = view(bulk);
    expect(written).toEqual(view(oracle));
    // Not vacuous: most labels show a content, and remember the earlier rounds' hashes.
    expect(written.filter(([, hash]) => hash !== null).length).toBeGreaterThan(120);
    expect(bulk.labels.get("B000")?.recentHashes?.split(" ").length).toBeGreaterThanOrEqual(3);
    bulk.close();
    oracle.close();
  });

  it("migrates labels whose payload was stored in their row: the same bytes come back", () => {
    const path = join(dir.path, "old.db");
    const old = storeBefore("0010_labels_content_by_hash", path);
    const a = shown("A", 1299);
    const b = shown("B", 450);
    const payloadA = labelContentJson("L1", a, contentHash(a), 3);
    const payloadB = labelContentJson("L2", b, contentHash(b), 1);
    old.exec(`INSERT INTO products (sku, name, net_quantity, unit, updated_at)
      VALUES ('A', 'A', '500', 'g', 1), ('B', 'B', NULL, NULL, 1)`);
    const insert = old.prepare(
      `INSERT INTO labels (label_id, sku, content_hash, content_version, content_json, created_at)
       VALUES (?, ?, ?, ?, ?, 1)`,
    );
    insert.run("L1", "A", contentHash(a), 3, payloadA);
    insert.run("L2", "B", contentHash(b), 1, payloadB);
    insert.run("L3", null, null, 2, null);
    // B's content was already kept by hash (published after 0009): it stays as it was.
    old
      .prepare(
        "INSERT INTO label_contents (content_hash, shown_json, net_quantity, unit, published_at) VALUES (?, ?, '1', 'kg', 5)",
      )
      .run(contentHash(b), b);
    old.close();

    const stores = openStores(path);
    expect(stores.labels.get("L1")?.contentJson).toBe(payloadA);
    expect(stores.labels.get("L2")?.contentJson).toBe(payloadB);
    expect(stores.labels.get("L3")?.contentJson).toBeNull();
    const kept = stores.parity.keptContents();
    expect(kept.get(contentHash(a))).toMatchObject({ shownJson: a, netQuantity: "500", unit: "g" });
    expect(kept.get(contentHash(b))).toMatchObject({ shownJson: b, netQuantity: "1", unit: "kg" });
    stores.close();
  });

  it("keeps a hash published again by a later call as a copy, reads each label through its own row, and the audit's prune drops only copies no label names", () => {
    const stores = openStores(join(dir.path, "copies.db"));
    const sql = stores.db.$client;
    sql.exec("INSERT INTO products (sku, name, updated_at) VALUES ('A', 'A', 1)");
    stores.labels.upsertDescriptors([{ labelId: "L1" }, { labelId: "L2" }], "ap", 1);
    for (const id of ["L1", "L2"]) stores.labels.setLink(id, "A");
    const content = (minor: number) => {
      const json = shown("A", minor);
      return { hash: contentHash(json), json, kept: { json, netQuantity: "500", unit: "g" } };
    };
    const [a, b, c] = [content(1299), content(999), content(899)];
    const set = (labelId: string, x: typeof a, contentVersion: number) =>
      stores.labels.setContents([{ labelId, contentVersion, contentHash: x.hash, shown: x.kept }]);
    const rows = () =>
      sql.prepare("SELECT id, content_hash AS hash FROM label_contents ORDER BY id").all() as {
        id: number;
        hash: string;
      }[];
    // L2 is given A's content by a later call (a relink): a second row of the same hash.
    set("L1", a, 1);
    set("L2", a, 1);
    expect(rows().map((r) => r.hash)).toEqual([a.hash, a.hash]);
    const [first, copy] = rows().map((r) => r.id) as [number, number];
    const contentIds = () =>
      sql.prepare("SELECT label_id AS id, content_id AS row FROM labels ORDER BY label_id").all();
    expect(contentIds()).toEqual([
      { id: "L1", row: first },
      { id: "L2", row: copy },
    ]);
    expect(stores.labels.get("L2")?.contentJson).toBe(labelContentJson("L2", a.json, a.hash, 1));
    // The parity audit reads contents by hash: one entry for A.
    expect([...stores.parity.keptContents().keys()]).toEqual([a.hash]);
    // Both rows are named by a label: the prune keeps both.
    stores.parity.dropContents([]);
    expect(rows()).toHaveLength(2);
    // L1 moves on: A's first row stays (the first of a hash), its copy still L2's.
    set("L1", b, 2);
    stores.parity.dropContents([]);
    expect(rows().map((r) => r.id)).toEqual([first, copy, first + 2]);
    // L2 moves on: A's copy is named by no label and goes; A's first row stays until A is gone.
    set("L2", c, 2);
    stores.parity.dropContents([]);
    expect(rows().map((r) => r.hash)).toEqual([a.hash, b.hash, c.hash]);
    stores.parity.dropContents([a.hash]);
    expect(rows().map((r) => r.hash)).toEqual([b.hash, c.hash]);
    expect(stores.labels.get("L1")?.contentJson).toBe(labelContentJson("L1", b.json, b.hash, 2));
    expect(stores.labels.get("L2")?.contentJson).toBe(labelContentJson("L2", c.json, c.hash, 2));
    stores.close();
  });

  it("migrates contents kept by hash to rows named by id: the same payloads and kept contents come back", () => {
    const path = join(dir.path, "by-hash.db");
    const old = storeBefore("0012_labels_content_by_id", path);
    const a = shown("A", 1299);
    const b = shown("B", 450);
    old.exec(`INSERT INTO products (sku, name, net_quantity, unit, updated_at)
      VALUES ('A', 'A', '500', 'g', 1), ('B', 'B', NULL, NULL, 1)`);
    const keep = old.prepare(
      "INSERT INTO label_contents (content_hash, shown_json, net_quantity, unit, published_at) VALUES (?, ?, ?, ?, 5)",
    );
    keep.run(contentHash(b), b, "1", "kg");
    keep.run(contentHash(a), a, "500", "g");
    const insert = old.prepare(
      `INSERT INTO labels (label_id, sku, content_hash, content_version, displayed_hash, created_at)
       VALUES (?, ?, ?, ?, ?, 1)`,
    );
    insert.run("L1", "A", contentHash(a), 3, contentHash(b));
    insert.run("L2", "B", contentHash(b), 1, null);
    insert.run("L3", "A", contentHash(a), 4, null);
    insert.run("L4", null, null, 2, null);
    old.close();

    const stores = openStores(path);
    expect(stores.labels.get("L1")?.contentJson).toBe(labelContentJson("L1", a, contentHash(a), 3));
    expect(stores.labels.get("L2")?.contentJson).toBe(labelContentJson("L2", b, contentHash(b), 1));
    expect(stores.labels.get("L3")?.contentJson).toBe(labelContentJson("L3", a, contentHash(a), 4));
    expect(stores.labels.get("L4")?.contentJson).toBeNull();
    const kept = stores.parity.keptContents();
    expect(kept.get(contentHash(a))).toMatchObject({ shownJson: a, netQuantity: "500", unit: "g" });
    expect(kept.get(contentHash(b))).toMatchObject({ shownJson: b, netQuantity: "1", unit: "kg" });
    const sql = stores.db.$client;
    expect(sql.prepare("SELECT id, content_hash AS h FROM label_contents ORDER BY id").all()).toEqual([
      { id: 1, h: contentHash(b) },
      { id: 2, h: contentHash(a) },
    ]);
    // No index on the hash is left behind (the migration's own is dropped).
    expect(sql.prepare("PRAGMA index_list(label_contents)").all()).toEqual([]);
    // New contents are appended after the migrated rows.
    const c = shown("A", 999);
    stores.labels.setContents([
      {
        labelId: "L1",
        contentVersion: 4,
        contentHash: contentHash(c),
        shown: { json: c, netQuantity: "500", unit: "g" },
      },
    ]);
    expect(stores.labels.get("L1")?.contentJson).toBe(labelContentJson("L1", c, contentHash(c), 4));
    expect(sql.prepare("SELECT MAX(id) AS n FROM label_contents").get()).toEqual({ n: 3 });
    stores.close();
  });
});
