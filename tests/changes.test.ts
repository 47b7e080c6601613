import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type ChangeNote, changeSet, feedActor } from "../controller/changes/index.ts";
import { loadConfig } from "../controller/config.ts";
import { createLogger } from "../controller/log.ts";
import { feedPipeline, guardRailOf } from "../controller/pipeline.ts";
import { openStores } from "../controller/store/index.ts";
import { tempDir } from "./support/harness.ts";

const dir = tempDir();
afterAll(() => dir.cleanup());
const NOW = Date.parse("2026-06-01T10:00:00Z");
const anna = { name: "Anna K", role: "staff" as const };

function store(name: string, review?: (skus: ReadonlySet<string>, at: number) => ChangeNote[]) {
  const stores = openStores(join(dir.path, `${name}.db`));
  const config = loadConfig({}, []);
  const { sync } = feedPipeline(stores, config, { log: createLogger("silent"), now: () => NOW });
  const changes = changeSet({
    stores,
    sync,
    guardRail: guardRailOf(config),
    locale: config.locale,
    now: () => NOW,
    ...(review ? { review } : {}),
  });
  const feed = (f: "products" | "prices", sequence: number, rows: object[]) =>
    changes.applyFeedBatch(
      { feed: f, sequence, format: "json", rows: rows.map((row, i) => ({ line: i + 1, row: row as never })) },
      feedActor(f, sequence),
      NOW,
    );
  feed("products", 1, [{ sku: "A", name: "Apples" }]);
  feed("prices", 1, [{ sku: "A", amountMinor: 200, currency: "EUR" }]);
  stores.labels.upsertDescriptors([{ labelId: "L1" }], null, NOW);
  return { stores, changes, feed, sync };
}

