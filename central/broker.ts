import { readFileSync } from "node:fs";
import mqtt, { type MqttClient } from "mqtt";
import { brokerServers } from "../lib/broker-url.ts";

/**
 * Central's connection to the chain broker. SHELFSYNC_CHAIN_URL may name several nodes of a cluster,
 * comma-separated (`mqtt://nats-1:1883,mqtt://nats-2:1883`): MQTT.js tries them in turn, so a node
 * that dies hands central to the next one, and a QoS 1 publish that was not yet acknowledged is sent
 * again there. MQTT 3.1.1: what NATS's MQTT listener speaks (as do EMQX, HiveMQ, VerneMQ).
 */
export interface ChainLogin {
  username?: string | undefined;
  password?: string | undefined;
  /** A CA certificate (PEM file) for `mqtts://` nodes. */
  caFile?: string | undefined;
}

export async function connectChain(
  urls: string,
  clientId: string,
  login: ChainLogin = {},
  options: { clean?: boolean; connectTimeoutMs?: number } = {},
): Promise<MqttClient> {
  const servers = brokerServers(urls);
  const first = servers[0];
  if (!first) throw new Error("SHELFSYNC_CHAIN_URL names no broker");
  const client = mqtt.connect({
    servers,
    protocolVersion: 4,
    clientId,
    clean: options.clean ?? true,
    keepalive: 15,
    reconnectPeriod: 500,
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    ...(login.username ? { username: login.username } : {}),
    ...(login.password ? { password: login.password } : {}),
    ...(login.caFile ? { ca: readFileSync(login.caFile) } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.end(true);
      reject(new Error(`cannot reach the chain broker at ${urls}`));
    }, options.connectTimeoutMs ?? 10_000);
    client.once("connect", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return client;
}
