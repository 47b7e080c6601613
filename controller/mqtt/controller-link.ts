import { randomUUID } from "node:crypto";
import mqtt, { type MqttClient } from "mqtt";
import type { z } from "zod";
import { withTimeout } from "../../lib/timeout.ts";
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
  plainLabelState,
  storeTopics,
} from "../../schemas/index.ts";
import type { Logger } from "../log.ts";
import { ContentIdProvider, type ContentPacket, contentWriter } from "./content-writer.ts";

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
   * Without a connection to the broker nothing is queued: all are listed as failed at once, and so
   * are those still unacknowledged when the connection is lost (the connect republishes everything).
   */
  publishContents(items: readonly ContentPublish[]): Promise<string[]>;
  sendCommand(labelId: string, command: LabelCommand): Promise<void>;
  close(): Promise<void>;
}

/**
 * The embedded broker's own API, for the controller in the same process (embedded-broker.ts): a
 * publish or a subscription without a socket, MQTT framing or acknowledgement packets.
 */
export interface LocalBroker {
  /** Publish as the broker itself; `done` once stored (retained) and handed to every subscriber. */
  publish(topic: string, payload: Buffer, qos: 0 | 1, retain: boolean, done: (error?: Error) => void): void;
  /** Every message published on a filter from now on (not the retained ones). Returns the unsubscribe. */
  subscribe(filter: string, deliver: (topic: string, payload: Buffer) => void): () => void;
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
  /**
   * The embedded broker in this process (app.ts): label contents and commands are published, and
   * device reports taken, through its API instead of the socket. A reprice is ~100,000 packets
   * (contents out, states in) plus their acknowledgements, each of which would otherwise be framed,
   * written, read and parsed on both ends of a loopback socket inside this one process. The MQTT
   * session is kept for what it is for: the controller's availability (retained, with a Last Will)
   * and the connect that republishes every content.
   */
  local?: LocalBroker;
}): ControllerLink {
  const topics = storeTopics(options.storeId);
  const { log, handlers, observer } = options;
  const status = (state: "online" | "offline") =>
    JSON.stringify({ v: PROTOCOL_VERSION, state, ts: Date.now() } satisfies Availability);

  const ids = new ContentIdProvider();
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
    // Packet ids that are not in flight (see ContentIdProvider), shared with the content writer.
    messageIdProvider: ids,
    // MQTT.js logs a dozen debug lines per packet through `debug`, which checks whether its
    // namespace is on at each one: ~2 µs a publish and a PUBACK. Kept when DEBUG asks for it.
    ...(/mqttjs/.test(process.env.DEBUG ?? "") ? {} : { log: () => {} }),
  });
  const writer = contentWriter(client, ids);

  // Label states at QoS 0: after a reprice thousands arrive at once, and a broker holds only so
  // many QoS 1 messages per client (Mosquitto: 1,000 beyond those in flight) before dropping them;
  // QoS 0 goes straight to the socket. A state lost anyway is repeated at the label's next check-in.
  // Bridge availability and inventories are few and retained: QoS 1.
  const deviceFilters: Record<string, { qos: 0 | 1 }> = {
    [topics.anyLabel("state")]: { qos: 0 },
    [topics.anyBridge("status")]: { qos: 1 },
    [topics.anyBridge("labels")]: { qos: 1 },
    ...(options.watchContents ? { [topics.anyLabel("content")]: { qos: 0 } } : {}),
  };

  client.on("connect", () => {
    log.info("connected to MQTT broker", { url: options.url });
    client.publish(topics.controllerStatus, status("online"), { qos: 1, retain: true });
    if (!options.local) {
      client.subscribe(deviceFilters, (err) => {
        // A stop right after the connect ends the client before its subscription is answered.
        if (err && !client.disconnecting) log.error("subscribe failed", { error: String(err) });
      });
    }
    observer?.connected();
    handlers.onConnect();
  });
  client.on("close", () => {
    // Those waiting for a packet id first: dropping the ones in flight frees ids, which would
    // otherwise send them on the closed socket.
    writer.failWaiting();
    dropUnacknowledged(client);
  });
  client.on("reconnect", () => log.debug("reconnecting to MQTT broker"));
  client.on("offline", () => log.warn("MQTT broker unreachable; retrying", { url: options.url }));
  client.on("error", (err) => log.warn("MQTT error", { error: err.message }));

  const parse = <T>(
    topic: string,
    payload: Buffer,
    schema: z.ZodType<T>,
    plain?: (json: unknown) => T | undefined,
  ): T | undefined => {
    let json: unknown;
    try {
      json = JSON.parse(payload.toString("utf8"));
    } catch {
      log.warn("ignored MQTT message: not JSON", { topic });
      return undefined;
    }
    // A plainly valid state (all of a reprice's 50,000) skips zod; anything else is zod's to judge
    // and to name the field of (schemas/mqtt-fast.ts).
    const checked = plain?.(json);
    if (checked !== undefined) return checked;
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
  const onMessage = (topic: string, payload: Buffer) => {
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
      const state = parse(topic, payload, labelStateSchema, plainLabelState);
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
  };
  const unsubscribes: (() => void)[] = [];
  const local = options.local;
  if (local) {
    // Subscribed before any device can have connected (the broker started a moment ago in this
    // process), so nothing retained can predate it.
    for (const filter of Object.keys(deviceFilters)) {
      unsubscribes.push(
        local.subscribe(filter, (topic, payload) => {
          // Called from inside the broker's delivery: a handler's fault must not reach it.
          try {
            onMessage(topic, payload);
          } catch (e) {
            log.error("handling an MQTT message failed", { topic, error: String(e) });
          }
        }),
      );
    }
  } else client.on("message", onMessage);

  const publish = (topic: string, payload: string | Buffer, retain: boolean) =>
    new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null) => (err ? reject(err) : resolve());
      if (local)
        local.publish(topic, typeof payload === "string" ? Buffer.from(payload) : payload, 1, retain, done);
      else client.publish(topic, payload, { qos: 1, retain }, done);
    });
  const EMPTY = Buffer.alloc(0);
  const localWindow = local ? publishWindow(local) : null;

  return {
    client,
    connected: () => client.connected,
    publishContents: (items) =>
      new Promise<string[]>((resolve) => {
        const failed: string[] = [];
        let outstanding = items.length;
        if (outstanding === 0) resolve(failed);
        // Nothing is queued in the client while the broker is away: every (re)connect republishes
        // each label's current content from the store, so a queued copy would only be a stale second.
        if (!localWindow && !client.connected) {
          resolve(items.map(([labelId]) => labelId));
          return;
        }
        const packets: ContentPacket[] = localWindow ? [] : new Array(items.length);
        for (let i = 0; i < items.length; i++) {
          const [labelId, json, hash] = items[i] as ContentPublish;
          const acked = observer?.contentSent(labelId, hash);
          const done = (err?: Error | null) => {
            acked?.(!err);
            if (err) failed.push(labelId);
            if (--outstanding === 0) resolve(failed);
          };
          const topic = topics.label(labelId, "content");
          if (localWindow)
            localWindow.send((sent) =>
              localWindow.broker.publish(topic, json === null ? EMPTY : Buffer.from(json), 1, true, (err) => {
                sent();
                done(err);
              }),
            );
          else packets[i] = { topic, payload: json, done };
        }
        if (!localWindow) writer.send(packets);
      }),
    sendCommand: (labelId, command) =>
      publish(topics.label(labelId, "command"), JSON.stringify(command), false),
    close: async () => {
      for (const unsubscribe of unsubscribes) unsubscribe();
      // Each step is bounded: the offline status queues behind every publish still waiting for a
      // packet id or an acknowledgement, and a clean end waits for those too, so a stop right after a
      // 100,000-label republish (or with a broker that stopped answering) could otherwise wait for
      // minutes. Past the bound the Last Will says offline for us.
      if (client.connected) {
        await withTimeout(
          new Promise<void>((resolve) =>
            client.publish(topics.controllerStatus, status("offline"), { qos: 1, retain: true }, () =>
              resolve(),
            ),
          ),
          CLOSE_STEP_MS,
        );
      }
      // MQTT.js's clean end waits for every publish in flight and ignores a forced end called after
      // it, so wait for them here, bounded, and end by force when they do not all come back.
      const inFlight = () => Object.keys(client.outgoing).length > 0;
      if (inFlight())
        await withTimeout(
          new Promise<void>((resolve) => client.once("outgoingEmpty", () => resolve())),
          CLOSE_STEP_MS,
        );
      await client.endAsync(inFlight());
    },
  };
}

