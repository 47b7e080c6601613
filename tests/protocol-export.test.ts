import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateRawSync } from "node:zlib";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import {
  BRIDGE_LEAVES,
  DEVICE_LEAVES,
  defaultDevicePrefix,
  devicePrefixProblem,
  deviceTopics,
  LABEL_LEAVES,
  labelCommandSchema,
  labelContentSchema,
  labelImageSchema,
  nativeHelloSchema,
  parseTopic,
} from "../schemas/index.ts";
import {
  buildAsyncApi,
  CHANNEL_ADDRESSES,
  DEFAULT_DEVICE_PREFIX,
  DEVICE_CHANNEL_ADDRESSES,
} from "../scripts/protocol/asyncapi.ts";
import { canonicalize } from "../scripts/protocol/canonical.ts";
import {
  availabilityExamples,
  bridgeLabelsExamples,
  IMAGE_EXAMPLE_PLANES_HEX,
  labelCommandExamples,
  labelContentExamples,
  labelImageExamples,
  labelStateExamples,
  nativeHelloExamples,
} from "../scripts/protocol/examples.ts";
import {
  diffProtocolDocs,
  PROTOCOL_DIR,
  REPO_ROOT,
  renderProtocolDocs,
  writeProtocolDocs,
} from "../scripts/protocol/generate.ts";
import { EXPORTED_SCHEMAS, type JsonSchema } from "../scripts/protocol/json-schemas.ts";

const REGENERATE = "npx tsx scripts/protocol/generate.ts";

function checkedInSchema(name: string): JsonSchema {
  return JSON.parse(readFileSync(join(REPO_ROOT, PROTOCOL_DIR, "json-schema", `${name}.json`), "utf8"));
}

function exported(name: string) {
  const entry = EXPORTED_SCHEMAS.find((e) => e.name === name);
  if (!entry) throw new Error(`no exported schema ${name}`);
  return entry;
}

/**
 * The protocol documents are checked the way a firmware maker's tools read them: Ajv (JSON Schema
 * 2020-12) for the schemas, in strict mode so a keyword it does not know fails the test rather than
 * being skipped (`format` is an annotation in 2020-12 and is not asserted); the `yaml` package for
 * the AsyncAPI file.
 */
// Strict where it matters here, on keywords (an unknown one throws); the style rules are off: `required`
// in a oneOf branch names a property the parent defines, and union types are valid 2020-12.
const ajv = new Ajv2020({
  strict: true,
  strictRequired: false,
  strictTypes: false,
  allErrors: true,
  validateFormats: false,
});
const compiled = new Map<string, ValidateFunction>();
function compile(schema: object): ValidateFunction {
  const key = JSON.stringify(schema);
  let check = compiled.get(key);
  if (!check) {
    // Compiled without its $id: the same document is compiled from the file and inlined in AsyncAPI.
    const { $id: _id, ...rest } = schema as Record<string, unknown>;
    check = ajv.compile(rest);
    compiled.set(key, check);
  }
  return check;
}
/** Ajv's errors for a payload against a schema; empty when it is valid. */
function validate(schema: object, payload: unknown): string[] {
  const check = compile(schema);
  return check(payload) ? [] : (check.errors ?? []).map((e) => `${e.instancePath || "(root)"} ${e.message}`);
}

