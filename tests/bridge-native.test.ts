import { randomUUID } from "node:crypto";
import net, { type AddressInfo } from "node:net";
import { Aedes } from "aedes";
import { connect, type MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { contentHash } from "../controller/labels/content.ts";
import { CliUsageError } from "../firmware-bridge/cli-options.ts";
import { startBridge } from "../firmware-bridge/core/index.ts";
import { parseCommandLine } from "../firmware-bridge/main.ts";
import { NativeBridgeAdapter, nativeKind } from "../firmware-bridge/native/index.ts";
import {
  type BridgeLabels,
  bridgeLabelsSchema,
  defaultDevicePrefix,
  deviceTopics,
  type LabelState,
  labelContentJson,
  labelStateSchema,
  storeTopics,
  TopicError,
} from "../schemas/index.ts";
import { captureLogger, MOSQUITTO_URL, waitUntil } from "./support/harness.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An in-process Aedes broker; `close()` may be called early (the test's outage) and again at cleanup. */
async function startAedes(port = 0) {
  const aedes = await Aedes.createBroker();
  const server = net.createServer(aedes.handle);
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => aedes.close(() => server.close(() => resolve())));
    return closing;
  };
  cleanups.push(close);
  return { url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`, close };
}

interface Received {
  topic: string;
  text: string;
  retain: boolean;
}

/** A plain MQTT.js client that records every message it gets. */
async function client(url: string, filters: string[]): Promise<{ mqtt: MqttClient; seen: Received[] }> {
  const mqtt = connect(url, { clientId: `t-${randomUUID().slice(0, 8)}`, reconnectPeriod: 100 });
  const seen: Received[] = [];
  mqtt.on("message", (topic, payload, packet) => {
    seen.push({ topic, text: payload.toString(), retain: packet.retain });
  });
  await new Promise<void>((resolve, reject) => {
    mqtt.once("connect", () => resolve());
    mqtt.once("error", reject);
  });
  if (filters.length > 0) await mqtt.subscribeAsync(filters, { qos: 1 });
  cleanups.push(async () => {
    await Promise.race([mqtt.endAsync(), new Promise((r) => setTimeout(r, 1_000))]);
    mqtt.end(true);
  });
  return { mqtt, seen };
}

/** Content exactly as the controller writes it (its own builder), with the optional fields filled. */
function controllerContent(
  labelId: string,
  amountMinor: number,
  version: number,
): { json: string; hash: string } {
  const shown = {
    sku: "coffee-500",
    gtin: "4006381333931",
    name: "Coffee 500 g — “Crema”",
    price: { amountMinor, currency: "EUR", text: `${(amountMinor / 100).toFixed(2)} €` },
    stock: "low",
    regularPrice: { amountMinor: 299, currency: "EUR", text: "2.99 €" },
    referencePrice: { amountMinor: 279, currency: "EUR", text: "2.79 €" },
    unitPrice: { amountMinor: amountMinor * 2, currency: "EUR", text: "x €", per: "kg" },
    promo: { promotionId: "p1", kind: "fixed", text: "Deal", validUntil: "2030-01-01T00:00:00Z" },
  };
  const shownJson = JSON.stringify(shown);
  const hash = contentHash(shownJson);
  return { json: labelContentJson(labelId, shownJson, hash, version), hash };
}

function latestInventory(seen: Received[], topic: string): BridgeLabels | undefined {
  const last = seen.filter((m) => m.topic === topic && m.text.length > 0).at(-1);
  return last ? bridgeLabelsSchema.parse(JSON.parse(last.text)) : undefined;
}

function statesOf(seen: Received[], topic: string): LabelState[] {
  return seen.filter((m) => m.topic === topic).map((m) => labelStateSchema.parse(JSON.parse(m.text)));
}

/** Clear what a test leaves retained on the shared Mosquitto. */
async function clearRetained(url: string, topics: string[]): Promise<void> {
  const { mqtt } = await client(url, []);
  await Promise.all(topics.map((topic) => mqtt.publishAsync(topic, "", { qos: 1, retain: true })));
}

describe("device topics (schemas/topics.ts)", () => {
  it("builds and parses {prefix}/{labelId}/{leaf} and refuses prefixes that could collide", () => {
    const d = deviceTopics(defaultDevicePrefix("store-7"));
    expect(d.label("L1", "hello")).toBe("shelfsync-native/store-7/L1/hello");
    expect(d.anyLabel("state")).toBe("shelfsync-native/store-7/+/state");
    expect(d.parse("shelfsync-native/store-7/L1/content")).toEqual({ labelId: "L1", leaf: "content" });
    expect(d.parse("shelfsync-native/store-7/L1/other")).toBeNull();
    expect(d.parse("shelfsync-native/store-7/L1/x/state")).toBeNull();
    expect(d.parse("shelfsync-native/store-70/L1/state")).toBeNull();
    expect(d.parse("shelfsync-native/store-7/+/state")).toBeNull();
    expect(deviceTopics("site/a").label("L-9", "command")).toBe("site/a/L-9/command");
    for (const bad of ["", "a//b", "/a", "a/", "a/+", "a/#", "$SYS/x", "shelfsync/store-7/label"]) {
      expect(() => deviceTopics(bad), bad).toThrow(TopicError);
    }
    expect(() => d.label("bad/id", "hello")).toThrow(TopicError);
  });
});

describe("native kind on the command line", () => {
  it("defaults to the store broker and shelfsync-native/{storeId}; flags override; bad values are usage errors", async () => {
    const base = parseCommandLine(["native", "--store-id", "s9", "--mqtt-url", "mqtt://10.0.0.1:1883"], {});
    expect(base.common.bridgeId).toBe("native");
    const common = { ...base.common, logger: captureLogger() };
    const plain = (await base.kind.createAdapter(base.flags, {}, common)) as NativeBridgeAdapter;
    expect(plain.kind).toBe("native");
    expect(plain.deviceUrl).toBe("mqtt://10.0.0.1:1883");
    expect(plain.deviceTopics.prefix).toBe("shelfsync-native/s9");

    const given = parseCommandLine(
      ["native", "--device-url", "mqtts://labels.local:8883", "--device-prefix", "shop/9/labels"],
      {},
    );
    const custom = (await given.kind.createAdapter(given.flags, {}, common)) as NativeBridgeAdapter;
    expect(custom.deviceUrl).toBe("mqtts://labels.local:8883");
    expect(custom.deviceTopics.prefix).toBe("shop/9/labels");

    const fromEnv = (await nativeKind.createAdapter(
      {},
      { SHELFSYNC_NATIVE_DEVICE_PREFIX: "env/p" },
      common,
    )) as NativeBridgeAdapter;
    expect(fromEnv.deviceTopics.prefix).toBe("env/p");

    const bad = parseCommandLine(["native", "--device-prefix", "shelfsync/s9/label"], {});
    expect(() => bad.kind.createAdapter(bad.flags, {}, common)).toThrow(CliUsageError);
    expect(() => bad.kind.createAdapter(bad.flags, {}, common)).toThrow(/--device-prefix/);
    expect(() => nativeKind.createAdapter({ "device-url": "http://x" }, {}, common)).toThrow(/--device-url/);
  });
});

const layouts = [
  { name: "one Mosquitto for both sides (default --device-url)", deviceBroker: "same" },
  { name: "store on Mosquitto, devices on an in-process Aedes", deviceBroker: "aedes" },
] as const;

describe.each(layouts)("native bridge: $name", ({ deviceBroker }) => {
  it("discovers labels from hello, relays content byte for byte and commands, relays state, drops bad and departed hellos", async () => {
    const storeId = `t${randomUUID().slice(0, 8)}`;
    const bridgeId = "native-t";
    const topics = storeTopics(storeId);
    const deviceUrl = deviceBroker === "same" ? MOSQUITTO_URL : (await startAedes()).url;
    const logger = captureLogger();
    const flags = deviceBroker === "same" ? {} : { "device-url": deviceUrl };
    const adapter = (await nativeKind.createAdapter(
      flags,
      {},
      {
        mqttUrl: MOSQUITTO_URL,
        storeId,
        bridgeId,
        logger,
      },
    )) as NativeBridgeAdapter;
    const dev = adapter.deviceTopics;
    expect(adapter.deviceUrl).toBe(deviceUrl);

    const ctl = await client(MOSQUITTO_URL, [topics.anyBridge("labels"), topics.anyLabel("state")]);
    const device = await client(deviceUrl, [dev.anyLabel("content"), dev.anyLabel("command")]);
    const bridge = await startBridge({ mqttUrl: MOSQUITTO_URL, storeId, bridgeId, adapter, logger });
    cleanups.push(async () => {
      await bridge.stop();
      const leftovers = [topics.bridge(bridgeId, "status"), topics.bridge(bridgeId, "labels")];
      leftovers.push(topics.label("L1", "content"));
      if (deviceBroker === "same") {
        leftovers.push(dev.label("L1", "hello"), dev.label("L2", "hello"), dev.label("L1", "content"));
      }
      await clearRetained(MOSQUITTO_URL, leftovers);
    });
    await bridge.ready;
    await waitUntil("the device side to connect", () => adapter.deviceOnline);
    const inventoryTopic = topics.bridge(bridgeId, "labels");
    expect(latestInventory(ctl.seen, inventoryTopic)?.labels ?? []).toEqual([]);

    // A label says hello: it joins the canonical inventory with its panel.
    await device.mqtt.publishAsync(
      dev.label("L1", "hello"),
      JSON.stringify({ v: 1, model: "NL-29", width: 296, height: 128, colors: "bwr" }),
      { qos: 1, retain: true },
    );
    await waitUntil(
      "L1 in the inventory",
      () => (latestInventory(ctl.seen, inventoryTopic)?.labels.length ?? 0) > 0,
    );
    const inventory = latestInventory(ctl.seen, inventoryTopic)!;
    expect(inventory.kind).toBe("native");
    expect(inventory.labels).toEqual([
      { labelId: "L1", model: "NL-29", width: 296, height: 128, colors: "bwr" },
    ]);

    // The controller's content reaches the device byte for byte, and stays retained there.
    const { json, hash } = controllerContent("L1", 249, 1);
    await ctl.mqtt.publishAsync(topics.label("L1", "content"), json, { qos: 1, retain: true });
    const contentTopic = dev.label("L1", "content");
    await waitUntil("content at the device", () => device.seen.some((m) => m.topic === contentTopic));
    expect(device.seen.filter((m) => m.topic === contentTopic).map((m) => m.text)).toEqual([json]);
    const late = await client(deviceUrl, [contentTopic]);
    await waitUntil("retained content for a late subscriber", () => late.seen.length > 0);
    expect(late.seen[0]).toEqual({ topic: contentTopic, text: json, retain: true });

    // The bridge never claims what the panel shows; the device's own state does.
    const stateTopic = topics.label("L1", "state");
    expect(statesOf(ctl.seen, stateTopic)).toEqual([]);
    await device.mqtt.publishAsync(
      dev.label("L1", "state"),
      JSON.stringify({
        v: 1,
        displayedHash: hash,
        version: 1,
        battery: 87,
        rssi: -61,
        ts: 1_700_000_000_000,
      }),
      { qos: 1 },
    );
    await waitUntil("state at the controller", () => statesOf(ctl.seen, stateTopic).length > 0);
    expect(statesOf(ctl.seen, stateTopic)).toEqual([
      { v: 1, displayedHash: hash, version: 1, battery: 87, rssi: -61, ts: 1_700_000_000_000 },
    ]);

    // A flash command is relayed as the controller wrote it, not retained.
    const flash = { v: 1, command: "flash", commandId: "c-1", color: "red", pattern: "pulse", seconds: 5 };
    await ctl.mqtt.publishAsync(topics.label("L1", "command"), JSON.stringify(flash), { qos: 1 });
    const commandTopic = dev.label("L1", "command");
    await waitUntil("command at the device", () => device.seen.some((m) => m.topic === commandTopic));
    const command = device.seen.find((m) => m.topic === commandTopic)!;
    expect(JSON.parse(command.text)).toEqual(flash);
    expect(command.retain).toBe(false);

    // Bad device payloads are logged with topic and field and change nothing.
    const inventoriesBefore = ctl.seen.filter((m) => m.topic === inventoryTopic).length;
    await device.mqtt.publishAsync(
      dev.label("L2", "hello"),
      JSON.stringify({ v: 1, width: -5, colors: "bwr" }),
      {
        qos: 1,
        retain: true,
      },
    );
    await device.mqtt.publishAsync(
      dev.label("L1", "state"),
      JSON.stringify({ v: 1, displayedHash: "NOT-HEX" }),
      {
        qos: 1,
      },
    );
    await waitUntil("the bad hello logged", () =>
      logger.lines.some((l) => l.message === "invalid device hello ignored"),
    );
    await waitUntil("the bad state logged", () =>
      logger.lines.some((l) => l.message === "invalid device state ignored"),
    );
    expect(logger.lines.find((l) => l.message === "invalid device hello ignored")?.fields).toMatchObject({
      topic: dev.label("L2", "hello"),
      field: "width",
    });
    expect(logger.lines.find((l) => l.message === "invalid device state ignored")?.fields).toMatchObject({
      topic: dev.label("L1", "state"),
      field: "displayedHash",
    });
    expect(adapter.labels().map((l) => l.labelId)).toEqual(["L1"]);
    expect(ctl.seen.filter((m) => m.topic === inventoryTopic).length).toBe(inventoriesBefore);
    expect(statesOf(ctl.seen, stateTopic)).toHaveLength(1);

    // Cleared content reaches the device as an empty retained payload.
    await ctl.mqtt.publishAsync(topics.label("L1", "content"), "", { qos: 1, retain: true });
    await waitUntil("cleared content at the device", () =>
      device.seen.some((m) => m.topic === contentTopic && m.text === ""),
    );

    // An empty retained hello: the label left, and the inventory says so.
    await device.mqtt.publishAsync(dev.label("L1", "hello"), "", { qos: 1, retain: true });
    await waitUntil(
      "L1 gone from the inventory",
      () => latestInventory(ctl.seen, inventoryTopic)?.labels.length === 0,
    );
    expect(adapter.labels()).toEqual([]);
    // Its state is no longer relayed.
    await device.mqtt.publishAsync(dev.label("L1", "state"), JSON.stringify({ v: 1, displayedHash: hash }), {
      qos: 1,
    });
    await waitUntil("the orphan state logged", () =>
      logger.lines.some((l) => l.message.startsWith("state from a label that sent no hello")),
    );
    expect(statesOf(ctl.seen, stateTopic)).toHaveLength(1);
  });
});

describe("native bridge: device broker outage", () => {
  it("content published while the device broker is down reaches the device once it is back", async () => {
    const storeId = `t${randomUUID().slice(0, 8)}`;
    const bridgeId = "native-o";
    const topics = storeTopics(storeId);
    const port = await freePort();
    let deviceBroker = await startAedes(port);
    const logger = captureLogger();
    const adapter = new NativeBridgeAdapter({
      deviceUrl: deviceBroker.url,
      devicePrefix: defaultDevicePrefix(storeId),
      reconnect: { initialMs: 50, maxMs: 200 },
    });
    const dev = adapter.deviceTopics;
    const ctl = await client(MOSQUITTO_URL, [topics.anyLabel("state")]);
    const bridge = await startBridge({
      mqttUrl: MOSQUITTO_URL,
      storeId,
      bridgeId,
      adapter,
      logger,
      applyRetry: { initialMs: 50, maxMs: 200 },
    });
    cleanups.push(async () => {
      await bridge.stop();
      await clearRetained(MOSQUITTO_URL, [
        topics.bridge(bridgeId, "status"),
        topics.bridge(bridgeId, "labels"),
        topics.label("L1", "content"),
      ]);
    });
    await bridge.ready;
    await waitUntil("the device side to connect", () => adapter.deviceOnline);
    const hello = JSON.stringify({ v: 1, width: 250, height: 122, colors: "bw" });
    const first = await client(deviceBroker.url, []);
    await first.mqtt.publishAsync(dev.label("L1", "hello"), hello, { qos: 1, retain: true });
    await waitUntil("L1 known", () => adapter.labels().length === 1);

    await deviceBroker.close();
    first.mqtt.end(true);
    await waitUntil("the device side to notice", () => !adapter.deviceOnline);
    const { json, hash } = controllerContent("L1", 199, 2);
    await ctl.mqtt.publishAsync(topics.label("L1", "content"), json, { qos: 1, retain: true });
    await waitUntil("a failed apply", () => bridge.stats.applyFailures > 0);
    expect(adapter.labels().map((l) => l.labelId)).toEqual(["L1"]);

    // The device broker comes back empty (no persistence); the label reconnects and says hello again.
    deviceBroker = await startAedes(port);
    const device = await client(deviceBroker.url, [dev.anyLabel("content")]);
    await device.mqtt.publishAsync(dev.label("L1", "hello"), hello, { qos: 1, retain: true });
    await waitUntil("content after the outage", () => device.seen.some((m) => m.text === json), 20_000);
    await device.mqtt.publishAsync(
      dev.label("L1", "state"),
      JSON.stringify({ v: 1, displayedHash: hash, version: 2 }),
      {
        qos: 1,
      },
    );
    const stateTopic = topics.label("L1", "state");
    await waitUntil("state after the outage", () => statesOf(ctl.seen, stateTopic).length > 0);
    expect(statesOf(ctl.seen, stateTopic)[0]).toMatchObject({ displayedHash: hash, version: 2 });
    expect(logger.lines.some((l) => l.message === "device broker connection lost")).toBe(true);
  });
});
