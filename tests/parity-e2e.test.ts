import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../controller/app.ts";
import type { SimulatedAccessPoint } from "../firmware-bridge/simulated/index.ts";
import {
  api,
  authFetch,
  BROKERS,
  startTestAccessPoint,
  startTestController,
  TEST_ADMIN_TOKEN,
  waitFor,
} from "./support/harness.ts";
import { parseExposition } from "./support/metrics.ts";

/** The controller's /metrics, parsed (tests/support/metrics.ts). */
async function metrics(ctl: Controller) {
  const res = await fetch(`${ctl.httpUrl}/metrics`, {
    headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
  });
  expect(res.status).toBe(200);
  return parseExposition(await res.text());
}

/** The store's own data (native feeds): what the labels show. */
const PRODUCTS = `sku,name,netQuantity,unit
OIL-750,Olive Oil 750 ml,750,ml
TEE-BLACK-M,Google Tee Black,,
MILK-1,Whole Milk 1 l,1,l
`;
const PRICES = (oil: string) => `sku,price,currency
OIL-750,${oil},USD
TEE-BLACK-M,15.00,USD
MILK-1,1.19,USD
`;
/** The web shop's Merchant Center feed (TSV, the spec's attribute names), read for the audit only. */
const ONLINE = (oil: string) =>
  [
    "id\ttitle\tprice\tunit_pricing_measure\tunit_pricing_base_measure\tavailability",
    `OIL-750\tOlive Oil\t${oil} USD\t750ml\t100ml\tin_stock`,
    "TEE-BLACK-M\tGoogle Tee Black\t15.00 USD\t\t\tin stock",
    "MILK-1\tWhole Milk\t1.19 USD\t1000 ml\t1 l\tin_stock",
    "",
  ].join("\n");

async function post(ctl: Controller, path: string, body: string, type: string): Promise<any> {
  const res = await authFetch(`${ctl.httpUrl}/api/v1/feeds/${path}`, {
    method: "POST",
    headers: { "Content-Type": type },
    body,
  });
  const json = await res.json();
  expect(res.status, JSON.stringify(json)).toBe(200);
  return json;
}

describe.each(BROKERS)("parity end to end against %s, labels acknowledging", (broker) => {
  let ctl: Controller & { cleanup(): Promise<void> };
  let ap: SimulatedAccessPoint;
  const SKUS = ["OIL-750", "OIL-750", "TEE-BLACK-M", "MILK-1"];

  /** Every linked label displays what was published to it. */
  const allShowing = () =>
    ap.labelIds.every((id) => {
      const l = ctl.labels.get(id);
      return l?.contentHash != null && l.displayedHash === l.contentHash;
    });

  async function audit(): Promise<any> {
    const run = await api(ctl.httpUrl, "POST", "/parity/run");
    expect(run.status).toBe(202);
    return waitFor(async () => {
      const r = await api(ctl.httpUrl, "GET", `/parity/${run.json.auditId}`);
      return r.json.status === "running" ? undefined : r.json;
    });
  }

  beforeAll(async () => {
    ctl = await startTestController(broker, {
      config: { currency: "USD", locale: "en-US", onlineFeedMode: "audit-only" },
    });
    await waitFor(() => ctl.link.connected(), 10_000, "controller connected");
    ap = await startTestAccessPoint(ctl, { labels: SKUS.length, radioDelayMs: 20, seed: 3 });
    await post(ctl, "products?sequence=1", PRODUCTS, "text/csv");
    await post(ctl, "prices?sequence=1", PRICES("9.99"), "text/csv");
    await waitFor(() => ap.labelIds.every((id) => ctl.labels.get(id)), 5_000, "labels announced");
    for (const [i, labelId] of ap.labelIds.entries()) {
      expect((await api(ctl.httpUrl, "PUT", `/labels/${labelId}/link`, { sku: SKUS[i] })).status).toBe(200);
    }
    await waitFor(allShowing, 10_000, "labels acknowledge their content");
  });
  afterAll(async () => {
    await ap?.stop();
    await ctl?.cleanup();
  });

  it("online price changes → mismatch with both values → store price fixed → parity back to 100%", async () => {
    // Before any audit, /metrics has no parity share at all (not a share of 0).
    expect((await metrics(ctl)).names("shelfsync_parity_")).toEqual([]);
    // The shop's feed as it is: every shelf at parity.
    expect(await post(ctl, "merchant?sequence=1", ONLINE("9.99"), "text/tab-separated-values")).toMatchObject(
      {
        mode: "audit-only",
        applied: true,
        itemsAccepted: 3,
      },
    );
    let a = await audit();
    expect(a).toMatchObject({ status: "done", compared: 3, atParity: 3, mismatched: 0, parityShare: 1 });

    // The web shop raises the oil; the store's data is not touched by an audit-only feed.
    await post(ctl, "merchant?sequence=2", ONLINE("10.49"), "text/tab-separated-values");
    expect(ctl.catalog.product("OIL-750")).toBeDefined();
    a = await audit();
    expect(a).toMatchObject({ compared: 3, atParity: 2, mismatched: 1, parityShare: 2 / 3 });
    const oilLabels = ap.labelIds.filter((_, i) => SKUS[i] === "OIL-750");
    expect(a.mismatches).toHaveLength(1);
    expect(a.mismatches[0]).toMatchObject({
      sku: "OIL-750",
      reason: "price",
      online: { price: { amountMinor: 1049, currency: "USD", text: "$10.49" } },
      shelf: { price: { amountMinor: 999, currency: "USD", text: "$9.99" } },
    });
    expect([...a.mismatches[0].labelIds].sort()).toEqual([...oilLabels].sort());
    // The same audit in /metrics: its share, its mismatches by reason, how long it took.
    const m = await metrics(ctl);
    expect(m.exactly("shelfsync_parity_share", { source: "upload" })).toBeCloseTo(2 / 3, 9);
    expect(m.exactly("shelfsync_parity_mismatches", { reason: "price" })).toBe(1);
    expect(m.exactly("shelfsync_parity_mismatches", { reason: "stock" })).toBe(0);
    expect(m.exactly("shelfsync_parity_audit_seconds", { source: "upload" })).toBeGreaterThanOrEqual(0);
    expect(m.exactly("shelfsync_parity_last_audit_timestamp_seconds", { source: "upload" })).toBe(
      Date.parse(a.at) / 1000,
    );

    // The store takes the shop's price; once the labels show it, parity is back to 100 %.
    await post(ctl, "prices?sequence=2", PRICES("10.49"), "text/csv");
    await waitFor(allShowing, 10_000, "labels acknowledge the new price");
    a = await audit();
    expect(a).toMatchObject({ compared: 3, atParity: 3, mismatched: 0, parityShare: 1, mismatches: [] });
    const after = await metrics(ctl);
    expect(after.exactly("shelfsync_parity_share", { source: "upload" })).toBe(1);
    expect(after.exactly("shelfsync_parity_mismatches", { reason: "price" })).toBe(0);
    const latest = await api(ctl.httpUrl, "GET", "/parity");
    expect(latest.json.auditId).toBe(a.auditId);
  });
});
