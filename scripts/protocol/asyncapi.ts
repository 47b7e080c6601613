import { PROTOCOL_VERSION } from "../../schemas/common.ts";
import {
  defaultDevicePrefix,
  deviceTopics,
  ID_PATTERN,
  storeTopics,
  TOPIC_ROOT,
} from "../../schemas/topics.ts";
import {
  availabilityExamples,
  bridgeLabelsExamples,
  IMAGE_EXAMPLE_PLANES_HEX,
  labelCommandExamples,
  labelContentExamples,
  labelImageExamples,
  labelStateExamples,
  nativeHelloExamples,
  type PayloadExample,
} from "./examples.ts";
import { buildJsonSchema, EXPORTED_SCHEMAS, type JsonSchema } from "./json-schemas.ts";

/**
 * The AsyncAPI 3.0 document of the store MQTT protocol (DESIGN.md §3), seen from the controller:
 * `send` is what the controller side publishes, `receive` what it takes from bridges and labels.
 * The native bridge's device side (its own broker and prefix) is in the same document, seen from
 * the bridge. Every operation also names its publisher and subscribers (`x-publisher`,
 * `x-subscribers`) because a firmware engineer reads the document from the other end.
 */

export const MQTT_BINDING_VERSION = "0.2.0";

/** Placeholders that pass the id rule, so the addresses come from the topic module itself. */
const SENTINELS = { storeId: "STOREID", bridgeId: "BRIDGEID", labelId: "LABELID", prefix: "PREFIX" } as const;
type ParameterName = keyof typeof SENTINELS;

/** A topic from `storeTopics` or `deviceTopics`, with the sentinel levels turned into AsyncAPI `{parameters}`. */
function address(topic: string): string {
  const byLevel = new Map<string, string>(
    Object.entries(SENTINELS).map(([name, level]) => [level, `{${name}}`]),
  );
  return topic
    .split("/")
    .map((level) => byLevel.get(level) ?? level)
    .join("/");
}

const t = storeTopics(SENTINELS.storeId);
export const CHANNEL_ADDRESSES = {
  controllerStatus: address(t.controllerStatus),
  bridgeStatus: address(t.bridge(SENTINELS.bridgeId, "status")),
  bridgeLabels: address(t.bridge(SENTINELS.bridgeId, "labels")),
  labelContent: address(t.label(SENTINELS.labelId, "content")),
  labelState: address(t.label(SENTINELS.labelId, "state")),
  labelCommand: address(t.label(SENTINELS.labelId, "command")),
  labelImage: address(t.label(SENTINELS.labelId, "image")),
} as const;

const d = deviceTopics(SENTINELS.prefix);
/** The native bridge's device side: on the device broker, under `{prefix}`. */
export const DEVICE_CHANNEL_ADDRESSES = {
  nativeHello: address(d.label(SENTINELS.labelId, "hello")),
  nativeContent: address(d.label(SENTINELS.labelId, "content")),
  nativeState: address(d.label(SENTINELS.labelId, "state")),
  nativeCommand: address(d.label(SENTINELS.labelId, "command")),
} as const;

const ADDRESSES = { ...CHANNEL_ADDRESSES, ...DEVICE_CHANNEL_ADDRESSES };
export type ChannelName = keyof typeof ADDRESSES;

/** `shelfsync-native/{storeId}`, from the topic module like every address. */
export const DEFAULT_DEVICE_PREFIX = address(defaultDevicePrefix(SENTINELS.storeId));

const ref = (path: string) => ({ $ref: `#/${path}` });

function payloadOf(name: string): JsonSchema {
  const entry = EXPORTED_SCHEMAS.find((e) => e.name === name);
  if (!entry) throw new Error(`no exported schema "${name}"`);
  // Inlined as an AsyncAPI Schema Object: the dialect and the `$id` belong to the standalone file.
  const { $schema: _dialect, $id: _id, ...payload } = buildJsonSchema(entry);
  return { ...payload, "x-json-schema": `json-schema/${name}.json` };
}

function examples<T>(list: PayloadExample<T>[]) {
  return list.map(({ name, summary, payload }) => ({ name, summary, payload }));
}

const hexBytes = (hex: string) => (hex.match(/../g) ?? []).join(" ").toUpperCase();

const ID_RULE = `1 to 64 characters: letters, digits, \`.\`, \`_\`, \`-\`, starting with a letter or digit (\`${ID_PATTERN.source}\`), so an id is always one topic level and never an MQTT wildcard.`;

