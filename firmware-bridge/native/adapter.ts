import { connect, type IClientOptions, type MqttClient } from "mqtt";
import { type BackoffOptions, backoffDelay } from "../../lib/backoff.ts";
import { brokerUrlOptions } from "../../lib/broker-url.ts";
import {
  type DeviceTopics,
  deviceTopics,
  type LabelCommand,
  type LabelContent,
  type LabelDescriptor,
  labelStateSchema,
  nativeHelloSchema,
} from "../../schemas/index.ts";
import type { ApplyResult, BridgeAdapter, BridgeContext } from "../core/adapter.ts";
import { decodeJson, describeProblems } from "../core/payloads.ts";

export interface NativeAdapterOptions {
  /** The device broker, e.g. mqtt://127.0.0.1:1883 (credentials may ride in the URL). */
  deviceUrl: string;
  /** Device topic prefix (`deviceTopics` in schemas/topics.ts; the protocol is in README.md). */
  devicePrefix: string;
  /** Stable by default (`shelfsync-native-{storeId}-{bridgeId}`) so a restarted bridge takes over its session. */
  clientId?: string;
  /** Reconnect delays after the device broker is lost; default 500 ms doubling up to 30 s, with jitter. */
  reconnect?: Partial<BackoffOptions>;
  /** A content publish the device broker has not acknowledged by then is failed (and retried). Default 10 s. */
  publishTimeoutMs?: number;
  /** Content publishes awaiting the broker's ack at once. Default 100. */
  maxConcurrentApplies?: number;
  /** Extra MQTT.js options (TLS material…); the adapter's own settings win. */
  mqttOptions?: Partial<IClientOptions>;
}

const STOP_TIMEOUT_MS = 2_000;

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Labels that render themselves: content goes to them unchanged over their own MQTT connection, and
 * their state comes back. The bridge never claims what a panel shows; only the device's state does.
 */
export class NativeBridgeAdapter implements BridgeAdapter {
  readonly kind = "native";
  readonly maxConcurrentApplies: number;
  private readonly topics: DeviceTopics;
  private readonly descriptors = new Map<string, LabelDescriptor>();
  private cached: readonly LabelDescriptor[] = [];
  /** Per label, the content payload the device broker acknowledged on this connection. */
  private readonly published = new Map<string, string>();
  private readonly pending = new Set<(result: ApplyResult) => void>();
  private context: BridgeContext | undefined;
  private client: MqttClient | undefined;
  private stopping = false;
  private subscribed = false;
  private reconnectAttempts = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private lastError: string | undefined;

  constructor(private readonly options: NativeAdapterOptions) {
    this.topics = deviceTopics(options.devicePrefix);
    this.maxConcurrentApplies = options.maxConcurrentApplies ?? 100;
  }

  /** The device broker this adapter connects to. */
  get deviceUrl(): string {
    return this.options.deviceUrl;
  }

  /** The device topics in use (tests and tools build device-side topics from it). */
  get deviceTopics(): DeviceTopics {
    return this.topics;
  }

  /** Connected to the device broker and subscribed right now. */
  get deviceOnline(): boolean {
    return this.subscribed && this.client?.connected === true;
  }

  start(context: BridgeContext): void {
    this.context = context;
    // Not awaited: the canonical side comes online (with an empty inventory) even when the device
    // broker is down, and the labels appear once it is reachable.
    const client = connect({
      ...brokerUrlOptions(this.options.deviceUrl),
      ...this.options.mqttOptions,
      clientId: this.options.clientId ?? `shelfsync-native-${context.storeId}-${context.bridgeId}`,
      clean: true,
      keepalive: 30,
      // MQTT.js reconnects at a fixed period; onClose reconnects with backoff instead.
      reconnectPeriod: 0,
      resubscribe: false,
    });
    this.client = client;
    client.on("connect", () => void this.onConnect(client));
    client.on("close", () => this.onClose(client));
    client.on("error", (error) => {
      this.lastError = error.message;
      context.logger.debug("device broker error", { error: error.message });
    });
    client.on("message", (topic, payload) => this.onMessage(topic, payload));
  }

  labels(): readonly LabelDescriptor[] {
    return this.cached;
  }

  async applyContent(labelId: string, content: LabelContent | null): Promise<ApplyResult> {
    const client = this.client;
    if (this.stopping) return { ok: false, reason: "bridge stopping", retry: false };
    if (!client || !this.deviceOnline) return { ok: false, reason: "device broker unreachable" };
    // The runtime hands over the validated object; its keys keep the schema's order, which is the
    // order the controller writes them in, so this is the controller's JSON again.
    const payload = content === null ? "" : JSON.stringify(content);
    if (this.published.get(labelId) === payload) return { ok: true };
    const result = await this.publishAcked(client, this.topics.label(labelId, "content"), payload);
    if (result.ok) this.published.set(labelId, payload);
    return result;
  }

