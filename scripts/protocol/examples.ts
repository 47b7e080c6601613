import type { z } from "zod";
import { PROTOCOL_VERSION } from "../../schemas/common.ts";
import {
  type Availability,
  availabilitySchema,
  type BridgeLabels,
  bridgeLabelsSchema,
  type LabelCommand,
  type LabelContent,
  type LabelImage,
  type LabelState,
  labelCommandSchema,
  labelContentSchema,
  labelImageSchema,
  labelStateSchema,
  type NativeHello,
  nativeHelloSchema,
} from "../../schemas/mqtt.ts";

/**
 * Example payloads for the AsyncAPI document. Each goes through its zod schema when the document is
 * built, so an example that no longer matches the protocol stops the generator instead of misleading
 * a firmware engineer.
 */
export interface PayloadExample<T> {
  name: string;
  summary: string;
  payload: T;
}

const v = PROTOCOL_VERSION;
const COFFEE_HASH = "9f2c4e1a7b3d5f60182a4c6e8b0d2f41";
const COFFEE_SALE_HASH = "3b8e0c5a1f7d9e2b4c6a8e0f1d3b5a79";

function checked<T>(schema: z.ZodType<T>, examples: PayloadExample<T>[]): PayloadExample<T>[] {
  return examples.map((e) => ({ ...e, payload: schema.parse(e.payload) }));
}

export const availabilityExamples = checked<Availability>(availabilitySchema, [
  {
    name: "online",
    summary: "Published retained right after connecting.",
    payload: { v, state: "online", ts: 1767225600000 },
  },
  {
    name: "lastWill",
    summary: "The Last Will (and the clean-stop message).",
    payload: { v, state: "offline" },
  },
]);

export const bridgeLabelsExamples = checked<BridgeLabels>(bridgeLabelsSchema, [
  {
    name: "accessPoint",
    summary: "An OpenEPaperLink access point serving two tags.",
    payload: {
      v,
      bridgeId: "oepl-ap1",
      kind: "oepl",
      labels: [
        { labelId: "0000021EDB3F7A9C", model: 'M2 2.9"', width: 296, height: 128, colors: "bwr" },
        { labelId: "0000021EDB3F7B10", model: 'M2 4.2"', width: 400, height: 300, colors: "bwr" },
      ],
    },
  },
]);

export const labelContentExamples = checked<LabelContent>(labelContentSchema, [
  {
    name: "regular",
    summary: "A regular price with a unit price line.",
    payload: {
      v,
      labelId: "0000021EDB3F7A9C",
      sku: "100234",
      gtin: "4006381333931",
      name: "Coffee beans 500 g",
      brand: "Roastery",
      price: { amountMinor: 299, currency: "EUR", text: "2,99 €" },
      stock: "in_stock",
      regularPrice: { amountMinor: 299, currency: "EUR", text: "2,99 €" },
      unitPrice: { amountMinor: 598, currency: "EUR", text: "5,98 €", per: "kg" },
      contentHash: COFFEE_HASH,
      version: 7,
    },
  },
  {
    name: "reduction",
    summary: "A reduction: struck regular price and the Omnibus reference price.",
    payload: {
      v,
      labelId: "0000021EDB3F7A9C",
      sku: "100234",
      gtin: "4006381333931",
      name: "Coffee beans 500 g",
      brand: "Roastery",
      price: { amountMinor: 249, currency: "EUR", text: "2,49 €" },
      stock: "low",
      regularPrice: { amountMinor: 299, currency: "EUR", text: "2,99 €" },
      referencePrice: { amountMinor: 279, currency: "EUR", text: "2,79 €" },
      unitPrice: { amountMinor: 498, currency: "EUR", text: "4,98 €", per: "kg" },
      promo: {
        promotionId: "spring-17",
        kind: "fixed",
        text: "Offer",
        validUntil: "2026-04-05T22:00:00.000Z",
      },
      contentHash: COFFEE_SALE_HASH,
      version: 8,
    },
  },
]);

export const labelStateExamples = checked<LabelState>(labelStateSchema, [
  {
    name: "drawn",
    summary: "The label shows content version 8.",
    payload: { v, displayedHash: COFFEE_SALE_HASH, version: 8, battery: 87, rssi: -67, ts: 1767225612000 },
  },
  {
    name: "blank",
    summary: "A new or cleared label that shows nothing.",
    payload: { v, displayedHash: null },
  },
]);

export const labelCommandExamples = checked<LabelCommand>(labelCommandSchema, [
  {
    name: "flash",
    summary: "Flash the LED green for 10 s (find the label on the shelf).",
    payload: {
      v,
      command: "flash",
      commandId: "5f0c1d2e-8a4b-4c3d-9e1f-2a3b4c5d6e7f",
      color: "green",
      pattern: "blink",
      seconds: 10,
    },
  },
  {
    name: "page",
    summary: "Switch to page 1.",
    payload: { v, command: "page", commandId: "0b7e6f1a-2c3d-4e5f-8a9b-1c2d3e4f5a6b", page: 1 },
  },
]);

/**
 * A 16×4 bwr image: plane 0 (black) is a frame, plane 1 (red) a 2×2 dot in the middle. Inflated,
 * plane 0 is FF FF 80 01 80 01 FF FF and plane 1 00 00 01 80 01 80 00 00 (2 bytes a row). The
 * base64 strings are fixed here rather than deflated at build time, because DEFLATE output may
 * differ between zlib builds and the checked-in document must not.
 */
export const IMAGE_EXAMPLE_PLANES_HEX = ["ffff80018001ffff", "0000018001800000"] as const;

export const labelImageExamples = checked<LabelImage>(labelImageSchema, [
  {
    name: "tinyBwr",
    summary: `16×4 pixels, bwr: a black frame and a red 2×2 dot. Inflated planes: ${IMAGE_EXAMPLE_PLANES_HEX.join(", ")} (hex).`,
    payload: {
      v,
      labelId: "0000021EDB3F7A9C",
      contentHash: COFFEE_SALE_HASH,
      version: 8,
      width: 16,
      height: 4,
      colors: "bwr",
      rotation: 0,
      encoding: "deflate-raw+base64",
      planes: ["+/+/gbGB8f9/AA==", "Y2BgbGBsYGAAAA=="],
    },
  },
]);

export const nativeHelloExamples = checked<NativeHello>(nativeHelloSchema, [
  {
    name: "panel",
    summary: 'A self-rendering 2.9" bwr label announcing itself on the device broker.',
    payload: { v, model: "selfdraw-29", width: 296, height: 128, colors: "bwr" },
  },
  {
    name: "minimal",
    summary: "Only the version: the label is there, its panel unknown.",
    payload: { v },
  },
]);
