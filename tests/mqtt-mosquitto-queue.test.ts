import { readFileSync } from "node:fs";
import { join } from "node:path";
import mqtt from "mqtt";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../controller/log.ts";
import { connectControllerLink } from "../controller/mqtt/controller-link.ts";
import { maxQueuedMessages } from "../controller/mqtt/mosquitto-files.ts";
import { storeTopics } from "../schemas/index.ts";
import { portInRange, type RestartableBroker, startMosquittoBroker } from "./support/brokers.ts";
import { tempDir, uniqueStoreId, waitFor } from "./support/harness.ts";

// A bridge that does not read its socket for a moment (garbage collection, a burst of radio work)
// while the controller publishes a reprice: Mosquitto holds only max_queued_messages packets for it
// and drops the rest, and a dropped content is sent again only at the label's ack timeout, minutes
// later. With its default (1,000) a 20,000-label reprice loses most of it; with the depth the files
// Shelfsync writes for Mosquitto set (mosquitto-files.ts maxQueuedMessages), nothing.
const LABELS = 20_000;
/** About a real label content's size: what fills the socket buffers, so Mosquitto has to queue. */
const CONTENT = JSON.stringify({ v: 1, padding: "x".repeat(800) });
const PORTS = { from: 19500, to: 19519 };

describe("Mosquitto's queue for a bridge that stops reading for a moment", () => {
  const dir = tempDir("shelfsync-mosquitto-queue-");
  const brokers: RestartableBroker[] = [];
  afterAll(async () => {
    for (const b of brokers) await b.stop();
    dir.cleanup();
  });

  /** Publish a reprice through the controller's link while a bridge-like subscriber is paused. */
  async function repriceToPausedBridge(extra: string[]): Promise<{ received: number; logDrops: number }> {
    const port = await portInRange(PORTS.from, PORTS.to);
    const broker = await startMosquittoBroker(port, dir.path, extra);
    brokers.push(broker);
    const storeId = uniqueStoreId();
    const topics = storeTopics(storeId);

    // Subscribed the way the bridge runtime subscribes: every label's content, QoS 0.
    const bridge = await mqtt.connectAsync(broker.url, { clientId: `bridge-${storeId}`, clean: true });
    let received = 0;
    bridge.on("message", () => received++);
    await bridge.subscribeAsync(topics.anyLabel("content"), { qos: 0 });

    const link = connectControllerLink({
      url: broker.url,
      storeId,
      log: createLogger("silent"),
      handlers: { onConnect() {}, onLabelState() {}, onBridgeStatus() {}, onBridgeLabels() {} },
    });
    try {
      await waitFor(() => link.connected(), 10_000, "controller link connected");
      const socket = bridge.stream as unknown as { pause(): void; resume(): void };
      socket.pause();
      const items = Array.from({ length: LABELS }, (_, i) => [`L${i}`, CONTENT] as const);
      // Every publish acknowledged by the broker: what a controller sees of a "delivered" reprice.
      expect(await link.publishContents(items)).toEqual([]);
      socket.resume();
      // Whatever the broker kept for the bridge arrives now; wait until all came or nothing more does.
      for (let last = -1; received < LABELS && received !== last; ) {
        last = received;
        await new Promise((r) => setTimeout(r, 1_000));
      }
    } finally {
      await link.close();
      await bridge.endAsync(true);
      await broker.stop();
    }
    const log = readFileSync(join(dir.path, `mosquitto-${port}.log`), "utf8");
    return { received, logDrops: (log.match(/Outgoing messages are being dropped/g) ?? []).length };
  }

  it("with Mosquitto's default depth, contents are dropped (the control: the test can fail)", async () => {
    const { received, logDrops } = await repriceToPausedBridge([]);
    console.log(`Mosquitto defaults: the paused bridge received ${received} of ${LABELS} contents`);
    expect(received).toBeLessThan(LABELS);
    expect(logDrops).toBeGreaterThan(0);
  }, 90_000);

  it("with the depth Shelfsync's files set, every content reaches the bridge", async () => {
    const { received, logDrops } = await repriceToPausedBridge([
      `max_queued_messages ${maxQueuedMessages(LABELS)}`,
    ]);
    console.log(`max_queued_messages ${maxQueuedMessages(LABELS)}: received ${received} of ${LABELS}`);
    expect(received).toBe(LABELS);
    expect(logDrops).toBe(0);
  }, 90_000);
});