describe("generated protocol documents", () => {
  it("are up to date with the zod schemas (else run the generator)", () => {
    const { stale, extra } = diffProtocolDocs();
    expect({ stale, extra }, `out of date: run ${REGENERATE}`).toEqual({ stale: [], extra: [] });
  });

  const scratch = mkdtempSync(join(tmpdir(), "protocol-export-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("the check names a changed file and a file no longer generated, and writing repairs both", () => {
    writeProtocolDocs(scratch);
    expect(diffProtocolDocs(scratch)).toEqual({ stale: [], extra: [] });
    const state = join(scratch, PROTOCOL_DIR, "json-schema", "label-state.json");
    writeFileSync(state, readFileSync(state, "utf8").replace('"displayedHash"', '"shownHash"'));
    const leftover = join(scratch, PROTOCOL_DIR, "json-schema", "label-old.json");
    writeFileSync(leftover, "{}\n");
    expect(diffProtocolDocs(scratch)).toEqual({
      stale: [`${PROTOCOL_DIR}/json-schema/label-state.json`],
      extra: [`${PROTOCOL_DIR}/json-schema/label-old.json`],
    });
    expect(writeProtocolDocs(scratch).sort()).toEqual([
      `${PROTOCOL_DIR}/json-schema/label-old.json`,
      `${PROTOCOL_DIR}/json-schema/label-state.json`,
    ]);
    expect(diffProtocolDocs(scratch)).toEqual({ stale: [], extra: [] });
  });

  it("are deterministic, end with a newline, and identify themselves", () => {
    const first = renderProtocolDocs();
    const second = renderProtocolDocs();
    expect([...second]).toEqual([...first]);
    const ids = new Set<string>();
    for (const [path, content] of first) {
      expect(content.endsWith("\n") && !content.endsWith("\n\n"), path).toBe(true);
      if (!path.endsWith(".json")) continue;
      const schema = JSON.parse(content) as JsonSchema;
      expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
      expect(typeof schema.title === "string" && typeof schema.description === "string", path).toBe(true);
      ids.add(schema.$id as string);
      // Ajv in strict mode knows every keyword, so the checks below judge all of it.
      expect(() => compile(schema), path).not.toThrow();
    }
    expect(ids.size).toBe(EXPORTED_SCHEMAS.length);
    expect(() => compile({ type: "object", colour: "red" })).toThrow(/unknown keyword/);
  });

  it("covers every wire payload, feed row and API body/reply", () => {
    const names = EXPORTED_SCHEMAS.map((e) => e.name);
    for (const name of [
      "label-content",
      "label-state",
      "label-command",
      "label-image",
      "availability",
      "bridge-labels",
      "native-hello",
      "feed-product-row",
      "feed-price-row",
      "feed-stock-row",
      "feed-promotion-row",
      "feed-link-row",
      "api-label-create-body",
      "api-link-body",
      "api-flash-body",
      "api-sync-reply",
      "api-label-reply",
      "api-product-reply",
      "api-price-reply",
      "api-approval-reply",
      "api-error-reply",
    ]) {
      expect(names).toContain(name);
    }
  });
});

/** Raw payloads a sender writes; each must be accepted by its zod schema (checked below). */
const SAMPLES: Record<string, Record<string, unknown>> = {
  "label-content": labelContentExamples[1]?.payload as Record<string, unknown>,
  "label-state": labelStateExamples[0]?.payload as Record<string, unknown>,
  "label-image": labelImageExamples[0]?.payload as Record<string, unknown>,
  availability: availabilityExamples[0]?.payload as Record<string, unknown>,
  "bridge-labels": bridgeLabelsExamples[0]?.payload as Record<string, unknown>,
  "native-hello": nativeHelloExamples[0]?.payload as Record<string, unknown>,
  "feed-product-row": {
    sku: "100234",
    gtin: "4006381333931",
    name: "Coffee beans 500 g",
    brand: "Roastery",
    netQuantity: "500",
    unit: "g",
    category: "coffee",
    url: "https://shop.example/p/100234",
  },
  "feed-price-row": {
    sku: "100234",
    price: "2.49",
    currency: "EUR",
    effectiveFrom: "2026-03-30T00:00:00+02:00",
    effectiveTo: "2026-04-06T00:00:00",
  },
  "feed-stock-row": { sku: "100234", onHand: 12 },
  "feed-link-row": { labelId: "0000021EDB3F7A9C", sku: "100234" },
  "feed-promotion-row": {
    promotionId: "spring-17",
    kind: "multibuy",
    skus: ["100234", "100235"],
    value: "5.00",
    buyQuantity: 3,
    currency: "EUR",
    start: "2026-03-30T00:00:00",
    end: "2026-04-06T00:00:00+02:00",
    priority: 5,
  },
  "api-promotion-create-body": {
    kind: "percent",
    category: "coffee",
    value: 20,
    start: "2026-03-30T00:00:00",
    source: "store",
    author: "anna",
    reason: "spring week",
  },
  "api-promotion-patch-body": { author: "anna", end: null, priority: 3 },
  "api-label-create-body": { labelId: "aisle3-0017", model: "2.9in", width: 296, height: 128, colors: "bwr" },
  "api-link-body": { sku: "100234" },
  "api-flash-body": { color: "red", pattern: "pulse", seconds: 30 },
  "api-error-reply": { error: { code: "invalid_body", message: "sku: is required", details: [] } },
  "api-feed-reply": {
    feed: "prices",
    sequence: 42,
    applied: true,
    rowsRead: 3,
    rowsChanged: 2,
    held: 0,
    labelsAffected: 5,
    durationMs: 3.5,
  },
  "api-label-reply": {
    labelId: "0000021EDB3F7A9C",
    sku: "100234",
    model: null,
    width: 296,
    height: 128,
    colors: "bwr",
    bridgeId: "oepl-ap1",
    content: labelContentExamples[0]?.payload,
    displayedHash: null,
    inSync: false,
    status: "pending",
    battery: 87,
    rssi: -67,
    lastSeen: "2026-01-01T00:00:12.000Z",
  },
};

