import mqtt from "mqtt";
import { brokerUrlOptions } from "../../lib/broker-url.ts";
import { withTimeout } from "../../lib/timeout.ts";
import { storeTopics } from "../../schemas/topics.ts";
import type { Logger } from "../log.ts";
import {
  ContentIdProvider,
  type ContentPacket,
  contentWriter,
  dropUnacknowledged,
} from "./content-writer.ts";
import { readPubacksFirst } from "./puback-reader.ts";
import { linkSessionOptions } from "./session-options.ts";

/** A label's content to publish: its id and serialised content (null clears it); more may follow. */
export type ContentItem = readonly [labelId: string, payload: string | null, ...rest: unknown[]];

/** How to reach the broker for the content session. */
export interface ContentSessionOptions {
  url: string;
  clientId: string;
  storeId: string;
  username?: string | undefined;
  password?: string | undefined;
  ca?: Buffer | undefined;
  /** MQTT.js's per-packet debug lines (DEBUG names mqttjs): see session-options.ts. */
  mqttDebug: boolean;
  log: Logger;
  /** The session is connected (first connect and every reconnect). */
  onConnect: () => void;
  /** The session lost its connection (every content in flight or waiting was failed just before). */
  onOffline: () => void;
}

/**
 * The controller link's second MQTT session on an external broker, for label contents only: a
 * reprice publishes tens of thousands at once, and on a session of their own they neither queue
 * behind nor hold up the availability session's status, commands and subscriptions.
 *
 * What MQTT.js would spend per content is skipped on both ways: the PUBLISH packets are encoded by
 * hand many to a socket write (content-writer.ts, ~1 µs each instead of ~17), and their PUBACKs are
 * read off the socket before MQTT.js's parser (puback-reader.ts, ~1 µs instead of 5–10). That
 * leaves ~2 µs a content on this thread, less than handing the contents to a worker thread and
 * taking the acknowledgements back cost (the session ran in one until the PUBACK reader existed;
 * docs/benchmarks.md has the figures).
 */
export function contentSession(options: ContentSessionOptions) {
  const { log } = options;
  const topics = storeTopics(options.storeId);
  const ids = new ContentIdProvider();
  const client = mqtt.connect({
    ...brokerUrlOptions(options.url),
    ...linkSessionOptions(options),
    messageIdProvider: ids,
    // Connected below, once the PUBACK reader is in place for the first stream.
    manualConnect: true,
  });

  const writer = contentWriter(client, ids);
  readPubacksFirst(client, (messageId) => writer.acknowledge(messageId));
  client.connect();

  let closing = false;
  let connected = false;
  client.on("connect", () => {
    connected = true;
    log.info("content session connected to MQTT broker", { url: options.url });
    if (!closing) options.onConnect();
  });
  client.on("close", () => {
    // Those waiting for a packet id first: dropping the ones in flight frees ids, which would
    // otherwise send them on the closed socket.
    writer.failWaiting();
    dropUnacknowledged(client);
    if (connected) {
      connected = false;
      if (!closing) options.onOffline();
    }
  });
  client.on("error", (err) => {
    if (!closing) log.warn("MQTT error (content session)", { error: err.message });
  });

  return {
    connected: () => connected && client.connected,
    /**
     * Publish these contents retained at QoS 1 (null clears one); `settled` is called once per
     * content, at its acknowledgement (true) or its failure (false). Not connected: all fail at
     * once (nothing is queued: the connect republishes every label's current content).
     */
    send(items: readonly ContentItem[], settled: (index: number, ok: boolean) => void): void {
      const packets: ContentPacket[] = [];
      const up = client.connected && !closing;
      for (let i = 0; i < items.length; i++) {
        const [labelId, payload] = items[i] as ContentItem;
        const index = i;
        const done = (error?: Error | null) => settled(index, !error);
        if (!up) {
          done(new Error("not connected to the broker"));
          continue;
        }
        let topic: string;
        try {
          topic = topics.label(labelId, "content");
        } catch (e) {
          log.error("label content not published: not a topic level", {
            labelId,
            error: String(e),
          });
          done(e as Error);
          continue;
        }
        packets.push({ topic, payload, done });
      }
      if (packets.length > 0) writer.send(packets);
    },
    /**
     * End the session: wait up to `stepMs` for the contents in flight, then end the client (by force
     * past another `stepMs`). Whatever is still unsettled fails.
     */
    async close(stepMs: number): Promise<void> {
      closing = true;
      // MQTT.js's clean end waits for every publish in flight and ignores a forced end called after
      // it, so wait for them here, bounded, and end by force when they do not all come back.
      const inFlight = () => Object.keys(client.outgoing).length > 0;
      if (inFlight())
        await withTimeout(
          new Promise<void>((resolve) => client.once("outgoingEmpty", () => resolve())),
          stepMs,
        );
      await withTimeout(client.endAsync(inFlight()), stepMs);
      // As at a lost connection, in case the end did not finish within its bound.
      writer.failWaiting();
      dropUnacknowledged(client);
      connected = false;
    },
  };
}
export type ContentSession = ReturnType<typeof contentSession>;
