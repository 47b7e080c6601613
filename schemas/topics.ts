/**
 * The one place where MQTT topic strings are built and parsed (DESIGN.md §3). Every other module
 * asks this one for a topic; nothing else writes `shelfsync/...` by hand.
 *
 *   shelfsync/{storeId}/controller/status
 *   shelfsync/{storeId}/bridge/{bridgeId}/status | labels | request/{op} | response/{op}
 *   shelfsync/{storeId}/label/{labelId}/content | state | command | image
 *   shelfsync/{storeId}/screen/{screenId}/{leaf}
 *   shelfsync/chain/{feed}                      chain-wide feed batches (central → every store)
 *   shelfsync/chain/store/{storeId}/{feed}      one store's feed batches (central → that store)
 *   shelfsync/chain/store/{storeId}/status      the store's retained roll-up (store → central)
 *   shelfsync/chain/store/{storeId}/uplink      1/0: the store broker's bridge to the chain is up
 *                                               (its own notification, on the store broker only)
 */

import { excerpt } from "./excerpt.ts";
export const TOPIC_ROOT = "shelfsync";

/** Ids are single topic levels: no `/`, no MQTT wildcards, nothing a shell or URL would mangle. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export class TopicError extends Error {}

function id(kind: string, value: string): string {
  if (!ID_PATTERN.test(value)) {
    throw new TopicError(
      `${kind} "${excerpt(value)}" is not a valid id (letters, digits, . _ -; at most 64)`,
    );
  }
  return value;
}

export const LABEL_LEAVES = ["content", "state", "command", "image"] as const;
export type LabelLeaf = (typeof LABEL_LEAVES)[number];
export const BRIDGE_LEAVES = ["status", "labels"] as const;
export type BridgeLeaf = (typeof BRIDGE_LEAVES)[number];

export type ParsedTopic =
  | { kind: "controllerStatus"; storeId: string }
  | { kind: "bridge"; storeId: string; bridgeId: string; leaf: BridgeLeaf }
  | { kind: "bridgeRequest" | "bridgeResponse"; storeId: string; bridgeId: string; op: string }
  | { kind: "label"; storeId: string; labelId: string; leaf: LabelLeaf }
  | { kind: "screen"; storeId: string; screenId: string; leaf: string }
  | { kind: "chain"; feed: ChainFeed }
  | { kind: "chainStore"; storeId: string; rest: string };

/** Topic builders for one store. */
export function storeTopics(storeId: string) {
  const base = `${TOPIC_ROOT}/${id("storeId", storeId)}`;
  return {
    storeId,
    controllerStatus: `${base}/controller/status`,
    bridge: (bridgeId: string, leaf: BridgeLeaf) => `${base}/bridge/${id("bridgeId", bridgeId)}/${leaf}`,
    bridgeRequest: (bridgeId: string, op: string) =>
      `${base}/bridge/${id("bridgeId", bridgeId)}/request/${id("op", op)}`,
    bridgeResponse: (bridgeId: string, op: string) =>
      `${base}/bridge/${id("bridgeId", bridgeId)}/response/${id("op", op)}`,
    label: (labelId: string, leaf: LabelLeaf) => `${base}/label/${id("labelId", labelId)}/${leaf}`,
    screen: (screenId: string, leaf: string) =>
      `${base}/screen/${id("screenId", screenId)}/${id("leaf", leaf)}`,
    /** Subscription filters (with `+` wildcards) for one leaf across every label or bridge. */
    anyLabel: (leaf: LabelLeaf) => `${base}/label/+/${leaf}`,
    anyBridge: (leaf: BridgeLeaf) => `${base}/bridge/+/${leaf}`,
    anyBridgeRequest: (bridgeId: string) => `${base}/bridge/${id("bridgeId", bridgeId)}/request/+`,
    /** Everything under this store (tools, tests, a broker bridge's topic pattern). */
    everything: `${base}/#`,
  };
}
export type StoreTopics = ReturnType<typeof storeTopics>;

/**
 * The chain broker's feeds (DESIGN.md §3b): the catalogue feeds (schemas/feeds.ts CATALOG_FEEDS; kept
 * here too because feeds.ts imports this module).
 */
export const CHAIN_FEEDS = ["products", "prices", "stock", "promotions"] as const;
export type ChainFeed = (typeof CHAIN_FEEDS)[number];
const isChainFeed = (s: string): s is ChainFeed => (CHAIN_FEEDS as readonly string[]).includes(s);

export const chainTopics = {
  prices: `${TOPIC_ROOT}/chain/prices`,
  stock: `${TOPIC_ROOT}/chain/stock`,
  store: (storeId: string, rest: string) => `${TOPIC_ROOT}/chain/store/${id("storeId", storeId)}/${rest}`,
  /** A chain-wide feed: every store takes it. */
  feed: (feed: ChainFeed) => `${TOPIC_ROOT}/chain/${feed}`,
  /** One store's own batches of a feed (a change for some stores only). */
  storeFeed: (storeId: string, feed: ChainFeed) =>
    `${TOPIC_ROOT}/chain/store/${id("storeId", storeId)}/${feed}`,
  /** A store's retained roll-up status. */
  storeStatus: (storeId: string) => `${TOPIC_ROOT}/chain/store/${id("storeId", storeId)}/status`,
  /**
   * "1" while the store Mosquitto's bridge to the chain is connected, "0" when it is not: Mosquitto's
   * own retained notification (bridge-config.ts), published on the store broker only. The controller
   * catches up over HTTP when it turns to 1 (controller/chain/chain-link.ts).
   */
  storeUplink: (storeId: string) => `${TOPIC_ROOT}/chain/store/${id("storeId", storeId)}/uplink`,
  /** Every store's roll-up (central's subscription). */
  anyStoreStatus: `${TOPIC_ROOT}/chain/store/+/status`,
  /**
   * What one store takes from the chain: the chain-wide feeds and its own. Never a filter that also
   * matches what the store sends (its status): a bridge without loop detection (NATS refuses
   * Mosquitto's try_private) would send it back and forth for ever.
   */
  storeInbound: (storeId: string): string[] => [
    ...CHAIN_FEEDS.map((f) => `${TOPIC_ROOT}/chain/${f}`),
    ...CHAIN_FEEDS.map((f) => `${TOPIC_ROOT}/chain/store/${id("storeId", storeId)}/${f}`),
  ],
};

