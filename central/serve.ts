import { createServer, type Server } from "node:http";
import { CHAIN_FEEDS, type ChainFeed, ID_PATTERN } from "../schemas/index.ts";
import type { CentralLog } from "./log.ts";

/**
 * Central's HTTP catch-up (the contract is docs/central-catch-up.md), answered from its own stamped
 * log, one batch per request:
 *
 *   GET /stores/{storeId}/feeds/{feed}/batches?after={sequence}   what that store must apply
 *   GET /feeds/{feed}/batches?after={sequence}                    the chain-wide view
 *
 * A store's SHELFSYNC_CENTRAL_URL is `{central}/stores/{storeId}`. A batch for other stores only is
 * answered as an empty batch (`[]`, application/json) at its sequence: the number is the chain's,
 * so the store takes it and sees no gap, and nothing of its data changes. Batches never change once
 * stamped, so an ETag names the answer and a repeated question is answered 304.
 */
const MEDIA = { csv: "text/csv", ndjson: "application/x-ndjson", json: "application/json" } as const;

export function catchUpHandler(log: CentralLog) {
  return (method: string, path: string, ifNoneMatch: string | undefined) => {
    const url = new URL(path, "http://central");
    if (method !== "GET" && method !== "HEAD") return { status: 405, headers: {}, body: "" };
    if (url.pathname === "/health") return { status: 200, headers: {}, body: '{"status":"ok"}' };
    const m = /^(?:\/stores\/([^/]+))?\/feeds\/([a-z]+)\/batches$/.exec(url.pathname);
    const afterText = url.searchParams.get("after") ?? "";
    const storeId = m?.[1];
    const feed = m?.[2] as ChainFeed | undefined;
    if (
      !m ||
      !feed ||
      !(CHAIN_FEEDS as readonly string[]).includes(feed) ||
      (storeId !== undefined && !ID_PATTERN.test(storeId)) ||
      !/^\d{1,15}$/.test(afterText)
    )
      return { status: 404, headers: {}, body: "" };
    const after = Number(afterText);
    const next = log.after(feed, after);
    if (!next) {
      const etag = `"${feed}-none-after-${after}-${log.lastSequence(feed)}"`;
      return ifNoneMatch === etag
        ? { status: 304, headers: { ETag: etag }, body: "" }
        : { status: 204, headers: { ETag: etag }, body: "" };
    }
    const mine = next.stores === null || (storeId !== undefined && next.stores.includes(storeId));
    const etag = `"${feed}-${next.sequence}${mine ? "" : "-elsewhere"}"`;
    if (ifNoneMatch === etag) return { status: 304, headers: { ETag: etag }, body: "" };
    return {
      status: 200,
      headers: {
        ETag: etag,
        "Feed-Sequence": String(next.sequence),
        "Content-Type": mine ? MEDIA[next.format] : MEDIA.json,
        "Cache-Control": "no-cache",
      },
      body: mine ? next.body : "[]",
    };
  };
}

/** `npm run central -- serve`: the catch-up answers over HTTP. Resolves once it listens. */
export async function serveCatchUp(
  log: CentralLog,
  port: number,
  host = "127.0.0.1",
): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const handle = catchUpHandler(log);
  const server = createServer((req, res) => {
    try {
      const a = handle(req.method ?? "GET", req.url ?? "/", req.headers["if-none-match"]);
      res.writeHead(a.status, a.headers);
      res.end(req.method === "HEAD" ? undefined : a.body);
    } catch (e) {
      res.writeHead(503, { "Retry-After": "1" }).end(String((e as Error).message));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as { port: number }).port;
  return {
    server,
    url: `http://${host}:${actual}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
