import type { MerchantFeed, MerchantFeedReply, SourceMode } from "../../../schemas/index.ts";
import type { Logger } from "../../log.ts";
import { pull } from "../../pull/http-pull.ts";
import type { CatalogStore } from "../../store/catalog.ts";
import type { OnlineStore } from "../../store/online.ts";
import { merchantFormatOf } from "./body.ts";
import type { MerchantIngestor } from "./ingest.ts";

export interface OnlineSource {
  feed: MerchantFeed;
  url: string;
  mode: SourceMode;
}

export type SourcePull =
  | { feed: MerchantFeed; outcome: "not-modified"; fetchedAt: number }
  | { feed: MerchantFeed; outcome: "fetched"; fetchedAt: number; reply: MerchantFeedReply }
  | { feed: MerchantFeed; outcome: "failed"; error: string };

/**
 * The web shop's feeds pulled from their URLs (SHELFSYNC_ONLINE_FEED_URL,
 * SHELFSYNC_LOCAL_INVENTORY_URL): a conditional GET with the validators of the last pull (an unchanged
 * feed answers 304 and is not parsed again), the body streamed into the Merchant Center ingest as the
 * next batch of that feed. A pulled feed is taken item by item (`invalid=skip`, as Merchant Center
 * does): the shop's feed cannot be fixed from the store, and its valid items should not wait.
 * Every pull (a 304 too) is recorded in `feed_pulls`: fetchedAt, ETag, Last-Modified, status.
 */
export function onlineSources(deps: {
  sources: OnlineSource[];
  online: OnlineStore;
  catalog: CatalogStore;
  ingestMerchant: MerchantIngestor;
  log: Logger;
  timeoutMs: number;
  maxBytes: number;
  now?: () => number;
  /** Pull tuning for tests. */
  retry?: { retries: number; initialMs: number; maxMs: number };
}) {
  const now = deps.now ?? Date.now;
  const running = new Map<MerchantFeed, Promise<SourcePull>>();
  let timer: NodeJS.Timeout | undefined;

  async function pullOnce(source: OnlineSource): Promise<SourcePull> {
    const { feed, url, mode } = source;
    const last = deps.online.pull(feed);
    const validators =
      last && last.url === url ? { etag: last.etag, lastModified: last.lastModified } : undefined;
    try {
      const r = await pull({
        url,
        validators,
        timeoutMs: deps.timeoutMs,
        maxBytes: deps.maxBytes,
        ...(deps.retry
          ? {
              retries: deps.retry.retries,
              backoff: { initialMs: deps.retry.initialMs, maxMs: deps.retry.maxMs },
            }
          : {}),
        now,
        onRetry: (attempt, delayMs, error) =>
          deps.log.warn("online feed pull failed; retrying", {
            feed,
            url,
            attempt,
            delayMs,
            error: error.message,
          }),
        consume: (body, response) => {
          const format = merchantFormatOf(response.contentType);
          return deps.ingestMerchant({
            feed,
            sequence: (deps.catalog.lastSequence(feed) ?? 0) + 1,
            mode,
            invalid: "skip",
            body,
            format: format === "sniff" || format === undefined ? undefined : format,
            maxBytes: deps.maxBytes,
            source: { kind: "url", url, fetchedAt: new Date(now()).toISOString(), etag: response.etag },
          });
        },
      });
      if (r.outcome === "not-modified") {
        deps.online.recordPull({
          feed,
          url,
          etag: r.etag,
          lastModified: r.lastModified,
          fetchedAt: r.fetchedAt,
          changedAt: last?.changedAt ?? null,
          status: r.status,
          error: null,
          sequence: last?.sequence ?? null,
        });
        deps.log.info("online feed unchanged (304)", { feed, url });
        return { feed, outcome: "not-modified", fetchedAt: r.fetchedAt };
      }
      const reply = r.value;
      deps.online.recordPull({
        feed,
        url,
        // Validators only for a body that went in: anything else must be fetched again.
        etag: reply.applied ? r.etag : null,
        lastModified: reply.applied ? r.lastModified : null,
        fetchedAt: r.fetchedAt,
        changedAt: reply.applied ? r.fetchedAt : (last?.changedAt ?? null),
        status: r.status,
        error: reply.applied ? null : (reply.reason ?? "not applied"),
        sequence: reply.applied ? reply.sequence : (last?.sequence ?? null),
      });
      const { invalid: _i, warnings: _w, ...summary } = reply;
      deps.log.info("online feed pulled", { ...summary, attempts: r.attempts });
      return { feed, outcome: "fetched", fetchedAt: r.fetchedAt, reply };
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      // The last good body's validators still describe what the store has: keep them.
      deps.online.recordPull({
        feed,
        url,
        etag: validators?.etag ?? null,
        lastModified: validators?.lastModified ?? null,
        fetchedAt: last?.fetchedAt ?? null,
        changedAt: last?.changedAt ?? null,
        status: null,
        error,
        sequence: last?.sequence ?? null,
      });
      deps.log.warn("online feed pull failed", { feed, url, error });
      return { feed, outcome: "failed", error };
    }
  }

  return {
    sources: deps.sources,
    /** Pull one source now; a pull of the same source already under way is joined, not repeated. */
    pullSource(feed: MerchantFeed): Promise<SourcePull> {
      const source = deps.sources.find((s) => s.feed === feed);
      if (!source)
        return Promise.resolve({ feed, outcome: "failed", error: `no URL configured for ${feed}` });
      const busy = running.get(feed);
      if (busy) return busy;
      const p = pullOnce(source).finally(() => running.delete(feed));
      running.set(feed, p);
      return p;
    },
    /** Pull every source, the product feed before local inventory (local rows refer to its items). */
    async pullAll(): Promise<SourcePull[]> {
      const out: SourcePull[] = [];
      for (const s of deps.sources) out.push(await this.pullSource(s.feed));
      return out;
    },
    /**
     * Pull every source now and then every `intervalMs`, telling `after` what each round did (the
     * parity audit runs then). No round starts while one is still running.
     */
    start(intervalMs: number, after?: (pulls: SourcePull[]) => void): void {
      if (deps.sources.length === 0 || intervalMs <= 0 || timer) return;
      let busy = false;
      const round = async () => {
        if (busy) return;
        busy = true;
        try {
          after?.(await this.pullAll());
        } catch (e) {
          deps.log.error("online feed round failed", { error: e instanceof Error ? e.stack : String(e) });
        } finally {
          busy = false;
        }
      };
      timer = setInterval(() => void round(), intervalMs);
      timer.unref();
      setImmediate(() => void round());
    },
    stop(): void {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
export type OnlineSources = ReturnType<typeof onlineSources>;
