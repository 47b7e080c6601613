import { createHash, randomUUID } from "node:crypto";
import net, { type AddressInfo } from "node:net";
import { Aedes } from "aedes";
import { connect, type MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { type BridgeHandle, silentLogger, startBridge } from "../firmware-bridge/core/index.ts";
import { OeplBridgeAdapter } from "../firmware-bridge/oepl/bridge-adapter.ts";
import { oeplKind, parseApUrl } from "../firmware-bridge/oepl/kind.ts";
import { bridgeLabelsSchema, type LabelContent, labelStateSchema, storeTopics } from "../schemas/index.ts";
import { FakeOeplAp } from "./fakes/oepl-ap.ts";
import { waitUntil } from "./support/harness.ts";

const MAC_LED = "0000021EDB3F7A9C";
const MAC_PLAIN = "00000A1B2C3D4E5F";

function content(labelId: string, amountMinor: number): LabelContent {
  return {
    v: 1,
    labelId,
    sku: "coffee-500",
    gtin: "4006381333931",
    name: "Coffee 500 g",
    price: { amountMinor, currency: "EUR", text: `${(amountMinor / 100).toFixed(2).replace(".", ",")} €` },
    unitPrice: {
      amountMinor: amountMinor * 2,
      currency: "EUR",
      text: `${((amountMinor * 2) / 100).toFixed(2)} €`,
      per: "kg",
    },
    stock: "in_stock",
    contentHash: createHash("sha256").update(`${labelId}:${amountMinor}`).digest("hex").slice(0, 32),
    version: 1,
  };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function broker(): Promise<string> {
  const aedes = await Aedes.createBroker();
  const server = net.createServer(aedes.handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
  });
  return `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("OEPL bridge on the bridge runtime", () => {
  it("serves OEPL tags as labels over MQTT: inventory, rendered content confirmed through /get_db, LED flash", async () => {
    const fake = await FakeOeplAp.start({
      runnerIntervalMs: 40,
      checkinIntervalMs: 150,
      queueGapMs: 40,
      transferMs: 25,
    });
    cleanups.push(() => fake.close());
    fake.addTag({ mac: MAC_LED, hwType: 0x01, capabilities: 0x01, batteryMv: 2800 });
    fake.addTag({ mac: MAC_PLAIN, hwType: 0x3c });

    const mqttUrl = await broker();
    const storeId = `t${randomUUID().slice(0, 8)}`;
    const topics = storeTopics(storeId);
    const adapter = new OeplBridgeAdapter({
      aps: [fake.url],
      pollIntervalMs: 100,
      flightPollMs: 30,
      coalesceMs: 30,
    });
    const bridge: BridgeHandle = await startBridge({
      mqttUrl,
      storeId,
      bridgeId: "oepl",
      adapter,
      logger: silentLogger,
    });
    cleanups.push(() => bridge.stop());
    await bridge.ready;

    const seen: Array<{ topic: string; text: string }> = [];
    const client: MqttClient = connect(mqttUrl);
    cleanups.push(() => client.endAsync());
    client.on("message", (topic, payload) => seen.push({ topic, text: payload.toString() }));
    await new Promise<void>((resolve) => client.on("connect", () => resolve()));
    await client.subscribeAsync(`shelfsync/${storeId}/#`);

    await waitUntil("inventory", () => seen.some((m) => m.topic === topics.bridge("oepl", "labels")));
    const inventory = bridgeLabelsSchema.parse(
      JSON.parse(seen.find((m) => m.topic === topics.bridge("oepl", "labels"))!.text),
    );
    expect(inventory.kind).toBe("oepl");
    expect(inventory.labels).toEqual([
      { labelId: MAC_LED, model: 'OEPL M2 2.9"', width: 296, height: 128, colors: "bwr" },
      { labelId: MAC_PLAIN, model: 'OEPL M3 4.2" BWY', width: 400, height: 300, colors: "bwy" },
    ]);

    const c = content(MAC_LED, 249);
    await client.publishAsync(topics.label(MAC_LED, "content"), JSON.stringify(c), { qos: 1, retain: true });
    const stateTopic = topics.label(MAC_LED, "state");
    const states = () =>
      seen.filter((m) => m.topic === stateTopic).map((m) => labelStateSchema.parse(JSON.parse(m.text)));
    await waitUntil("confirmed state", () => states().some((s) => s.displayedHash === c.contentHash));
    const confirmed = states().find((s) => s.displayedHash === c.contentHash)!;
    expect(confirmed).toMatchObject({ version: 1, battery: 60, rssi: -62 });

    // The real renderer's picture arrived intact: a TJpgDec-clean JPEG of 296×128, drawn with ink.
    expect(fake.violations).toEqual([]);
    const shown = fake.tag(MAC_LED).shown;
    if (shown?.kind !== "image") throw new Error("nothing shown");
    const inked = shown.pixels.filter((p) => p !== 0).length;
    expect(inked).toBeGreaterThan(500);
    expect(inked).toBeLessThan(296 * 128 * 0.8);

    const flash = { v: 1, command: "flash", commandId: "f1", color: "red", pattern: "blink", seconds: 5 };
    await client.publishAsync(topics.label(MAC_LED, "command"), JSON.stringify(flash), { qos: 1 });
    await client.publishAsync(
      topics.label(MAC_PLAIN, "command"),
      JSON.stringify({ ...flash, commandId: "f2" }),
      { qos: 1 },
    );
    await waitUntil("LED delivered", () => fake.tag(MAC_LED).ledFlashes.length === 1);
    expect(fake.tag(MAC_LED).ledFlashes[0]![1]).toBe(0xe0);
    expect(fake.requests.filter((r) => r.url.startsWith("/led_flash") && r.url.includes(MAC_PLAIN))).toEqual(
      [],
    );
  });

  it("reads its access points from --ap or SHELFSYNC_OEPL_AP", async () => {
    expect(parseApUrl("192.168.1.40")).toBe("http://192.168.1.40");
    expect(parseApUrl("http://ap.local:8080/")).toBe("http://ap.local:8080");
    expect(parseApUrl("ftp://ap")).toBeUndefined();
    const common = { mqttUrl: "mqtt://x", storeId: "s", bridgeId: "oepl", logger: silentLogger };
    expect(await oeplKind.createAdapter({ ap: ["192.168.1.40"] }, {}, common)).toBeInstanceOf(
      OeplBridgeAdapter,
    );
    expect(
      await oeplKind.createAdapter({}, { SHELFSYNC_OEPL_AP: "http://a, http://b" }, common),
    ).toBeInstanceOf(OeplBridgeAdapter);
    expect(() => oeplKind.createAdapter({}, {}, common)).toThrow(/--ap/);
    expect(() => oeplKind.createAdapter({ ap: ["ftp://x"] }, {}, common)).toThrow(
      /--ap: must be an http URL/,
    );
    expect(() => oeplKind.createAdapter({ ap: ["http://a"], dither: "3" }, {}, common)).toThrow(/--dither/);
  });
});
