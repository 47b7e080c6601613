import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../controller/app.ts";
import { createLogger } from "../controller/log.ts";
import { jsonLdBlocks, pageView } from "../controller/parity/json-ld.ts";
import { hostRateLimit, productPages } from "../controller/parity/pages.ts";
import { api, authFetch, startTestController, waitFor } from "./support/harness.ts";

const ld = (...docs: unknown[]) =>
  docs
    .map(
      (d) => `<script type="application/ld+json">${typeof d === "string" ? d : JSON.stringify(d)}</script>`,
    )
    .join("\n");
const page = (body: string) =>
  `<!doctype html><html><head><title>p</title>${body}</head><body><p>Hi</p></body></html>`;
const view = (html: string, sku = "SKU-1") => pageView(jsonLdBlocks(html), sku, "http://shop/p", "en-US");

describe("product page JSON-LD", () => {
  it("reads Offer.price as written, a number never through a float", () => {
    // 0.1 + 0.2 style: 10.10 as a JSON number is the text "10.10", never 10.1 then 1010.0000001.
    const html = page(
      ld(
        `{"@context":"https://schema.org","@type":"Product","sku":"SKU-1","offers":{"@type":"Offer","price":10.10,"priceCurrency":"EUR","availability":"https://schema.org/InStock"}}`,
      ),
    );
    expect(view(html)).toMatchObject({
      price: { amountMinor: 1010, currency: "EUR" },
      regularPrice: null,
      availability: "https://schema.org/InStock",
    });
    const kwd = page(
      ld(`{"@type":"Product","sku":"SKU-1","offers":{"@type":"Offer","price":3.250,"priceCurrency":"KWD"}}`),
    );
    expect(view(kwd).price).toMatchObject({ amountMinor: 3250, currency: "KWD" });
    const jpy = page(
      ld({
        "@type": "Product",
        sku: "SKU-1",
        offers: { "@type": "Offer", price: "4999", priceCurrency: "JPY" },
      }),
    );
    expect(view(jpy).price).toMatchObject({ amountMinor: 4999, currency: "JPY" });
    // A float would read this as 5000 and accept it; as written it needs a rounding, which is an error.
    const nearly = page(
      ld(`{"@type":"Product","sku":"SKU-1","offers":{"price":4999.999999999999999,"priceCurrency":"JPY"}}`),
    );
    expect(view(nearly)).toMatchObject({
      price: null,
      problems: [{ field: "offers.price", value: "4999.999999999999999 JPY" }],
    });
    const tooFine = page(
      ld(`{"@type":"Product","sku":"SKU-1","offers":{"price":1.005,"priceCurrency":"EUR"}}`),
    );
    expect(view(tooFine)).toMatchObject({
      price: null,
      problems: [{ field: "offers.price", value: "1.005 EUR" }],
    });
  });

  it("finds the product in @graph, in a ProductGroup's variants by sku, and skips broken blocks", () => {
    const graph = page(
      ld("{ not json", {
        "@context": "https://schema.org",
        "@graph": [
          { "@type": "WebPage", name: "x" },
          {
            "@type": ["Product"],
            sku: "SKU-1",
            offers: [{ "@type": "Offer", price: "2.49", priceCurrency: "EUR" }],
          },
        ],
      }),
    );
    expect(view(graph).price?.amountMinor).toBe(249);
    const group = page(
      ld({
        "@type": "ProductGroup",
        productGroupID: "TEE",
        hasVariant: [
          {
            "@type": "Product",
            sku: "TEE-S",
            offers: { "@type": "Offer", price: "12.00", priceCurrency: "EUR" },
          },
          {
            "@type": "Product",
            sku: "TEE-M",
            offers: { "@type": "Offer", price: "13.00", priceCurrency: "EUR" },
          },
        ],
      }),
    );
    expect(view(group, "TEE-M").price?.amountMinor).toBe(1300);
    expect(view(group, "TEE-S").price?.amountMinor).toBe(1200);
    expect(view(group, "TEE-XL")).toMatchObject({ price: null, problems: [{ field: "(page)" }] });
    expect(view(page("<p>no data</p>"))).toMatchObject({
      problems: [{ reason: "no schema.org Product in the page's JSON-LD" }],
    });
  });

  it("reads price specifications: active, struck (StrikethroughPrice or ListPrice), member, unit quantity", () => {
    const html = page(
      ld({
        "@type": "Product",
        sku: "SKU-1",
        offers: {
          "@type": "Offer",
          priceCurrency: "EUR",
          availability: "http://schema.org/OutOfStock",
          priceSpecification: [
            {
              "@type": "UnitPriceSpecification",
              price: 8.99,
              priceCurrency: "EUR",
              referenceQuantity: {
                "@type": "QuantitativeValue",
                value: 1,
                unitCode: "LTR",
                valueReference: { "@type": "QuantitativeValue", value: 750, unitCode: "MLT" },
              },
            },
            {
              "@type": "UnitPriceSpecification",
              priceType: "https://schema.org/StrikethroughPrice",
              price: 10.99,
            },
            {
              "@type": "UnitPriceSpecification",
              validForMemberTier: { "@type": "MemberProgramTier" },
              price: 7.99,
            },
          ],
        },
      }),
    );
    expect(view(html)).toMatchObject({
      price: { amountMinor: 899 },
      regularPrice: { amountMinor: 1099 },
      memberPrice: { amountMinor: 799 },
      availability: "https://schema.org/OutOfStock",
      netQuantity: { quantity: "750", unit: "ml" },
    });
    const list = html.replace("https://schema.org/StrikethroughPrice", "ListPrice");
    expect(view(list).regularPrice?.amountMinor).toBe(1099);
  });

  it("spreads requests to one host by the rate (slots reserved at once)", async () => {
    let t = 1_000;
    const waits: number[] = [];
    const limit = hostRateLimit(
      2,
      () => t,
      async (ms) => {
        waits.push(ms);
      },
    );
    await Promise.all([limit("a"), limit("a"), limit("a"), limit("b")]);
    expect(waits).toEqual([500, 1000]);
    t += 2_000;
    await limit("a");
    expect(waits).toEqual([500, 1000]);
  });
});