  async command(labelId: string, command: LabelCommand): Promise<void> {
    const client = this.client;
    // A command is a moment's request: not queued for a broker that may come back much later.
    if (!client || !this.deviceOnline) throw new Error("device broker unreachable; command dropped");
    await client.publishAsync(this.topics.label(labelId, "command"), JSON.stringify(command), {
      qos: 1,
      retain: false,
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.reconnectTimer);
    for (const settle of [...this.pending]) settle({ ok: false, reason: "bridge stopping", retry: false });
    const client = this.client;
    if (!client) return;
    const ended = await Promise.race([
      client.endAsync().then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), STOP_TIMEOUT_MS).unref()),
    ]).catch(() => false);
    if (!ended) client.end(true);
  }

  /** Publish retained at QoS 1 and settle on the broker's ack, a timeout, or stop. */
  private publishAcked(client: MqttClient, topic: string, payload: string): Promise<ApplyResult> {
    return new Promise<ApplyResult>((resolve) => {
      const settle = (result: ApplyResult) => {
        if (!this.pending.delete(settle)) return;
        clearTimeout(timer);
        resolve(result);
      };
      this.pending.add(settle);
      const timer = setTimeout(
        () => settle({ ok: false, reason: "device broker did not acknowledge the content" }),
        this.options.publishTimeoutMs ?? 10_000,
      );
      client.publish(topic, payload, { qos: 1, retain: true }, (error) => {
        settle(error ? { ok: false, reason: `device publish failed: ${error.message}` } : { ok: true });
      });
    });
  }

  private async onConnect(client: MqttClient): Promise<void> {
    const logger = this.context?.logger;
    this.reconnectAttempts = 0;
    // The device broker may have restarted without its retained messages: publish everything again.
    this.published.clear();
    try {
      const granted = await client.subscribeAsync(
        { [this.topics.anyLabel("hello")]: { qos: 1 }, [this.topics.anyLabel("state")]: { qos: 1 } },
        {},
      );
      for (const grant of granted) {
        if (grant.qos === 128) logger?.error("device broker refused a subscription", { topic: grant.topic });
      }
      if (this.stopping || this.client !== client || !client.connected) return;
      this.subscribed = true;
      logger?.info("device broker online", { broker: this.options.deviceUrl, prefix: this.topics.prefix });
    } catch (error) {
      logger?.warn("subscribing on the device broker failed", { error: errorText(error) });
    }
  }

  private onClose(client: MqttClient): void {
    this.subscribed = false;
    // Publishes in flight die with a clean session; fail them now so the runtime retries them.
    (client as unknown as { _flush?: () => void })._flush?.();
    if (this.stopping || this.reconnectTimer) return;
    this.reconnectAttempts++;
    const delay = backoffDelay(this.reconnectAttempts, {
      initialMs: 500,
      maxMs: 30_000,
      ...this.options.reconnect,
    });
    this.context?.logger.warn(
      this.reconnectAttempts === 1 ? "device broker connection lost" : "device broker still unreachable",
      { retryInMs: delay, attempt: this.reconnectAttempts, error: this.lastError },
    );
    this.lastError = undefined;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.stopping) client.reconnect();
    }, delay);
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (this.stopping) return;
    const parsed = this.topics.parse(topic);
    if (parsed?.leaf === "hello") this.onHello(topic, parsed.labelId, payload);
    else if (parsed?.leaf === "state") this.onState(topic, parsed.labelId, payload);
  }

  private onHello(topic: string, labelId: string, payload: Buffer): void {
    const logger = this.context?.logger;
    if (payload.length === 0) {
      if (!this.descriptors.delete(labelId)) return;
      this.published.delete(labelId);
      logger?.info("label left", { labelId });
      this.inventoryChanged();
      return;
    }
    const decoded = decodeJson(payload, nativeHelloSchema);
    if (!decoded.ok) {
      logger?.warn("invalid device hello ignored", {
        topic,
        field: decoded.problems[0]?.field,
        problems: describeProblems(decoded.problems),
      });
      return;
    }
    const { v: _v, ...panel } = decoded.value;
    const next: LabelDescriptor = { labelId, ...panel };
    const before = this.descriptors.get(labelId);
    if (before && JSON.stringify(before) === JSON.stringify(next)) return;
    this.descriptors.set(labelId, next);
    if (!before) logger?.info("label joined", { labelId, model: next.model });
    this.inventoryChanged();
  }

  private onState(topic: string, labelId: string, payload: Buffer): void {
    const logger = this.context?.logger;
    if (!this.descriptors.has(labelId)) {
      logger?.warn("state from a label that sent no hello ignored", { topic });
      return;
    }
    if (payload.length === 0) return;
    const decoded = decodeJson(payload, labelStateSchema);
    if (!decoded.ok) {
      logger?.warn("invalid device state ignored", {
        topic,
        field: decoded.problems[0]?.field,
        problems: describeProblems(decoded.problems),
      });
      return;
    }
    const { v: _v, ...report } = decoded.value;
    this.context?.reportState(labelId, report);
  }

  private inventoryChanged(): void {
    this.cached = [...this.descriptors.values()];
    this.context?.labelsChanged();
  }
}

export function createNativeAdapter(options: NativeAdapterOptions): NativeBridgeAdapter {
  return new NativeBridgeAdapter(options);
}