const INFO_DESCRIPTION = `The open MQTT protocol between a Shelfsync store controller and the labels and access points of a store. Implement it to make a label, or an access point for many labels, show the controller's prices. Payloads are specified as JSON Schema (draft 2020-12) in \`json-schema/\` beside this file, inlined below.

## Parties
- **Controller**: one per store. Publishes what each label must show (\`content\`) and one-off commands (\`command\`); reads what labels show (\`state\`) and which bridges are there (\`status\`, \`labels\`).
- **Bridge** (access point): serves many labels, speaking this protocol for them on one side and a device protocol (radio, HTTP to an OpenEPaperLink access point, …) on the other. A label that connects to the broker itself is its own bridge: it does the label's part of everything below.
- **Bitmap bridge**: renders content to panel planes for labels that want pixels and publishes them on \`image\`.
- **Native bridge**: serves labels that render themselves and speak JSON, on a device broker of their own (see *Native bridge, device side*).

## Topics and ids
Every topic on the store broker is under \`${TOPIC_ROOT}/{storeId}/\`; the native bridge's device side is under its own \`{prefix}/\` (see below). \`storeId\`, \`bridgeId\` and \`labelId\` are ${ID_RULE} An OpenEPaperLink tag's label id is its MAC as 16 upper-case hex digits (\`0000021EDB3F7A9C\`).

## Payloads
UTF-8 JSON objects, each with \`v\` (protocol version, now ${PROTOCOL_VERSION}). Later versions add members, never rename them: ignore members you do not know. A receiver logs and drops a payload that is not valid JSON or does not match its schema, and carries on. The only non-JSON payloads are the empty (zero-byte) ones that clear a retained \`content\` or, on the native bridge's device side, a retained \`hello\`.

## What a label shows: contentHash and version
\`content\` carries \`contentHash\` (what is shown, independent of label and version: equal content, equal hash) and \`version\` (goes up by one at each change of this label's content). Compare hashes for equality only; never compute one. Once a label shows a content, its \`state\` reports \`displayedHash\` = that \`contentHash\` (and \`version\`). Content that arrives again with the hash already shown needs no redraw, but does need a state report: the controller resends all content after reconnects.

## The in-sync rule
The controller counts a label **in sync** when the \`displayedHash\` of its latest state equals the \`contentHash\` of its current content; the version plays no part. A label that shows the right content stays in sync while unreachable (e-paper keeps its image). A label that does not is \`never_seen\` (never reported a state), \`offline\` (its bridge's status is \`offline\`, or nothing heard from it for longer than the store's offline time, 900 s by default), \`pending\` (update on its way) or \`failed\` (its content was sent again, with backoff, and still not acknowledged: by default 5 resends, the first 5–10 minutes after the publish); a hash the controller never published to that label (it remembers the last few) is \`unknown_content\` and never in sync. States of a label no bridge has announced are ignored: announce your labels in \`bridge/{bridgeId}/labels\` first (a label belongs to the first bridge that announces it). So: report state after every draw, at every check-in, and whenever a content arrives that the label already shows.

## Availability and Last Will
The controller and every bridge publish \`{"v":1,"state":"online"}\` retained at QoS 1 on their \`status\` topic once connected, set the same topic with \`{"v":1,"state":"offline"}\` (retained, QoS 1) as the MQTT Last Will when connecting, and publish \`offline\` themselves before a clean disconnect. The broker publishes the will when a connection dies (keepalive 30 s), so every subscriber learns within about 1.5 keepalives. A bridge also publishes its inventory (\`labels\`, retained) on every connect and whenever its label set changes.

## Delivery
MQTT 3.1.1 (the controller's embedded Aedes broker speaks 3.1.1; an external broker such as Mosquitto works the same). Clean sessions: on every (re)connect, subscribe again and the broker resends all retained \`content\` (and \`image\`). Subscribing to \`content\` at QoS 0 is enough and recommended for a bridge with many labels: brokers cap the QoS 1 messages queued for one client (Mosquitto: 1,000 by default) and drop the rest, and with a clean session QoS 1 adds nothing. Apply the newest content per label; drop older ones still queued. QoS 1 is at-least-once: a command may arrive twice (same \`commandId\`).

## Image encoding
\`image\` carries the label's content rendered to the panel's native planes (docs/rendering.md): each plane 1 bit per pixel, row-major, most significant bit first, rows padded to whole bytes, bit 1 = ink, so ceil(width / 8) × height bytes. Plane 0 is black; plane 1 red (\`bwr\`) or yellow (\`bwy\`); for \`bwry\` plane 1 red and plane 2 yellow. A pixel has at most one bit set across planes; none set is white; padding bits are 0. Many panel controllers want the opposite polarity (1 = white) or another scan order: the device converts, the planes stay as documented. Each plane is compressed with raw DEFLATE (RFC 1951, no zlib header, no gzip header) and base64-encoded (RFC 4648, with padding): \`encoding: "deflate-raw+base64"\`. \`width\` × \`height\` are the panel's native pixels, and \`rotation\` (clockwise, for a label mounted turned) is already applied: draw the planes as they are. Example: 16 × 4 \`bwr\`, a black frame and a red 2 × 2 dot: plane 0 inflates to \`${hexBytes(IMAGE_EXAMPLE_PLANES_HEX[0])}\`, plane 1 to \`${hexBytes(IMAGE_EXAMPLE_PLANES_HEX[1])}\` (the \`labelImage\` example below).

## Native bridge, device side
Labels that render themselves but do not join the store's topics connect to the native bridge's **device broker** (server \`device\`; by default the store broker itself) and speak under a prefix, \`${DEFAULT_DEVICE_PREFIX}\` unless the installer chose another. The channels \`nativeHello\`, \`nativeContent\`, \`nativeState\` and \`nativeCommand\` are \`{prefix}/{labelId}/hello | content | state | command\`. A label publishes \`hello\` retained when it connects (an empty retained \`hello\` when it leaves), subscribes to its \`content\` and \`command\`, and reports \`state\`. Payloads are the canonical ones, unchanged: the bridge relays the controller's content JSON byte for byte, and relays the label's state to the controller. The bridge never claims what a panel shows: the device reports \`displayedHash\` itself, and the in-sync rule above applies to it as to any label. The bridge publishes the same content again after reconnects, so compare \`contentHash\` before redrawing (and report \`state\` anyway).

## Not in this document yet
Bridge request/response topics (\`bridge/{bridgeId}/request/{op}\` and \`response/{op}\`, MQTT 5 correlation data), signage screens (\`screen/{screenId}/…\`) and the chain broker topics (\`${TOPIC_ROOT}/chain/…\`).`;

