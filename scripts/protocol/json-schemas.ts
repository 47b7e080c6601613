import { z } from "zod";
import {
  actorBodySchema,
  approvalReplySchema,
  decisionBodySchema,
  errorReplySchema,
  feedReplySchema,
  feedRowErrorSchema,
  flashBodySchema,
  healthReplySchema,
  labelCreateBodySchema,
  labelReplySchema,
  linkBodySchema,
  overrideBodySchema,
  priceReplySchema,
  productReplySchema,
  syncReplySchema,
} from "../../schemas/api.ts";
import { COLOR_MODES, currencySchema, PROTOCOL_VERSION } from "../../schemas/common.ts";
import { linkRowSchema, priceRowSchema, productRowSchema, stockRowSchema } from "../../schemas/feeds.ts";
import {
  availabilitySchema,
  bridgeLabelsSchema,
  labelCommandSchema,
  labelContentSchema,
  labelImageSchema,
  labelStateSchema,
  nativeHelloSchema,
} from "../../schemas/mqtt.ts";
import {
  MAX_BUY_QUANTITY,
  MIN_BUY_QUANTITY,
  promotionCreateBodySchema,
  promotionPatchBodySchema,
  promotionRowSchema,
} from "../../schemas/promotions.ts";
import { ID_PATTERN, NATIVE_DEVICE_ROOT } from "../../schemas/topics.ts";

