import { z } from "zod";
import {
  colorModeSchema,
  contentHashSchema,
  currencySchema,
  idSchema,
  moneySchema,
  offsetInstantSchema,
  PROTOCOL_VERSION,
  promoDisplaySchema,
  protocolVersion,
  skuSchema,
  stockStateSchema,
  unitPriceSchema,
} from "./common.ts";

/** `…/label/{labelId}/content`, retained, QoS 1: what the label must show. */
export const labelContentSchema = z.object({
  v: protocolVersion,
  labelId: idSchema,
  sku: skuSchema,
  gtin: z.string().optional(),
  name: z.string(),
  brand: z.string().optional(),
  url: z.string().optional(),
  price: moneySchema,
  stock: stockStateSchema,
  template: z.string().optional(),
  /**
   * The store's locale (BCP 47, e.g. de-DE): the language of the label's fixed words and the form of
   * its dates. Money texts arrive formatted for it.
   */
  locale: z.string().optional(),
  /**
   * Present only while a reduction is announced: the price it is measured from, shown struck
   * through. With the Omnibus rule (98/6/EC art. 6a) that is the prior price, equal to
   * `referencePrice`; never a higher regular price the product had just before (CJEU C-330/23).
   */
  regularPrice: moneySchema.optional(),
  /** The art. 6a prior price (lowest in the look-back), present with an announced reduction. */
  referencePrice: moneySchema.optional(),
  /** The look-back `referencePrice` is the lowest of, in days ("lowest price of the last 30 days"). */
  referenceDays: z.number().int().positive().optional(),
  unitPrice: unitPriceSchema.optional(),
  promo: promoDisplaySchema.optional(),
  memberPrice: moneySchema.optional(),
  /** Hash of everything above: equal content ⇔ equal hash, whatever the version. */
  contentHash: contentHashSchema,
  /** Goes up by one each time this label's content changes. */
  version: z.number().int().nonnegative(),
});
export type LabelContent = z.infer<typeof labelContentSchema>;

/**
 * A label's content payload as JSON, assembled around the JSON of what it shows (the content without
 * `v`, `labelId`, `contentHash` and `version`, keys in schema order): one stringify per product
 * instead of one per label. The controller publishes this, and the store rebuilds the same bytes from
 * the shown content it keeps by hash (label_contents), so a label's content is stored once.
 */
export function labelContentJson(labelId: string, shownJson: string, hash: string, version: number): string {
  return `{"v":${PROTOCOL_VERSION},"labelId":${JSON.stringify(labelId)},${shownJson.slice(1, -1)},"contentHash":"${hash}","version":${version}}`;
}

/** `…/label/{labelId}/state`, device → controller. */
export const labelStateSchema = z.object({
  v: protocolVersion,
  displayedHash: contentHashSchema.nullable(),
  version: z.number().int().nonnegative().optional(),
  /** Battery charge in percent. */
  battery: z.number().min(0).max(100).optional(),
  /** Received signal strength at the access point, dBm. */
  rssi: z.number().min(-150).max(20).optional(),
  /** When the device reported, unix milliseconds or ISO 8601. */
  ts: z.union([z.number().int().nonnegative(), offsetInstantSchema()]).optional(),
});
export type LabelState = z.infer<typeof labelStateSchema>;

export const FLASH_COLORS = ["red", "green", "blue", "yellow", "white", "cyan", "magenta"] as const;
export const FLASH_PATTERNS = ["blink", "solid", "pulse"] as const;

export const flashOptionsSchema = z.object({
  color: z.enum(FLASH_COLORS).default("green"),
  pattern: z.enum(FLASH_PATTERNS).default("blink"),
  seconds: z.number().int().min(1).max(300).default(10),
});

/** `…/label/{labelId}/command`, controller → device, QoS 1, not retained. */
export const labelCommandSchema = z.discriminatedUnion("command", [
  z.object({
    v: protocolVersion,
    command: z.literal("flash"),
    commandId: z.string(),
    ...flashOptionsSchema.shape,
  }),
  z.object({
    v: protocolVersion,
    command: z.literal("page"),
    commandId: z.string(),
    page: z.number().int().nonnegative(),
  }),
]);
export type LabelCommand = z.infer<typeof labelCommandSchema>;

/**
 * `…/label/{labelId}/image`, retained, QoS 1, published by the bitmap bridge for labels that want
 * pixels: the label's content rendered to its panel's native planes. Each plane is 1 bit per pixel,
 * row-major, most significant bit first, rows padded to whole bytes, bit 1 = ink; plane 0 is black,
 * plane 1 red (bwr) or yellow (bwy), for bwry plane 1 red and plane 2 yellow (docs/rendering.md).
 * Each plane is compressed with raw DEFLATE (RFC 1951, no zlib header) and base64-encoded.
 */
export const labelImageSchema = z.object({
  v: protocolVersion,
  labelId: idSchema,
  /** The content this image shows: the label reports it back as `displayedHash` once drawn. */
  contentHash: contentHashSchema,
  version: z.number().int().nonnegative(),
  width: z.number().int().positive().max(4096),
  height: z.number().int().positive().max(4096),
  colors: colorModeSchema,
  /** Clockwise rotation already applied to the planes (they are in the panel's native orientation). */
  rotation: z.union([z.literal(0), z.literal(90), z.literal(180), z.literal(270)]),
  encoding: z.literal("deflate-raw+base64"),
  planes: z.array(z.string()).min(1).max(3),
});
export type LabelImage = z.infer<typeof labelImageSchema>;

/** `…/controller/status` and `…/bridge/{bridgeId}/status`: retained availability, Last Will `offline`. */
export const availabilitySchema = z.object({
  v: protocolVersion,
  state: z.enum(["online", "offline"]),
  ts: z.number().int().optional(),
});
export type Availability = z.infer<typeof availabilitySchema>;

/** A label as a bridge or the API describes it. */
export const labelDescriptorSchema = z.object({
  labelId: idSchema,
  model: z.string().max(64).optional(),
  width: z.number().int().positive().max(4096).optional(),
  height: z.number().int().positive().max(4096).optional(),
  colors: colorModeSchema.optional(),
});
export type LabelDescriptor = z.infer<typeof labelDescriptorSchema>;

/**
 * `{prefix}/{labelId}/hello` on the native bridge's device broker (topics from `deviceTopics`),
 * retained, published by a label that renders itself: the label is there while this is. The
 * descriptor's fields without the id, which is the topic's level; an empty retained payload = it left.
 */
export const nativeHelloSchema = labelDescriptorSchema.omit({ labelId: true }).extend({ v: protocolVersion });
export type NativeHello = z.infer<typeof nativeHelloSchema>;

/** `…/bridge/{bridgeId}/labels`, retained: every label this bridge serves (its inventory). */
export const bridgeLabelsSchema = z.object({
  v: protocolVersion,
  bridgeId: idSchema,
  kind: z.string(),
  labels: z.array(labelDescriptorSchema),
});
export type BridgeLabels = z.infer<typeof bridgeLabelsSchema>;

export { currencySchema };