const NATIVE_SIDE =
  "The native bridge's device side, on the device broker (not the store's canonical topics).";

const PREFIX_RULE = `The native bridge's device topic prefix (--device-prefix / SHELFSYNC_NATIVE_DEVICE_PREFIX), by default \`${DEFAULT_DEVICE_PREFIX}\`. It may have several levels, but 1 to 200 characters, no empty level (no leading or trailing \`/\`, no \`//\`), no MQTT wildcard (\`+\`, \`#\`), no NUL, no leading \`$\` (broker-reserved), and not inside \`${TOPIC_ROOT}/\` (a device topic could then be a canonical one and the bridge would feed itself).`;

const channelParams = (...names: ParameterName[]) =>
  Object.fromEntries(names.map((n) => [n, ref(`components/parameters/${n}`)]));

function channel(name: ChannelName, title: string, description: string, messages: string[]) {
  const params = (["prefix", "storeId", "bridgeId", "labelId"] as const).filter((p) =>
    ADDRESSES[name].includes(`{${p}}`),
  );
  const server = name in DEVICE_CHANNEL_ADDRESSES ? "device" : "store";
  return {
    address: ADDRESSES[name],
    title,
    description,
    servers: [ref(`servers/${server}`)],
    parameters: channelParams(...params),
    messages: Object.fromEntries(messages.map((m) => [m, ref(`components/messages/${m}`)])),
  };
}

function operation(options: {
  action: "send" | "receive";
  channel: ChannelName;
  title: string;
  description: string;
  messages: string[];
  qos: 0 | 1;
  retain: boolean;
  publisher: string;
  subscribers: string;
}) {
  return {
    action: options.action,
    channel: ref(`channels/${options.channel}`),
    title: options.title,
    description: options.description,
    messages: options.messages.map((m) => ref(`channels/${options.channel}/messages/${m}`)),
    bindings: { mqtt: { qos: options.qos, retain: options.retain, bindingVersion: MQTT_BINDING_VERSION } },
    "x-publisher": options.publisher,
    "x-subscribers": options.subscribers,
  };
}

