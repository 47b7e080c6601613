import { randomUUID } from "node:crypto";
import mqtt, { type MqttClient } from "mqtt";
import type { z } from "zod";
import {
  type Availability,
  availabilitySchema,
  type BridgeLabels,
  bridgeLabelsSchema,
  describeIssues,
  type LabelCommand,
  type LabelState,
  labelStateSchema,
  PROTOCOL_VERSION,
  parseTopic,
  storeTopics,
} from "../../schemas/index.ts";
import type { Logger } from "../log.ts";

/** Largest bridge inventory handled (`bridge/{id}/labels`): ~600,000 labels. */
export const MAX_INVENTORY_BYTES = 64 * 1024 * 1024;

export interface ControllerLinkHandlers {
  onConnect(): void;
  onLabelState(labelId: string, state: LabelState, receivedAt: number): void;
  onBridgeStatus(bridgeId: string, availability: Availability): void;
  onBridgeLabels(bridgeId: string, inventory: BridgeLabels): void;
  /**
   * A label content on the broker (retained at subscribe, or live), raw bytes; only when the link
   * was asked to watch contents (`watchContents`).
   */
  onLabelContent?(labelId: string, payload: Buffer): void;
}

/** Hooks for the controller's metrics; the link calls them and they must neither throw nor block. */
export interface LinkObserver {
  connected(): void;
  /**
   * A label's content is handed to the broker now: a change (`contentHash` its hash, or null when
   * cleared) or a republish of unchanged content (undefined). Returns what to call at the broker's
   * acknowledgement (`ok`) or the publish's failure.
   */
  contentSent(labelId: string, contentHash: string | null | undefined): (ok: boolean) => void;
  /** A label reported the content hash it shows. */
  labelShows(labelId: string, displayedHash: string): void;
}

export interface ControllerLink {
  readonly client: MqttClient;
  connected(): boolean;
  /**
   * Publish already serialised label contents, retained at QoS 1 (`null` clears a label's retained
   * content, e.g. when it is unlinked). One promise for the batch, not one per message: a reprice
   * publishes tens of thousands. Settles when the broker has acknowledged all; lists the failures.
   * A changed content carries its hash (for the acknowledgement metrics); a republish need not.
   */
  publishContents(items: readonly ContentPublish[]): Promise<string[]>;
  sendCommand(labelId: string, command: LabelCommand): Promise<void>;
  close(): Promise<void>;
}

export type ContentPublish = readonly [
  labelId: string,
  contentJson: string | null,
  contentHash?: string | null | undefined,
];

/**
 * The controller's MQTT session: availability with a Last Will, the device-facing subscriptions,
 * and validated dispatch. A malformed device message is logged with its topic and field and dropped;
 * it never throws into the client.
 */
