import { timingSafeEqual } from "node:crypto";
import { parseTopic, TOPIC_ROOT } from "../../schemas/index.ts";
import type { TokenIdentity } from "../store/tokens.ts";

/**
 * Who may do what on the store's broker (issue 12 §1), as one pure function per question so the
 * embedded broker and the Mosquitto ACL writer (mosquitto-files.ts) apply the same rules:
 *
 * - the controller (its own credential, made at start and never stored) may do anything;
 * - a bridge (a `bridge` token; MQTT username = the token's name = its bridge id) publishes only its
 *   own `bridge/{bridgeId}/…` topics (status and inventory retained, responses not) and the `state`
 *   (not retained) and `image` (retained: the bitmap bridge renders its own labels) of labels it owns
 *   (a state also of a label nobody owns yet); it subscribes to the label contents, commands and
 *   images, the controller's status, and its own topics. Devices that talk to the store broker
 *   themselves (pixel labels of the bitmap bridge) sign in with their bridge's token;
 * - an ops person (an `ops` token) may watch everything under the store root and publish nothing;
 * - nobody else connects.
 * Only the controller publishes `content` and `command`, and nobody else publishes retained outside
 * the few topics above. Reading is not a secret (a price is on the shelf for everyone to see), so
 * subscriptions are limited to what each one needs rather than hidden.
 */
export type BrokerIdentity =
  | { kind: "controller" }
  | { kind: "bridge"; bridgeId: string }
  | { kind: "ops"; name: string };

/** The controller's username on its own broker (not a token name: those are people and devices). */
export const CONTROLLER_USERNAME = "shelfsync-controller";

/** Why a publish or subscribe is refused; undefined when allowed. */
export type Refusal = string | undefined;

/**
 * Who a CONNECT is from, or null. `identify` looks a token up (tokens.ts: hashed, revocation holds
 * from the next connect). The token's name must be the username: a bridge cannot sign in with its
 * own token under another bridge's name.
 */
export function authenticate(
  username: string | undefined,
  password: Buffer | undefined,
  controllerSecret: string,
  identify: (token: string) => TokenIdentity | undefined,
): BrokerIdentity | null {
  if (username === undefined || password === undefined || password.length === 0) return null;
  if (username === CONTROLLER_USERNAME) {
    const expected = Buffer.from(controllerSecret);
    return password.length === expected.length && timingSafeEqual(password, expected)
      ? { kind: "controller" }
      : null;
  }
  const who = identify(password.toString("utf8"));
  if (!who || who.name !== username) return null;
  if (who.role === "bridge") return { kind: "bridge", bridgeId: who.name };
  if (who.role === "ops") return { kind: "ops", name: who.name };
  return null;
}

/** May `who` publish on `topic` (retained or not)? `ownerOf` answers which bridge owns a label. */
export function publishRefusal(
  who: BrokerIdentity,
  storeId: string,
  topic: string,
  retain: boolean,
  ownerOf: (labelId: string) => string | null | undefined,
): Refusal {
  if (who.kind === "controller") return undefined;
  if (who.kind === "ops") return "an ops sign-in may watch, not publish";
  const t = parseTopic(topic);
  if (!t || !("storeId" in t) || t.storeId !== storeId)
    return `outside this store's topics (${TOPIC_ROOT}/${storeId}/…)`;
  switch (t.kind) {
    case "bridge":
      return t.bridgeId === who.bridgeId ? undefined : `bridge ${t.bridgeId}'s topics are not yours`;
    case "bridgeResponse":
      if (t.bridgeId !== who.bridgeId) return `bridge ${t.bridgeId}'s topics are not yours`;
      return retain ? "responses are not retained" : undefined;
    case "label": {
      if (t.leaf !== "state" && t.leaf !== "image")
        return `only the controller publishes a label's ${t.leaf}`;
      if (t.leaf === "state" && retain) return "a state is not retained";
      const owner = ownerOf(t.labelId);
      if (owner === who.bridgeId) return undefined;
      if (owner) return `label ${t.labelId} belongs to bridge ${owner}`;
      // A label nobody owns yet: its state passes (a new bridge's first states may overtake the
      // controller's recording of its inventory; the controller drops states of labels it does not
      // know), but an image is retained, so it waits until the label is the bridge's.
      return t.leaf === "state" ? undefined : `label ${t.labelId} is not announced by you`;
    }
    default:
      return `a bridge does not publish on ${t.kind} topics`;
  }
}

/** May `who` subscribe to `filter`? */
export function subscribeRefusal(who: BrokerIdentity, storeId: string, filter: string): Refusal {
  if (who.kind === "controller") return undefined;
  const base = `${TOPIC_ROOT}/${storeId}/`;
  if (!filter.startsWith(base)) return `outside this store's topics (${base}…)`;
  if (who.kind === "ops") return undefined;
  const rest = filter.slice(base.length).split("/");
  const [scope, id, leaf, ...more] = rest;
  if (scope === "controller" && id === "status" && leaf === undefined) return undefined;
  if (scope === "label" && id !== undefined && id !== "#" && more.length === 0) {
    if (leaf === "content" || leaf === "command" || leaf === "image") return undefined;
  }
  if (scope === "bridge" && id === who.bridgeId) return undefined;
  return "a bridge subscribes to label contents, commands and images, the controller's status and its own topics";
}
