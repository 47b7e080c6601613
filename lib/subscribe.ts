import type { MqttClient } from "mqtt";

/**
 * Subscribe at every (re)connect, and again a moment later while the broker refuses (SUBACK 0x80).
 * A clustered broker that just lost a node may refuse a subscription until it has a new leader
 * (NATS answers "unable to add JetStream consumer" and a failed SUBACK for a few seconds), and
 * MQTT.js does not try a refused (re)subscription again: without this a subscriber would stay deaf
 * on a connection that looks healthy.
 */
export function keepSubscribed(
  client: MqttClient,
  filters: readonly string[],
  options: { qos: 0 | 1; retryMs?: number; onError?: (message: string) => void },
): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const attempt = () => {
    clearTimeout(timer);
    if (stopped || !client.connected) return;
    client.subscribe(Object.fromEntries(filters.map((f) => [f, { qos: options.qos }])), (err, granted) => {
      if (stopped || client.disconnecting) return;
      const refused = (granted ?? []).filter((g) => g.qos === 128).map((g) => g.topic);
      if (err || refused.length > 0) {
        options.onError?.(err ? String(err) : `refused: ${refused.join(", ")}`);
        timer = setTimeout(attempt, options.retryMs ?? 1_000);
        timer.unref();
      }
    });
  };
  client.on("connect", attempt);
  if (client.connected) attempt();
  return () => {
    stopped = true;
    clearTimeout(timer);
    client.off("connect", attempt);
  };
}
