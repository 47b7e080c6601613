import { createServer, type Socket } from "node:net";
import mqttPacket from "mqtt-packet";
import { afterAll, describe, expect, it } from "vitest";
import { type ControllerLink, connectControllerLink } from "../controller/mqtt/controller-link.ts";
import { portInRange, type RestartableBroker, startAedesBroker } from "./support/brokers.ts";
import { captureControllerLogger, uniqueStoreId, waitFor } from "./support/harness.ts";

/**
 * MQTT gives a QoS 1 publish a 16-bit packet id, unique only among the publishes not yet
 * acknowledged. At every connect the controller republishes every label's content (100,000 in the
 * soak) in one batch, so more than 65,535 wait for their acknowledgement at once. A provider that
 * hands out ids without checking them (MQTT.js's default) gives a later publish an id still in
 * flight: the first one's acknowledgement is then taken for the second, the first's callback is never
 * called, and a batch waiting for every acknowledgement never ends. Seen in `npm run soak` on
 * Mosquitto at 100,000 labels: 201 labels stuck out of sync, and a SUBACK arriving for an id a
 * publish held.
 */
describe("the controller link's packet ids", () => {
  let broker: RestartableBroker | undefined;
  let link: ControllerLink | undefined;
  afterAll(async () => {
    await link?.close();
    await broker?.stop();
  });

  it("70,000 contents published in one batch are each acknowledged", async () => {
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

    const COUNT = 70_000;
    let settled: string[] | null = null;
    const publishedBefore = b.contentPublishes();
    // Handed to the client in one synchronous run, so every id is taken before the first
    // acknowledgement can come back: the last 4,465 must wait for free ones.
    const done = l.publishContents(contents(COUNT)).then((failed) => {
      settled = failed;
    });
    // Waits on the condition: every publish acknowledged means the batch's promise settles.
    await waitFor(() => settled !== null, 120_000, `all ${COUNT} publishes acknowledged`);
    await done;
    expect(settled).toEqual([]);
    // Each content reached the broker (ids reused while in flight would also let the broker see
    // fewer than were published).
    expect(b.contentPublishes() - publishedBefore).toBeGreaterThanOrEqual(COUNT);
  }, 180_000);
});

function contents(count: number, prefix = "L") {
  return Array.from(
    { length: count },
    (_, i) => [`${prefix}${i}`, JSON.stringify({ v: 1, labelId: `${prefix}${i}` })] as const,
  );
}

/**
 * A loopback MQTT server that accepts connections and subscriptions but never acknowledges a
 * publish (a hung broker, or one that stopped answering), counting the label contents each
 * connection brings, and able to cut its connections. The link opens two connections (its
 * availability session and its content session), in either order.
 */
