import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../controller/app.ts";
import { createLogger } from "../controller/log.ts";
import { PROTOCOL_VERSION, storeTopics } from "../schemas/index.ts";
import { authFetch, bridgeLogin, postFeed, startTestController, waitFor } from "./support/harness.ts";

/**
 * Size and concurrency limits: request bodies refused as soon as their limit is passed (413 while
 * streaming, not after reading), feed batches bounded in number at once (429 + Retry-After beyond the
 * queue), oversize MQTT payloads dropped with a log line, previews bounded in size.
 */

/** A request body streamed in 64 KiB chunks, counting what the server pulled; `gate` holds it open. */
function slowBody(totalBytes: number, line: string, gate?: Promise<void>) {
  const chunk = new TextEncoder().encode(line.repeat(Math.ceil(65_536 / line.length)));
  const state = { pulled: 0 };
  const body = new ReadableStream<Uint8Array>({
    async pull(ctl) {
      if (state.pulled >= totalBytes) {
        if (gate) await gate;
        ctl.close();
        return;
      }
      state.pulled += chunk.byteLength;
      ctl.enqueue(chunk);
    },
  });
  return { body, state };
}

const streamed = (url: string, body: ReadableStream<Uint8Array>, contentType: string) =>
  authFetch(url, {
    method: "POST",
    headers: { "Content-Type": contentType },
    body,
    duplex: "half",
  } as RequestInit);

describe("limits", () => {
  let ctl: Controller & { cleanup(): Promise<void> };
  const lines: string[] = [];
  beforeAll(async () => {
    ctl = await startTestController("aedes", {
      config: { httpMaxBodyKb: 16, feedMaxMb: 1, feedConcurrency: 1, feedQueue: 1, mqttMaxPayloadKb: 1 },
      log: createLogger("warn", "shelfsync", { destination: { write: (l: string) => lines.push(l) } }),
    });
    await postFeed(ctl.httpUrl, "products", 1, "sku,name,netQuantity,unit\nA,Apple,1,piece\n");
    await postFeed(ctl.httpUrl, "prices", 1, "sku,price,currency\nA,1.00,EUR\n");
  });
  afterAll(async () => {
    await ctl?.cleanup();
  });

  it("a JSON body over the limit is refused 413 while streaming, and at once from Content-Length", async () => {
    const { body, state } = slowBody(100 * 1024 * 1024, " ");
    const r = await streamed(`${ctl.httpUrl}/api/v1/labels`, body, "application/json").catch(() => null);
    // The server stops at 16 KiB; what the client had pulled by then is socket and stream buffering.
    expect(state.pulled).toBeLessThan(8 * 1024 * 1024);
    if (r) {
      expect(r.status).toBe(413);
      expect((await r.json()).error.code).toBe("body_too_large");
    }
    const declared = await authFetch(`${ctl.httpUrl}/api/v1/labels`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ labelId: "L1", model: "x".repeat(20_000) }),
    });
    expect(declared.status).toBe(413);
    console.log(
      `JSON body limit 16 KiB: client had pulled ${state.pulled} bytes of a 100 MiB stream when the 413 came`,
    );
  });

  it("a feed body over SHELFSYNC_FEED_MAX_MB is refused 413 while streaming, not after reading", async () => {
    const { body, state } = slowBody(300 * 1024 * 1024, "A,1.00,EUR\n");
    const head = new TextEncoder().encode("sku,price,currency\n");
    const withHeader = new ReadableStream<Uint8Array>({
      start: (c) => c.enqueue(head),
      pull: async (c) => {
        const reader = body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return c.close();
          c.enqueue(value);
          if (c.desiredSize !== null && c.desiredSize <= 0) {
            reader.releaseLock();
            return;
          }
        }
      },
    });
    const r = await streamed(`${ctl.httpUrl}/api/v1/feeds/prices?sequence=2`, withHeader, "text/csv").catch(
      () => null,
    );
    if (r) {
      expect(r.status).toBe(413);
      expect((await r.json()).error.code).toBe("feed_too_large");
    }
    // Read up to the 1 MiB limit and a little socket buffering, never the 300 MiB.
    expect(state.pulled).toBeLessThan(8 * 1024 * 1024);
    expect(ctl.catalog.lastSequence("prices")).toBe(1);
    console.log(
      `feed limit 1 MiB: client had pulled ${state.pulled} bytes of a 300 MiB stream when the 413 came`,
    );
  });

  it("feed batches beyond the concurrency and the queue get 429 with Retry-After; the queued one applies", async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    const first = slowBody(1024, "A,1.10,EUR\n", gate);
    const slow = streamed(
      `${ctl.httpUrl}/api/v1/feeds/stock?sequence=1`,
      new Blob(["sku,onHand\n"]).stream().pipeThrough(
        new TransformStream({
          flush: async (c) => {
            await gate;
            c.enqueue(new TextEncoder().encode("A,5\n"));
          },
        }),
      ),
      "text/csv",
    );
    void first;
    await new Promise((r) => setTimeout(r, 200));
    const queued = postFeed(ctl.httpUrl, "products", 2, "sku,name,netQuantity,unit\nB,Banana,1,piece\n");
    await new Promise((r) => setTimeout(r, 200));
    const refused = await authFetch(`${ctl.httpUrl}/api/v1/feeds/stock?sequence=2`, {
      method: "POST",
      headers: { "Content-Type": "text/csv" },
      body: "sku,onHand\nA,6\n",
    });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Retry-After")).toBe("5");
    expect((await refused.json()).error.code).toBe("too_many_feeds");
    open();
    expect((await slow).status).toBe(200);
    expect((await queued).json).toMatchObject({ applied: true });
  });

  it("an MQTT payload over the limit is dropped with a log line", async () => {
    const device = await mqtt.connectAsync(ctl.mqttUrl, {
      clientId: `big-${ctl.config.storeId}`,
      ...bridgeLogin(ctl, "big"),
    });
    try {
      const topics = storeTopics(ctl.config.storeId);
      await device.publishAsync(
        topics.label("BIG-1", "state"),
        JSON.stringify({ v: PROTOCOL_VERSION, displayedHash: null, pad: "x".repeat(4096) }),
        { qos: 1 },
      );
      await waitFor(() => lines.some((l) => l.includes("payload over the size limit")), 5_000, "log line");
      ctl.flushStates();
      expect(ctl.labels.get("BIG-1")).toBeUndefined();
    } finally {
      await device.endAsync();
    }
  });

  it("previews are bounded in size and rendered by the worker", async () => {
    const huge = await authFetch(`${ctl.httpUrl}/api/v1/templates/standard/preview.png?panel=4096x4096-bw`);
    expect(huge.status).toBe(422);
    const j = await huge.json();
    expect(j.error.code).toBe("panel_too_large");
    expect(j.error.details[0].field).toBe("panel");
    const ok = await authFetch(`${ctl.httpUrl}/api/v1/templates/standard/preview.png?sku=A&panel=2.9in-bwr`);
    expect(ok.status).toBe(200);
    expect(
      Buffer.from(await ok.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe("PNG");
  });
});
