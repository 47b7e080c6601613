import mqtt, { type IPublishPacket, type ISubscriptionMap, type MqttClient } from "mqtt";
import { brokerServers } from "../../lib/broker-url.ts";
import { keepSubscribed } from "../../lib/subscribe.ts";
import {
  type ChainBatch,
  chainBatchSchema,
  chainTopics,
  describeIssues,
  parseTopic,
} from "../../schemas/index.ts";
import type { CentralCatchUp } from "../feeds/catch-up.ts";
import { type FeedIngestor, FeedRejected, SequenceJumpRefused, textBody } from "../feeds/ingest.ts";
import type { Logger } from "../log.ts";

/**
 * The store's end of the chain (SHELFSYNC_CHAIN=on; docs/chain.md). Central's batches arrive on
 * `shelfsync/chain/{feed}` and `shelfsync/chain/store/{storeId}/{feed}`, on the store's own broker
 * (brought there by its bridge to the chain broker) or on the chain broker itself. Rules, in order:
 *
 * 1. A persistent session: `clean: false` and a client id fixed per store, so what is published while
 *    the controller is stopped waits in its session on the broker and arrives when it is back.
 * 2. Each message is applied through the same feed path as a POSTed batch (controller/feeds/ingest.ts:
 *    same validation, sequence rules, one transaction) before it is acknowledged: the PUBACK goes out
 *    once the batch is in SQLite, so a controller that dies mid-apply gets the message again. MQTT.js
 *    reads the next packet only after that, so batches are applied in the order they came.
 * 3. A sequence already applied is a duplicate (a redelivery): `applied: false`, nothing changes.
 * 4. A sequence above the next one is applied, and the gap it leaves starts the HTTP catch-up
 *    (SHELFSYNC_CENTRAL_URL, controller/feeds/catch-up.ts): the bridge does not guarantee delivery
 *    (chain-facts: a message bridged in while no session exists on the store broker is dropped).
 * 5. A message without a body (too large for one MQTT message) starts the catch-up, which pulls it.
 * 6. A change for other stores (`stores` does not name this one) is taken as an empty batch at its
 *    sequence: the number is the chain's, so the next change shows no gap.
 * 7. Every (re)connect starts a catch-up too: the last change before an outage leaves no gap behind
 *    it for a later one to reveal.
 * 8. So does the store broker's bridge to the chain coming back (its `uplink` notification, "0" then
 *    "1"; bridge-config.ts): the controller's own connection never dropped, but a chain node that died
 *    may have taken with it what it held for the bridge's session.
 *
 * A batch the store refuses (central validated its rows, so this is about the store's state, most
 * often a feed that overtook another: brokers order messages per topic only) is acknowledged, and
 * the catch-up, which takes the feeds in order (products first), tries it again.
 */
export interface ChainLink {
  readonly client: MqttClient;
  connected(): boolean;
  /** The store broker's bridge to the chain, as its notifications last said (rule 8); undefined: unknown. */
  uplink(): "up" | "down" | undefined;
  /** Publish the store's retained roll-up (QoS 1). */
  publishStatus(payload: string): Promise<void>;
  close(): Promise<void>;
}