/** Payloads the protocol refuses: the JSON Schema must refuse them as zod does. */
const REFUSED: [string, string, Record<string, unknown>][] = [
  ["label-content", "an id with a slash", { ...SAMPLES["label-content"], labelId: "a/b" }],
  [
    "label-content",
    "a float amount",
    { ...SAMPLES["label-content"], price: { amountMinor: 2.49, currency: "EUR", text: "2,49 €" } },
  ],
  [
    "label-content",
    "a lower-case currency",
    { ...SAMPLES["label-content"], price: { amountMinor: 249, currency: "eur", text: "2,49 €" } },
  ],
  ["label-content", "an upper-case hash", { ...SAMPLES["label-content"], contentHash: "9F2C4E1A7B3D5F60" }],
  ["label-state", "another protocol version", { ...SAMPLES["label-state"], v: 2 }],
  ["label-state", "a battery over 100 %", { ...SAMPLES["label-state"], battery: 120 }],
  ["label-image", "an unknown encoding", { ...SAMPLES["label-image"], encoding: "gzip+base64" }],
  ["label-image", "no planes", { ...SAMPLES["label-image"], planes: [] }],
  ["label-image", "a rotation off the quarter turns", { ...SAMPLES["label-image"], rotation: 45 }],
  ["availability", "an unknown state", { v: 1, state: "away" }],
  ["native-hello", "no protocol version", { model: "selfdraw-29", width: 296, height: 128 }],
  ["native-hello", "an unknown colour mode", { ...SAMPLES["native-hello"], colors: "rgb" }],
  ["native-hello", "a panel 0 pixels wide", { ...SAMPLES["native-hello"], width: 0 }],
  ["native-hello", "a fractional height", { ...SAMPLES["native-hello"], height: 127.5 }],
  ["native-hello", "a model name of 65 characters", { ...SAMPLES["native-hello"], model: "m".repeat(65) }],
  ["feed-price-row", "a JSON number price", { ...SAMPLES["feed-price-row"], price: 2.49 }],
  ["feed-price-row", "a comma decimal", { ...SAMPLES["feed-price-row"], price: "2,49" }],
  ["feed-stock-row", "a fractional quantity", { sku: "100234", onHand: 1.5 }],
  ["feed-link-row", "no label id", { sku: "100234" }],
  ["feed-link-row", "a label id with a slash", { labelId: "A/B", sku: "100234" }],
  ["feed-product-row", "a GTIN of 10 digits", { ...SAMPLES["feed-product-row"], gtin: "4006381333" }],
  [
    "feed-promotion-row",
    "both skus and a category",
    { ...SAMPLES["feed-promotion-row"], category: "coffee" },
  ],
  [
    "feed-promotion-row",
    "a quantity on a percent promotion",
    { ...SAMPLES["feed-promotion-row"], kind: "percent", value: "20" },
  ],
  [
    "feed-promotion-row",
    "money as a JSON number",
    { ...SAMPLES["feed-promotion-row"], kind: "fixed", value: 4, buyQuantity: undefined },
  ],
  ["feed-promotion-row", "a multibuy of 1", { ...SAMPLES["feed-promotion-row"], buyQuantity: 1 }],
  ["api-promotion-patch-body", "an unknown field", { author: "anna", colour: "red" }],
  ["api-flash-body", "a flash of 10 minutes", { seconds: 600 }],
];

function zodOf(name: string): z.ZodType {
  return exported(name).zod;
}

