import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { afterAll, describe, expect, it } from "vitest";
import { connectControllerLink } from "../controller/mqtt/controller-link.ts";
import { storeTopics } from "../schemas/index.ts";
import { portInRange, type RestartableBroker, startMosquittoBroker } from "./support/brokers.ts";
import { captureControllerLogger, uniqueStoreId, waitFor } from "./support/harness.ts";

/**
 * On an external broker the link encodes label contents as PUBLISH packets itself, many to a socket
 * write (controller/mqtt/content-writer.ts). Mosquitto, a strict third-party parser, must take every
 * one: multi-byte UTF-8, a content larger than the write buffer, a cleared content, and enough of
 * them to span many writes; what a subscriber then reads retained is byte for byte what was sent.
 */
describe("label contents encoded by the link", () => {
  const dir = mkdtempSync(join(tmpdir(), "shelfsync-content-writer-"));
  let broker: RestartableBroker | undefined;
  afterAll(async () => {
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reach Mosquitto intact and retained", async () => {
    broker = await startMosquittoBroker(await portInRange(19380, 19389), dir);
    const storeId = uniqueStoreId();
    const topics = storeTopics(storeId);
    const link = connectControllerLink({
      url: broker.url,
      storeId,
      log: captureControllerLogger(),
      handlers: { onConnect() {}, onLabelState() {}, onBridgeStatus() {}, onBridgeLabels() {} },
    });
    try {
      await waitFor(() => link.connected(), 10_000, "link connected");
      const sent = new Map<string, string>();
      // Fewer than Mosquitto queues for one subscriber (max_queued_messages 1,000), ~300 bytes each: several writes.
      for (let i = 0; i < 600; i++)
        sent.set(
          `L${i}`,
          JSON.stringify({ v: 1, labelId: `L${i}`, name: `Käse ${i} € — 日本`, text: "x".repeat(250) }),
        );
      // Larger than the 64 KB the writer gathers before a write, and a remaining length of 3 bytes.
      sent.set("BIG", JSON.stringify({ v: 1, labelId: "BIG", name: "ü".repeat(60_000) }));
      const batch = [...sent].map(([id, json]) => [id, json] as const);
      expect(await link.publishContents(batch)).toEqual([]);
      // A cleared content removes the retained one.
      expect(await link.publishContents([["L7", null]])).toEqual([]);
      sent.delete("L7");

      const reader = await mqtt.connectAsync(broker.url, { clientId: `reader-${storeId}` });
      const got = new Map<string, string>();
      reader.on("message", (topic, payload) => {
        got.set(topic.split("/").at(-2) as string, payload.toString("utf8"));
      });
      await reader.subscribeAsync(topics.anyLabel("content"), { qos: 1 });
      await waitFor(() => got.size >= sent.size, 20_000, "every retained content read back");
      await reader.endAsync();
      expect(got.size).toBe(sent.size);
      for (const [id, json] of sent) expect(got.get(id)).toBe(json);
    } finally {
      await link.close();
    }
  }, 60_000);
});
