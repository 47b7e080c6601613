import { connect, type IClientOptions, type MqttClient, UniqueMessageIdProvider } from "mqtt";
import { type BackoffOptions, backoffDelay } from "../../lib/backoff.ts";
import { brokerUrlOptions } from "../../lib/broker-url.ts";
import { coalesceWrites } from "../../lib/coalesce-writes.ts";
import { withTimeout } from "../../lib/timeout.ts";
import { type LabelContent, type LabelImage, storeTopics } from "../../schemas/index.ts";
import type { ApplyResult, BridgeAdapter, BridgeContext, LabelStateReport } from "./adapter.ts";
import { LatestApplyQueue } from "./apply-queue.ts";
import { inboundRouter } from "./inbound.ts";
import { createConsoleLogger, type Logger } from "./logger.ts";
import { availabilityPayload, imagePayload, inventoryPayload, statePayload } from "./outgoing.ts";

export interface StartBridgeOptions {
  /** e.g. mqtt://127.0.0.1:1883; credentials may ride in the URL (mqtt://user:pass@host). */
  mqttUrl: string;
  storeId: string;
  bridgeId: string;
  adapter: BridgeAdapter;
  logger?: Logger;
  /** Stable by default (`shelfsync-bridge-{storeId}-{bridgeId}`) so a restarted bridge takes over its old session. */
  clientId?: string;
  keepaliveSeconds?: number;
  /** Reconnect delays after the broker is lost; default 500 ms doubling up to 30 s, with jitter. */
  reconnect?: Partial<BackoffOptions>;
  /** Delays between retries of a failed apply; default 2 s doubling up to 60 s, with jitter. */
  applyRetry?: Partial<BackoffOptions>;
  /**
   * Every so often subscribe to the content again, so the broker resends all retained content: a
   * broker drops messages to a client that falls behind (Mosquitto beyond 1,000 queued), and a label
   * whose content was dropped would otherwise wait for the next reconnect. Default 900 s; 0 = never.
   */
  contentResyncSeconds?: number;
  /** Extra MQTT.js options (TLS material, protocolVersion…); the runtime's own settings win. */
  mqttOptions?: Partial<IClientOptions>;
}

export interface BridgeStats {
  connects: number;
  contentReceived: number;
  commandsReceived: number;
  invalidPayloads: number;
  applied: number;
  applyFailures: number;
  stateReports: number;
  inventoryPublishes: number;
  resyncs: number;
  /** Applies running now / waiting for a slot / waiting for a retry. */
  applying: number;
  waiting: number;
  retrying: number;
}

export interface BridgeHandle {
  readonly storeId: string;
  readonly bridgeId: string;
  readonly kind: string;
  /** The bridge's one MQTT connection (tests reach `client.stream` to simulate a dead link). */
  readonly client: MqttClient;
  /** Settles the first time the bridge is online: status and inventory published, subscriptions acknowledged. */
  readonly ready: Promise<void>;
  /** Online and subscribed right now. */
  readonly online: boolean;
  readonly stats: BridgeStats;
  /** Publish `offline`, stop the adapter and disconnect cleanly (no Last Will). Idempotent. */
  stop(): Promise<void>;
}

const STOP_PUBLISH_TIMEOUT_MS = 2_000;

/**
 * Content is taken at QoS 0 although it is published at QoS 1. Brokers cap the QoS 1/2 messages
 * queued per client (Mosquitto: max_queued_messages 1000 plus 20 in flight, by default) and drop the
 * rest: measured, a QoS 1 subscriber got 1,020 of 5,000 retained contents on subscribing, a QoS 0
 * one all 5,000. QoS 1 adds nothing here anyway: the session is clean, so unacknowledged messages
 * die with the connection, and every reconnect subscribes again and receives all retained content.
 */
const CONTENT_SUBSCRIPTION_QOS = 0;

