import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../controller/app.ts";
import { ROUTE_ACCESS, ROUTES_ADDED_ELSEWHERE } from "../controller/http/access.ts";
import { storeTopics } from "../schemas/index.ts";
import {
  api,
  authFetch,
  postFeed,
  recorder,
  startTestController,
  TEST_ADMIN_TOKEN,
  tokenFor,
  waitFor,
} from "./support/harness.ts";

type Ctl = Controller & { cleanup(): Promise<void> };
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A GTIN-13 from its first 12 digits (the check digit computed, mod 10 weights 1 and 3). */
function gtin13(first12: string): string {
  const sum = [...first12].reduce((acc, d, i) => acc + Number(d) * (i % 2 === 0 ? 1 : 3), 0);
  return first12 + String((10 - (sum % 10)) % 10);
}

describe("the API the console reads and writes", () => {
  let ctl: Ctl;
  let manager: string;
  beforeAll(async () => {
    ctl = await startTestController("aedes");
    manager = tokenFor(ctl, "manager", "Maria B");
    const products = [
      "sku,gtin,name,brand",
      `COF-1,${gtin13("400638133393")},Arabica Kaffee 500 g,Röstwerk`,
      `COF-2,${gtin13("400638133394")},Espresso Bohnen,Röstwerk`,
      `CHE-1,${gtin13("000000001234")},Bergkäse würzig,Alpenhof`,
      `CHE-2,${gtin13("400638133395")},Käse Gouda jung,Alpenhof`,
      ...Array.from({ length: 30 }, (_, i) => `TEA-${String(i).padStart(2, "0")},,Tea no. ${i},Leaf`),
      "",
    ].join("\n");
    expect((await postFeed(ctl.httpUrl, "products", 1, products)).status).toBe(200);
    const prices = [
      "sku,price,currency",
      "COF-1,7.49,EUR",
      "COF-2,5.99,EUR",
      "CHE-1,2.99,EUR",
      "CHE-2,3.49,EUR",
      "",
    ].join("\n");
    expect((await postFeed(ctl.httpUrl, "prices", 1, prices)).status).toBe(200);
  });
  afterAll(() => ctl?.cleanup());

  describe("GET /products?q=&limit=&cursor=", () => {
    const search = async (query: string) => (await api(ctl.httpUrl, "GET", `/products?${query}`)).json;

    it("finds by SKU (any case), GTIN (a 12-digit scan too), name and brand words without accents", async () => {
      expect((await search("q=cof")).items.map((p: { sku: string }) => p.sku)).toEqual(["COF-1", "COF-2"]);
      expect((await search(`q=${gtin13("400638133393")}`)).items.map((p: { sku: string }) => p.sku)).toEqual([
        "COF-1",
      ]);
      // The UPC-A a scanner reads for the GTIN-13 0000000012348 is its last 12 digits.
      expect((await search(`q=${gtin13("000000001234").slice(1)}`)).items[0].sku).toBe("CHE-1");
      expect((await search("q=kase")).items.map((p: { sku: string }) => p.sku)).toEqual(["CHE-1", "CHE-2"]);
      expect((await search("q=berg%20wurz")).items.map((p: { sku: string }) => p.sku)).toEqual(["CHE-1"]);
      expect((await search("q=rostwerk")).items.map((p: { sku: string }) => p.sku)).toEqual([
        "COF-1",
        "COF-2",
      ]);
      expect((await search("q=nothing-like-it")).items).toEqual([]);
    });

    it("answers each item with its price in force, and pages by cursor in name order", async () => {
      const first = await search("q=kase");
      expect(first.items[0]).toEqual({
        sku: "CHE-1",
        gtin: gtin13("000000001234"),
        name: "Bergkäse würzig",
        brand: "Alpenhof",
        price: expect.objectContaining({ amountMinor: 299, currency: "EUR" }),
      });
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await search(`q=tea&limit=7${cursor ? `&cursor=${cursor}` : ""}`);
        seen.push(...page.items.map((p: { name: string }) => p.name));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(5);
      expect(seen).toHaveLength(30);
      expect(new Set(seen).size).toBe(30);
      expect(seen).toEqual([...seen].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase(), "en")));
      // Without q: every product, the same order.
      expect((await search("limit=100")).items).toHaveLength(34);
    });

    it("refuses a bad limit or cursor, naming it", async () => {
      const big = await api(ctl.httpUrl, "GET", "/products?limit=1000");
      expect((await search("q=%25")).items).toEqual([]);
      expect(big).toMatchObject({
        status: 400,
        json: { error: { code: "invalid_query", details: [{ field: "limit" }] } },
      });
      const bad = await api(ctl.httpUrl, "GET", "/products?cursor=not-a-cursor");
      expect(bad).toMatchObject({ status: 400, json: { error: { code: "invalid_cursor" } } });
    });
  });

  describe("POST /feeds/links", () => {
    it("links in one transaction: CSV, NDJSON and JSON; an empty sku unlinks; labels get their content", async () => {
      const csv = await postFeed(
        ctl.httpUrl,
        "links",
        1,
        "labelId,sku\nL-1,COF-1\nL-2,CHE-1\nL-3,CHE-2\n",
        "text/csv",
        manager,
      );
      expect(csv).toMatchObject({
        status: 200,
        json: { feed: "links", applied: true, rowsRead: 3, rowsChanged: 3, labelsAffected: 3 },
      });
      // Labels the store did not know are registered (never seen until they report).
      const l1 = (await api(ctl.httpUrl, "GET", "/labels/L-1")).json;
      expect(l1).toMatchObject({
        sku: "COF-1",
        status: "never_seen",
        content: { sku: "COF-1", price: { amountMinor: 749 } },
      });

      const ndjson = await postFeed(
        ctl.httpUrl,
        "links",
        2,
        '{"labelId":"L-1","sku":"CHE-1"}\n{"labelId":"L-2","sku":""}\n{"labelId":"L-3","sku":"CHE-2"}\n',
        "application/x-ndjson",
        manager,
      );
      expect(ndjson.json).toMatchObject({ applied: true, rowsRead: 3, rowsChanged: 2 });
      expect((await api(ctl.httpUrl, "GET", "/labels/L-1")).json.content.sku).toBe("CHE-1");
      expect((await api(ctl.httpUrl, "GET", "/labels/L-2")).json).toMatchObject({ sku: null, content: null });

      const json = await postFeed(
        ctl.httpUrl,
        "links",
        3,
        JSON.stringify([{ labelId: "L-2", sku: "COF-2" }]),
        "application/json",
        manager,
      );
      expect(json.json).toMatchObject({ applied: true, rowsChanged: 1 });
      const audit = (await api(ctl.httpUrl, "GET", "/audit?entity=feed&entityId=links%233")).json;
      expect(audit[0]).toMatchObject({
        actor: "Maria B (manager)",
        action: "feed.applied",
        after: { labels: 1 },
      });
    });

    it("refuses a bad batch whole, naming line and field, and consumes no sequence", async () => {
      const before = (await api(ctl.httpUrl, "GET", "/labels/L-1")).json.sku;
      const bad = await postFeed(
        ctl.httpUrl,
        "links",
        4,
        "labelId,sku\nL-1,COF-2\nL/9,COF-1\nL-5,NO-SUCH\n",
        "text/csv",
        manager,
      );
      expect(bad.status).toBe(422);
      expect(bad.json.error.details).toEqual([{ line: 3, field: "labelId", reason: expect.any(String) }]);
      const unknownSku = await postFeed(
        ctl.httpUrl,
        "links",
        4,
        "labelId,sku\nL-1,COF-2\nL-5,NO-SUCH\n",
        "text/csv",
        manager,
      );
      expect(unknownSku.status).toBe(422);
      expect(unknownSku.json.error.details).toEqual([
        { line: 3, field: "sku", reason: expect.stringContaining("NO-SUCH") },
      ]);
      expect((await api(ctl.httpUrl, "GET", "/labels/L-1")).json.sku).toBe(before);
      expect((await api(ctl.httpUrl, "GET", "/labels/L-5")).status).toBe(404);
      // Sequence 4 is still free; an old one changes nothing.
      const old = await postFeed(ctl.httpUrl, "links", 3, "labelId,sku\nL-1,COF-2\n", "text/csv", manager);
      expect(old.json).toMatchObject({ applied: false, rowsChanged: 0 });
      expect(
        (await postFeed(ctl.httpUrl, "links", 4, "labelId,sku\nL-1,COF-2\n", "text/csv", manager)).json
          .applied,
      ).toBe(true);
      const feeds = (await api(ctl.httpUrl, "GET", "/feeds")).json;
      expect(feeds.feeds.links).toMatchObject({ lastSequence: 4, gaps: [] });
      expect(feeds.batches[0]).toMatchObject({ feed: "links", sequence: 4, rowsRead: 1, rowsChanged: 1 });
    });

    it("is for managers and ops", async () => {
      const staff = tokenFor(ctl, "staff", "Sam S");
      expect((await postFeed(ctl.httpUrl, "links", 9, "labelId,sku\n", "text/csv", staff)).status).toBe(403);
    });
  });

  it("DELETE /labels/{labelId} forgets the label and clears its retained content", async () => {
    const rec = await recorder(ctl.mqttUrl, [storeTopics(ctl.config.storeId).label("L-3", "content")]);
    try {
      await waitFor(() => rec.messages.some((m) => m.payload.length > 0), 5_000, "L-3's retained content");
      const removed = await api(ctl.httpUrl, "DELETE", "/labels/L-3", undefined, manager);
      expect(removed).toEqual({ status: 200, json: { labelId: "L-3", removed: true } });
      await waitFor(() => rec.messages.some((m) => m.payload === ""), 5_000, "the cleared retained content");
      expect((await api(ctl.httpUrl, "GET", "/labels/L-3")).status).toBe(404);
      expect((await api(ctl.httpUrl, "DELETE", "/labels/L-3", undefined, manager)).status).toBe(404);
      const trail = (await api(ctl.httpUrl, "GET", "/audit?entity=label&entityId=L-3&actor=Maria%20B")).json;
      expect(trail[0]).toMatchObject({
        action: "label.removed",
        actor: "Maria B (manager)",
        before: { sku: "CHE-2" },
      });
    } finally {
      await rec.close();
    }
  });

  it("GET /sync/summary answers the counters of /sync without the list", async () => {
    for (const id of ["U-1", "U-2", "U-3"]) await api(ctl.httpUrl, "POST", "/labels", { labelId: id });
    const summary = (await api(ctl.httpUrl, "GET", "/sync/summary")).json;
    const { notRight: _list, ...counts } = (await api(ctl.httpUrl, "GET", "/sync")).json;
    expect(summary).toEqual({ ...counts, at: expect.stringMatching(ISO) });
    expect(summary).toMatchObject({ total: 5, unlinked: 3, neverSeen: 2 });
  });

  it("answers instants as ISO 8601: promotions, overrides, audit entries", async () => {
    // Running now, so that GET /promotions (promotions that can still matter) lists it.
    const start = new Date(Math.floor(Date.now() / 1000) * 1000 - 86_400_000).toISOString();
    const end = new Date(Math.floor(Date.now() / 1000) * 1000 + 30 * 86_400_000).toISOString();
    const created = await api(ctl.httpUrl, "POST", "/promotions", {
      kind: "percent",
      skus: ["COF-1"],
      value: "10",
      start,
      end,
    });
    expect(created.status).toBe(201);
    expect(created.json.promotion).toMatchObject({ start, end });
    const id = created.json.promotion.promotionId as string;
    expect((await api(ctl.httpUrl, "GET", `/promotions/${id}`)).json.start).toBe(start);
    const listed = (await api(ctl.httpUrl, "GET", "/promotions")).json.find(
      (p: { promotionId: string }) => p.promotionId === id,
    );
    expect(listed.end).toBe(end);
    const trail = (await api(ctl.httpUrl, "GET", `/audit?entity=promotion&entityId=${id}`)).json;
    expect(trail[0]).toMatchObject({ at: expect.stringMatching(ISO), after: { start } });

    const override = await api(ctl.httpUrl, "POST", "/overrides", {
      sku: "CHE-2",
      price: "3.29",
      start: "2026-05-01T00:00:00Z",
      reason: "match",
    });
    expect(override.status).toBe(201);
    expect(override.json).toMatchObject({ start: "2026-05-01T00:00:00.000Z", end: null });
  });

  it("GET /audit filters by actor and time and pages by id", async () => {
    const byMaria = (await api(ctl.httpUrl, "GET", "/audit?actor=Maria%20B&limit=1000")).json;
    expect(byMaria.length).toBeGreaterThan(2);
    expect(new Set(byMaria.map((e: { actor: string }) => e.actor))).toEqual(new Set(["Maria B (manager)"]));
    const page1 = (await api(ctl.httpUrl, "GET", "/audit?limit=2")).json;
    const page2 = (await api(ctl.httpUrl, "GET", `/audit?limit=2&before=${page1[1].id}`)).json;
    expect(page2[0].id).toBeLessThan(page1[1].id);
    expect((await api(ctl.httpUrl, "GET", "/audit?since=2999-01-01T00:00:00Z")).json).toEqual([]);
    expect((await api(ctl.httpUrl, "GET", "/audit?since=yesterday")).status).toBe(400);
  });

  it("GET /openapi.json is a valid OpenAPI 3.1 document with every route, its roles and its schemas", async () => {
    const res = await authFetch(`${ctl.httpUrl}/api/v1/openapi.json`, {}, TEST_ADMIN_TOKEN);
    const spec = (await res.json()) as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { "x-roles": string[]; requestBody?: unknown; security: unknown }>
      >;
    };
    expect(spec.openapi).toBe("3.1.0");
    const verdict = await new Validator().validate(spec as never);
    expect(verdict.errors ?? []).toEqual([]);
    for (const [key, access] of Object.entries(ROUTE_ACCESS)) {
      if ((ROUTES_ADDED_ELSEWHERE as readonly string[]).includes(key)) continue;
      const [method, path] = key.split(" ") as [string, string];
      const op = spec.paths[path]?.[method.toLowerCase()];
      expect(op, `${key} in the OpenAPI document`).toBeDefined();
      expect(op?.["x-roles"], key).toEqual(access === "public" ? [] : access);
    }
    // Bodies come from the zod schemas the routes validate with (the link row's id pattern, say).
    expect(JSON.stringify(spec.paths["/api/v1/feeds/links"]?.post?.requestBody)).toContain(
      "[A-Za-z0-9._-]{0,63}",
    );
    expect(JSON.stringify(spec.paths["/api/v1/tokens"]?.post?.requestBody)).toContain('"viewer","staff"');
  });
});