export function connectControllerLink(options: {
  url: string;
  storeId: string;
  username?: string | undefined;
  password?: string | undefined;
  /** A CA to trust for an `mqtts://` broker (SHELFSYNC_MQTT_CA), e.g. a self-signed certificate. */
  ca?: Buffer;
  log: Logger;
  handlers: ControllerLinkHandlers;
  observer?: LinkObserver;
  /**
   * Largest device payload handled (SHELFSYNC_MQTT_MAX_PAYLOAD_KB); bigger ones are dropped before
   * they are parsed, with a log line (at most one a minute, with the count since).
   */
  maxPayloadBytes?: number;
  /** Subscribe to every label's content too, so foreign ones can be overwritten (see app.ts). */
  watchContents?: boolean;
}): ControllerLink {
  const topics = storeTopics(options.storeId);
  const { log, handlers, observer } = options;
  const status = (state: "online" | "offline") =>
    JSON.stringify({ v: PROTOCOL_VERSION, state, ts: Date.now() } satisfies Availability);

  const client = mqtt.connect(options.url, {
    clientId: `shelfsync-controller-${options.storeId}-${randomUUID().slice(0, 8)}`,
    clean: true,
    keepalive: 30,
    reconnectPeriod: 2_000,
    connectTimeout: 10_000,
    username: options.username,
    password: options.password,
    ...(options.ca ? { ca: options.ca } : {}),
    will: { topic: topics.controllerStatus, payload: Buffer.from(status("offline")), qos: 1, retain: true },
  });

  client.on("connect", () => {
    log.info("connected to MQTT broker", { url: options.url });
    client.publish(topics.controllerStatus, status("online"), { qos: 1, retain: true });
    // Label states at QoS 0: after a reprice thousands arrive at once, and a broker holds only so
    // many QoS 1 messages per client (Mosquitto: 1,000 beyond those in flight) before dropping them;
    // QoS 0 goes straight to the socket. A state lost anyway is repeated at the label's next check-in.
    // Bridge availability and inventories are few and retained: QoS 1.
    client.subscribe(
      {
        [topics.anyLabel("state")]: { qos: 0 },
        [topics.anyBridge("status")]: { qos: 1 },
        [topics.anyBridge("labels")]: { qos: 1 },
        ...(options.watchContents ? { [topics.anyLabel("content")]: { qos: 0 as const } } : {}),
      },
      (err) => {
        // A stop right after the connect ends the client before its subscription is answered.
        if (err && !client.disconnecting) log.error("subscribe failed", { error: String(err) });
      },
    );
    observer?.connected();
    handlers.onConnect();
  });
  client.on("reconnect", () => log.debug("reconnecting to MQTT broker"));
  client.on("offline", () => log.warn("MQTT broker unreachable; retrying", { url: options.url }));
  client.on("error", (err) => log.warn("MQTT error", { error: err.message }));

  const parse = <T>(topic: string, payload: Buffer, schema: z.ZodType<T>): T | undefined => {
    let json: unknown;
    try {
      json = JSON.parse(payload.toString("utf8"));
    } catch {
      log.warn("ignored MQTT message: not JSON", { topic });
      return undefined;
    }
    const r = schema.safeParse(json);
    if (!r.success) {
      log.warn("ignored MQTT message: invalid payload", { topic, problem: describeIssues(r.error) });
      return undefined;
    }
    return r.data;
  };

  const maxPayload = options.maxPayloadBytes ?? Number.POSITIVE_INFINITY;
  let oversize = 0;
  let oversizeLoggedAt = 0;
  client.on("message", (topic, payload) => {
    // A bridge's inventory lists every label it serves (50,000 labels are ~5 MB): its own, larger bound.
    const limit = topic.endsWith("/labels") ? Math.max(maxPayload, MAX_INVENTORY_BYTES) : maxPayload;
    if (payload.length > limit) {
      oversize++;
      const now = Date.now();
      if (now - oversizeLoggedAt >= 60_000) {
        log.warn("dropped MQTT message: payload over the size limit", {
          topic: topic.length > 200 ? `${topic.slice(0, 200)}…` : topic,
          bytes: payload.length,
          limit,
          droppedSinceLastLine: oversize,
        });
        oversizeLoggedAt = now;
        oversize = 0;
      }
      return;
    }
    const t = parseTopic(topic);
    if (!t) return;
    // An empty content is a cleared one: the guard must see it; every other empty message is nothing.
    if (t.kind === "label" && t.leaf === "content") {
      handlers.onLabelContent?.(t.labelId, payload);
      return;
    }
    if (payload.length === 0) return;
    if (t.kind === "label" && t.leaf === "state") {
      const state = parse(topic, payload, labelStateSchema);
      if (state) {
        if (state.displayedHash !== null) observer?.labelShows(t.labelId, state.displayedHash);
        handlers.onLabelState(t.labelId, state, Date.now());
      }
    } else if (t.kind === "bridge" && t.leaf === "status") {
      const a = parse(topic, payload, availabilitySchema);
      if (a) handlers.onBridgeStatus(t.bridgeId, a);
    } else if (t.kind === "bridge" && t.leaf === "labels") {
      const inv = parse(topic, payload, bridgeLabelsSchema);
      if (inv) handlers.onBridgeLabels(t.bridgeId, inv);
    }
  });

  const publish = (topic: string, payload: string | Buffer, retain: boolean) =>
    new Promise<void>((resolve, reject) =>
      client.publish(topic, payload, { qos: 1, retain }, (err) => (err ? reject(err) : resolve())),
    );

  return {
    client,
    connected: () => client.connected,
    publishContents: (items) =>
      new Promise<string[]>((resolve) => {
        const failed: string[] = [];
        let outstanding = items.length;
        if (outstanding === 0) resolve(failed);
        for (const [labelId, json, hash] of items) {
          const acked = observer?.contentSent(labelId, hash);
          client.publish(
            topics.label(labelId, "content"),
            json ?? Buffer.alloc(0),
            { qos: 1, retain: true },
            (err) => {
              acked?.(!err);
              if (err) failed.push(labelId);
              if (--outstanding === 0) resolve(failed);
            },
          );
        }
      }),
    sendCommand: (labelId, command) =>
      publish(topics.label(labelId, "command"), JSON.stringify(command), false),
    close: async () => {
      if (client.connected) {
        await new Promise<void>((resolve) =>
          client.publish(topics.controllerStatus, status("offline"), { qos: 1, retain: true }, () =>
            resolve(),
          ),
        );
      }
      await client.endAsync();
    },
  };
}