describe("the change layer: apply → audit → refresh", () => {
  it("records the actor of a link with its role, and publishes the label's content", () => {
    const { stores, changes } = store("link");
    const linked = changes.linkLabel("L1", "A", anna);
    expect(linked.labelsAffected).toBe(1);
    expect(stores.labels.get("L1")?.contentHash).not.toBeNull();
    const unlinked = changes.unlinkLabel("L1", { name: "Ben" });
    expect(unlinked.labelsAffected).toBe(1);
    expect(stores.labels.get("L1")).toMatchObject({ sku: null, contentHash: null });
    const trail = stores.audit.list({ entity: "label", entityId: "L1" });
    expect(trail.map((e) => [e.action, e.actor, e.before, e.after])).toEqual([
      ["label.unlinked", "Ben", { sku: "A" }, { sku: null }],
      ["label.linked", "Anna K (staff)", { sku: null }, { sku: "A" }],
    ]);
    stores.close();
  });

  it("writes nothing, audit included, when the write step fails", () => {
    const { stores, changes } = store("atomic");
    const before = stores.audit.list().length;
    expect(() =>
      changes.commit(anna, (now) => {
        stores.promotions.save(
          {
            promotionId: "P1",
            kind: "fixed",
            skus: ["A"],
            value: "1.00",
            start: now,
            end: null,
            priority: 0,
            source: "store",
          },
          now,
          null,
        );
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(stores.promotions.get("P1")).toBeUndefined();
    expect(stores.audit.list()).toHaveLength(before);
    stores.close();
  });

  it("returns notes from the write step and from the review of the touched SKUs", () => {
    const { stores, changes } = store("notes", (skus) => [
      { code: "reviewed", message: `looked at ${[...skus].join(",")}` },
    ]);
    const r = changes.commit(anna, () => ({
      value: 1,
      skus: ["A"],
      audit: [],
      notes: [{ code: "written", message: "from the write" }],
    }));
    expect(r.notes.map((n) => n.code)).toEqual(["written", "reviewed"]);
    expect(r.notes[1]?.message).toBe("looked at A");
    stores.close();
  });

  it("runs no review for a change whose author is told no notes, such as a Merchant Center batch", () => {
    const reviewed: string[][] = [];
    const { stores, changes } = store("no-notes", (skus) => {
      reviewed.push([...skus]);
      return [{ code: "reviewed", message: "" }];
    });
    reviewed.length = 0;
    const r = changes.commit(anna, () => ({
      value: 1,
      skus: ["A"],
      audit: [],
      notes: [{ code: "written", message: "from the write" }],
      wantsNotes: false,
    }));
    expect(r.notes.map((n) => n.code)).toEqual(["written"]);
    const m = changes.applyMerchantBatch(
      {
        feed: "merchant",
        sequence: 1,
        format: "tsv",
        mode: "import",
        itemsRead: 1,
        expectedPriceRows: 1,
        audit: {},
        write: (w) => w.rows("prices", [{ line: 2, row: { sku: "A", amountMinor: 190, currency: "EUR" } }]),
      },
      feedActor("merchant", 1),
      NOW,
    );
    expect([...m.value.changedSkus]).toEqual(["A"]);
    expect(m.notes).toEqual([]);
    expect(reviewed).toEqual([]);
    // The same store still reviews a change that wants notes.
    changes.commit(anna, () => ({ value: 1, skus: ["A"], audit: [] }));
    expect(reviewed).toEqual([["A"]]);
    stores.close();
  });

  it("holds a feed price over the guard rail and audits it under the batch's actor", () => {
    const { stores, feed } = store("held");
    const r = feed("prices", 2, [{ sku: "A", amountMinor: 50, currency: "EUR" }]);
    expect(r.value).toMatchObject({ applied: true, rowsChanged: 0, held: 1 });
    const held = stores.audit.list({ action: "approval.held" });
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({
      actor: "feed:prices#2",
      before: { amountMinor: 200, currency: "EUR" },
      after: { sku: "A", amountMinor: 50, currency: "EUR", line: 1 },
    });
    stores.close();
  });

  it("an approval decided by a person goes into force and names them", () => {
    const { stores, changes } = store("decide");
    changes.linkLabel("L1", "A", anna);
    const r = changes.addOverride(
      { sku: "A", amountMinor: 10, currency: "EUR", start: NOW, end: null, reason: "damaged" },
      anna,
    );
    expect(r.value.held).toBe(true);
    const approval = stores.approvals.list("pending")[0];
    if (!approval) throw new Error("no approval held");
    expect(approval.source).toBe("staff:Anna K");
    const decided = changes.decideApproval(approval, "approved", { name: "Mia", role: "manager" }, "ok");
    expect(decided).toMatchObject({ value: { decided: true }, labelsAffected: 1 });
    expect(stores.approvals.get(approval.approvalId)?.decidedBy).toBe("Mia");
    expect(stores.audit.list({ action: "approval.approved" })[0]?.actor).toBe("Mia (manager)");
    const again = changes.decideApproval(approval, "rejected", { name: "Mia", role: "manager" }, null);
    expect(again).toMatchObject({ value: { decided: false }, labelsAffected: 0 });
    stores.close();
  });

  it("holds a staff promotion that cuts beyond the guard rail until a manager approves it", () => {
    const { stores, changes, sync, feed } = store("promo-held");
    changes.linkLabel("L1", "A", anna);
    const promo = (id: string, value: string) => ({
      promotionId: id,
      kind: "percent" as const,
      skus: ["A"],
      value,
      start: NOW,
      end: null,
      priority: 0,
      source: "store" as const,
      author: anna.name,
      reason: "clearance",
    });
    // 30 % off is within the rail: on the shelf at once.
    const small = changes.createPromotion(promo("p-30", "30"), anna);
    expect(small.value.held).toBe(false);
    expect(sync.resolveSku("A", NOW)?.price.amountMinor).toBe(140);
    changes.removePromotion(promo("p-30", "30"), anna, null);
    // 60 % off (a slip for 6 %?) waits: nothing is saved, the shelf keeps its price.
    const big = changes.createPromotion(promo("p-60", "60"), anna);
    expect(big.value).toMatchObject({ held: true, holdReason: expect.stringContaining("60 %") });
    expect(big.labelsAffected).toBe(0);
    expect(stores.promotions.get("p-60")).toBeUndefined();
    expect(sync.resolveSku("A", NOW + 1)?.price.amountMinor).toBe(200);
    const [approval] = stores.approvals.list("pending");
    expect(approval).toMatchObject({
      change: "promotion",
      sku: "A",
      currentAmountMinor: 200,
      proposedAmountMinor: 80,
      source: "staff:Anna K",
      author: "Anna K",
    });
    expect(stores.audit.list({ action: "approval.held" })[0]).toMatchObject({ actor: "Anna K (staff)" });
    // A later feed price for the SKU does not sweep the held promotion away: it is not a price.
    expect(feed("prices", 2, [{ sku: "A", amountMinor: 210, currency: "EUR" }]).value.rowsChanged).toBe(1);
    expect(stores.approvals.list("pending")).toHaveLength(1);
    if (!approval) throw new Error("no approval held");
    const mia = { name: "Mia", role: "manager" as const };
    const decided = changes.decideApproval(approval, "approved", mia, "ok, clearance");
    expect(decided).toMatchObject({ value: { decided: true }, labelsAffected: 1 });
    expect(stores.promotions.get("p-60")).toMatchObject({ value: "60", author: "Anna K" });
    expect(sync.resolveSku("A", NOW + 2)?.price.amountMinor).toBe(84);
    expect(
      stores.audit.list({ action: "promotion.created" }).find((e) => e.entityId === "p-60"),
    ).toMatchObject({
      actor: "Mia (manager)",
      entityId: "p-60",
    });
    // Deepening a running promotion beyond the rail is held too; the running one stays.
    const stored = stores.promotions.get("p-60");
    if (!stored) throw new Error("p-60 not saved");
    const { deleted: _d, ...running } = stored;
    const deeper = changes.changePromotion(running, { ...running, value: "90" }, anna);
    expect(deeper.value.held).toBe(true);
    expect(stores.promotions.get("p-60")?.value).toBe("60");
    stores.close();
  });
});