async function silentBroker(portFrom: number, portTo: number) {
  /** Each open socket with the client id of its CONNECT. */
  const sockets = new Map<Socket, string>();
  const contentsPerConnection: number[] = [];
  const server = createServer((socket) => {
    sockets.set(socket, "");
    const connection = contentsPerConnection.push(0) - 1;
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on("packet", (packet) => {
      if (packet.cmd === "connect") {
        sockets.set(socket, packet.clientId);
        socket.write(mqttPacket.generate({ cmd: "connack", returnCode: 0, sessionPresent: false }));
      } else if (packet.cmd === "subscribe")
        socket.write(
          mqttPacket.generate({
            cmd: "suback",
            messageId: packet.messageId,
            granted: packet.subscriptions.map(() => 0),
          }),
        );
      else if (packet.cmd === "pingreq") socket.write(mqttPacket.generate({ cmd: "pingresp" }));
      else if (packet.cmd === "publish" && packet.topic.endsWith("/content"))
        contentsPerConnection[connection] = (contentsPerConnection[connection] ?? 0) + 1;
      // publish: never acknowledged
    });
    socket.on("data", (chunk) => parser.parse(chunk));
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  const port = await portInRange(portFrom, portTo);
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
  return {
    url: `mqtt://127.0.0.1:${port}`,
    /** Connections opened so far. */
    connections: () => contentsPerConnection.length,
    /** Label contents received on every connection opened from `from` on. */
    contents: (from = 0) => contentsPerConnection.slice(from).reduce((n, c) => n + c, 0),
    /** Cut every connection, or those whose client id `which` picks. */
    cut: (which: (clientId: string) => boolean = () => true) => {
      for (const [s, clientId] of sockets) if (which(clientId)) s.destroy();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets.keys()) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A controller link to `url` that counts its connects (the first, then each reconnect). */
function linkCountingConnects(url: string) {
  let connects = 0;
  const link = connectControllerLink({
    url,
    storeId: uniqueStoreId(),
    log: captureControllerLogger(),
    handlers: {
      onConnect() {
        connects++;
      },
      onLabelState() {},
      onBridgeStatus() {},
      onBridgeLabels() {},
    },
  });
  return { link, connects: () => connects };
}

/**
 * A connection lost with publishes in flight: MQTT.js keeps them and, at the next connect, sends
 * them again one at a time, each waiting for its acknowledgement, before it reports the connection.
 * Those contents are stale by then (the connect republishes every label's current one), and behind
 * thousands of them the republish waited minutes (seen after the soak's Mosquitto restart).
 */
describe("a connection lost with publishes in flight", () => {
  it("fails them at once, and the reconnect is reported without replaying them", async () => {
    const broker = await silentBroker(19360, 19369);
    const { link, connects } = linkCountingConnects(broker.url);
    try {
      await waitFor(() => connects() === 1, 10_000, "link connected");
      let settled: string[] | null = null;
      void link.publishContents(contents(1_000)).then((failed) => {
        settled = failed;
      });
      await waitFor(() => broker.contents() === 1_000, 10_000, "contents on the wire");
      const beforeCut = broker.connections();
      broker.cut();
      await waitFor(() => settled !== null, 10_000, "the batch settled when the connection was lost");
      expect(settled).toHaveLength(1_000);

      // While it is away, a batch fails at once instead of waiting in the client's queue.
      expect(await link.publishContents(contents(10, "M"))).toHaveLength(10);

      // The reconnect (2 s later) is reported (that is what republishes every label's content) and
      // brings none of the old publishes with it.
      await waitFor(() => connects() === 2, 15_000, "reconnect reported");
      expect(broker.connections()).toBe(2 * beforeCut);
      expect(broker.contents(beforeCut)).toBe(0);
    } finally {
      await link.close();
      await broker.stop();
    }
  }, 60_000);
});

/**
 * The contents go through a session of their own (controller/mqtt/content-session.ts).
 * When that one alone loses its connection, the contents it had in flight are gone with it; the
 * availability session staying up must not hide that: its reconnect republishes every label's
 * content like any reconnect, and meanwhile the link is not connected (nothing is published).
 */
describe("the content session losing its connection alone", () => {
  it("is reported as a reconnect, and the link is not connected meanwhile", async () => {
    const broker = await silentBroker(19360, 19369);
    const { link, connects } = linkCountingConnects(broker.url);
    try {
      await waitFor(() => connects() === 1, 10_000, "link connected");
      let settled: string[] | null = null;
      void link.publishContents(contents(100)).then((failed) => {
        settled = failed;
      });
      await waitFor(() => broker.contents() === 100, 10_000, "contents on the wire");
      broker.cut((clientId) => clientId.endsWith("-contents"));
      await waitFor(() => settled !== null, 10_000, "the batch settled when the connection was lost");
      expect(settled).toHaveLength(100);
      expect(link.connected()).toBe(false);
      expect(await link.publishContents(contents(10, "M"))).toHaveLength(10);
      await waitFor(() => connects() === 2, 15_000, "the content session's reconnect reported");
      expect(link.connected()).toBe(true);
      // One connection was cut and came back: the availability session stayed up throughout.
      expect(broker.connections()).toBe(3);
    } finally {
      await link.close();
      await broker.stop();
    }
  }, 60_000);
});

/**
 * More contents than there are packet ids: the rest wait in the link (controller/mqtt/content-writer.ts)
 * until acknowledgements free ids. A connection lost then must fail those too, or the batch never
 * settles, and must not send any of them on the closed socket.
 */
describe("a connection lost with publishes waiting for a packet id", () => {
  it("fails the waiting ones with those in flight", async () => {
    const broker = await silentBroker(19370, 19379);
    const { link, connects } = linkCountingConnects(broker.url);
    try {
      await waitFor(() => connects() === 1, 10_000, "link connected");
      const COUNT = 66_000;
      let settled: string[] | null = null;
      void link.publishContents(contents(COUNT)).then((failed) => {
        settled = failed;
      });
      // Every id of the content session is taken (the broker acknowledges nothing): 465 wait.
      const ON_THE_WIRE = 65_535;
      await waitFor(() => broker.contents() === ON_THE_WIRE, 20_000, "every packet id on the wire");
      expect(settled).toBeNull();
      const beforeCut = broker.connections();
      broker.cut();
      await waitFor(() => settled !== null, 10_000, "the batch settled when the connection was lost");
      expect(new Set(settled)).toEqual(new Set(contents(COUNT).map(([id]) => id)));
      await waitFor(() => connects() === 2, 15_000, "reconnect reported");
      // Nothing was sent after the cut, on the old connections or the new ones.
      expect(broker.contents(0)).toBe(ON_THE_WIRE);
      expect(broker.contents(beforeCut)).toBe(0);
    } finally {
      await link.close();
      await broker.stop();
    }
  }, 90_000);
});

/**
 * A broker that takes the connection and the subscriptions but never acknowledges a publish (a hung
 * broker, or one that stopped answering): the controller's stop must not wait on it forever. Before
 * the close was bounded, the offline status waited for its PUBACK with no end.
 */
describe("closing the controller link", () => {
  it("ends even when the broker never acknowledges the offline status or the contents", async () => {
    const broker = await silentBroker(19350, 19359);
    try {
      const link = connectControllerLink({
        url: broker.url,
        storeId: uniqueStoreId(),
        log: captureControllerLogger(),
        handlers: { onConnect() {}, onLabelState() {}, onBridgeStatus() {}, onBridgeLabels() {} },
      });
      await waitFor(() => link.connected(), 10_000, "link connected");
      // Contents in flight on the content session too, never acknowledged either.
      let settled: string[] | null = null;
      void link.publishContents(contents(100)).then((failed) => {
        settled = failed;
      });
      await waitFor(() => broker.contents() === 100, 10_000, "contents on the wire");
      let closed = false;
      const closing = link.close().then(() => {
        closed = true;
      });
      // Bounded by the close's own limits (CLOSE_STEP_MS twice); without them it never settles.
      await waitFor(() => closed, 30_000, "link closed");
      await closing;
      expect(link.client.connected).toBe(false);
      expect(link.connected()).toBe(false);
      expect(settled).toHaveLength(100);
    } finally {
      await broker.stop();
    }
  }, 60_000);
});
