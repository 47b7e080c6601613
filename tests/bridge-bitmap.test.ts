import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../controller/app.ts";
import { parsePanelSpec, renderLabel } from "../display/render/index.ts";
import { BitmapAdapter } from "../firmware-bridge/bitmap/adapter.ts";
import { decodeImagePayload } from "../firmware-bridge/bitmap/image-payload.ts";
import { parseLabelSpec } from "../firmware-bridge/bitmap/kind.ts";
import { type BridgeHandle, silentLogger, startBridge } from "../firmware-bridge/core/index.ts";
import {
  type LabelContent,
  type LabelImage,
  labelImageSchema,
  PROTOCOL_VERSION,
  storeTopics,
} from "../schemas/index.ts";
import {
  api,
  bridgeLogin,
  getJson,
  postFeed,
  recorder,
  startTestController,
  waitFor,
} from "./support/harness.ts";

const LABELS = 40;

describe("bitmap bridge: content → panel planes on …/label/{id}/image → the pixel label confirms", () => {
  let ctl: Controller & { cleanup(): Promise<void> };
  let bridge: BridgeHandle;
  let device: Awaited<ReturnType<typeof recorder>>;
  const ids = Array.from({ length: LABELS }, (_, i) => `PX-${String(i).padStart(3, "0")}`);
  const panelOf = (i: number) => (i % 2 === 0 ? "2.9in-bwr" : "4.2in-bwy-90");

  beforeAll(async () => {
    ctl = await startTestController("aedes");
    await waitFor(() => ctl.link.connected(), 5_000, "controller connected");
    const products = [
      "sku,gtin,name,netQuantity,unit",
      "TEA,4006381333931,Green Tea,40,g",
      "OATS,,Rolled Oats,500,g",
    ];
    await postFeed(ctl.httpUrl, "products", 1, `${products.join("\n")}\n`);
    await postFeed(ctl.httpUrl, "prices", 1, "sku,price,currency\nTEA,2.19,EUR\nOATS,1.29,EUR\n");

    const labels = ids.map((id, i) => parseLabelSpec(`${id}=${panelOf(i)}`));
    expect(labels.every(Boolean)).toBe(true);
    const login = bridgeLogin(ctl, "px");
    bridge = await startBridge({
      mqttUrl: ctl.mqttUrl,
      mqttOptions: login,
      storeId: ctl.config.storeId,
      bridgeId: "px",
      adapter: new BitmapAdapter(labels as NonNullable<(typeof labels)[number]>[]),
      logger: silentLogger,
    });
    await bridge.ready;
    // The pixel labels themselves: one MQTT client standing in for the devices, signed in with
    // their bridge's token (they report the states of the bridge's labels).
    device = await recorder(ctl.mqttUrl, [storeTopics(ctl.config.storeId).anyLabel("image")], login);
  });
  afterAll(async () => {
    await device?.close();
    await bridge?.stop();
    await ctl?.cleanup();
  });

  it("announces its labels with their panels, renders each linked label and publishes exactly the renderer's planes", async () => {
    await waitFor(() => ids.every((id) => ctl.labels.get(id)?.width), 5_000, "labels announced");
    expect(ctl.labels.get("PX-001")).toMatchObject({
      width: 400,
      height: 300,
      colors: "bwy",
      bridgeId: "px",
    });
    for (const [i, id] of ids.entries()) {
      expect(
        (await api(ctl.httpUrl, "PUT", `/labels/${id}/link`, { sku: i % 3 === 0 ? "OATS" : "TEA" })).status,
      ).toBe(200);
    }
    const images = await waitFor(
      () => {
        const latest = new Map<string, LabelImage>();
        for (const m of device.messages) {
          if (m.payload.length === 0) continue;
          const image = labelImageSchema.parse(JSON.parse(m.payload));
          latest.set(image.labelId, image);
        }
        return latest.size === LABELS ? latest : undefined;
      },
      20_000,
      "an image for every label",
    );

    for (const [i, id] of ids.entries()) {
      const image = images?.get(id) as LabelImage;
      const label = (await getJson(`${ctl.httpUrl}/api/v1/labels/${id}`)) as { content: LabelContent };
      expect(image.contentHash).toBe(label.content.contentHash);
      expect(image.encoding).toBe("deflate-raw+base64");
      const panel = parsePanelSpec(panelOf(i));
      if (!panel) throw new Error("bad panel");
      const planes = decodeImagePayload(image);
      const expected = renderLabel(label.content, panel).planes;
      expect(planes.length).toBe(expected.length);
      for (const [p, plane] of planes.entries()) {
        expect(Buffer.from(plane).equals(Buffer.from(expected[p] as Uint8Array))).toBe(true);
      }
      // Rows are padded to whole bytes: the payload is exactly height × ceil(width / 8) per plane.
      expect(planes[0]?.length).toBe(image.height * Math.ceil(image.width / 8));
    }
  });

  it("the device's own state report is what puts the label in sync", async () => {
    const id = ids[0] as string;
    expect((await getJson(`${ctl.httpUrl}/api/v1/labels/${id}`)).inSync).toBe(false);
    const image = labelImageSchema.parse(
      JSON.parse(
        (device.messages.filter((m) => m.topic.endsWith(`/${id}/image`)).at(-1) as { payload: string })
          .payload,
      ),
    );
    await device.client.publishAsync(
      storeTopics(ctl.config.storeId).label(id, "state"),
      JSON.stringify({ v: PROTOCOL_VERSION, displayedHash: image.contentHash, version: image.version }),
      { qos: 1 },
    );
    await waitFor(
      async () => {
        ctl.flushStates();
        return (await getJson(`${ctl.httpUrl}/api/v1/labels/${id}`)).inSync;
      },
      5_000,
      "in sync",
    );
  });

  it("unlinking clears the image", async () => {
    const id = ids[1] as string;
    device.messages.length = 0;
    expect((await api(ctl.httpUrl, "DELETE", `/labels/${id}/link`)).status).toBe(200);
    await waitFor(
      () => device.messages.find((m) => m.topic.endsWith(`/${id}/image`) && m.payload === ""),
      5_000,
      "cleared image",
    );
  });
});
