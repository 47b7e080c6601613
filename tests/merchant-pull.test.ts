import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BENCH_CONFIG } from "../bench/support.ts";
import { onlineSources } from "../controller/feeds/merchant/pull.ts";
import { createLogger } from "../controller/log.ts";
import { feedPipeline } from "../controller/pipeline.ts";
import { PullBodyError, PullHttpError, PullTooLarge, pull } from "../controller/pull/http-pull.ts";
import { openStores } from "../controller/store/index.ts";
import { npmScript, tempDir } from "./support/harness.ts";

const FEED = readFileSync(join(import.meta.dirname, "fixtures/merchant/products.xml"));
const dir = tempDir();
afterAll(() => dir.cleanup());

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let handler: Handler = (_req, res) => res.end();
const requests: IncomingMessage[] = [];
let server: Server;
let base = "";
beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});
afterEach(() => {
  requests.length = 0;
});

/** A web shop serving its feed with an ETag, answering 304 to a matching If-None-Match. */
const shop =
  (body: Buffer, etag: string, headers: Record<string, string> = {}): Handler =>
  (req, res) => {
    if (req.headers["if-none-match"] === etag) {
      res.writeHead(304, { ETag: etag });
      res.end();
      return;
    }
    res.writeHead(200, { "Content-Type": "application/xml", ETag: etag, ...headers });
    res.end(body);
  };

const fast = { retries: 2, backoff: { initialMs: 1, maxMs: 2 } };
const text = (body: ReadableStream<Uint8Array>) => new Response(body).text();

describe("HTTP pull", () => {
  it("sends the validators of the last pull; a 304 hands the consumer nothing", async () => {
    handler = shop(Buffer.from("hello"), '"v1"');
    let consumed = 0;
    const consume = async (body: ReadableStream<Uint8Array>) => {
      consumed++;
      return text(body);
    };
    const first = await pull({ url: `${base}/feed`, timeoutMs: 5000, maxBytes: 100, consume, ...fast });
    expect(first).toMatchObject({ outcome: "fetched", status: 200, etag: '"v1"', value: "hello" });
    const second = await pull({
      url: `${base}/feed`,
      validators: { etag: first.etag, lastModified: null },
      timeoutMs: 5000,
      maxBytes: 100,
      consume,
      ...fast,
    });
    expect(second).toMatchObject({ outcome: "not-modified", status: 304, etag: '"v1"' });
    expect(consumed).toBe(1);
    expect(requests[1]?.headers["if-none-match"]).toBe('"v1"');
  });

  it("retries a 503 with backoff, honours Retry-After, and gives up after the retries", async () => {
    let calls = 0;
    handler = (_req, res) => {
      calls++;
      if (calls < 3) {
        res.writeHead(503, { "Retry-After": "0" });
        res.end();
        return;
      }
      res.end("ok");
    };
    const delays: number[] = [];
    const r = await pull({
      url: `${base}/flaky`,
      timeoutMs: 5000,
      maxBytes: 100,
      consume: text,
      ...fast,
      onRetry: (_a, ms) => delays.push(ms),
    });
    expect(r).toMatchObject({ outcome: "fetched", value: "ok", attempts: 3 });
    expect(delays).toHaveLength(2);
    handler = (_req, res) => {
      res.writeHead(500);
      res.end();
    };
    await expect(
      pull({ url: `${base}/down`, timeoutMs: 5000, maxBytes: 100, consume: text, ...fast }),
    ).rejects.toThrow(PullHttpError);
    expect(requests.filter((q) => q.url === "/down")).toHaveLength(3);
    handler = (_req, res) => {
      res.writeHead(404);
      res.end();
    };
    await expect(
      pull({ url: `${base}/gone`, timeoutMs: 5000, maxBytes: 100, consume: text, ...fast }),
    ).rejects.toThrow("answered 404");
    expect(requests.filter((q) => q.url === "/gone")).toHaveLength(1);
  });

  it("times out a server that never finishes, and retries a body that breaks off", async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      res.write("partial");
    };
    await expect(
      pull({ url: `${base}/hang`, timeoutMs: 200, maxBytes: 100, consume: text, ...fast }),
    ).rejects.toThrow(PullBodyError);
    expect(requests.filter((q) => q.url === "/hang")).toHaveLength(3);
    let calls = 0;
    handler = (req, res) => {
      calls++;
      res.writeHead(200, { "Content-Length": "100" });
      if (calls === 1) {
        res.write("half");
        req.socket.destroy();
        return;
      }
      res.end("x".repeat(100));
    };
    const r = await pull({ url: `${base}/broken`, timeoutMs: 5000, maxBytes: 1000, consume: text, ...fast });
    expect(r).toMatchObject({ outcome: "fetched", attempts: 2 });
  });

  it("refuses a body over the size limit without retrying", async () => {
    handler = (_req, res) => res.end("x".repeat(5000));
    await expect(
      pull({ url: `${base}/big`, timeoutMs: 5000, maxBytes: 1000, consume: text, ...fast }),
    ).rejects.toThrow(PullTooLarge);
    expect(requests).toHaveLength(1);
  });
});

