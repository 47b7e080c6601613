import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../controller/app.ts";
import type { SimulatedAccessPoint } from "../firmware-bridge/simulated/index.ts";
import { startTestAccessPoint, startTestController, TEST_ADMIN_TOKEN, waitFor } from "./support/harness.ts";
import { parseExposition } from "./support/metrics.ts";

const auth = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

describe("GET /metrics", () => {
  let ctl: Controller & { cleanup(): Promise<void> };
  let ap: SimulatedAccessPoint;

  const post = (path: string, body: string, contentType = "text/csv") =>
    fetch(`${ctl.httpUrl}/api/v1${path}`, {
      method: "POST",
      headers: { ...auth, "Content-Type": contentType },
      body,
    });
  const scrape = async () => {
    const res = await fetch(`${ctl.httpUrl}/metrics`, { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseExposition(await res.text());
  };

  beforeAll(async () => {
    ctl = await startTestController("aedes");
    await waitFor(() => ctl.link.connected(), 10_000, "controller connected");
    ap = await startTestAccessPoint(ctl, { bridgeId: "ap-m", labels: 4, radioDelayMs: 5, seed: 1 });
  });
  afterAll(async () => {
    await ap?.stop();
    await ctl?.cleanup();
  });

  it("needs a token", async () => {
    expect((await fetch(`${ctl.httpUrl}/metrics`)).status).toBe(401);
    const wrong = await fetch(`${ctl.httpUrl}/metrics`, { headers: { Authorization: "Bearer nope-nope" } });
    expect(wrong.status).toBe(401);
  });

  it("counts what happened: feeds by outcome, labels by state, latencies, bridges, approvals", async () => {
    const products =
      "sku,gtin,name,brand,netQuantity,unit,category\nA,,Apple,,1,piece,fruit\nB,,Bread,,1,piece,bakery\n";
    expect((await post("/feeds/products?sequence=1", products)).status).toBe(200);
    expect(
      (await post("/feeds/prices?sequence=1", "sku,price,currency\nA,1.00,EUR\nB,2.00,EUR\n")).status,
    ).toBe(200);
    expect((await post("/feeds/prices?sequence=1", "sku,price,currency\nA,1.10,EUR\n")).status).toBe(200); // stale
    expect((await post("/feeds/prices?sequence=2", "sku,price,currency\nA,abc,EUR\nB,x,EUR\n")).status).toBe(
      422,
    );
    // A cut to a tenth waits for an approval (guard rail), the other row applies.
    expect(
      (await post("/feeds/prices?sequence=5", "sku,price,currency\nA,0.10,EUR\nB,2.10,EUR\n")).status,
    ).toBe(200);

    await waitFor(() => ap.labelIds.every((id) => ctl.labels.get(id)), 5_000, "labels announced");
    for (const [i, labelId] of ap.labelIds.entries()) {
      if (i === 3) continue; // one stays unlinked
      const res = await fetch(`${ctl.httpUrl}/api/v1/labels/${labelId}/link`, {
        method: "PUT",
        headers: { ...auth, "Content-Type": "application/json" },
        body: JSON.stringify({ sku: i === 0 ? "A" : "B" }),
      });
      expect(res.status).toBe(200);
    }
    await waitFor(
      async () => {
        ctl.flushStates();
        return (await scrape()).value("shelfsync_labels", { state: "in_sync" }) === 3;
      },
      10_000,
      "three labels in sync",
    );

    const m = await scrape();
    expect(m.value("shelfsync_info", { store: ctl.config.storeId })).toBe(1);
    expect(m.value("shelfsync_labels", { state: "unlinked" })).toBe(1);
    expect(m.value("shelfsync_labels", { state: "pending" })).toBe(0);
    expect(m.value("shelfsync_feed_batches_total", { feed: "products", outcome: "applied" })).toBe(1);
    expect(m.value("shelfsync_feed_batches_total", { feed: "prices", outcome: "applied" })).toBe(2);
    expect(m.value("shelfsync_feed_batches_total", { feed: "prices", outcome: "not_applied" })).toBe(1);
    expect(m.value("shelfsync_feed_batches_total", { feed: "prices", outcome: "rejected" })).toBe(1);
    expect(m.value("shelfsync_feed_rows_total", { feed: "prices", outcome: "read" })).toBe(4);
    expect(m.value("shelfsync_feed_batches_total", { feed: "merchant", outcome: "applied" })).toBe(0);
    expect(m.value("shelfsync_feed_rows_total", { feed: "prices", outcome: "held" })).toBe(1);
    expect(m.value("shelfsync_feed_rows_total", { feed: "prices", outcome: "rejected" })).toBe(2);
    expect(m.value("shelfsync_feed_last_sequence", { feed: "prices" })).toBe(5);
    expect(m.value("shelfsync_feed_missing_sequences", { feed: "prices" })).toBe(3);
    expect(m.value("shelfsync_mqtt_connected")).toBe(1);
    expect(m.value("shelfsync_mqtt_connects_total")).toBeGreaterThanOrEqual(1);
    // Every linked label's content went to the broker and came back from the label.
    expect(m.value("shelfsync_label_publish_seconds_count")).toBeGreaterThanOrEqual(3);
    expect(m.value("shelfsync_label_ack_seconds_count")).toBe(3);
    expect(m.value("shelfsync_label_ack_seconds_bucket", { le: "+Inf" })).toBe(3);
    expect(m.value("shelfsync_label_updates_unconfirmed")).toBe(0);
    expect(m.value("shelfsync_bridge_up", { bridge: "ap-m", kind: "simulated" })).toBe(1);
    expect(m.value("shelfsync_bridge_labels", { bridge: "ap-m", set: "announced" })).toBe(4);
    expect(m.value("shelfsync_bridge_labels", { bridge: "ap-m", set: "linked" })).toBe(3);
    expect(m.value("shelfsync_bridge_labels", { bridge: "ap-m", set: "current" })).toBe(3);
    expect(m.value("shelfsync_approvals_waiting")).toBe(1);
    // No chain here (SHELFSYNC_CHAIN off): no sample rather than a 0 that would look like an outage.
    expect(m.value("shelfsync_chain_connected")).toBeUndefined();
    expect(m.value("shelfsync_chain_uplink_up")).toBeUndefined();
    expect(m.value("process_resident_memory_bytes")).toBeGreaterThan(0);
  });

  it("an access point that goes away shows as down", async () => {
    await ap.stop();
    await waitFor(
      async () => (await scrape()).value("shelfsync_bridge_up", { bridge: "ap-m", kind: "simulated" }) === 0,
      10_000,
      "bridge down",
    );
  });
});