/**
 * Run one bridge: a single MQTT connection that announces the bridge and its labels, receives every
 * label's content and commands through two wildcard subscriptions (so thousands of labels cost two
 * subscriptions), hands only its own labels' messages to the adapter, and publishes their state.
 * Its parts: inbound.ts routes and validates what arrives, outgoing.ts builds and validates what is
 * published, apply-queue.ts coalesces and retries applies, backoff.ts spaces reconnects and retries;
 * this function owns the connection's life (connect, announce, reconnect, stop) and the label routing.
 */
export async function startBridge(options: StartBridgeOptions): Promise<BridgeHandle> {
  const { storeId, bridgeId, adapter } = options;
  const logger = options.logger ?? createConsoleLogger({ prefix: `bridge ${bridgeId}` });
  const topics = storeTopics(storeId);
  const statusTopic = topics.bridge(bridgeId, "status");
  const inventoryTopic = topics.bridge(bridgeId, "labels");
  const contentFilter = topics.anyLabel("content");
  const commandFilter = topics.anyLabel("command");
  const reconnectBackoff: BackoffOptions = { initialMs: 500, maxMs: 30_000, ...options.reconnect };
  const retryBackoff: BackoffOptions = { initialMs: 2_000, maxMs: 60_000, ...options.applyRetry };

  const stats = {
    connects: 0,
    contentReceived: 0,
    commandsReceived: 0,
    invalidPayloads: 0,
    applied: 0,
    applyFailures: 0,
    stateReports: 0,
    inventoryPublishes: 0,
    resyncs: 0,
  };
  let owned = new Set<string>();
  /** Labels added since the inventory was last announced: their retained content must be fetched. */
  let unannounced = 0;
  /** Latest unsent state per label while the broker is away: bounded by the label count. */
  const heldStates = new Map<string, string>();
  let online = false;
  let stopping = false;
  let session = 0;
  let reconnectAttempts = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let resyncTimer: NodeJS.Timeout | undefined;
  let labelsRefresh: NodeJS.Immediate | undefined;
  let lastError: string | undefined;
  let stopPromise: Promise<void> | undefined;

  let markReady!: () => void;
  let failReady!: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  // Nobody is obliged to await `ready`; a bridge stopped before it ever connected must not crash the process.
  ready.catch(() => {});

  const queue = new LatestApplyQueue<LabelContent | null>({
    maxConcurrent: adapter.maxConcurrentApplies,
    apply: (labelId, content) => adapter.applyContent(labelId, content),
    retryDelay: (failures) => backoffDelay(failures, retryBackoff),
    onResult: (labelId, result: ApplyResult, info) => {
      if (result.ok) {
        stats.applied++;
        return;
      }
      stats.applyFailures++;
      if (stopping) return;
      const fields = { labelId, reason: result.reason, failures: info.failures };
      if (info.willRetry) logger.debug("apply failed, will retry", fields);
      else if (result.retry === false) logger.warn("apply failed for good", fields);
    },
  });

  const publishState = (labelId: string, payload: string) => {
    client.publish(topics.label(labelId, "state"), payload, { qos: 1 }, (error) => {
      // A report lost with the connection goes out again after the reconnect, unless a newer one exists.
      if (error && !stopping && !heldStates.has(labelId)) heldStates.set(labelId, payload);
    });
    stats.stateReports++;
  };

  const context: BridgeContext = {
    storeId,
    bridgeId,
    logger,
    reportState(labelId: string, report: LabelStateReport) {
      if (stopping) return;
      if (!owned.has(labelId)) {
        // An adapter may report a label it found a moment ago, before the runtime heard of it.
        syncOwned();
        if (owned.has(labelId)) context.labelsChanged();
      }
      if (!owned.has(labelId)) {
        logger.error("adapter reported state for a label this bridge does not serve", { labelId });
        return;
      }
      const state = statePayload(report);
      if (!state.ok) {
        logger.error("adapter produced an invalid label state; not published", {
          labelId,
          problems: state.problems,
        });
        return;
      }
      if (online) publishState(labelId, state.payload);
      else heldStates.set(labelId, state.payload);
    },
    publishImage(labelId: string, image: LabelImage | null): Promise<void> {
      let payload: string | Buffer = Buffer.alloc(0);
      if (image) {
        const checked = imagePayload(image);
        if (!checked.ok)
          return Promise.reject(new Error(`adapter produced an invalid label image: ${checked.problems}`));
        payload = checked.payload;
      }
      return new Promise((resolve, reject) =>
        client.publish(topics.label(labelId, "image"), payload, { qos: 1, retain: true }, (error) =>
          error ? reject(error) : resolve(),
        ),
      );
    },
    labelsChanged() {
      if (labelsRefresh || stopping) return;
      labelsRefresh = setImmediate(() => {
        labelsRefresh = undefined;
        void refreshLabels();
      });
    },
  };

  const publishInventory = async () => {
    const inventory = inventoryPayload(bridgeId, adapter.kind, adapter.labels());
    if (!inventory.ok) {
      logger.error("adapter's label inventory is invalid; not published", { problems: inventory.problems });
      return;
    }
    await client.publishAsync(inventoryTopic, inventory.payload, { qos: 1, retain: true });
    stats.inventoryPublishes++;
  };

  /** Bring the routing set in line with the adapter, counting new labels in `unannounced`. */
  function syncOwned(): void {
    const next = new Set(adapter.labels().map((l) => l.labelId));
    for (const id of next) if (!owned.has(id)) unannounced++;
    for (const id of owned) if (!next.has(id)) queue.drop(id);
    for (const id of heldStates.keys()) if (!next.has(id)) heldStates.delete(id);
    owned = next;
  }

  async function refreshLabels(): Promise<void> {
    syncOwned();
    if (!online) return;
    const added = unannounced;
    unannounced = 0;
    try {
      await publishInventory();
      // Subscribing again makes the broker resend retained content, the only way a new label learns
      // what it must show without a subscription per label.
      if (added > 0) await client.subscribeAsync(contentFilter, { qos: CONTENT_SUBSCRIPTION_QOS });
    } catch (error) {
      logger.warn("republishing the inventory failed; it goes out again on reconnect", {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  async function resync(): Promise<void> {
    if (!online || stopping) return;
    try {
      await client.subscribeAsync(contentFilter, { qos: CONTENT_SUBSCRIPTION_QOS });
      stats.resyncs++;
      logger.debug("content resync requested");
    } catch (error) {
      logger.debug("content resync failed", {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  const route = inboundRouter({
    storeId,
    owns: (labelId) => owned.has(labelId),
    queue,
    adapter,
    logger,
    stats,
  });

  async function onConnect(): Promise<void> {
    const mySession = ++session;
    stats.connects++;
    reconnectAttempts = 0;
    // This connect announces the inventory and subscribes afresh, which covers every new label.
    unannounced = 0;
    try {
      await client.publishAsync(statusTopic, availabilityPayload("online", true), { qos: 1, retain: true });
      await publishInventory();
      const granted = await client.subscribeAsync(
        { [contentFilter]: { qos: CONTENT_SUBSCRIPTION_QOS }, [commandFilter]: { qos: 1 } },
        {},
      );
      for (const grant of granted) {
        if (grant.qos === 128) logger.error("broker refused a subscription", { topic: grant.topic });
      }
      if (mySession !== session || stopping) return;
      online = true;
      const held = [...heldStates];
      heldStates.clear();
      for (const [labelId, payload] of held) publishState(labelId, payload);
      logger.info("online", { broker: options.mqttUrl, storeId, labels: owned.size });
      markReady();
    } catch (error) {
      // The close that usually follows schedules the reconnect; nothing else to do here.
      logger.warn("announcing the bridge failed", {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  function onClose(): void {
    online = false;
    // A clean session's unacknowledged publishes die with the connection, but MQTT.js keeps waiting
    // for their acks (and a later end() waits for them too). Failing them now lets publishState hold
    // the lost reports for the next connection. _flush is internal to MQTT.js, hence the guard.
    (client as unknown as { _flush?: () => void })._flush?.();
    if (stopping || reconnectTimer) return;
    reconnectAttempts++;
    const delay = backoffDelay(reconnectAttempts, reconnectBackoff);
    logger.warn(reconnectAttempts === 1 ? "broker connection lost" : "broker still unreachable", {
      retryInMs: delay,
      attempt: reconnectAttempts,
      error: lastError,
    });
    lastError = undefined;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      if (!stopping) client.reconnect();
    }, delay);
  }

  owned = new Set(adapter.labels().map((l) => l.labelId));
  await adapter.start(context);
  syncOwned();

  const client = connect({
    ...brokerUrlOptions(options.mqttUrl),
    ...options.mqttOptions,
    clientId: options.clientId ?? `shelfsync-bridge-${storeId}-${bridgeId}`,
    clean: true,
    keepalive: options.keepaliveSeconds ?? 30,
    // MQTT.js only knows a fixed reconnect period; onClose drives reconnects with backoff instead.
    reconnectPeriod: 0,
    resubscribe: false,
    // Packet ids not in flight: a bridge of 99,999 labels can hold more than 65,535 unacknowledged
    // state reports after an outage, and the default provider reuses ids still in use (see the
    // controller link).
    messageIdProvider: new UniqueMessageIdProvider(),
    will: {
      topic: statusTopic,
      payload: Buffer.from(availabilityPayload("offline", false)),
      qos: 1,
      retain: true,
    },
  });
  client.on("connect", () => {
    // A content applied is a state published and a PUBACK sent: one system call per packet unless
    // the writes of one turn of the loop go out together (a reprice brings 50,000 at once).
    coalesceWrites(client.stream);
    void onConnect();
  });
  client.on("close", onClose);
  client.on("error", (error) => {
    lastError = error.message;
    logger.debug("mqtt error", { error: error.message });
  });
  client.on("message", (topic, payload, packet) => {
    if (!stopping) route(topic, payload, packet.retain);
  });

  const resyncSeconds = options.contentResyncSeconds ?? 900;
  if (resyncSeconds > 0) {
    resyncTimer = setInterval(() => void resync(), resyncSeconds * 1_000);
    resyncTimer.unref();
  }

  async function stop(): Promise<void> {
    stopping = true;
    clearTimeout(reconnectTimer);
    clearInterval(resyncTimer);
    if (labelsRefresh) clearImmediate(labelsRefresh);
    queue.stop();
    failReady(new Error("bridge stopped before it came online"));
    try {
      await adapter.stop();
    } catch (error) {
      logger.warn("adapter stop failed", { error: error instanceof Error ? error.message : String(error) });
    }
    if (client.connected) {
      try {
        await withTimeout(
          client.publishAsync(statusTopic, availabilityPayload("offline", true), { qos: 1, retain: true }),
          STOP_PUBLISH_TIMEOUT_MS,
        );
      } catch {
        // The broker went away while stopping; its Last Will says offline for us.
      }
      const ended = await withTimeout(
        client.endAsync().then(() => "ended" as const),
        STOP_PUBLISH_TIMEOUT_MS,
      ).catch(() => undefined);
      if (ended !== "ended") client.end(true);
    } else {
      client.end(true);
    }
    online = false;
    logger.info("stopped");
  }

  return {
    storeId,
    bridgeId,
    kind: adapter.kind,
    client,
    ready,
    get online() {
      return online;
    },
    get stats(): BridgeStats {
      const q = queue.stats;
      return { ...stats, applying: q.running, waiting: q.waiting, retrying: q.retrying };
    },
    stop() {
      stopPromise ??= stop();
      return stopPromise;
    },
  };
}
