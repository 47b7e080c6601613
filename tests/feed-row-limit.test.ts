import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../controller/app.ts";
import { authFetch, postFeed, startTestController } from "./support/harness.ts";

/**
 * Issue 12 §3, feed applies bounded in memory per batch: a batch is validated whole before it is
 * applied, so its rows wait in memory; SHELFSYNC_FEED_MAX_ROWS bounds them whatever the byte limit
 * allows (a 200 MB body of short rows is millions of row objects). Past the bound the body is
 * refused 413 while streaming, nothing of it applied, and the next batch of the feed still goes in.
 * (bench/robustness.ts measures the process: four concurrent 200 MB bodies against the 512 MB bar.)
 */
describe("feed row limit", () => {
  let ctl: Controller & { cleanup(): Promise<void> };
  beforeAll(async () => {
    ctl = await startTestController("aedes", { config: { feedMaxRows: 1_000, feedMaxMb: 256 } });
  });
  afterAll(async () => {
    await ctl?.cleanup();
  });

  it("a batch over SHELFSYNC_FEED_MAX_ROWS is refused 413 while streaming; one at the limit applies", async () => {
    // 100 MB of rows (about 2.5 million, under the byte limit) made as they are pulled, in 16 KiB
    // chunks, counting what the server pulled.
    const row = (i: number) => `SKU${String(i).padStart(8, "0")},A product with a name\n`;
    const perChunk = Math.floor(16_384 / row(0).length);
    const chunks = Math.ceil(100_000_000 / (perChunk * row(0).length));
    const state = { pulled: 0, chunks: 0 };
    const body = new ReadableStream<Uint8Array>({
      start: (c) => c.enqueue(new TextEncoder().encode("sku,name\n")),
      pull(c) {
        if (state.chunks >= chunks) return c.close();
        const text = Array.from({ length: perChunk }, (_, k) => row(state.chunks * perChunk + k)).join("");
        const bytes = new TextEncoder().encode(text);
        state.pulled += bytes.byteLength;
        state.chunks++;
        c.enqueue(bytes);
      },
    });
    const r = await authFetch(`${ctl.httpUrl}/api/v1/feeds/products?sequence=1`, {
      method: "POST",
      headers: { "Content-Type": "text/csv" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(r.status).toBe(413);
    const reply = (await r.json()) as { error: { code: string; message: string } };
    expect(reply.error.code).toBe("feed_too_large");
    expect(reply.error.message).toContain("SHELFSYNC_FEED_MAX_ROWS");
    expect(reply.error.message).toContain("1000 rows");
    expect(ctl.catalog.lastSequence("products")).toBeNull();
    expect(ctl.catalog.product("SKU00000001")).toBeUndefined();
    // Refused a little after row 1,000 (what the client had pulled by then is socket and stream
    // buffering), not after reading the body.
    expect(state.pulled).toBeLessThan(16 * 1024 * 1024);

    const atLimit = Array.from({ length: 1_000 }, (_, i) => row(i)).join("");
    const ok = await postFeed(ctl.httpUrl, "products", 1, `sku,name\n${atLimit}`);
    expect(ok.status).toBe(200);
    expect(ok.json.applied).toBe(true);
    expect(ok.json.rowsRead).toBe(1_000);
    console.log(
      `row limit 1,000: the server had pulled ${state.pulled} of ${chunks * perChunk * row(0).length} bytes when the 413 came`,
    );
  });
});
