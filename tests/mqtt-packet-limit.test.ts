import { connect, type Socket } from "node:net";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../controller/app.ts";
import { bridgeLogin, OPS_LOGIN, startTestController, waitFor } from "./support/harness.ts";

/** MQTT's variable-length "remaining length" (1–4 bytes). */
function remainingLength(n: number): Buffer {
  const bytes: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    bytes.push(b);
  } while (n > 0);
  return Buffer.from(bytes);
}

/** A socket that announces a packet of `declared` bytes and sends only its first kilobyte. */
async function announce(url: string, firstByte: number, declared: number): Promise<"closed" | "open"> {
  const { hostname, port } = new URL(url);
  const socket: Socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  const closed = new Promise<"closed">((resolve) => socket.once("close", () => resolve("closed")));
  socket.on("error", () => {});
  socket.write(Buffer.concat([Buffer.from([firstByte]), remainingLength(declared), Buffer.alloc(1024)]));
  // A packet under the limit stays open waiting for the rest of its body: then the socket is ended
  // by the test after a round trip through the broker (a second connection's CONNACK).
  const probe = await mqtt.connectAsync(url, { ...OPS_LOGIN, reconnectPeriod: 0 });
  await probe.endAsync(true);
  const outcome = await Promise.race([closed, Promise.resolve("open" as const)]);
  socket.destroy();
  return outcome;
}

describe("the embedded broker's packet size limit", () => {
  let ctl: Controller & { cleanup(): Promise<void> };
  beforeAll(async () => {
    ctl = await startTestController("aedes");
    await waitFor(() => ctl.link.connected(), 10_000, "controller connected");
  });
  afterAll(async () => {
    await ctl?.cleanup();
  });

  it("closes a connection whose first packet announces more than a CONNECT needs, before reading it", async () => {
    const before = ctl.broker?.refused.packet ?? 0;
    // CONNECT (0x10) announcing 200 MB: closed from the header alone.
    expect(await announce(ctl.mqttUrl, 0x10, 200 * 1024 * 1024)).toBe("closed");
    expect(ctl.broker?.refused.packet).toBe(before + 1);
  });

  it("lets a signed-in bridge publish an inventory-sized packet, and refuses one over that", async () => {
    const login = bridgeLogin(ctl, "ap-big");
    const client = await mqtt.connectAsync(ctl.mqttUrl, { ...login, reconnectPeriod: 0 });
    const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
    // 1 MB on its own bridge topic (not retained, QoS 1): allowed and acknowledged.
    await client.publishAsync(
      `shelfsync/${ctl.config.storeId}/bridge/ap-big/response/x`,
      Buffer.alloc(1 << 20),
      {
        qos: 1,
      },
    );
    const before = ctl.broker?.refused.packet ?? 0;
    // 70 MB: over the bridge ceiling (64 MB inventory + headers), closed before the body is buffered.
    client.publish(
      `shelfsync/${ctl.config.storeId}/bridge/ap-big/response/x`,
      Buffer.alloc(70 * 1024 * 1024),
      {
        qos: 0,
      },
    );
    await closed;
    expect(ctl.broker?.refused.packet).toBe(before + 1);
    await client.endAsync(true);
  });

  it("keeps small packets from an unsigned client waiting, not refused (the limit is on size only)", async () => {
    expect(await announce(ctl.mqttUrl, 0x10, 2_000)).toBe("open");
  });
});