const isLabelLeaf = (s: string): s is LabelLeaf => (LABEL_LEAVES as readonly string[]).includes(s);
const isBridgeLeaf = (s: string): s is BridgeLeaf => (BRIDGE_LEAVES as readonly string[]).includes(s);

/** Parse a concrete topic (no wildcards). Returns null for anything outside the Shelfsync tree. */
export function parseTopic(topic: string): ParsedTopic | null {
  const parts = topic.split("/");
  if (parts[0] !== TOPIC_ROOT || parts.length < 3) return null;
  const [, scope = "", a = "", b = "", c = "", d, ...more] = parts;
  if (scope === "chain") {
    if (isChainFeed(a) && parts.length === 3) return { kind: "chain", feed: a };
    if (a === "store" && ID_PATTERN.test(b) && parts.length > 4) {
      return { kind: "chainStore", storeId: b, rest: parts.slice(4).join("/") };
    }
    return null;
  }
  const storeId = scope;
  if (!ID_PATTERN.test(storeId)) return null;
  if (a === "controller" && b === "status" && parts.length === 4)
    return { kind: "controllerStatus", storeId };
  if (more.length > 0 || !ID_PATTERN.test(b)) return null;
  if (a === "bridge") {
    if (d === undefined && isBridgeLeaf(c)) return { kind: "bridge", storeId, bridgeId: b, leaf: c };
    if ((c === "request" || c === "response") && d !== undefined && ID_PATTERN.test(d)) {
      return { kind: c === "request" ? "bridgeRequest" : "bridgeResponse", storeId, bridgeId: b, op: d };
    }
    return null;
  }
  if (d !== undefined) return null;
  if (a === "label" && isLabelLeaf(c)) return { kind: "label", storeId, labelId: b, leaf: c };
  if (a === "screen" && ID_PATTERN.test(c)) return { kind: "screen", storeId, screenId: b, leaf: c };
  return null;
}

/**
 * Device side of the native JSON bridge (firmware-bridge/native): labels that render themselves talk
 * to the bridge on their own broker, under a prefix of the installer's choosing.
 *
 *   {prefix}/{labelId}/hello | content | state | command
 */
export const NATIVE_DEVICE_ROOT = "shelfsync-native";
export const DEVICE_LEAVES = ["hello", "content", "state", "command"] as const;
export type DeviceLeaf = (typeof DEVICE_LEAVES)[number];
export interface ParsedDeviceTopic {
  labelId: string;
  leaf: DeviceLeaf;
}

/** The native bridge's default device prefix: `shelfsync-native/{storeId}`. */
export function defaultDevicePrefix(storeId: string): string {
  return `${NATIVE_DEVICE_ROOT}/${id("storeId", storeId)}`;
}

/**
 * Why a device prefix is unusable, or undefined when it is fine. Inside the canonical tree
 * (`shelfsync/…`) a device topic could be a canonical one (`shelfsync/s1/label` + `/L1/content`),
 * and the bridge would feed its own output back to itself.
 */
export function devicePrefixProblem(prefix: string): string | undefined {
  const levels = prefix.split("/");
  if (prefix.length === 0 || prefix.length > 200) return "must be 1–200 characters";
  if (levels.some((level) => level.length === 0)) return "must not start or end with '/' or contain '//'";
  if (/[+#]/.test(prefix)) return "must not contain MQTT wildcards (+, #)";
  if (prefix.includes("\u0000")) return "must not contain a NUL character";
  if (prefix.startsWith("$")) return "must not start with '$' (broker-reserved topics)";
  if (levels[0] === TOPIC_ROOT) return `must not lie inside the canonical '${TOPIC_ROOT}/' tree`;
  return undefined;
}

const isDeviceLeaf = (s: string): s is DeviceLeaf => (DEVICE_LEAVES as readonly string[]).includes(s);

/** Topic builders and the parser for the native bridge's device side under one prefix. */
export function deviceTopics(prefix: string) {
  const problem = devicePrefixProblem(prefix);
  if (problem) throw new TopicError(`device prefix "${excerpt(prefix)}" ${problem}`);
  const start = `${prefix}/`;
  return {
    prefix,
    label: (labelId: string, leaf: DeviceLeaf) => `${prefix}/${id("labelId", labelId)}/${leaf}`,
    /** Subscription filter for one leaf across every label. */
    anyLabel: (leaf: DeviceLeaf) => `${prefix}/+/${leaf}`,
    /** `{prefix}/{labelId}/{leaf}` → its parts; null for anything else. */
    parse(topic: string): ParsedDeviceTopic | null {
      if (!topic.startsWith(start)) return null;
      const rest = topic.slice(start.length).split("/");
      if (rest.length !== 2) return null;
      const [labelId = "", leaf = ""] = rest;
      if (!ID_PATTERN.test(labelId) || !isDeviceLeaf(leaf)) return null;
      return { labelId, leaf };
    },
  };
}
export type DeviceTopics = ReturnType<typeof deviceTopics>;