/** Drop `undefined` members the way JSON.stringify would on the wire. */
const wire = (payload: unknown) => JSON.parse(JSON.stringify(payload));

describe("JSON Schemas against real payloads", () => {
  it.each(Object.keys(SAMPLES))("%s: a payload zod accepts is valid", (name) => {
    const payload = wire(SAMPLES[name]);
    const parsed = zodOf(name).safeParse(payload);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    expect(validate(checkedInSchema(name) as Record<string, unknown>, payload)).toEqual([]);
  });

  it.each(Object.keys(SAMPLES))("%s: without any one member, zod and the JSON Schema agree", (name) => {
    const schema = checkedInSchema(name) as Record<string, unknown>;
    const payload = wire(SAMPLES[name]);
    for (const key of Object.keys(payload)) {
      const { [key]: _dropped, ...rest } = payload;
      const zodAccepts = zodOf(name).safeParse(rest).success;
      const schemaAccepts = validate(schema, rest).length === 0;
      expect(schemaAccepts, `${name} without ${key}: zod says ${zodAccepts}`).toBe(zodAccepts);
    }
  });

  it.each(REFUSED)("%s: %s is refused by zod and by the JSON Schema", (name, _what, raw) => {
    const payload = wire(raw);
    expect(zodOf(name).safeParse(payload).success).toBe(false);
    expect(validate(checkedInSchema(name) as Record<string, unknown>, payload)).not.toEqual([]);
  });

  it("what the controller sends (zod output, defaults filled in) is valid", () => {
    const command = labelCommandSchema.parse({ v: 1, command: "flash", commandId: "c-1" });
    expect(validate(checkedInSchema("label-command") as Record<string, unknown>, wire(command))).toEqual([]);
    const content = labelContentSchema.parse(labelContentExamples[0]?.payload);
    expect(validate(checkedInSchema("label-content") as Record<string, unknown>, wire(content))).toEqual([]);
    // A command without its defaults is accepted by bridges but is not what the controller sends.
    expect(
      validate(checkedInSchema("label-command") as Record<string, unknown>, {
        v: 1,
        command: "flash",
        commandId: "c-1",
      }),
    ).not.toEqual([]);
  });

  it("receivers may ignore members added later: wire payloads are open objects", () => {
    for (const name of ["label-content", "label-state", "availability", "native-hello", "api-label-reply"]) {
      const extended = { ...wire(SAMPLES[name]), addedLater: { any: "thing" } };
      expect(validate(checkedInSchema(name) as Record<string, unknown>, extended), name).toEqual([]);
    }
  });
});

/** The parts of the AsyncAPI document the tests read. */
interface AsyncApiDoc {
  asyncapi: string;
  info: { description: string };
  servers: {
    store: {
      protocol: string;
      protocolVersion: string;
      bindings: { mqtt: { lastWill: { topic: string; qos: number; retain: boolean; message: string } } };
    };
    device: { protocol: string; protocolVersion: string; bindings: { mqtt: { clientId: string } } };
  };
  channels: Record<
    string,
    {
      address: string;
      description: string;
      servers: { $ref: string }[];
      parameters: Record<string, unknown>;
      messages: object;
    }
  >;
  operations: Record<
    string,
    {
      action: string;
      channel: { $ref: string };
      bindings: { mqtt: { qos: number; retain: boolean } };
      "x-publisher": string;
    }
  >;
  components: {
    parameters: Record<string, { description: string; default?: string; examples?: string[] }>;
    messages: Record<
      string,
      { name: string; payload: Record<string, unknown>; examples?: { name: string; payload: unknown }[] }
    >;
  };
}

