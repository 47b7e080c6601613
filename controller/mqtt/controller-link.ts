import { randomUUID } from "node:crypto";
import mqtt, { type MqttClient } from "mqtt";
import type { z } from "zod";
import { brokerUrlOptions } from "../../lib/broker-url.ts";
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
import { type ContentSession, contentSession } from "./content-session.ts";
import { dropUnacknowledged } from "./content-writer.ts";
import { linkSessionOptions } from "./session-options.ts";

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
  /** The availability session's client (status, subscriptions, commands); contents do not use it on an external broker. */
  readonly client: MqttClient;
  /** Every session of the link is connected (on an external broker: the availability and the content session). */
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
 * it never throws into the client. On an external broker the label contents have a second session
 * (content-session.ts); on the embedded one they go through its API.
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

  const clientId = `shelfsync-controller-${options.storeId}-${randomUUID().slice(0, 8)}`;
  const mqttDebug = /mqttjs/.test(process.env.DEBUG ?? "");
  const client = mqtt.connect({
    ...brokerUrlOptions(options.url),
    ...linkSessionOptions({ ...options, clientId, mqttDebug }),
    will: { topic: topics.controllerStatus, payload: Buffer.from(status("offline")), qos: 1, retain: true },
  });

  /** Both sessions are up (the content session only exists on an external broker). */
  const bothUp = () => client.connected && (contents?.connected() ?? true);
  /**
   * A session (re)connected: once both are up, every label's content is republished (the broker may
   * have lost them, or the content session the ones it had in flight). Either session's reconnect
   * with the other still up republishes; a broker restart that takes both republishes once, at the
   * second's connect.
   */
  const sessionUp = () => {
    if (!bothUp()) return;
    observer?.connected();
    handlers.onConnect();
  };

  // On an external broker the label contents go through a session of their own (content-session.ts):
  // same user (the ACL is per user), its own client id.
  const contents: ContentSession | null = options.local
    ? null
    : contentSession({
        url: options.url,
        clientId: `${clientId}-contents`,
        storeId: options.storeId,
        username: options.username,
        password: options.password,
        ca: options.ca,
        mqttDebug,
        log,
        onConnect: sessionUp,
        onOffline: () => log.warn("MQTT content session lost its connection; retrying", { url: options.url }),
      });

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
    sessionUp();
  });
  // Commands in flight at a lost connection fail, as contents do (see dropUnacknowledged).
  client.on("close", () => dropUnacknowledged(client));
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

  /** Contents through the embedded broker's API (see `local`). */
  const publishLocally = (window: PublishWindow, items: readonly ContentPublish[]) =>
    new Promise<string[]>((resolve) => {
      const failed: string[] = [];
      let outstanding = items.length;
      for (const [labelId, json, hash] of items) {
        const acked = observer?.contentSent(labelId, hash);
        const topic = topics.label(labelId, "content");
        window.send((sent) =>
          window.broker.publish(topic, json === null ? EMPTY : Buffer.from(json), 1, true, (err) => {
            sent();
            acked?.(!err);
            if (err) failed.push(labelId);
            if (--outstanding === 0) resolve(failed);
          }),
        );
      }
    });
  /**
   * Contents through the content session (external broker). Only the label ids (and the metrics'
   * callbacks) wait for the acknowledgements: the promise is made before the send and `items` is
   * used by no closure, so the callback that lives until the last PUBACK does not hold the chunk's
   * payload strings (the writer has encoded them into its slab by then).
   */
  const publishOnContentSession = (session: ContentSession, items: readonly ContentPublish[]) => {
    const labelIds: string[] = new Array(items.length);
    const acked: (((ok: boolean) => void) | undefined)[] | null = observer ? new Array(items.length) : null;
    for (let i = 0; i < items.length; i++) {
      const [labelId, , hash] = items[i] as ContentPublish;
      labelIds[i] = labelId;
      if (acked) acked[i] = observer?.contentSent(labelId, hash);
    }
    let resolve: (failed: string[]) => void = () => {};
    const done = new Promise<string[]>((r) => {
      resolve = r;
    });
    const failed: string[] = [];
    let outstanding = labelIds.length;
    session.send(items, (i, ok) => {
      acked?.[i]?.(ok);
      if (!ok) failed.push(labelIds[i] as string);
      if (--outstanding === 0) resolve(failed);
    });
    return done;
  };

  return {
    client,
    connected: bothUp,
    publishContents(items) {
      // Nothing is queued while the broker is away: every (re)connect republishes each label's
      // current content from the store, so a queued copy would only be a stale second.
      if (items.length === 0) return Promise.resolve([]);
      if (contents && !bothUp()) return Promise.resolve(items.map(([labelId]) => labelId));
      // One or the other: the content session exactly when there is no embedded broker's API.
      return contents
        ? publishOnContentSession(contents, items)
        : publishLocally(localWindow as PublishWindow, items);
    },
    sendCommand: (labelId, command) =>
      publish(topics.label(labelId, "command"), JSON.stringify(command), false),
    close: async () => {
      for (const unsubscribe of unsubscribes) unsubscribe();
      // The content session closes beside this one, each bounded (content-session.ts).
      const contentsClosed = contents?.close(CLOSE_STEP_MS);
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
      await contentsClosed;
    },
  };
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

type PublishWindow = ReturnType<typeof publishWindow>;
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