function message(name: string, title: string, summary: string, payload: JsonSchema, list?: unknown[]) {
  return {
    name,
    title,
    summary,
    contentType: "application/json",
    payload,
    examples: list,
  };
}

/** The AsyncAPI 3.0 document as plain data (serialised by the caller). */
export function buildAsyncApi(): Record<string, unknown> {
  const offlineWill = JSON.stringify(availabilityExamples.find((e) => e.name === "lastWill")?.payload);
  return {
    asyncapi: "3.0.0",
    info: {
      title: "Shelfsync store MQTT protocol",
      version: String(PROTOCOL_VERSION),
      description: INFO_DESCRIPTION,
    },
    defaultContentType: "application/json",
    servers: {
      store: {
        host: "{host}:{port}",
        protocol: "mqtt",
        protocolVersion: "3.1.1",
        title: "The store's MQTT broker",
        description:
          "The controller's embedded Aedes broker (MQTT 3.1.1) when SHELFSYNC_MQTT_URL is unset, else the broker it names (e.g. Mosquitto). The binding shows the controller's own session; a bridge's is the same with its status topic as the will and client id shelfsync-bridge-{storeId}-{bridgeId}.",
        variables: {
          host: { default: "localhost", description: "The store controller's host, or the store broker's." },
          port: { default: "1883", description: "SHELFSYNC_MQTT_PORT for the embedded broker." },
        },
        security: [ref("components/securitySchemes/perDevice")],
        bindings: {
          mqtt: {
            clientId: "shelfsync-controller-{storeId}-{random}",
            cleanSession: true,
            keepAlive: 30,
            lastWill: {
              topic: CHANNEL_ADDRESSES.controllerStatus,
              qos: 1,
              message: offlineWill,
              retain: true,
            },
            bindingVersion: MQTT_BINDING_VERSION,
          },
        },
      },
      device: {
        host: "{host}:{port}",
        protocol: "mqtt",
        protocolVersion: "3.1.1",
        title: "The native bridge's device broker",
        description:
          "Where labels that render themselves connect to the native bridge (`npm run bridge -- native`): --device-url / SHELFSYNC_NATIVE_DEVICE_URL, by default the store broker itself (the device topics then live beside the canonical ones, under their own prefix). Credentials, where the broker wants them, ride in that URL. The binding shows the native bridge's own session; a label uses a stable client id of its own.",
        variables: {
          host: {
            default: "localhost",
            description: "The device broker's host; by default the store broker's.",
          },
          port: { default: "1883", description: "The device broker's port." },
        },
        bindings: {
          mqtt: {
            clientId: "shelfsync-native-{storeId}-{bridgeId}",
            cleanSession: true,
            keepAlive: 30,
            bindingVersion: MQTT_BINDING_VERSION,
          },
        },
      },
    },
    channels: {
      controllerStatus: channel(
        "controllerStatus",
        "Controller availability",
        "Retained, QoS 1: `online` while the controller is connected, `offline` by its Last Will or clean stop.",
        ["availability"],
      ),
      bridgeStatus: channel(
        "bridgeStatus",
        "Bridge availability",
        "Retained, QoS 1, Last Will `offline`. While a bridge is offline, its labels that are not in sync count as `offline`.",
        ["availability"],
      ),
      bridgeLabels: channel(
        "bridgeLabels",
        "Bridge label inventory",
        "Retained, QoS 1: every label the bridge serves, with its panel size and colours. Republished on every connect and when the set changes; the controller registers labels it did not know.",
        ["bridgeLabels"],
      ),
      labelContent: channel(
        "labelContent",
        "Label content",
        "Retained, QoS 1: what the label must show now. A new message replaces the previous one; an empty payload clears it (the label was unlinked): show nothing, report `displayedHash: null`.",
        ["labelContent", "labelContentCleared"],
      ),
      labelState: channel(
        "labelState",
        "Label state",
        "QoS 1, not retained: what the label shows, with battery and signal. Decides the in-sync rule.",
        ["labelState"],
      ),
      labelCommand: channel(
        "labelCommand",
        "Label command",
        "QoS 1, not retained: `flash` or `page`. A retained command is a mistake and bridges ignore it (it would replay on every reconnect); so is an empty payload.",
        ["labelCommand"],
      ),
      labelImage: channel(
        "labelImage",
        "Label image",
        "Retained, QoS 1: the content rendered to the panel's planes, for labels that want pixels rather than JSON. Carries the `contentHash` to report back once drawn.",
        ["labelImage"],
      ),
      nativeHello: channel(
        "nativeHello",
        "Native label hello",
        `${NATIVE_SIDE} Retained, QoS 1, published by a label that renders itself once connected: the label is there while its hello is. An empty retained payload means it left. The bridge lists every label with a hello in its inventory (\`bridge/{bridgeId}/labels\`).`,
        ["nativeHello", "nativeHelloLeft"],
      ),
      nativeContent: channel(
        "nativeContent",
        "Native label content",
        `${NATIVE_SIDE} Retained, QoS 1: the canonical label content JSON, unchanged (byte for byte what the controller published on \`${CHANNEL_ADDRESSES.labelContent}\`, same schema and contentHash). Published again after reconnects: redraw only when the contentHash differs from what the panel shows. An empty payload clears it: show nothing, report \`displayedHash: null\`.`,
        ["labelContent", "labelContentCleared"],
      ),
      nativeState: channel(
        "nativeState",
        "Native label state",
        `${NATIVE_SIDE} QoS 1, not retained: the canonical label state. The device reports \`displayedHash\` itself (the bridge relays it to the controller and never claims what a panel shows): after every draw, when content arrives that is already shown, and at every wake-up. A state from a label without a hello is ignored.`,
        ["labelState"],
      ),
      nativeCommand: channel(
        "nativeCommand",
        "Native label command",
        `${NATIVE_SIDE} QoS 1, not retained: the canonical command JSON (\`flash\`, \`page\`) as the controller sent it. Not queued: while the device broker is unreachable the bridge drops commands.`,
        ["labelCommand"],
      ),
    },
    operations: {
      publishControllerStatus: operation({
        action: "send",
        channel: "controllerStatus",
        title: "Controller availability",
        description: "Published on connect (`online`), as the Last Will and on a clean stop (`offline`).",
        messages: ["availability"],
        qos: 1,
        retain: true,
        publisher: "controller",
        subscribers: "bridges and labels that want to know whether the controller is up (optional)",
      }),
      receiveBridgeStatus: operation({
        action: "receive",
        channel: "bridgeStatus",
        title: "Bridge availability",
        description:
          "A bridge publishes `online` once connected (after setting its Last Will `offline`, retained, QoS 1) and `offline` before a clean disconnect.",
        messages: ["availability"],
        qos: 1,
        retain: true,
        publisher: "bridge (access point)",
        subscribers: "controller",
      }),
      receiveBridgeLabels: operation({
        action: "receive",
        channel: "bridgeLabels",
        title: "Bridge label inventory",
        description: "A bridge publishes its inventory on every connect and whenever its label set changes.",
        messages: ["bridgeLabels"],
        qos: 1,
        retain: true,
        publisher: "bridge (access point)",
        subscribers: "controller",
      }),
      sendLabelContent: operation({
        action: "send",
        channel: "labelContent",
        title: "Label content",
        description:
          "The controller publishes a label's content whenever it changes and again after reconnecting. Subscribers: `label/+/content` at QoS 0 or 1 (see Delivery); newest wins per label.",
        messages: ["labelContent", "labelContentCleared"],
        qos: 1,
        retain: true,
        publisher: "controller",
        subscribers: "bridges (for their labels), self-rendering labels, the bitmap bridge",
      }),
      receiveLabelState: operation({
        action: "receive",
        channel: "labelState",
        title: "Label state",
        description:
          "A label (or its bridge) publishes its state after every draw, whenever content arrives that it already shows, and at every check-in.",
        messages: ["labelState"],
        qos: 1,
        retain: false,
        publisher: "bridge (access point) for its labels, or the label itself",
        subscribers: "controller",
      }),
      sendLabelCommand: operation({
        action: "send",
        channel: "labelCommand",
        title: "Label command",
        description:
          "The controller publishes a command when staff ask for one (POST /api/v1/labels/{labelId}/flash). Never retained.",
        messages: ["labelCommand"],
        qos: 1,
        retain: false,
        publisher: "controller",
        subscribers: "the label's bridge, or the label itself",
      }),
      sendLabelImage: operation({
        action: "send",
        channel: "labelImage",
        title: "Label image",
        description:
          "Published by the Shelfsync side, but by a bitmap bridge rather than the controller process: it renders each content change to the label's panel and publishes the planes.",
        messages: ["labelImage"],
        qos: 1,
        retain: true,
        publisher: "bitmap bridge",
        subscribers: "labels (or access points) that draw pixels they are given",
      }),
      receiveNativeHello: operation({
        action: "receive",
        channel: "nativeHello",
        title: "Native label hello",
        description:
          "A self-rendering label publishes its hello retained once connected, and an empty retained payload to leave. The native bridge reads it on the device broker.",
        messages: ["nativeHello", "nativeHelloLeft"],
        qos: 1,
        retain: true,
        publisher: "a label that renders itself",
        subscribers: "native bridge",
      }),
      sendNativeContent: operation({
        action: "send",
        channel: "nativeContent",
        title: "Native label content",
        description:
          "The native bridge relays each content change of a label with a hello, and publishes all of them again after reconnecting to either broker.",
        messages: ["labelContent", "labelContentCleared"],
        qos: 1,
        retain: true,
        publisher: "native bridge",
        subscribers: "the label (its own content topic)",
      }),
      receiveNativeState: operation({
        action: "receive",
        channel: "nativeState",
        title: "Native label state",
        description:
          "The label publishes its own state on the device broker; the native bridge relays it to the controller as the label's canonical state.",
        messages: ["labelState"],
        qos: 1,
        retain: false,
        publisher: "the label itself",
        subscribers: "native bridge",
      }),
      sendNativeCommand: operation({
        action: "send",
        channel: "nativeCommand",
        title: "Native label command",
        description: "The native bridge relays a command the controller sent for the label. Never retained.",
        messages: ["labelCommand"],
        qos: 1,
        retain: false,
        publisher: "native bridge",
        subscribers: "the label (its own command topic)",
      }),
    },
    components: {
      parameters: {
        storeId: { description: `The store. ${ID_RULE}`, examples: ["store-0042"] },
        bridgeId: { description: `A bridge (access point). ${ID_RULE}`, examples: ["oepl-ap1"] },
        labelId: {
          description: `A label. ${ID_RULE} OpenEPaperLink tags: the MAC as 16 upper-case hex digits.`,
          examples: ["0000021EDB3F7A9C", "aisle3-0017"],
        },
        prefix: {
          description: PREFIX_RULE,
          default: DEFAULT_DEVICE_PREFIX,
          examples: [defaultDevicePrefix("store-0042"), "shop-12/labels"],
        },
      },
      messages: {
        availability: message(
          "availability",
          "Availability",
          "online / offline of the controller or a bridge.",
          payloadOf("availability"),
          examples(availabilityExamples),
        ),
        bridgeLabels: message(
          "bridgeLabels",
          "Bridge label inventory",
          "Every label a bridge serves.",
          payloadOf("bridge-labels"),
          examples(bridgeLabelsExamples),
        ),
        labelContent: message(
          "labelContent",
          "Label content",
          "What the label must show.",
          payloadOf("label-content"),
          examples(labelContentExamples),
        ),
        labelContentCleared: {
          name: "labelContentCleared",
          title: "Label content cleared",
          summary: "Empty payload: the retained content is removed (label unlinked). Show nothing.",
          contentType: "application/octet-stream",
          payload: { type: "string", maxLength: 0, description: "Zero bytes." },
        },
        labelState: message(
          "labelState",
          "Label state",
          "What the label shows now.",
          payloadOf("label-state"),
          examples(labelStateExamples),
        ),
        labelCommand: message(
          "labelCommand",
          "Label command",
          "flash or page.",
          payloadOf("label-command"),
          examples(labelCommandExamples),
        ),
        labelImage: message(
          "labelImage",
          "Label image",
          "Panel planes, raw DEFLATE + base64.",
          payloadOf("label-image"),
          examples(labelImageExamples),
        ),
        nativeHello: message(
          "nativeHello",
          "Native label hello",
          "A self-rendering label is there, with its panel.",
          payloadOf("native-hello"),
          examples(nativeHelloExamples),
        ),
        nativeHelloLeft: {
          name: "nativeHelloLeft",
          title: "Native label left",
          summary: "Empty retained payload: the retained hello is removed, the label left the store.",
          contentType: "application/octet-stream",
          payload: { type: "string", maxLength: 0, description: "Zero bytes." },
        },
      },
      securitySchemes: {
        perDevice: {
          type: "userPassword",
          description:
            "Per-device credentials where the store broker enforces them (SHELFSYNC_MQTT_USERNAME / SHELFSYNC_MQTT_PASSWORD for the controller); a device may publish only under its own topics. The embedded broker accepts any client.",
        },
      },
    },
  };
}
