import { once } from "node:events";
import { createServer, type Server, Socket } from "node:net";
import mqtt from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type EmbeddedBroker, startEmbeddedBroker } from "../controller/mqtt/embedded-broker.ts";
import { coalesceWrites } from "../lib/coalesce-writes.ts";

/** Counts the system-call-level writes (`_write` / `_writev`) of sockets whose local port is `port`. */
function countWrites(port: () => number) {
  const proto = Socket.prototype as unknown as Record<"_write" | "_writev", (...a: unknown[]) => unknown>;
  const original = { write: proto._write, writev: proto._writev };
  const counted = { calls: 0 };
  proto._write = function (this: Socket, ...a: unknown[]) {
    if (this.localPort === port()) counted.calls++;
    return original.write.apply(this, a);
  };
  proto._writev = function (this: Socket, ...a: unknown[]) {
    if (this.localPort === port()) counted.calls++;
    return original.writev.apply(this, a);
  };
  return {
    counted,
    restore() {
      proto._write = original.write;
      proto._writev = original.writev;
    },
  };
}

const tick = () => new Promise<void>((r) => process.nextTick(r));

describe("coalesceWrites", () => {
  let server: Server;
  let received: Buffer[] = [];
  let port = 0;
  beforeAll(async () => {
    server = createServer((s) => s.on("data", (d: Buffer) => received.push(d)));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  afterEach(() => {
    received = [];
  });

  async function writeInTicks(coalesce: boolean) {
    const socket = new Socket();
    socket.connect(port, "127.0.0.1");
    await once(socket, "connect");
    if (coalesce) coalesceWrites(socket);
    const calls = { n: 0 };
    const s = socket as unknown as Record<"_write" | "_writev", (...a: unknown[]) => unknown>;
    for (const k of ["_write", "_writev"] as const) {
      const f = s[k] as (...a: unknown[]) => unknown;
      s[k] = (...a: unknown[]) => {
        calls.n++;
        return f.apply(socket, a);
      };
    }
    // As mqtt-packet writes: each packet corked, its pieces written, uncorked on the next tick; one
    // packet per tick, as a client answering packets one at a time does.
    for (let i = 0; i < 50; i++) {
      socket.cork();
      socket.write(Buffer.from([0x30]));
      socket.write(Buffer.from(`packet ${String(i).padStart(2, "0")};`));
      process.nextTick(() => socket.uncork());
      await tick();
    }
    await new Promise((r) => setImmediate(r));
    const bytes = 50 * 11;
    for (let t = 0; t < 200 && Buffer.concat(received).length < bytes; t++)
      await new Promise((r) => setTimeout(r, 5));
    socket.end();
    return { calls: calls.n, text: Buffer.concat(received).toString("latin1") };
  }

  it("sends the packets written in one turn of the loop as one write, in order and whole", async () => {
    const plain = await writeInTicks(false);
    received = [];
    const joined = await writeInTicks(true);
    const expected = Array.from({ length: 50 }, (_, i) => `\x30packet ${String(i).padStart(2, "0")};`).join(
      "",
    );
    expect(plain.text).toBe(expected);
    expect(joined.text).toBe(expected);
    expect(plain.calls).toBe(50);
    expect(joined.calls).toBe(1);
  });

  it("lets a later turn's writes go out, and end() still sends what is held", async () => {
    const socket = new Socket();
    socket.connect(port, "127.0.0.1");
    await once(socket, "connect");
    coalesceWrites(socket);
    coalesceWrites(socket); // idempotent
    socket.write("a");
    await new Promise((r) => setImmediate(r));
    expect(socket.writableCorked).toBe(0);
    socket.write("b");
    expect(socket.writableCorked).toBe(1);
    socket.end("c");
    await once(socket, "finish");
    for (let t = 0; t < 200 && Buffer.concat(received).toString() !== "abc"; t++)
      await new Promise((r) => setTimeout(r, 5));
    expect(Buffer.concat(received).toString()).toBe("abc");
  });
});

describe("the embedded broker joins its writes to a client", () => {
  let broker: EmbeddedBroker;
  beforeAll(async () => {
    broker = await startEmbeddedBroker({ port: 0, host: "127.0.0.1" });
  });
  afterAll(() => broker.close());

  it("forwards 500 publishes to a subscriber in far fewer writes, every one delivered in order", async () => {
    const sub = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    await sub.subscribeAsync("t/#", { qos: 1 });
    const got: string[] = [];
    const all = new Promise<void>((resolve) =>
      sub.on("message", (_topic, payload) => {
        got.push(payload.toString());
        if (got.length === 500) resolve();
      }),
    );
    const brokerPort = broker.port;
    const spy = countWrites(() => brokerPort);
    try {
      for (let i = 0; i < 500; i++)
        broker.local.publish(`t/${i}`, Buffer.from(String(i)), 1, false, () => {});
      await all;
    } finally {
      spy.restore();
    }
    expect(got).toEqual(Array.from({ length: 500 }, (_, i) => String(i)));
    // Aedes forwards each publish in a tick of its own: one write each without joining.
    expect(spy.counted.calls).toBeLessThan(50);
    await sub.endAsync();
  });
});
