import { afterAll, describe, expect, it } from "vitest";
import { type EmbeddedBroker, startEmbeddedBroker } from "../controller/mqtt/embedded-broker.ts";
import { type SimulatedAccessPoint, startSimulatedAccessPoint } from "../firmware-bridge/simulated/index.ts";
import { freePort, getJson, postFeed, startTestController, waitFor } from "./support/harness.ts";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

// DESIGN §5 "eventually right": a broker that goes away and comes back empty (no retained messages)
// must not leave any label wrong. The broker here is a separate Aedes the test can stop and restart.
describe("after a broker outage", () => {
  let broker: EmbeddedBroker | undefined;
  let ap: SimulatedAccessPoint | undefined;
  let ctl: Awaited<ReturnType<typeof startTestController>> | undefined;
  afterAll(async () => {
    await ap?.stop();
    await ctl?.cleanup();
    await broker?.close();
  });

  it("every label converges to the content that changed while the broker was down", async () => {
    const port = await freePort();
    broker = await startEmbeddedBroker({ port, host: "127.0.0.1" });
    ctl = await startTestController("aedes", { mqttUrl: broker.url });
    ap = await startSimulatedAccessPoint({
      mqttUrl: broker.url,
      storeId: ctl.config.storeId,
      bridgeId: "ap1",
      labels: 20,
      radioDelayMs: 10,
      radioJitterMs: 0,
      failureRate: 0,
      checkInSeconds: 3600,
      reconnect: { initialMs: 100, maxMs: 500 },
      logger: quiet,
    });
    const c = ctl;
    const a = ap;
    await postFeed(c.httpUrl, "products", 1, "sku,name\nA,Apples\nB,Bread\n");
    await postFeed(c.httpUrl, "prices", 1, "sku,price,currency\nA,1.00,EUR\nB,2.00,EUR\n");
    await waitFor(() => a.labelIds.every((id) => c.labels.get(id)), 5_000, "labels announced");
    for (const [i, id] of a.labelIds.entries()) c.labels.setLink(id, i % 2 === 0 ? "A" : "B");
    c.sync.refreshLabels([...a.labelIds]);
    const inSync = async () => {
      c.flushStates();
      return (await getJson(`${c.httpUrl}/api/v1/sync`)).inSync === 20;
    };
    await waitFor(inSync, 10_000, "in sync before the outage");

    await broker.close();
    await waitFor(() => !c.link.connected(), 5_000, "controller noticed the outage");
    // The shelf must change while nobody can hear it.
    expect((await postFeed(c.httpUrl, "prices", 2, "sku,price,currency\nA,1.10,EUR\n")).json).toMatchObject({
      applied: true,
      labelsAffected: 10,
    });
    expect((await getJson(`${c.httpUrl}/api/v1/sync`)).inSync).toBe(10);

    // The broker returns with no retained messages at all.
    broker = await startEmbeddedBroker({ port, host: "127.0.0.1" });
    await waitFor(inSync, 20_000, "every label in sync after the broker came back");
    const hashes = new Set(a.labelIds.filter((_, i) => i % 2 === 0).map((id) => a.displayedHash(id)));
    expect(hashes.size).toBe(1);
    expect([...hashes][0]).toBe(c.labels.get(a.labelIds[0] as string)?.contentHash);
  });
});
