import { createServer, type Server } from "node:http";

/**
 * The test's fake of central ops for the catch-up contract (docs/central-catch-up.md): it holds
 * feed batches and answers `GET /feeds/{feed}/batches?after={sequence}` with the first batch above
 * `after` (200, `Feed-Sequence`, `ETag`, the body as it was posted), 204 when there is none, and
 * 304 to an `If-None-Match` that names the same answer. `down` makes it drop every connection (a
 * central that cannot be reached); every request is recorded.
 */
export interface FakeCentral {
  url: string;
  /** Add a batch (CSV unless told). */
  add(feed: string, sequence: number, body: string, contentType?: string): void;
  down: boolean;
  readonly requests: { path: string; ifNoneMatch: string | null; status: number | null }[];
  close(): Promise<void>;
}

export async function startFakeCentral(port: number): Promise<FakeCentral> {
  const batches = new Map<string, { sequence: number; body: string; contentType: string }[]>();
  const requests: FakeCentral["requests"] = [];
  const central = {
    url: `http://127.0.0.1:${port}`,
    down: false,
    requests,
    add(feed: string, sequence: number, body: string, contentType = "text/csv") {
      const list = batches.get(feed) ?? [];
      list.push({ sequence, body, contentType });
      list.sort((a, b) => a.sequence - b.sequence);
      batches.set(feed, list);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", central.url);
    const entry = {
      path: url.pathname + url.search,
      ifNoneMatch: req.headers["if-none-match"] ?? null,
      status: null as number | null,
    };
    requests.push(entry);
    if (central.down) {
      req.socket.destroy();
      return;
    }
    const match = /^\/feeds\/([a-z-]+)\/batches$/.exec(url.pathname);
    const after = Number(url.searchParams.get("after"));
    if (!match || !Number.isSafeInteger(after)) {
      entry.status = 404;
      res.writeHead(404).end();
      return;
    }
    const feed = match[1] as string;
    const list = batches.get(feed) ?? [];
    const next = list.find((b) => b.sequence > after);
    const etag = next
      ? `"${feed}-${next.sequence}"`
      : `"${feed}-none-after-${after}-${list.at(-1)?.sequence ?? 0}"`;
    if (req.headers["if-none-match"] === etag) {
      entry.status = 304;
      res.writeHead(304, { ETag: etag }).end();
      return;
    }
    if (!next) {
      entry.status = 204;
      res.writeHead(204, { ETag: etag }).end();
      return;
    }
    entry.status = 200;
    res
      .writeHead(200, {
        "Content-Type": next.contentType,
        "Feed-Sequence": String(next.sequence),
        ETag: etag,
      })
      .end(next.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return central;
}
