import { afterAll, describe, expect, it } from "vitest";
import { type SimulatedAccessPoint, startSimulatedAccessPoint } from "../firmware-bridge/simulated/index.ts";
import { bridgeLogin, getJson, postFeed, startTestController, waitFor } from "./support/harness.ts";

const LABELS = 2_000;
const PRODUCTS = 1_000;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

// Thousands of labels through Mosquitto (its default per-client queue limits included): the whole
// fleet reaches in sync, and again after a price change that touches every label.
describe(`${LABELS} labels on one access point, through Mosquitto`, () => {
  let ctl: Awaited<ReturnType<typeof startTestController>> | undefined;
  let ap: SimulatedAccessPoint | undefined;
  afterAll(async () => {
    await ap?.stop();
    await ctl?.cleanup();
  });

  it("all labels reach in sync, and again after every price changed", async () => {
    ctl = await startTestController("mosquitto");
    const c = ctl;
    const products = ["sku,name", ...Array.from({ length: PRODUCTS }, (_, i) => `P${i},Product ${i}`)].join(
      "\n",
    );
    const prices = (cents: number) =>
      [
        "sku,price,currency",
        ...Array.from({ length: PRODUCTS }, (_, i) => `P${i},${cents + (i % 50)}.00,EUR`),
      ].join("\n");
    await postFeed(c.httpUrl, "products", 1, products);
    await postFeed(c.httpUrl, "prices", 1, prices(10));
    ap = await startSimulatedAccessPoint({
      mqttUrl: c.mqttUrl,
      mqttOptions: bridgeLogin(c, "big"),
      storeId: c.config.storeId,
      bridgeId: "big",
      labels: LABELS,
      radioDelayMs: 20,
      radioJitterMs: 20,
      failureRate: 0.02,
      checkInSeconds: 5,
      applyRetry: { initialMs: 200, maxMs: 1_000 },
      logger: quiet,
    });
    const a = ap;
    await waitFor(() => c.labels.get(a.labelIds[LABELS - 1] as string), 10_000, "inventory received");
    c.stores.transaction(() => {
      for (const [i, id] of a.labelIds.entries()) c.labels.setLink(id, `P${i % PRODUCTS}`);
    });
    expect(c.sync.refreshLabels([...a.labelIds]).changed).toBe(LABELS);
    const inSync = async () => {
      c.flushStates();
      return (await getJson(`${c.httpUrl}/api/v1/sync`)).inSync === LABELS;
    };
    await waitFor(inSync, 40_000, "the whole fleet in sync");

    const reply = await postFeed(c.httpUrl, "prices", 2, prices(11));
    expect(reply.json).toMatchObject({ applied: true, rowsChanged: PRODUCTS, labelsAffected: LABELS });
    await waitFor(inSync, 40_000, "the whole fleet in sync after the reprice");
    const sync = await getJson(`${c.httpUrl}/api/v1/sync`);
    expect(sync).toMatchObject({ total: LABELS, inSync: LABELS, notRight: [] });
  });
});
