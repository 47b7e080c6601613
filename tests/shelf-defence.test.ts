import { randomUUID } from "node:crypto";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../controller/app.ts";
import type { SimulatedAccessPoint } from "../firmware-bridge/simulated/index.ts";
import { type LabelContent, PROTOCOL_VERSION, storeTopics } from "../schemas/index.ts";
import {
  api,
  BROKERS,
  postFeed,
  startTestAccessPoint,
  startTestController,
  tokenFor,
  waitFor,
} from "./support/harness.ts";

/**
 * The controller defends the shelf against messages it did not expect (issue 12 §2), with the
 * broker letting everything through (auth off): whatever a client may publish, stray states create
 * no labels, a forged content does not stay on the broker, and a state claiming a hash the
 * controller never published to the label does not count as in sync.
 */
describe.each(BROKERS)("the controller defends the shelf, on %s", (broker) => {
  let ctl: Controller & { cleanup(): Promise<void> };
  let ap: SimulatedAccessPoint;
  let rogue: mqtt.MqttClient;
  let t: ReturnType<typeof storeTopics>;

  beforeAll(async () => {
    ctl = await startTestController(broker, { config: { mqttAuth: "off" } });
    t = storeTopics(ctl.config.storeId);
    await waitFor(() => ctl.link.connected(), 10_000, "controller connected");
    ap = await startTestAccessPoint(ctl, { labels: 3, radioDelayMs: 5, seed: 2 });
    await postFeed(
      ctl.httpUrl,
      "products",
      1,
      "sku,gtin,name,brand,netQuantity,unit,category,url\nA,,Apple,,1,kg,fruit,\n",
    );
    await postFeed(ctl.httpUrl, "prices", 1, "sku,price,currency\nA,2.49,EUR\n");
    await waitFor(() => ap.labelIds.every((id) => ctl.labels.get(id)), 5_000, "labels announced");
    for (const id of ap.labelIds)
      expect((await api(ctl.httpUrl, "PUT", `/labels/${id}/link`, { sku: "A" })).status).toBe(200);
    await waitFor(
      async () => (await api(ctl.httpUrl, "GET", "/sync")).json.inSync === 3,
      10_000,
      "labels in sync",
    );
    rogue = await mqtt.connectAsync(ctl.mqttUrl, { clientId: `rogue-${randomUUID().slice(0, 8)}` });
  });
  afterAll(async () => {
    await rogue?.endAsync();
    await ap?.stop();
    await ctl?.cleanup();
  });

  it("creates no label from 500 states of invented label ids", async () => {
    const before = ctl.labels.all().length;
    for (let i = 0; i < 500; i++) {
      rogue.publish(
        t.label(`INVENTED-${i}`, "state"),
        JSON.stringify({ v: PROTOCOL_VERSION, displayedHash: "0".repeat(32) }),
        { qos: 0 },
      );
    }
    // A known label's state sent after them: once it is recorded, the 500 were handled before it.
    const [first] = ap.labelIds as [string];
    const marker = Date.now();
    await rogue.publishAsync(
      t.label(first, "state"),
      JSON.stringify({ v: PROTOCOL_VERSION, displayedHash: ctl.labels.get(first)?.contentHash, ts: marker }),
      { qos: 1 },
    );
    await waitFor(() => {
      ctl.flushStates();
      return (ctl.labels.get(first)?.lastSeen ?? 0) >= marker - 1;
    }, 5_000);
    expect(ctl.labels.all().length).toBe(before);
    expect(ctl.labels.get("INVENTED-0")).toBeUndefined();
  });

  it("overwrites a retained content forged with the real hash and another price", async () => {
    const [, second] = ap.labelIds as [string, string];
    const real = ctl.labels.get(second)?.contentJson as string;
    const forged = { ...(JSON.parse(real) as LabelContent) };
    forged.price = { ...forged.price, amountMinor: 1, text: "0,01 €" };
    const watcher = await mqtt.connectAsync(ctl.mqttUrl, { clientId: `watch-${randomUUID().slice(0, 8)}` });
    const seen: string[] = [];
    watcher.on("message", (_topic, payload) => seen.push(payload.toString()));
    await watcher.subscribeAsync(t.label(second, "content"), { qos: 1 });
    await waitFor(() => seen.includes(real), 5_000, "the real retained content");
    await rogue.publishAsync(t.label(second, "content"), JSON.stringify(forged), { qos: 1, retain: true });
    // The forged one went out, then the controller put its own back.
    await waitFor(
      () => seen.at(-1) === real && seen.some((p) => p.includes('"amountMinor":1,')),
      5_000,
      "overwritten",
    );
    await watcher.endAsync();
    // What a device subscribing now gets, retained: the controller's content.
    const late = await mqtt.connectAsync(ctl.mqttUrl, { clientId: `late-${randomUUID().slice(0, 8)}` });
    const retained = new Promise<string>((resolve) => late.on("message", (_t, p) => resolve(p.toString())));
    await late.subscribeAsync(t.label(second, "content"), { qos: 1 });
    expect(await retained).toBe(real);
    await late.endAsync();
  });

  it("does not count a label in sync that claims a hash the controller never published to it", async () => {
    const [, , third] = ap.labelIds as [string, string, string];
    const marker = Date.now();
    await rogue.publishAsync(
      t.label(third, "state"),
      JSON.stringify({ v: PROTOCOL_VERSION, displayedHash: "f".repeat(32), ts: marker }),
      { qos: 1 },
    );
    await waitFor(() => {
      ctl.flushStates();
      return ctl.labels.get(third)?.displayedHash === "f".repeat(32);
    }, 5_000);
    const sync = (await api(ctl.httpUrl, "GET", "/sync")).json;
    expect(sync.unknownContent).toBe(1);
    expect(sync.notRight).toContainEqual(
      expect.objectContaining({ labelId: third, reason: "unknown_content" }),
    );
    expect((await api(ctl.httpUrl, "GET", `/labels/${third}`)).json).toMatchObject({
      inSync: false,
      status: "unknown_content",
    });
  });

  it("moves a label to another bridge (ops only, audited); the old owner's inventory no longer changes it", async () => {
    const [first] = ap.labelIds as [string];
    const manager = tokenFor(ctl, "manager");
    expect(
      (await api(ctl.httpUrl, "PUT", `/labels/${first}/bridge`, { bridgeId: "ap2" }, manager)).status,
    ).toBe(403);
    expect((await api(ctl.httpUrl, "PUT", `/labels/${first}/bridge`, { bridgeId: "no/such" })).status).toBe(
      400,
    );
    expect((await api(ctl.httpUrl, "PUT", "/labels/NOPE/bridge", { bridgeId: "ap2" })).status).toBe(404);
    const moved = await api(ctl.httpUrl, "PUT", `/labels/${first}/bridge`, { bridgeId: "ap2" });
    expect(moved.status).toBe(200);
    expect(moved.json).toMatchObject({ labelId: first, bridgeId: "ap2" });
    const audit = (await api(ctl.httpUrl, "GET", "/audit?action=label.moved")).json;
    expect(JSON.stringify(audit)).toContain('"bridgeId":"ap2"');
    // ap1 announces its inventory again (as it does at every connect): the label stays with ap2.
    await rogue.publishAsync(
      t.bridge("ap1", "labels"),
      JSON.stringify({
        v: PROTOCOL_VERSION,
        bridgeId: "ap1",
        kind: "simulated",
        labels: [{ labelId: first, width: 1, height: 1 }],
      }),
      { qos: 1 },
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(ctl.labels.get(first)).toMatchObject({ bridgeId: "ap2" });
    expect(ctl.labels.get(first)?.width).not.toBe(1);
  });
});
