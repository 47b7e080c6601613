import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../controller/app.ts";
import type { SimulatedAccessPoint } from "../firmware-bridge/simulated/index.ts";
import { labelContentSchema, storeTopics } from "../schemas/index.ts";
import {
  authFetch,
  BROKERS,
  getJson,
  postFeed,
  recorder,
  startTestAccessPoint,
  startTestController,
  waitFor,
} from "./support/harness.ts";

const PRODUCTS = `sku,gtin,name,brand,netQuantity,unit,category,url
COFFEE,4006381333931,Arabica Coffee 500 g,Röstwerk,500,g,coffee,https://shop.example.com/p/coffee
MILK,,Whole Milk 1 l,Alpenhof,1,l,dairy,
TEA,,"Green Tea, 20 bags",Teehaus,40,g,coffee,
`;
const PRICES = `sku,price,currency
COFFEE,7.49,EUR
MILK,1.19,EUR
TEA,2.19,EUR
`;

describe.each(BROKERS)("vertical slice against %s", (broker) => {
  let ctl: Controller & { cleanup(): Promise<void> };
  let ap: SimulatedAccessPoint;
  const linkOf: Record<string, string> = {};

  beforeAll(async () => {
    ctl = await startTestController(broker);
    await waitFor(() => ctl.link.connected(), 10_000, "controller connected");
    ap = await startTestAccessPoint(ctl, { labels: 6, radioDelayMs: 20, seed: 1 });
  });
  afterAll(async () => {
    await ap?.stop();
    await ctl?.cleanup();
  });

  it("feed in → label content retained on the broker → label acknowledges → in sync", async () => {
    expect((await postFeed(ctl.httpUrl, "products", 1, PRODUCTS)).json).toMatchObject({
      applied: true,
      rowsRead: 3,
      rowsChanged: 3,
    });
    expect((await postFeed(ctl.httpUrl, "prices", 1, PRICES)).json).toMatchObject({
      applied: true,
      rowsRead: 3,
      rowsChanged: 3,
    });
    expect((await postFeed(ctl.httpUrl, "stock", 1, "sku,onHand\nCOFFEE,12\nMILK,2\nTEA,0\n")).status).toBe(
      200,
    );

    // The access point announced its labels over MQTT; the controller knows them.
    await waitFor(() => ap.labelIds.every((id) => ctl.labels.get(id)), 5_000, "labels announced");
    const skus = ["COFFEE", "COFFEE", "MILK", "MILK", "TEA", "TEA"];
    for (const [i, labelId] of ap.labelIds.entries()) {
      const sku = skus[i] as string;
      linkOf[labelId] = sku;
      const res = await authFetch(`${ctl.httpUrl}/api/v1/labels/${labelId}/link`, {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sku }),
      });
      expect(res.status).toBe(200);
    }

    const first = ap.labelIds[0] as string;
    // Every simulated label displays its content and says so; the controller sees all in sync.
    const sync = await waitFor(
      async () => {
        ctl.flushStates();
        const s = await getJson(`${ctl.httpUrl}/api/v1/sync`);
        return s.inSync === 6 ? s : false;
      },
      10_000,
      "all labels in sync",
    );
    expect(sync).toMatchObject({ total: 6, inSync: 6, pending: 0, offline: 0, neverSeen: 0, notRight: [] });
    // What a label must show is retained on the real broker: a fresh subscriber gets it.
    const rec = await recorder(ctl.mqttUrl, [storeTopics(ctl.config.storeId).label(first, "content")]);
    const retained = (await waitFor(() => rec.messages[0], 5_000, "retained content")) as {
      payload: string;
      retain: boolean;
    };
    await rec.close();
    const content = labelContentSchema.parse(JSON.parse(retained.payload));
    expect(retained.retain).toBe(true);
    expect(content).toMatchObject({
      labelId: first,
      sku: "COFFEE",
      name: "Arabica Coffee 500 g",
      price: { amountMinor: 749, currency: "EUR", text: "7,49\u00a0€" },
      stock: "in_stock",
    });

    const label = await getJson(`${ctl.httpUrl}/api/v1/labels/${first}`);
    expect(label).toMatchObject({
      labelId: first,
      sku: "COFFEE",
      inSync: true,
      displayedHash: content.contentHash,
    });
    expect(ap.displayedHash(first)).toBe(content.contentHash);
    // Stock states reach the shelf: MILK is low (2 ≤ 3), TEA is out.
    const milkLabel = ap.labelIds[2] as string;
    expect((await getJson(`${ctl.httpUrl}/api/v1/labels/${milkLabel}`)).content.stock).toBe("low");
  });

  it("a price change republishes only the labels of that product", async () => {
    const t = storeTopics(ctl.config.storeId);
    const rec = await recorder(ctl.mqttUrl, [t.anyLabel("content")]);
    await waitFor(() => rec.messages.length >= 6, 5_000, "retained contents on subscribe");
    await new Promise((r) => setTimeout(r, 200));
    rec.messages.length = 0;

    const reply = await postFeed(
      ctl.httpUrl,
      "prices",
      2,
      "sku,price,currency\nMILK,1.29,EUR\nCOFFEE,7.49,EUR\n",
    );
    expect(reply.json).toMatchObject({ applied: true, rowsRead: 2, rowsChanged: 1, labelsAffected: 2 });
    await waitFor(() => rec.messages.length >= 2, 5_000, "republished contents");
    await new Promise((r) => setTimeout(r, 300));
    await rec.close();

    const milkLabels = ap.labelIds.filter((id) => linkOf[id] === "MILK").sort();
    expect(rec.messages.map((m) => m.topic).sort()).toEqual(milkLabels.map((id) => t.label(id, "content")));
    const payload = labelContentSchema.parse(JSON.parse(rec.messages[0]?.payload ?? ""));
    expect(payload.price).toEqual({ amountMinor: 129, currency: "EUR", text: "1,29\u00a0€" });
    expect(payload.version).toBe(2);

    await waitFor(
      async () => {
        ctl.flushStates();
        return (await getJson(`${ctl.httpUrl}/api/v1/sync`)).inSync === 6;
      },
      10_000,
      "back in sync after the change",
    );
    expect((await getJson(`${ctl.httpUrl}/api/v1/products/MILK`)).price).toEqual({
      amountMinor: 129,
      currency: "EUR",
      text: "1,29\u00a0€",
    });
  });

  it("a repeated sequence is acknowledged and not applied twice", async () => {
    const historyBefore = ctl.catalog.priceHistory("TEA").length;
    const again = await postFeed(ctl.httpUrl, "prices", 2, "sku,price,currency\nTEA,9.99,EUR\n");
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ applied: false, rowsChanged: 0, labelsAffected: 0 });
    const lower = await postFeed(ctl.httpUrl, "prices", 1, "sku,price,currency\nTEA,9.99,EUR\n");
    expect(lower.json.applied).toBe(false);
    expect(ctl.catalog.priceHistory("TEA")).toHaveLength(historyBefore);
    expect((await getJson(`${ctl.httpUrl}/api/v1/products/TEA`)).price.amountMinor).toBe(219);
  });

  it("a bad row rejects the whole batch with 422 naming line and field; nothing changes", async () => {
    const res = await postFeed(
      ctl.httpUrl,
      "prices",
      3,
      "sku,price,currency\nTEA,2.49,EUR\nMILK,1.999,EUR\nCOFFEE,abc,EUR\nNOPE,1.00,EUR\n",
    );
    expect(res.status).toBe(422);
    expect(res.json.error.code).toBe("feed_rejected");
    expect(res.json.error.details).toEqual([
      { line: 3, field: "price", reason: '"1.999" has 3 decimal places; EUR allows 2' },
      { line: 4, field: "price", reason: '"abc" is not a decimal amount like "2.49"' },
    ]);
    // Valid rows but an unknown SKU: rejected by the store inside the transaction, rolled back whole.
    const unknown = await postFeed(
      ctl.httpUrl,
      "prices",
      3,
      "sku,price,currency\nTEA,2.49,EUR\nNOPE,1.00,EUR\n",
    );
    expect(unknown.status).toBe(422);
    expect(unknown.json.error.details).toEqual([
      {
        line: 3,
        field: "sku",
        reason: 'unknown SKU "NOPE": not in the product catalogue (send it in the products feed first)',
      },
    ]);
    expect((await getJson(`${ctl.httpUrl}/api/v1/products/TEA`)).price.amountMinor).toBe(219);
    // A rejected batch consumes no sequence number: 3 is still free.
    expect(
      (await postFeed(ctl.httpUrl, "prices", 3, "sku,price,currency\nTEA,2.29,EUR\n")).json.applied,
    ).toBe(true);
  });

  it("flashes a label through its access point", async () => {
    const labelId = ap.labelIds[1] as string;
    const res = await authFetch(`${ctl.httpUrl}/api/v1/labels/${labelId}/flash`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ color: "red", seconds: 5 }),
    });
    expect(res.status).toBe(202);
    await waitFor(() => ap.flashes.find((f) => f.labelId === labelId), 5_000, "flash reached the label");
    expect(ap.flashes.find((f) => f.labelId === labelId)).toMatchObject({ color: "red", seconds: 5 });
  });
});
