import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { contentHash } from "../controller/labels/content.ts";
import { openStores } from "../controller/store/index.ts";
import { labelContentJson } from "../schemas/index.ts";
import { tempDir } from "./support/harness.ts";
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
});
