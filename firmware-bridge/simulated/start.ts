import type { BackoffOptions, BridgeHandle, Logger, StartBridgeOptions } from "../core/index.ts";
import { createConsoleLogger, startBridge } from "../core/index.ts";
import { createSimulatedAdapter, type SimulatedAdapter } from "./adapter.ts";
import type { SimulatedFleetOptions } from "./options.ts";

export const DEFAULT_MQTT_URL = "mqtt://127.0.0.1:1883";
export const DEFAULT_STORE_ID = "store-1";
export const DEFAULT_SIMULATED_BRIDGE_ID = "sim-ap";

export interface SimulatedAccessPointOptions extends Omit<SimulatedFleetOptions, "bridgeId"> {
  /** Default mqtt://127.0.0.1:1883. */
  mqttUrl?: string;
  /** Default store-1. */
  storeId?: string;
  /** Default sim-ap; label ids are `{bridgeId}-00001`, `-00002`, … */
  bridgeId?: string;
  logger?: Logger;
  /** Reconnect backoff after broker loss (default 500 ms → 30 s). */
  reconnect?: Partial<BackoffOptions>;
  /** Backoff before a failed apply is tried again (default 2 s → 60 s). */
  applyRetry?: Partial<BackoffOptions>;
  keepaliveSeconds?: number;
  /** Re-fetch all retained content this often (default 900 s, 0 = never); see StartBridgeOptions. */
  contentResyncSeconds?: number;
  /** Extra MQTT.js options: the sign-in (`username` = the bridge id, `password` = its token), TLS. */
  mqttOptions?: StartBridgeOptions["mqttOptions"];
  /** Resolve only once online and subscribed (default true); false returns at once and keeps trying. */
  waitUntilOnline?: boolean;
}

/** A running simulated access point: its fleet's view (as the adapter has it) and the runtime. */
export interface SimulatedAccessPoint
  extends Pick<
    SimulatedAdapter,
    "bridgeId" | "labelIds" | "displayedHash" | "page" | "flashes" | "stats" | "setFailureRate"
  > {
  readonly storeId: string;
  /** The runtime underneath: MQTT client, `online`, `ready`, message counters. */
  readonly bridge: BridgeHandle;
  stop(): Promise<void>;
}

/** Start a simulated access point in this process: a real MQTT client with a virtual label fleet. */
export async function startSimulatedAccessPoint(
  options: SimulatedAccessPointOptions = {},
): Promise<SimulatedAccessPoint> {
  const bridgeId = options.bridgeId ?? DEFAULT_SIMULATED_BRIDGE_ID;
  const adapter = createSimulatedAdapter({ ...options, bridgeId });
  const bridge = await startBridge({
    mqttUrl: options.mqttUrl ?? DEFAULT_MQTT_URL,
    storeId: options.storeId ?? DEFAULT_STORE_ID,
    bridgeId,
    adapter,
    logger: options.logger ?? createConsoleLogger({ prefix: `bridge ${bridgeId}` }),
    reconnect: options.reconnect,
    applyRetry: options.applyRetry,
    keepaliveSeconds: options.keepaliveSeconds,
    contentResyncSeconds: options.contentResyncSeconds,
    mqttOptions: options.mqttOptions,
  });
  if (options.waitUntilOnline ?? true) {
    try {
      await bridge.ready;
    } catch (error) {
      await bridge.stop();
      throw error;
    }
  }
  return {
    bridgeId,
    storeId: bridge.storeId,
    labelIds: adapter.labelIds,
    displayedHash: adapter.displayedHash,
    page: adapter.page,
    get flashes() {
      return adapter.flashes;
    },
    get stats() {
      return adapter.stats;
    },
    setFailureRate: adapter.setFailureRate,
    bridge,
    stop: () => bridge.stop(),
  };
}