describe("AsyncAPI document", () => {
  const text = readFileSync(join(REPO_ROOT, PROTOCOL_DIR, "asyncapi.yaml"), "utf8");
  const doc = parseYaml(text) as AsyncApiDoc;

  it("reads back as YAML to exactly the document the generator built", () => {
    const generated = renderProtocolDocs().get(`${PROTOCOL_DIR}/asyncapi.yaml`) as string;
    expect(doc).toEqual(parseYaml(generated));
    // Quoted for YAML 1.1 readers too (yes/no/on/off, 1:20): both versions read the same document.
    expect(parseYaml(text, { version: "1.1" })).toEqual(doc);
    expect(doc.asyncapi).toBe("3.0.0");
    expect(doc).toEqual(canonicalize(buildAsyncApi()));
  });

  it("serves MQTT 3.1.1 with the controller's Last Will", () => {
    const server = doc.servers.store;
    expect([server.protocol, server.protocolVersion]).toEqual(["mqtt", "3.1.1"]);
    expect(server.bindings.mqtt.lastWill).toMatchObject({
      topic: CHANNEL_ADDRESSES.controllerStatus,
      qos: 1,
      retain: true,
    });
    expect(JSON.parse(server.bindings.mqtt.lastWill.message)).toEqual({ v: 1, state: "offline" });
  });

  it("has a channel for every topic the topic module builds, and each address parses back", () => {
    const prefix = "shop-12/labels";
    const ids = { storeId: "store-7", bridgeId: "ap1", labelId: "0000021EDB3F7A9C", prefix };
    const device = deviceTopics(prefix);
    const leaves = Object.values(doc.channels).map((channel) => {
      let address = channel.address;
      for (const [name, id] of Object.entries(ids)) address = address.replaceAll(`{${name}}`, id);
      for (const param of Object.keys(channel.parameters)) {
        expect(channel.address).toContain(`{${param}}`);
        if (param === "prefix") continue;
        expect(doc.components.parameters[param]?.description).toContain("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$");
      }
      if (channel.servers[0]?.$ref === "#/servers/device") {
        expect(Object.keys(channel.parameters).sort()).toEqual(["labelId", "prefix"]);
        const topic = device.parse(address);
        expect(topic, address).toMatchObject({ labelId: ids.labelId });
        return `native/${topic?.leaf}`;
      }
      expect(channel.servers).toEqual([{ $ref: "#/servers/store" }]);
      const t = parseTopic(address);
      expect(t, address).not.toBeNull();
      return t?.kind === "label" || t?.kind === "bridge" ? `${t.kind}/${t.leaf}` : String(t?.kind);
    });
    expect(leaves.sort()).toEqual(
      [
        "controllerStatus",
        ...LABEL_LEAVES.map((l) => `label/${l}`),
        ...BRIDGE_LEAVES.map((l) => `bridge/${l}`),
        ...DEVICE_LEAVES.map((l) => `native/${l}`),
      ].sort(),
    );
  });

  it("describes the native bridge's device side: its broker, prefix and relayed payloads", () => {
    expect(doc.servers.device).toMatchObject({ protocol: "mqtt", protocolVersion: "3.1.1" });
    expect(Object.values(DEVICE_CHANNEL_ADDRESSES).sort()).toEqual(
      DEVICE_LEAVES.map((leaf) => `{prefix}/{labelId}/${leaf}`).sort(),
    );
    const prefix = doc.components.parameters.prefix;
    expect(prefix?.default).toBe(DEFAULT_DEVICE_PREFIX);
    expect(DEFAULT_DEVICE_PREFIX).toBe(defaultDevicePrefix("STOREID").replace("STOREID", "{storeId}"));
    for (const example of prefix?.examples ?? [])
      expect(devicePrefixProblem(example), example).toBeUndefined();
    expect(prefix?.examples).toContain(defaultDevicePrefix("store-0042"));
    // Each rule the description states is one the topic module enforces.
    for (const [phrase, refused] of [
      ["1 to 200 characters", "x".repeat(201)],
      ["no empty level", "a//b"],
      ["no MQTT wildcard", "a/+/b"],
      ["no leading `$`", "$SYS/labels"],
      ["not inside `shelfsync/`", "shelfsync/store-7"],
    ] as const) {
      expect(prefix?.description).toContain(phrase);
      expect(devicePrefixProblem(refused), refused).toBeDefined();
    }
    for (const name of Object.keys(DEVICE_CHANNEL_ADDRESSES)) {
      expect(doc.channels[name]?.description, name).toMatch(
        /native bridge's device side, on the device broker/,
      );
    }
    expect(doc.channels.nativeState?.description).toMatch(/device reports `displayedHash` itself/);
    // The device side carries the canonical payloads unchanged: the same message components.
    expect(Object.keys(doc.channels.nativeContent?.messages ?? {})).toEqual(
      Object.keys(doc.channels.labelContent?.messages ?? {}),
    );
    expect(doc.channels.nativeState?.messages).toEqual(doc.channels.labelState?.messages);
    expect(doc.channels.nativeCommand?.messages).toEqual(doc.channels.labelCommand?.messages);
    expect(doc.channels.nativeHello?.messages).toHaveProperty("nativeHelloLeft");
    expect(doc.info.description).toContain("## Native bridge, device side");
    // What a label sends validates through the same schema the bridge decodes it with.
    expect(nativeHelloSchema.parse(wire(SAMPLES["native-hello"]))).toEqual(nativeHelloExamples[0]?.payload);
  });

  it("states QoS, retain and direction for every channel", () => {
    const byChannel = Object.fromEntries(
      Object.values(doc.operations).map((op) => [
        op.channel.$ref.replace("#/channels/", ""),
        { action: op.action, ...op.bindings.mqtt, publisher: op["x-publisher"] },
      ]),
    );
    expect(byChannel).toMatchObject({
      controllerStatus: { action: "send", qos: 1, retain: true, publisher: "controller" },
      bridgeStatus: { action: "receive", qos: 1, retain: true },
      bridgeLabels: { action: "receive", qos: 1, retain: true },
      labelContent: { action: "send", qos: 1, retain: true, publisher: "controller" },
      labelState: { action: "receive", qos: 1, retain: false },
      labelCommand: { action: "send", qos: 1, retain: false, publisher: "controller" },
      labelImage: { action: "send", qos: 1, retain: true, publisher: "bitmap bridge" },
      nativeHello: { action: "receive", qos: 1, retain: true, publisher: "a label that renders itself" },
      nativeContent: { action: "send", qos: 1, retain: true, publisher: "native bridge" },
      nativeState: { action: "receive", qos: 1, retain: false, publisher: "the label itself" },
      nativeCommand: { action: "send", qos: 1, retain: false, publisher: "native bridge" },
    });
    expect(Object.keys(byChannel).sort()).toEqual(Object.keys(doc.channels).sort());
  });

  it("inlines the generated JSON Schemas as payloads, and its examples are valid against them", () => {
    let checked = 0;
    for (const message of Object.values(doc.components.messages)) {
      const source = message.payload["x-json-schema"];
      if (typeof source !== "string") continue;
      const file = checkedInSchema(source.replace(/^json-schema\/|\.json$/g, ""));
      const { $schema: _s, $id: _i, ...inline } = file;
      const { "x-json-schema": _x, ...payload } = message.payload;
      expect(payload).toEqual(inline);
      const examples = message.examples ?? [];
      expect(examples.length).toBeGreaterThan(0);
      for (const example of examples) {
        expect(validate(payload, example.payload), `${message.name}/${example.name}`).toEqual([]);
        checked++;
      }
    }
    expect(checked).toBe(
      availabilityExamples.length +
        bridgeLabelsExamples.length +
        labelContentExamples.length +
        labelStateExamples.length +
        labelCommandExamples.length +
        labelImageExamples.length +
        nativeHelloExamples.length,
    );
  });

  it("documents the image encoding the example really uses: raw DEFLATE + base64 planes of ceil(w/8)×h bytes", () => {
    const image = labelImageSchema.parse(labelImageExamples[0]?.payload);
    expect(doc.info.description).toContain("raw DEFLATE (RFC 1951");
    const planes = image.planes.map((p) => inflateRawSync(Buffer.from(p, "base64")));
    expect(planes.map((p) => p.toString("hex"))).toEqual([...IMAGE_EXAMPLE_PLANES_HEX]);
    for (const plane of planes) expect(plane.length).toBe(Math.ceil(image.width / 8) * image.height);
    // At most one ink per pixel across planes.
    const [black, red] = planes as [Buffer, Buffer];
    expect(black.every((byte, k) => (byte & (red[k] as number)) === 0)).toBe(true);
  });

  it("explains the semantics a device implementer needs", () => {
    const description: string = doc.info.description;
    for (const phrase of ["contentHash", "displayedHash", "in sync", "Last Will", "version", "retained"]) {
      expect(description).toContain(phrase);
    }
    expect(doc.channels.labelContent?.messages).toHaveProperty("labelContentCleared");
    expect(doc.channels.labelCommand?.description).toMatch(/retained command .* ignore/i);
  });
});