describe("product pages fetched from a web server", () => {
  let server: Server;
  let base: string;
  let inFlight = 0;
  let maxInFlight = 0;
  const served: string[] = [];
  const prices: Record<string, string> = { "OIL-750": "9.99", "TEE-BLACK-M": "15.00", "MILK-1": "1.19" };
  let ctl: Controller & { cleanup(): Promise<void> };

  beforeAll(async () => {
    server = createServer((req, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      served.push(req.url ?? "");
      const sku = (req.url ?? "").replace("/p/", "");
      setTimeout(() => {
        inFlight--;
        const price = prices[sku];
        if (!price) {
          res.writeHead(404).end("not here");
          return;
        }
        res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
        res.end(
          page(
            ld({
              "@context": "https://schema.org",
              "@type": "Product",
              sku,
              offers: {
                "@type": "Offer",
                price,
                priceCurrency: "EUR",
                availability: "https://schema.org/InStock",
              },
            }),
          ),
        );
      }, 30);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await ctl?.cleanup();
    await new Promise((r) => server.close(r));
  });

  it("keeps to the concurrency cap and names a page that does not answer", async () => {
    const fetchPages = productPages({
      perHostPerSecond: 1000,
      concurrency: 2,
      timeoutMs: 5000,
      maxBytes: 1 << 20,
      locale: "en-US",
      log: createLogger("error"),
    });
    const r = await fetchPages([
      ...Object.keys(prices).map((sku) => ({ sku, url: `${base}/p/${sku}` })),
      { sku: "GONE", url: `${base}/p/GONE` },
      { sku: "BAD", url: "ftp://x/y" },
    ]);
    expect(maxInFlight).toBeLessThanOrEqual(2);
    expect(maxInFlight).toBe(2);
    expect(r.views.get("OIL-750")?.price?.amountMinor).toBe(999);
    expect(r.views.get("GONE")).toMatchObject({ price: null, problems: [{ field: "(page)" }] });
    expect(r.views.get("GONE")?.problems?.[0]?.reason).toMatch(/404/);
    expect(r.views.get("BAD")?.problems?.[0]?.reason).toBe("not an http(s) URL");
  });

  it("audits against the pages: the page is the reference, a feed that differs is sources_disagree", async () => {
    ctl = await startTestController("aedes", {
      config: { locale: "en-US", paritySource: "pages", parityPagesPerSecond: 50 },
    });
    const feed = [
      "id\ttitle\tprice\tlink\tavailability",
      `OIL-750\tOlive Oil\t9.49 EUR\t${base}/p/OIL-750\tin_stock`,
      `TEE-BLACK-M\tTee\t15.00 EUR\t${base}/p/TEE-BLACK-M\tin_stock`,
      `MILK-1\tMilk\t1.19 EUR\t${base}/p/MILK-1\tin_stock`,
      "",
    ].join("\n");
    const res = await authFetch(`${ctl.httpUrl}/api/v1/feeds/merchant?sequence=1`, {
      method: "POST",
      headers: { "Content-Type": "text/tab-separated-values" },
      body: feed,
    });
    expect(res.status).toBe(200);
    // The store sells oil at 9.99 (as the page does), not the feed's 9.49.
    await authFetch(`${ctl.httpUrl}/api/v1/feeds/prices?sequence=1`, {
      method: "POST",
      headers: { "Content-Type": "text/csv" },
      body: "sku,price,currency\nOIL-750,9.99,EUR\n",
    });
    for (const [labelId, sku] of [
      ["l-oil", "OIL-750"],
      ["l-tee", "TEE-BLACK-M"],
      ["l-milk", "MILK-1"],
    ]) {
      await api(ctl.httpUrl, "POST", "/labels", { labelId });
      await api(ctl.httpUrl, "PUT", `/labels/${labelId}/link`, { sku });
    }
    ctl.labels.recordStates(
      ["l-oil", "l-tee", "l-milk"].map((labelId) => ({
        labelId,
        displayedHash: ctl.labels.get(labelId)?.contentHash ?? null,
        displayedVersion: null,
        battery: null,
        rssi: null,
        seenAt: Date.now(),
      })),
    );
    served.length = 0;
    const run = await api(ctl.httpUrl, "POST", "/parity/run?source=pages");
    expect(run.status).toBe(202);
    const a = await waitFor(async () => {
      const r = await api(ctl.httpUrl, "GET", `/parity/${run.json.auditId}`);
      return r.json.status === "running" ? undefined : r.json;
    });
    expect(served.sort()).toEqual(["/p/MILK-1", "/p/OIL-750", "/p/TEE-BLACK-M"]);
    expect(a).toMatchObject({
      status: "done",
      source: { kind: "pages" },
      compared: 3,
      atParity: 3,
      mismatched: 0,
    });
    expect(a.mismatches).toHaveLength(1);
    expect(a.mismatches[0]).toMatchObject({
      sku: "OIL-750",
      reason: "sources_disagree",
      online: { price: { amountMinor: 999 }, from: `${base}/p/OIL-750` },
      feed: { price: { amountMinor: 949 }, from: "feed" },
    });
  });
});
