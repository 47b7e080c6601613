import type { IClientOptions } from "mqtt";

/**
 * What both of the controller link's MQTT sessions connect with (the availability session in
 * controller-link.ts, the content session in content-session.ts): same user, own client id, the same
 * keepalive and reconnect timing, so that a broker sees and drops them alike.
 */
export function linkSessionOptions(o: {
  clientId: string;
  username?: string | undefined;
  password?: string | undefined;
  ca?: Buffer | undefined;
  /** MQTT.js's per-packet debug lines: only when DEBUG names mqttjs. */
  mqttDebug: boolean;
}): IClientOptions {
  return {
    clientId: o.clientId,
    clean: true,
    keepalive: 30,
    reconnectPeriod: 2_000,
    connectTimeout: 10_000,
    username: o.username,
    password: o.password,
    ...(o.ca ? { ca: o.ca } : {}),
    // MQTT.js logs a dozen debug lines per packet through `debug`, which checks whether its
    // namespace is on at each one: ~2 µs a publish and a PUBACK. Kept when DEBUG asks for it.
    ...(o.mqttDebug ? {} : { log: () => {} }),
  };
}