/** A JSON Schema document or subschema, as zod emits it and the patches below edit it. */
export interface JsonSchema {
  [keyword: string]: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

export type SchemaGroup = "mqtt" | "feed" | "api";

export interface ExportedSchema {
  /** File name under `docs/protocol/json-schema/`, without `.json`. */
  name: string;
  group: SchemaGroup;
  title: string;
  description: string;
  zod: z.ZodType;
  /**
   * Which side of the zod schema the wire carries: the side of whoever writes the message. Bodies
   * and feed rows are what a client sends (input, before defaults and transforms); replies and
   * controller-published payloads are what we send (output, defaults filled in).
   */
  io: "input" | "output";
  /** Descriptions by dotted property path, for what the zod doc comments say in TypeScript only. */
  fields?: Record<string, string>;
  /** Rules zod cannot express as JSON Schema (they live in a preprocess, refine or transform). */
  patch?: (schema: JsonSchema) => void;
}

/** Base of every `$id`: a name, not a location (the files are found beside each other). */
export const SCHEMA_ID_BASE = "urn:shelfsync:json-schema:";
export const JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema";

const STORE_TIME_ZONE_FOR_EXPORT = "UTC";
const DECIMAL_AMOUNT = "^\\d+(\\.\\d+)?$";
const CURRENCY_CODE = "^[A-Z]{3}$";
const GTIN = "^(\\d{8}|\\d{12,14})$";
const INSTANT_TEXT =
  "ISO 8601 date-time, with an offset (`2025-03-30T00:00:00+01:00`, `…Z`) or without one, then read in the store's time zone (DST-safe).";

/** The property at `path` (dotted), looking through array items and union branches. Throws if absent. */
function propertiesAt(root: JsonSchema, path: string): JsonSchema[] {
  let nodes: JsonSchema[] = [root];
  for (const segment of path.split(".")) {
    const next: JsonSchema[] = [];
    const visit = (node: JsonSchema) => {
      const direct = node.properties?.[segment];
      if (direct) next.push(direct);
      if (node.items && typeof node.items === "object") visit(node.items as JsonSchema);
      for (const key of ["oneOf", "anyOf"] as const) {
        const branches = node[key];
        if (Array.isArray(branches)) for (const b of branches) visit(b as JsonSchema);
      }
    };
    for (const node of nodes) visit(node);
    if (next.length === 0) throw new Error(`no property "${path}" in the generated schema`);
    nodes = next;
  }
  return nodes;
}

function setOn(root: JsonSchema, path: string, keywords: JsonSchema): void {
  for (const node of propertiesAt(root, path)) Object.assign(node, keywords);
}

function requireKeys(root: JsonSchema, ...keys: string[]): void {
  for (const key of keys) propertiesAt(root, key);
  root.required = [...new Set([...(root.required ?? []), ...keys])];
}

const money = (what: string) =>
  `${what}: integer minor units of the currency (249 EUR = 2.49 €), the ISO 4217 code, and the text to print exactly as given (formatted for the store's locale).`;

const CONTENT_HASH =
  "Identifies what the label shows (everything drawn, not the version or label id): equal content has an equal hash. Treat it as opaque, compare it for equality only, and report it back as `displayedHash` in the label state once the label shows this content.";

const MQTT_RULE = `Every MQTT payload is a UTF-8 JSON object carrying \`v\` (protocol version, now ${PROTOCOL_VERSION}). Members may be added in later versions, never renamed: ignore members you do not know.`;

const labelContentFields: Record<string, string> = {
  labelId: "The label this content is for (same as the topic's `{labelId}`).",
  sku: "The product's stock-keeping unit.",
  gtin: "The product's GTIN (EAN-13 and the like), for a barcode.",
  name: "Product name to print.",
  brand: "Brand to print, where the layout has room.",
  url: "The product's page in the web shop, for a QR code.",
  price: money("The price to show (the promotional price while a promotion runs)"),
  stock: "Stock badge: `in_stock`, `low` or `out`.",
  template: "Layout the label should use, when the store chose one; else the label's default.",
  regularPrice: money("The price without promotions, shown struck through while a reduction runs"),
  referencePrice: money(
    "EU Omnibus reference price: the lowest price in force in the 30 days before a reduction, which the label must print beside an announced reduction",
  ),
  unitPrice: `${money("Unit price")} \`per\` names the unit ("kg", "l", "100 g", "piece").`,
  promo: "The running promotion: its id, kind, the text to print and when it ends (ISO 8601).",
  memberPrice: money("Price for members (loyalty card)"),
  contentHash: CONTENT_HASH,
  version:
    "Goes up by one each time this label's content changes. For humans and logs; equality of what is shown is decided by `contentHash` alone.",
};

const labelImageFields: Record<string, string> = {
  labelId: "The label this image is for (same as the topic's `{labelId}`).",
  contentHash: "The content this image shows. The label reports it back as `displayedHash` once drawn.",
  version: "The content version this image was rendered from.",
  width: "Panel width in native pixels (the planes' row length, before padding).",
  height: "Panel height in native pixels (the planes' row count).",
  colors: "Colour mode, which decides the planes: `bw` 1 plane, `bwr` and `bwy` 2, `bwry` 3.",
  rotation:
    "Clockwise rotation the layout was drawn with; already applied, so the planes are in the panel's native orientation and are sent as they are.",
  encoding:
    "`deflate-raw+base64`: each plane compressed with raw DEFLATE (RFC 1951), then base64 (RFC 4648).",
  planes:
    "One string per plane, in order: plane 0 black; plane 1 red (bwr) or yellow (bwy); for bwry plane 1 red and plane 2 yellow. Inflated, a plane is ceil(width / 8) × height bytes: 1 bit per pixel, row-major, most significant bit first, each row padded to whole bytes, bit 1 = ink. Pixel (x, y) is bit 7 − (x mod 8) of byte y × ceil(width / 8) + floor(x / 8). A pixel has at most one bit set across the planes; none set is white (paper).",
};

const labelStateFields: Record<string, string> = {
  displayedHash:
    "The `contentHash` of the content the label shows now, or null when it shows nothing (never drawn, or its content was cleared).",
  version: "The `version` of the content shown, when known (for humans; the in-sync rule ignores it).",
  battery: "Battery charge in percent (0–100).",
  rssi: "Received signal strength at the access point, dBm.",
  ts: "When the device reported: unix milliseconds, or ISO 8601 with an offset.",
};

const availabilityFields: Record<string, string> = {
  state:
    "`online` when (re)connected, `offline` when leaving, and by the Last Will when the connection dies.",
  ts: "Publisher's clock, unix ms, when known. In a Last Will it is the time the will was set (at connect), not when the connection died.",
};

const promotionFields: Record<string, string> = {
  promotionId: "The promotion's id (letters, digits, `.`, `_`, `-`; at most 64).",
  kind: "`percent`, `amount`, `fixed`, `multibuy` or `member`.",
  skus: "The SKUs the promotion is for: a JSON array (in CSV `A|B|C`, or the array's JSON text). Give either `skus` or `category`.",
  category: "A category instead of SKUs: the promotion is for every product in it.",
  value:
    'Per kind, an exact decimal string: `percent` share off ("20" = 20 %, decimals allowed, a trailing "%" accepted; a JSON number is accepted for this kind only), `amount` money off each item, `fixed` the promotional price, `member` the member price, `multibuy` the price of `buyQuantity` items ("5.00") or a share off the last of them ("50%").',
  buyQuantity: `Multibuy only, and required there: how many items the deal is for (${MIN_BUY_QUANTITY}–${MAX_BUY_QUANTITY}).`,
  currency: "Pins the promotion to prices in this ISO 4217 currency; its precision is checked against it.",
  start: INSTANT_TEXT,
  end: `${INSTANT_TEXT} Exclusive; absent = open-ended.`,
  priority: "Higher wins where promotions overlap (default 0).",
};

const kindIs = (kind: string) => ({ properties: { kind: { const: kind } }, required: ["kind"] });

/** The cross-field rules of `finishPromotion`, as JSON Schema (an implication A → B is ¬A ∨ B). */
function promotionPatch(schema: JsonSchema): void {
  setOn(schema, "buyQuantity", { minimum: MIN_BUY_QUANTITY, maximum: MAX_BUY_QUANTITY });
  setOn(schema, "value", { pattern: "^\\d+(\\.\\d+)?%?$" });
  schema.allOf = [
    // skus and category exclude each other, and one of them is needed.
    { oneOf: [{ required: ["skus"] }, { required: ["category"] }] },
    // multibuy needs buyQuantity, and only multibuy may have it.
    { anyOf: [{ not: kindIs("multibuy") }, { required: ["buyQuantity"] }] },
    { anyOf: [kindIs("multibuy"), { not: { required: ["buyQuantity"] } }] },
    // Only a percentage may be a JSON number: money as a float cannot be exact.
    { anyOf: [kindIs("percent"), { properties: { value: { type: "string" } } }] },
  ];
}

export const EXPORTED_SCHEMAS: readonly ExportedSchema[] = [
  // ---- MQTT payloads (DESIGN.md §3) ----
  {
    name: "label-content",
    group: "mqtt",
    title: "Label content",
    description: `Topic shelfsync/{storeId}/label/{labelId}/content, published retained at QoS 1 by the controller: what the label must show. An empty (zero-byte) payload on this topic means the content was cleared (label unlinked): show nothing and report displayedHash null. ${MQTT_RULE}`,
    zod: labelContentSchema,
    io: "output",
    fields: labelContentFields,
  },
  {
    name: "label-state",
    group: "mqtt",
    title: "Label state",
    description: `Topic shelfsync/{storeId}/label/{labelId}/state, published at QoS 1, not retained, by the label or its access point: what the label shows now. Publish it after every draw, when content arrives that is already shown, and at every check-in, so the controller can tell the label is alive. ${MQTT_RULE}`,
    zod: labelStateSchema,
    io: "input",
    fields: labelStateFields,
  },
  {
    name: "label-command",
    group: "mqtt",
    title: "Label command",
    description: `Topic shelfsync/{storeId}/label/{labelId}/command, published at QoS 1, not retained, by the controller: a one-off request, \`flash\` (LED colour, pattern, seconds) or \`page\` (switch to a page). Ignore a command that arrives retained, and an empty payload: it would replay on every reconnect. The controller always sends every field, defaults filled in. ${MQTT_RULE}`,
    zod: labelCommandSchema,
    io: "output",
    fields: {
      commandId: "Unique per command (a UUID): use it to drop a duplicate delivery (QoS 1 is at-least-once).",
      color: "LED colour; a label without that colour uses the nearest it has.",
      pattern: "LED pattern.",
      seconds: "How long to flash, 1–300 s.",
      page: "Page to show, 0 = the main page.",
    },
  },
  {
    name: "label-image",
    group: "mqtt",
    title: "Label image",
    description: `Topic shelfsync/{storeId}/label/{labelId}/image, published retained at QoS 1 by a bitmap bridge for labels that want pixels: the label's content rendered to the panel's native planes (docs/rendering.md). ${MQTT_RULE}`,
    zod: labelImageSchema,
    io: "output",
    fields: labelImageFields,
  },
  {
    name: "availability",
    group: "mqtt",
    title: "Availability",
    description: `Topics shelfsync/{storeId}/controller/status and shelfsync/{storeId}/bridge/{bridgeId}/status, retained at QoS 1: \`online\` once connected, \`offline\` on a clean stop, and the same \`offline\` payload as the MQTT Last Will, so the broker publishes it when the connection dies. ${MQTT_RULE}`,
    zod: availabilitySchema,
    io: "input",
    fields: availabilityFields,
  },
  {
    name: "bridge-labels",
    group: "mqtt",
    title: "Bridge label inventory",
    description: `Topic shelfsync/{storeId}/bridge/{bridgeId}/labels, retained at QoS 1, published by a bridge (access point) on every connect and whenever its label set changes: every label it serves, with its panel. ${MQTT_RULE}`,
    zod: bridgeLabelsSchema,
    io: "input",
    fields: {
      bridgeId: "This bridge's id (same as the topic's `{bridgeId}`).",
      kind: 'The bridge kind, e.g. "simulated", "oepl".',
      "labels.labelId":
        "Label id; an OpenEPaperLink tag's is its MAC as 16 upper-case hex digits (0000021EDB3F7A9C).",
      "labels.model": "Hardware model name, free text.",
      "labels.width": "Panel width, native pixels.",
      "labels.height": "Panel height, native pixels.",
      "labels.colors": "Panel colour mode.",
    },
  },
  {
    name: "native-hello",
    group: "mqtt",
    title: "Native label hello",
    description: `The native bridge's device side, on the device broker (not the store's canonical topics): topic {prefix}/{labelId}/hello, prefix ${NATIVE_DEVICE_ROOT}/{storeId} unless the installer chose another. Published retained (QoS 1) by a label that renders itself: the label is there while it is. An empty (zero-byte) retained payload on this topic means the label left. ${MQTT_RULE}`,
    zod: nativeHelloSchema,
    io: "input",
    fields: {
      model: "Hardware model name, free text, at most 64 characters.",
      width: "Panel width, native pixels.",
      height: "Panel height, native pixels.",
      colors: `Panel colour mode: ${COLOR_MODES.map((m) => `\`${m}\``).join(", ")}.`,
    },
  },

  // ---- Feed rows (DESIGN.md §3a): one JSON object per row; CSV cells carry the same as text ----
  {
    name: "feed-product-row",
    group: "feed",
    title: "Products feed row",
    description:
      "One row of the products feed, POST /api/v1/feeds/products?sequence=N (text/csv with a header row, application/x-ndjson one object a line, or application/json an array). CSV header names are these keys; an empty CSV cell is absent.",
    zod: productRowSchema,
    io: "input",
    fields: {
      gtin: "GTIN-8, -12, -13 or -14 with a valid check digit.",
      netQuantity: 'Net quantity as a decimal ("500", "0.75"), in `unit`: the base of the unit price.',
      unit: "Unit of `netQuantity`.",
      url: "The product's page in the web shop (http or https), shown as a QR code.",
    },
    patch: (s) => setOn(s, "gtin", { pattern: GTIN }),
  },
  {
    name: "feed-price-row",
    group: "feed",
    title: "Prices feed row",
    description:
      "One row of the prices feed, POST /api/v1/feeds/prices?sequence=N. Every price that was ever in force is kept; a row replaces nothing before its effectiveFrom.",
    zod: priceRowSchema(STORE_TIME_ZONE_FOR_EXPORT),
    io: "input",
    fields: {
      price:
        'A decimal string such as "2.49", converted exactly to minor units: never a JSON number (a float cannot hold money exactly), no more decimals than the currency has, not negative.',
      currency: "ISO 4217 code.",
      effectiveFrom: `${INSTANT_TEXT} Absent: in force from when the batch is applied.`,
      effectiveTo: `${INSTANT_TEXT} Exclusive; absent: open-ended.`,
    },
    patch: (s) => {
      setOn(s, "sku", { pattern: ID_PATTERN.source });
      setOn(s, "price", { pattern: DECIMAL_AMOUNT });
      setOn(s, "currency", { pattern: CURRENCY_CODE });
    },
  },
  {
    name: "feed-stock-row",
    group: "feed",
    title: "Stock feed row",
    description:
      "One row of the stock feed, POST /api/v1/feeds/stock?sequence=N. The badge (in stock, low, out) is derived from onHand by the store's thresholds.",
    zod: stockRowSchema,
    io: "input",
    fields: { onHand: "Units on hand, a whole number (a string of digits is accepted too, as in CSV)." },
    patch: (s) => {
      setOn(s, "onHand", { minimum: -1_000_000_000, maximum: 1_000_000_000 });
      requireKeys(s, "onHand");
    },
  },
  {
    name: "feed-promotion-row",
    group: "feed",
    title: "Promotions feed row",
    description:
      "One row of the central promotions feed, POST /api/v1/feeds/promotions?sequence=N. Give either skus or category.",
    zod: promotionRowSchema(STORE_TIME_ZONE_FOR_EXPORT),
    io: "input",
    fields: promotionFields,
    patch: promotionPatch,
  },

  {
    name: "feed-link-row",
    group: "feed",
    title: "Links feed row",
    description:
      "One row of the links feed, POST /api/v1/feeds/links?sequence=N: which product a label shows. An empty (or absent) sku unlinks the label; a label the store does not know yet is registered.",
    zod: linkRowSchema,
    io: "input",
    fields: {
      labelId: "The label (an OpenEPaperLink tag: its MAC as 16 upper-case hex digits).",
      sku: "The product the label shows; empty to unlink.",
    },
  },

  // ---- HTTP API (DESIGN.md §3a), under /api/v1 ----
  {
    name: "api-label-create-body",
    group: "api",
    title: "Label registration body",
    description: "Body of POST /api/v1/labels: register a label (or update its panel).",
    zod: labelCreateBodySchema,
    io: "input",
  },
  {
    name: "api-link-body",
    group: "api",
    title: "Label link body",
    description: "Body of PUT /api/v1/labels/{labelId}/link: show this product on the label.",
    zod: linkBodySchema,
    io: "input",
  },
  {
    name: "api-flash-body",
    group: "api",
    title: "Label flash body",
    description:
      "Body of POST /api/v1/labels/{labelId}/flash ({} for the defaults); answered 2xx once the command is on its way to the label.",
    zod: flashBodySchema,
    io: "input",
  },
  {
    name: "api-decision-body",
    group: "api",
    title: "Approval decision body",
    description: "Body of POST /api/v1/approvals/{approvalId}/approve and …/reject.",
    zod: decisionBodySchema,
    io: "input",
  },
  {
    name: "api-override-body",
    group: "api",
    title: "Staff override body",
    description:
      "Body of POST /api/v1/overrides: a staff price replacing the regular price from start to end (store time without an offset). A change beyond the guard rails is answered 202 and waits for approval.",
    zod: overrideBodySchema,
    io: "input",
    fields: {
      author:
        "Accepted for older clients and ignored: the controller records the name of the bearer token's person.",
    },
  },
  {
    name: "api-actor-body",
    group: "api",
    title: "Removal body",
    description:
      "Body of DELETE /api/v1/promotions/{id} and DELETE /api/v1/overrides/{id} (optional): why it is removed. Who removes it is the bearer token's person; author is accepted for older clients and ignored.",
    zod: actorBodySchema,
    io: "input",
  },
  {
    name: "api-promotion-create-body",
    group: "api",
    title: "Promotion creation body",
    description:
      "Body of POST /api/v1/promotions (a staff or ops promotion). Without promotionId the server assigns one. Give either skus or category.",
    zod: promotionCreateBodySchema(STORE_TIME_ZONE_FOR_EXPORT),
    io: "input",
    fields: {
      ...promotionFields,
      source: "`store` (default) or `central`.",
      author:
        "Accepted for older clients and ignored: the controller records the name of the bearer token's person.",
      reason: "Why, for the audit log.",
    },
    patch: promotionPatch,
  },
  {
    name: "api-promotion-patch-body",
    group: "api",
    title: "Promotion change body",
    description:
      "Body of PATCH /api/v1/promotions/{promotionId}: any field but the id. end: null makes the promotion open-ended, currency: null unpins the currency; setting skus clears a category and the other way round.",
    zod: promotionPatchBodySchema(STORE_TIME_ZONE_FOR_EXPORT),
    io: "input",
    fields: {
      start: INSTANT_TEXT,
      end: `${INSTANT_TEXT} null = open-ended.`,
      author:
        "Accepted for older clients and ignored: the controller records the name of the bearer token's person.",
    },
    patch: (s) => {
      for (const branch of propertiesAt(s, "buyQuantity").flatMap((b) => (b.anyOf ?? []) as JsonSchema[])) {
        if (branch.type === "integer")
          Object.assign(branch, { minimum: MIN_BUY_QUANTITY, maximum: MAX_BUY_QUANTITY });
      }
    },
  },
  {
    name: "api-error-reply",
    group: "api",
    title: "Error reply",
    description:
      "Every 4xx/5xx reply of /api/v1. A rejected feed batch lists its problems in details as [{ line, field, reason }] (api-feed-row-error.json).",
    zod: errorReplySchema,
    io: "output",
  },
  {
    name: "api-feed-row-error",
    group: "api",
    title: "Feed row error",
    description:
      "One problem in a rejected feed batch (an element of error.details). line is 1-based: in CSV the header is line 1; in JSON the array element.",
    zod: feedRowErrorSchema,
    io: "output",
  },
  {
    name: "api-feed-reply",
    group: "api",
    title: "Feed batch reply",
    description:
      "Reply of POST /api/v1/feeds/{feed}. A sequence not above the last applied for the feed is answered 200 with applied: false and changes nothing.",
    zod: feedReplySchema,
    io: "output",
  },
  {
    name: "api-sync-reply",
    group: "api",
    title: "Sync summary reply",
    description:
      "Reply of GET /api/v1/sync: how many labels show what they must, and every label that does not, with why.",
    zod: syncReplySchema,
    io: "output",
  },
  {
    name: "api-label-reply",
    group: "api",
    title: "Label reply",
    description:
      "Reply of GET /api/v1/labels/{labelId} and PUT/DELETE …/link; GET /api/v1/labels answers an array of these. width × height are the panel's native pixels.",
    zod: labelReplySchema,
    io: "output",
  },
  {
    name: "api-product-reply",
    group: "api",
    title: "Product reply",
    description: "Reply of GET /api/v1/products/{sku}.",
    zod: productReplySchema,
    io: "output",
  },
  {
    name: "api-price-reply",
    group: "api",
    title: "Price at an instant reply",
    description:
      "Reply of GET /api/v1/products/{sku}/price?at=ISO-8601 (without at: now): the price in force at that instant, with what a label would show beside it.",
    zod: priceReplySchema,
    io: "output",
  },
  {
    name: "api-approval-reply",
    group: "api",
    title: "Approval reply",
    description:
      "An element of the GET /api/v1/approvals reply (an array), and the reply of …/approve and …/reject: a price change held by a guard rail.",
    zod: approvalReplySchema,
    io: "output",
  },
  {
    name: "api-health-reply",
    group: "api",
    title: "Health reply",
    description:
      "Reply of GET /api/v1/health: broker connection, database, and per feed the last applied sequence and the gaps waiting for catch-up.",
    zod: healthReplySchema,
    io: "output",
  },
];

/**
 * zod emits `additionalProperties: false` for every object on the output side, because it strips
 * unknown keys. On the wire that would forbid the fields later versions add ("extend, never
 * rename"), so only objects that really refuse unknown keys (zod strict objects) keep it.
 */
function openObjects(ctx: { zodSchema: unknown; jsonSchema: Record<string, unknown> }): void {
  const def = (ctx.zodSchema as { _zod?: { def?: { type?: string; catchall?: unknown } } })._zod?.def;
  if (def?.type === "object" && def.catchall === undefined && ctx.jsonSchema.additionalProperties === false) {
    delete ctx.jsonSchema.additionalProperties;
  }
  // The currency check is a refine (a lookup in the ISO 4217 table), invisible to JSON Schema.
  if (ctx.zodSchema === currencySchema) {
    Object.assign(ctx.jsonSchema, { pattern: CURRENCY_CODE, description: "ISO 4217 currency code." });
  }
}

/** The JSON Schema (draft 2020-12) of one exported schema, with its identity and descriptions. */
export function buildJsonSchema(entry: ExportedSchema): JsonSchema {
  const generated = z.toJSONSchema(entry.zod, {
    target: "draft-2020-12",
    io: entry.io,
    unrepresentable: "any",
    override: openObjects,
  }) as JsonSchema;
  const { $schema: _dialect, ...body } = generated;
  const schema: JsonSchema = {
    $schema: JSON_SCHEMA_DIALECT,
    $id: `${SCHEMA_ID_BASE}${entry.name}`,
    title: entry.title,
    description: entry.description,
    ...body,
  };
  if (entry.group === "mqtt") {
    setOn(schema, "v", { description: `Protocol version, now ${PROTOCOL_VERSION}.` });
  }
  for (const [path, text] of Object.entries(entry.fields ?? {})) setOn(schema, path, { description: text });
  entry.patch?.(schema);
  return schema;
}

export function schemaFileName(entry: ExportedSchema): string {
  return `${entry.name}.json`;
}
