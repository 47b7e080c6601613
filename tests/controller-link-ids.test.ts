import { createServer } from "node:net";
import mqttPacket from "mqtt-packet";
import { afterAll, describe, expect, it } from "vitest";
import { type ControllerLink, connectControllerLink } from "../controller/mqtt/controller-link.ts";
import { portInRange, type RestartableBroker, startAedesBroker } from "./support/brokers.ts";
import { captureControllerLogger, uniqueStoreId, waitFor } from "./support/harness.ts";

/**
 * MQTT gives a QoS 1 publish a 16-bit packet id, unique only among the publishes not yet
 * acknowledged. After a broker outage the controller holds more than 65,535 of them: the contents it
 * published while the broker was down (a reprice, a change) and the republish of every label at the
 * reconnect. A provider that hands out ids without checking them (MQTT.js's default) gives a second
 * publish an id still in flight: the first one's acknowledgement is then taken for the second, the
 * first's callback is never called, and a batch waiting for every acknowledgement never ends. Seen in
 * `npm run soak` on Mosquitto at 100,000 labels: 201 labels stuck out of sync, and a SUBACK arriving
 * for an id a publish held.
 */
describe("the controller link's packet ids", () => {
  let broker: RestartableBroker | undefined;
  let link: ControllerLink | undefined;
  afterAll(async () => {
    await link?.close();
    await broker?.stop();
  });

  it("70,000 contents published during an outage are each acknowledged once the broker is back", async () => {
    broker = await startAedesBroker(await portInRange(19300, 19349));
    const b = broker;
    link = connectControllerLink({
      url: b.url,
      storeId: uniqueStoreId(),
      log: captureControllerLogger(),
      handlers: { onConnect() {}, onLabelState() {}, onBridgeStatus() {}, onBridgeLabels() {} },
    });
    const l = link;
    await waitFor(() => l.connected(), 10_000, "link connected");
    await b.stop();
    await waitFor(() => !l.connected(), 10_000, "link noticed the outage");

    const COUNT = 70_000;
    let settled: string[] | null = null;
    const done = l
      .publishContents(
        Array.from(
          { length: COUNT },
          (_, i) => [`L${i}`, JSON.stringify({ v: 1, labelId: `L${i}` })] as const,
        ),
      )
      .then((failed) => {
        settled = failed;
      });
    const publishedBefore = b.contentPublishes();
    await b.start();
    // Waits on the condition: every publish acknowledged means the batch's promise settles.
    await waitFor(() => settled !== null, 120_000, `all ${COUNT} publishes acknowledged`);
    await done;
    expect(settled).toEqual([]);
    // Each content reached the broker (ids reused while in flight would also let the broker see
    // fewer than were published).
    expect(b.contentPublishes() - publishedBefore).toBeGreaterThanOrEqual(COUNT);
  }, 180_000);
});

/**
 * A broker that takes the connection and the subscriptions but never acknowledges a publish (a hung
 * broker, or one that stopped answering): the controller's stop must not wait on it forever. Before
 * the close was bounded, the offline status waited for its PUBACK with no end.
 */
describe("closing the controller link", () => {
  it("ends even when the broker never acknowledges the offline status", async () => {
    const server = createServer((socket) => {
      const parser = mqttPacket.parser({ protocolVersion: 4 });
      parser.on("packet", (packet) => {
        if (packet.cmd === "connect")
          socket.write(mqttPacket.generate({ cmd: "connack", returnCode: 0, sessionPresent: false }));
        else if (packet.cmd === "subscribe")
          socket.write(
            mqttPacket.generate({
              cmd: "suback",
              messageId: packet.messageId,
              granted: packet.subscriptions.map(() => 0),
            }),
          );
        else if (packet.cmd === "pingreq") socket.write(mqttPacket.generate({ cmd: "pingresp" }));
        // publish: never acknowledged
      });
      socket.on("data", (chunk) => parser.parse(chunk));
      socket.on("error", () => {});
    });
    const port = await portInRange(19350, 19359);
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
    try {
      const link = connectControllerLink({
        url: `mqtt://127.0.0.1:${port}`,
        storeId: uniqueStoreId(),
        log: captureControllerLogger(),
        handlers: { onConnect() {}, onLabelState() {}, onBridgeStatus() {}, onBridgeLabels() {} },
      });
      await waitFor(() => link.connected(), 10_000, "link connected");
      let closed = false;
      const closing = link.close().then(() => {
        closed = true;
      });
      // Bounded by the close's own limits (CLOSE_STEP_MS twice); without them it never settles.
      await waitFor(() => closed, 30_000, "link closed");
      await closing;
      expect(link.client.connected).toBe(false);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }, 60_000);
});