/**
 * A lost connection fails every publish still waiting for its acknowledgement. MQTT.js would keep
 * them and, at the next connect, send them again one at a time, each waiting for its PUBACK, before
 * it even reports the connection (and before any new publish): after an outage with thousands in
 * flight that is minutes of stale contents ahead of the republish of every label's current one that
 * the connect triggers anyway. The callers learn of the failure (publishContents lists the labels).
 * Removing one frees its packet id, which MQTT.js hands at once to a publish that was waiting for a
 * free one, so this goes on until none is left.
 */
function dropUnacknowledged(client: MqttClient): void {
  for (let ids = Object.keys(client.outgoing); ids.length > 0; ids = Object.keys(client.outgoing))
    for (const id of ids) client.removeOutgoingMessage(Number(id));
}

/** How long each step of closing the link may take (the offline status, then a clean end), ms. */
export const CLOSE_STEP_MS = 5_000;

/**
 * In-process publishes in flight at once. Aedes takes 100 (its `concurrency`) and queues the rest in
 * an array it shifts from: handed a reprice's 50,000 at once, that alone took seconds. A window
 * below that limit keeps the broker's queue empty.
 */
export const LOCAL_PUBLISH_WINDOW = 64;
/**
 * After this many in-process publishes the window lets the event loop read its sockets once: the
 * contents go out to the bridges in slices, and their acknowledgements are read while the rest of a
 * reprice is still going out instead of after all of it.
 */
export const LOCAL_PUBLISH_SLICE = 500;

/** Publishes to the embedded broker through a window (see LOCAL_PUBLISH_WINDOW), in order. */
function publishWindow(broker: LocalBroker) {
  /** Publishes not started yet, oldest first, from `head` on (no shift: the queue may hold 50,000). */
  let queue: ((sent: () => void) => void)[] = [];
  let head = 0;
  let inFlight = 0;
  let sinceYield = 0;
  let yielding = false;
  const sent = () => {
    inFlight--;
    pump();
  };
  const pump = () => {
    while (inFlight < LOCAL_PUBLISH_WINDOW && head < queue.length) {
      if (sinceYield >= LOCAL_PUBLISH_SLICE) {
        if (!yielding) {
          yielding = true;
          setImmediate(() => {
            yielding = false;
            sinceYield = 0;
            pump();
          });
        }
        return;
      }
      const start = queue[head] as (sent: () => void) => void;
      head++;
      inFlight++;
      sinceYield++;
      start(sent);
    }
    if (head === queue.length && head > 0) {
      queue = [];
      head = 0;
    }
  };
  return {
    broker,
    /** Start `publish` once the window has room; it calls `sent` when the broker is done with it. */
    send(publish: (sent: () => void) => void): void {
      queue.push(publish);
      pump();
    },
  };
}