describe("online feed pulled from the web shop", () => {
  it("imports a new feed; pulled again unchanged it answers 304 and nothing is parsed or applied", async () => {
    const stores = openStores(join(dir.path, "pull.db"));
    const pipeline = feedPipeline(
      stores,
      { ...BENCH_CONFIG, currency: "USD" },
      { log: createLogger("silent") },
    );
    const sources = onlineSources({
      sources: [{ feed: "merchant", url: `${base}/products.xml.gz`, mode: "import" }],
      online: stores.online,
      catalog: stores.catalog,
      ingestMerchant: pipeline.ingestMerchant,
      log: createLogger("silent"),
      timeoutMs: 5000,
      maxBytes: 1_000_000,
      retry: { retries: 1, initialMs: 1, maxMs: 2 },
    });
    // A gzip file served as such (not a transfer encoding): recognised by its bytes.
    handler = shop(gzipSync(FEED), '"feed-1"', { "Content-Type": "application/gzip" });
    const first = await sources.pullSource("merchant");
    expect(first).toMatchObject({
      outcome: "fetched",
      reply: {
        applied: true,
        sequence: 1,
        itemsAccepted: 3,
        source: { kind: "url", url: `${base}/products.xml.gz`, etag: '"feed-1"' },
      },
    });
    expect(stores.catalog.product("TEE-BLACK-M")?.name).toBe("Google Tee Black");
    const second = await sources.pullSource("merchant");
    expect(second).toMatchObject({ outcome: "not-modified" });
    expect(stores.catalog.lastSequence("merchant")).toBe(1);
    expect(stores.online.pull("merchant")).toMatchObject({ etag: '"feed-1"', status: 304, sequence: 1 });
    expect(requests.map((r) => r.headers["if-none-match"])).toEqual([undefined, '"feed-1"']);

    // The shop changes its feed: a new ETag, a new batch.
    handler = shop(Buffer.from(FEED.toString().replace("15.00 USD", "16.00 USD")), '"feed-2"');
    const third = await sources.pullSource("merchant");
    expect(third).toMatchObject({
      outcome: "fetched",
      reply: { applied: true, sequence: 2, rowsChanged: 1 },
    });
    expect(stores.online.pull("merchant")).toMatchObject({ etag: '"feed-2"', status: 200, sequence: 2 });

    // A failing shop is recorded; the last good body's validators are kept for the next pull.
    handler = (_req, res) => {
      res.writeHead(503);
      res.end();
    };
    expect(await sources.pullSource("merchant")).toMatchObject({
      outcome: "failed",
      error: expect.stringMatching("503"),
    });
    expect(stores.online.pull("merchant")).toMatchObject({
      error: expect.stringMatching("503"),
      etag: '"feed-2"',
      sequence: 2,
    });
    stores.close();
  });
});

describe("npm run import -- merchant <url>", () => {
  it("pulls the feed from a URL into the store file, listing what it skipped", async () => {
    handler = shop(
      Buffer.from(FEED.toString().replace("<g:id>LAMP-2</g:id>", "<g:id>LAMP/2</g:id>")),
      '"cli"',
    );
    const db = join(dir.path, "cli.db");
    const [cmd, args] = npmScript("import", "merchant", `${base}/feed.xml`, "--direct", "--invalid", "skip");
    const child = spawn(cmd, args, {
      env: { ...process.env, SHELFSYNC_DB: db, SHELFSYNC_CURRENCY: "USD", SHELFSYNC_LOG_LEVEL: "warn" },
    });
    let stdout = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    const code = await new Promise<number | null>((r) => child.on("close", r));
    expect(code).toBe(0);
    expect(stdout).toContain("merchant #1 (import): applied; 3 items read, 2 accepted, 1 invalid");
    expect(stdout).toMatch(/line 3\d item LAMP\/2 id "LAMP\/2": as a SKU/);
    const stores = openStores(db);
    expect(stores.catalog.product("OIL-750")?.netQuantity).toBe("750");
    stores.close();
  });
});