export function connectChainLink(deps: {
  /** One URL, or cluster nodes comma-separated (tried in turn). */
  url: string;
  storeId: string;
  username?: string | undefined;
  password?: string | undefined;
  ca?: Buffer;
  ingest: FeedIngestor;
  central: CentralCatchUp | null;
  log: Logger;
  /** After a batch was applied (the roll-up publishes sooner). */
  onApplied?: () => void;
}): ChainLink {
  const { storeId, log } = deps;
  const servers = brokerServers(deps.url);
  const client = mqtt.connect({
    servers,
    // 3.1.1: what every chain broker speaks (NATS's MQTT listener has no MQTT 5).
    protocolVersion: 4,
    clientId: `shelfsync-chain-${storeId}`,
    clean: false,
    keepalive: 30,
    reconnectPeriod: 1_000,
    connectTimeout: 10_000,
    ...(deps.username ? { username: deps.username } : {}),
    ...(deps.password ? { password: deps.password } : {}),
    ...(deps.ca ? { ca: deps.ca } : {}),
  });
  const inbound = chainTopics.storeInbound(storeId);
  let warnedNoCentral = false;
  const kickCatchUp = (why: string) => {
    if (deps.central) {
      void deps.central.kick();
      return;
    }
    if (!warnedNoCentral) {
      log.warn(`${why}, but SHELFSYNC_CENTRAL_URL is unset: nothing can fetch it`);
      warnedNoCentral = true;
    }
  };

  client.on("connect", (connack) => {
    log.info("connected to the chain topics", { url: deps.url, sessionPresent: connack.sessionPresent });
    kickCatchUp("connected to the chain");
  });
  // Subscribing again on a kept session changes nothing; on a new one it is what makes it; a refusal
  // (a clustered broker electing a new leader) is tried again.
  keepSubscribed(client, inbound, {
    qos: 1,
    onError: (error) => log.warn("chain subscription refused; trying again", { error }),
  });
  // Rule 8. Not kept subscribed: on a chain broker itself (no bridge) nothing is published there, and
  // one with ACLs may refuse it for good. The first state after a connect is the retained one, which
  // the connect's own catch-up already covers.
  const uplinkTopic = chainTopics.storeUplink(storeId);
  let uplink: "up" | "down" | undefined;
  client.on("connect", () => {
    // `resubscribe`: sent even though MQTT.js knows the filter from an earlier connect (it skips a
    // known one otherwise), so that the broker sends the retained state again: after the store
    // broker's restart the controller otherwise never learnt it (tests/chain-multistore).
    const fresh = { [uplinkTopic]: { qos: 0 } } as ISubscriptionMap;
    fresh.resubscribe = true; // (MQTT.js deletes the flag from the map it is given: one map a call)
    client.subscribe(fresh, (err, granted) => {
      if (err || granted?.some((g) => g.qos === 128))
        log.debug("no bridge notifications on this broker", { topic: uplinkTopic });
    });
  });
  const onUplink = (payload: string) => {
    const was = uplink;
    uplink = payload === "1" ? "up" : "down";
    if (uplink === "down" && was !== "down") log.warn("the store broker's bridge to the chain is down");
    if (uplink === "up" && was === "down") {
      log.info("the store broker's bridge to the chain is back; catching up");
      kickCatchUp("the bridge to the chain is back");
    }
  };
  // Disconnected, the controller cannot know: the next connect reads the retained state again.
  client.on("close", () => {
    uplink = undefined;
  });
  client.on("offline", () => log.warn("chain broker unreachable; retrying", { url: deps.url }));
  client.on("error", (err) => log.warn("chain MQTT error", { error: err.message }));

  async function apply(batch: ChainBatch): Promise<void> {
    const mine = batch.stores === undefined || batch.stores.includes(storeId);
    if (batch.stores !== undefined && mine) return; // a notice; the batch comes on this store's topic
    const body = mine ? batch.body : "[]";
    if (body === undefined) {
      kickCatchUp(`chain change ${batch.changeId} (${batch.bytes} bytes) must be pulled over HTTP`);
      return;
    }
    const reply = await deps.ingest({
      feed: batch.feed,
      sequence: batch.sequence,
      format: mine ? batch.format : "json",
      body: textBody(body),
      actor: { name: `chain ${batch.changeId}${mine ? "" : " (for other stores)"}` },
    });
    if (reply.applied) {
      log.info("chain change applied", {
        changeId: batch.changeId,
        rows: reply.rowsRead,
        labels: reply.labelsAffected,
      });
      deps.onApplied?.();
    } else log.debug("chain change already applied", { changeId: batch.changeId, reason: reply.reason });
  }

  // The acknowledgement waits for the apply (rule 2).
  client.handleMessage = (packet: IPublishPacket, done: (err?: Error) => void) => {
    if (packet.topic === uplinkTopic) {
      onUplink(packet.payload.toString());
      done();
      return;
    }
    const t = parseTopic(packet.topic);
    const ours = t?.kind === "chain" || (t?.kind === "chainStore" && t.storeId === storeId);
    if (!ours || packet.payload.length === 0) {
      done();
      return;
    }
    let batch: ChainBatch;
    try {
      const parsed = chainBatchSchema.safeParse(JSON.parse(packet.payload.toString()));
      if (!parsed.success) {
        log.warn("ignored chain message: invalid", {
          topic: packet.topic,
          problem: describeIssues(parsed.error),
        });
        done();
        return;
      }
      batch = parsed.data;
    } catch {
      log.warn("ignored chain message: not JSON", { topic: packet.topic });
      done();
      return;
    }
    apply(batch).then(
      () => done(),
      (e: unknown) => {
        if (e instanceof FeedRejected) {
          // Central validated the rows, so the store refuses them for its own state: most often a
          // feed that overtook another on the way (prices naming SKUs whose products batch is still
          // in flight on its own topic; a broker orders messages per topic only). Nothing of it was
          // applied and no number consumed: the catch-up takes the feeds in order (products first).
          log.warn("chain change refused by the store; the catch-up will take it in feed order", {
            changeId: batch.changeId,
            error: e.message,
          });
          kickCatchUp(`chain change ${batch.changeId} was refused`);
        } else if (e instanceof SequenceJumpRefused)
          log.error("chain change refused by the store", { changeId: batch.changeId, error: e.message });
        else {
          log.error("chain change failed; the catch-up will fetch it", {
            changeId: batch.changeId,
            error: String(e),
          });
          kickCatchUp(`chain change ${batch.changeId} failed`);
        }
        done();
      },
    );
  };

  return {
    client,
    connected: () => client.connected,
    uplink: () => uplink,
    publishStatus: (payload) =>
      new Promise<void>((resolve, reject) =>
        client.publish(chainTopics.storeStatus(storeId), payload, { qos: 1, retain: true }, (err) =>
          err ? reject(err) : resolve(),
        ),
      ),
    close: () => client.endAsync(),
  };
}
