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
  return { stores, changes, feed };
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
});
