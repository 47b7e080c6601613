import { randomUUID } from "node:crypto";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { storeTopics } from "../../schemas/index.ts";

/**
 * How a hostile client probes a broker's sign-in and ACLs, shared by the embedded-broker suite
 * (tests/mqtt-auth.test.ts) and the Mosquitto one (tests/mqtt-mosquitto-acl.test.ts), so that both
 * brokers are held to the same probes.
 *
 * The two protocol versions say "refused" differently. MQTT 3.1.1 has no negative PUBACK: the
 * embedded broker closes the connection of a client whose publish it refuses, so a close before the
 * PUBACK is the refusal. Over MQTT 5 the PUBACK carries a reason code, 0x87 (not authorised) being
 * the refusal; any other code, or a close, is reported as itself so a test sees it was not that.
 */
export type ProbeOutcome = "accepted" | "refused" | "closed" | `code ${number}`;

export type ProtocolVersion = 4 | 5;

/** A connection signed in as `login`, and a promise that settles when the broker closes it. */
export async function connectAs(
  url: string,
  login: IClientOptions,
  protocolVersion: ProtocolVersion = 4,
): Promise<{ client: MqttClient; closed: Promise<void> }> {
  const client = await mqtt.connectAsync(url, {
    ...login,
    protocolVersion,
    clientId: `probe-${randomUUID().slice(0, 8)}`,
    reconnectPeriod: 0,
    connectTimeout: 3_000,
  });
  const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
  return { client, closed };
}

/** Whether a CONNECT with these credentials is accepted. */
export async function tryConnect(
  url: string,
  login: IClientOptions,
  protocolVersion: ProtocolVersion = 4,
): Promise<"accepted" | "refused"> {
  try {
    const { client } = await connectAs(url, login, protocolVersion);
    await client.endAsync(true);
    return "accepted";
  } catch {
    return "refused";
  }
}

/** One publish of `payload` at QoS 1 on a fresh connection, and what the broker made of it. */
export async function tryPublish(
  url: string,
  login: IClientOptions,
  topic: string,
  payload: string,
  options: { retain: boolean; protocolVersion?: ProtocolVersion },
): Promise<ProbeOutcome> {
  const protocolVersion = options.protocolVersion ?? 4;
  const { client, closed } = await connectAs(url, login, protocolVersion);
  const outcome = await new Promise<ProbeOutcome>((resolve) => {
    void closed.then(() => resolve(protocolVersion === 4 ? "refused" : "closed"));
    client.publish(topic, payload, { qos: 1, retain: options.retain }, (err) => {
      if (!err) return resolve("accepted");
      if (protocolVersion === 4) return resolve("refused");
      const code = (err as { code?: number }).code;
      resolve(code === 0x87 ? "refused" : code === undefined ? "closed" : `code ${code}`);
    });
  });
  await client.endAsync(outcome !== "accepted");
  return outcome;
}

/**
 * What one bridge's credentials must not publish (issue 12 §1), as [what, topic, retained], for a
 * store whose bridge ap1 owns label `mine` and bridge ap2 label `theirs`: the same list for every
 * broker, so that a rule one broker enforces and another forgets shows as a failure.
 */
export function forbiddenForBridgeAp1(
  t: ReturnType<typeof storeTopics>,
  mine: string,
  theirs: string,
): [what: string, topic: string, retain: boolean][] {
  return [
    ["as another bridge: status", t.bridge("ap2", "status"), true],
    ["as another bridge: inventory", t.bridge("ap2", "labels"), true],
    ["as another bridge: response", t.bridgeResponse("ap2", "link"), false],
    ["another label's state", t.label(theirs, "state"), false],
    ["another label's image", t.label(theirs, "image"), true],
    ["an image for a label nobody announced", t.label("INVENTED-1", "image"), true],
    ["content of its own label", t.label(mine, "content"), true],
    ["content of another label", t.label(theirs, "content"), true],
    ["content, not retained", t.label(mine, "content"), false],
    ["a command", t.label(mine, "command"), false],
    ["the controller's status, retained", t.controllerStatus, true],
    ["another store's label", storeTopics("other-store").label(mine, "state"), false],
    ["outside the tree, retained", "elsewhere/anything", true],
  ];
}
