import { chainTopics } from "../../schemas/index.ts";

/**
 * The store Mosquitto's bridge to the chain broker (docs/chain.md), as a mosquitto.conf section.
 * What each line is for, from what the brokers do (docs/chain.md "Bridging"):
 *
 * - `try_private false`: NATS (and other non-Mosquitto brokers) refuse the bridge protocol flag.
 *   Without it Mosquitto has no loop detection, so no `in` filter may match an `out` topic: the store
 *   takes exactly the chain-wide feeds and its own, and sends exactly its status. (`shelfsync/chain/#
 *   in` would also bring every other store's roll-up into every store, a thousand times over.)
 * - `cleansession false` with a fixed `clientid`: a durable session on the chain broker, so changes
 *   published while the store's line is down wait there and arrive when it is back.
 * - QoS 1 both ways: at least once; the controller takes a sequence it has as a duplicate.
 * - Several `address` entries: the nodes of a clustered chain broker, tried in turn.
 * - Notifications on the store broker only (`notifications_local_only`), on the store's `uplink` topic
 *   (schemas/topics.ts): the controller catches up over HTTP when the bridge comes back. A chain node
 *   that dies can take with it what it held for the bridge's session, and nothing else would tell the
 *   store before the next change shows a gap or the periodic catch-up comes by (every 5 minutes by
 *   default, SHELFSYNC_CENTRAL_INTERVAL_SECONDS). The chain broker never sees them (they are not
 *   the chain's business, and a broker with ACLs would refuse them).
 * - The store broker itself needs `persistence true`: the controller's chain session (clean: false)
 *   must survive a restart of the store broker, or what the bridge brings in meanwhile is dropped.
 */
/** The bridge's `connection` name in mosquitto.conf (also the label of its metric, controller/metrics.ts). */
export const BRIDGE_CONNECTION = "shelfsync-chain";

export interface BridgeOptions {
  storeId: string;
  /** The chain broker's nodes: `mqtt://host:port` or `mqtts://…`, comma-separated. */
  chainUrls: string;
  remoteUsername?: string | undefined;
  remotePassword?: string | undefined;
  /** TLS to the chain broker: the CA (PEM) to trust; a client certificate and key if it asks for one. */
  cafile?: string | undefined;
  certfile?: string | undefined;
  keyfile?: string | undefined;
  /** The local side's sign-in on a store broker with ACLs (e.g. the controller's, controller.env). */
  localUsername?: string | undefined;
  localPassword?: string | undefined;
}

export function mosquittoBridgeConfig(o: BridgeOptions): string {
  const nodes = o.chainUrls
    .split(",")
    .map((u) => u.trim())
    .filter(Boolean)
    .map((u) => new URL(u));
  if (nodes.length === 0) throw new Error("no chain broker URL");
  const tls = nodes.some((u) => u.protocol === "mqtts:");
  if (tls && !o.cafile) throw new Error("an mqtts:// chain broker needs a CA file (bridge_cafile)");
  const address = nodes.map((u) => `${u.hostname}:${u.port || (u.protocol === "mqtts:" ? 8883 : 1883)}`);
  const inbound = chainTopics.storeInbound(o.storeId);
  return [
    "# Written by `npm run token -- mosquitto-bridge` (docs/chain.md). Include it in the store's",
    "# mosquitto.conf, which must also have `persistence true` (the controller's chain session must",
    "# survive a broker restart).",
    `connection ${BRIDGE_CONNECTION}`,
    `address ${address.join(" ")}`,
    "round_robin false",
    "bridge_protocol_version mqttv311",
    "try_private false",
    "cleansession false",
    `clientid shelfsync-bridge-${o.storeId}`,
    "start_type automatic",
    "restart_timeout 1 10",
    "keepalive_interval 30",
    "notifications true",
    "notifications_local_only true",
    `notification_topic ${chainTopics.storeUplink(o.storeId)}`,
    ...(o.remoteUsername ? [`remote_username ${o.remoteUsername}`] : []),
    ...(o.remotePassword ? [`remote_password ${o.remotePassword}`] : []),
    ...(o.localUsername ? [`local_username ${o.localUsername}`] : []),
    ...(o.localPassword ? [`local_password ${o.localPassword}`] : []),
    ...(o.cafile ? [`bridge_cafile ${o.cafile}`, "bridge_insecure false", "bridge_tls_version tlsv1.2"] : []),
    ...(o.certfile ? [`bridge_certfile ${o.certfile}`] : []),
    ...(o.keyfile ? [`bridge_keyfile ${o.keyfile}`] : []),
    "# chain → store: the chain-wide feeds and this store's own",
    ...inbound.map((t) => `topic ${t} in 1`),
    "# store → chain: the roll-up",
    `topic ${chainTopics.storeStatus(o.storeId)} out 1`,
    "",
  ].join("\n");
}
