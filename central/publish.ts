import type { MqttClient } from "mqtt";
import { feedRowReader, textBody } from "../controller/feeds/ingest.ts";
import {
  type ChainBatch,
  type ChainFeed,
  chainTopics,
  changeIdOf,
  PROTOCOL_VERSION,
} from "../schemas/index.ts";
import type { CentralLog, LoggedBatch } from "./log.ts";

/**
 * Publishing a change to the chain, in order:
 *   1. validate every row as a store will (the same schemas): a batch that every store refuses would
 *      otherwise hold a sequence number no store can ever apply, and every catch-up would stop on it;
 *   2. stamp the next sequence of its feed in central's log (the HTTP catch-up serves it from there);
 *   3. publish at QoS 1 and wait for the broker's acknowledgement of every message, then mark it
 *      delivered. A publisher stopped between 2 and 3 leaves it undelivered: the next publish sends
 *      it first (stores would also find the gap and pull it over HTTP).
 *
 * What goes on the broker (schemas/chain.ts): one message on `shelfsync/chain/{feed}` for a
 * chain-wide change; for some stores only, the batch on each `shelfsync/chain/store/{id}/{feed}` and
 * a notice naming them on the chain-wide topic (every other store takes the number as an empty
 * batch, so it sees no gap). A body above `inlineBytes` is not sent over MQTT at all (brokers cap a
 * message, NATS at 1 MB by default): the message says so and the stores pull it over HTTP.
 */
export const DEFAULT_INLINE_BYTES = 256 * 1024;

export class CentralRefused extends Error {}

export interface PublishInput {
  feed: ChainFeed;
  format: LoggedBatch["format"];
  body: string;
  /** Only these stores; empty or absent: the whole chain. */
  stores?: string[];
}

async function validate(input: PublishInput, timeZone: string): Promise<number> {
  const read = feedRowReader(timeZone);
  try {
    const { rowsRead } = await read(input.feed, input.format, textBody(input.body));
    return rowsRead;
  } catch (e) {
    const details = (e as { details?: { line: number; field: string; reason: string }[] }).details;
    if (details)
      throw new CentralRefused(
        `${input.feed} batch refused, nothing published: ${details
          .slice(0, 5)
          .map((d) => `line ${d.line} ${d.field}: ${d.reason}`)
          .join("; ")}`,
      );
    throw new CentralRefused(`${input.feed} batch refused: ${(e as Error).message}`);
  }
}

function messagesOf(entry: LoggedBatch, inlineBytes: number): { topic: string; payload: string }[] {
  const bytes = Buffer.byteLength(entry.body);
  const base: ChainBatch = {
    v: PROTOCOL_VERSION,
    changeId: entry.changeId,
    feed: entry.feed,
    sequence: entry.sequence,
    format: entry.format,
    bytes,
    publishedAt: new Date(entry.publishedAt).toISOString(),
  };
  const full: ChainBatch = bytes <= inlineBytes ? { ...base, body: entry.body } : base;
  if (entry.stores === null) return [{ topic: chainTopics.feed(entry.feed), payload: JSON.stringify(full) }];
  return [
    ...entry.stores.map((s) => ({
      topic: chainTopics.storeFeed(s, entry.feed),
      payload: JSON.stringify(full),
    })),
    { topic: chainTopics.feed(entry.feed), payload: JSON.stringify({ ...base, stores: entry.stores }) },
  ];
}

function publishQos1(client: MqttClient, topic: string, payload: string): Promise<void> {
  return new Promise((resolve, reject) =>
    client.publish(topic, payload, { qos: 1 }, (err) => (err ? reject(err) : resolve())),
  );
}

/** Send one logged batch and mark it delivered once the broker acknowledged all of its messages. */
export async function deliver(
  client: MqttClient,
  log: CentralLog,
  entry: LoggedBatch,
  inlineBytes = DEFAULT_INLINE_BYTES,
): Promise<void> {
  await Promise.all(messagesOf(entry, inlineBytes).map((m) => publishQos1(client, m.topic, m.payload)));
  log.delivered(entry.changeId);
}

/** The library entry: validate, stamp, publish. Resolves with the logged batch (its `changeId`). */
export async function publishChange(
  deps: { client: MqttClient; log: CentralLog; timeZone?: string; inlineBytes?: number; now?: () => number },
  input: PublishInput,
): Promise<LoggedBatch & { rows: number }> {
  const rows = await validate(input, deps.timeZone ?? "Europe/Berlin");
  // Anything an earlier publisher stamped but could not send goes first, in order.
  for (const pending of deps.log.undelivered())
    await deliver(deps.client, deps.log, pending, deps.inlineBytes);
  const stores = input.stores && input.stores.length > 0 ? [...new Set(input.stores)].sort() : null;
  const entry = deps.log.stamp(
    input.feed,
    { format: input.format, body: input.body, stores },
    (deps.now ?? Date.now)(),
    changeIdOf,
  );
  await deliver(deps.client, deps.log, entry, deps.inlineBytes);
  return { ...entry, delivered: true, rows };
}
