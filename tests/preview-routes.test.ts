import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../controller/app.ts";
import { api, authFetch, postFeed, startTestController } from "./support/harness.ts";

async function png(url: string): Promise<{ status: number; type: string | null; image?: PNG }> {
  const res = await authFetch(url);
  const type = res.headers.get("content-type");
  if (res.status !== 200) return { status: res.status, type };
  return { status: 200, type, image: PNG.sync.read(Buffer.from(await res.arrayBuffer())) };
}

/** Distinct colours of a PNG as "r,g,b". */
function colours(image: PNG): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i < image.data.length; i += 4)
    out.add(`${image.data[i]},${image.data[i + 1]},${image.data[i + 2]}`);
  return out;
}

describe("label previews", () => {
  let ctl: Controller & { cleanup(): Promise<void> };
  beforeAll(async () => {
    ctl = await startTestController("aedes");
    await postFeed(
      ctl.httpUrl,
      "products",
      1,
      "sku,gtin,name,netQuantity,unit\nCOFFEE,4006381333931,Arabica Coffee,500,g\n",
    );
    await postFeed(ctl.httpUrl, "prices", 1, "sku,price,currency\nCOFFEE,7.49,EUR\n");
    expect(
      (
        await api(ctl.httpUrl, "POST", "/labels", {
          labelId: "L1",
          model: "2.9in",
          width: 296,
          height: 128,
          colors: "bwr",
        })
      ).status,
    ).toBe(201);
    expect((await api(ctl.httpUrl, "PUT", "/labels/L1/link", { sku: "COFFEE" })).status).toBe(200);
    expect((await api(ctl.httpUrl, "POST", "/labels", { labelId: "BLANK" })).status).toBe(201);
  });
  afterAll(() => ctl?.cleanup());

  it("shows a label's current content at its panel's native size, in its panel's inks only", async () => {
    const r = await png(`${ctl.httpUrl}/api/v1/labels/L1/preview.png`);
    expect(r.status).toBe(200);
    expect(r.type).toBe("image/png");
    expect([r.image?.width, r.image?.height]).toEqual([296, 128]);
    const inks = colours(r.image as PNG);
    expect(inks.has("0,0,0")).toBe(true);
    for (const c of inks) expect(["255,255,255", "0,0,0", "255,0,0"]).toContain(c);
  });

  it("renders a template for a SKU on any panel", async () => {
    const r = await png(`${ctl.httpUrl}/api/v1/templates/standard/preview.png?sku=COFFEE&panel=4.2in-bwy`);
    expect([r.status, r.image?.width, r.image?.height]).toEqual([200, 400, 300]);
    for (const c of colours(r.image as PNG)) expect(["255,255,255", "0,0,0", "255,255,0"]).toContain(c);
    // The same content on a different panel is a different image.
    const small = await png(
      `${ctl.httpUrl}/api/v1/templates/standard/preview.png?sku=COFFEE&panel=1.54in-bw`,
    );
    expect([small.image?.width, small.image?.height]).toEqual([200, 200]);
  });

  it("answers clearly when there is nothing to draw", async () => {
    expect((await png(`${ctl.httpUrl}/api/v1/labels/BLANK/preview.png`)).status).toBe(404);
    expect((await png(`${ctl.httpUrl}/api/v1/labels/NOPE/preview.png`)).status).toBe(404);
    expect((await png(`${ctl.httpUrl}/api/v1/templates/fancy/preview.png`)).status).toBe(404);
    expect((await png(`${ctl.httpUrl}/api/v1/templates/standard/preview.png?sku=NOPE`)).status).toBe(404);
    const bad = await authFetch(`${ctl.httpUrl}/api/v1/labels/L1/preview.png?panel=huge`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("invalid_panel");
  });
});
