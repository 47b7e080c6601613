import type { ParityOnline } from "../../schemas/index.ts";
import type { Logger } from "../log.ts";
import { pull } from "../pull/http-pull.ts";
import type { PageViews } from "./audit.ts";
import { jsonLdCollector, pageView } from "./json-ld.ts";

export interface PageFetchOptions {
  /** Requests started per second to one host (a shop's server is not ours to load). */
  perHostPerSecond: number;
  /** Pages being fetched at once, all hosts together. */
  concurrency: number;
  timeoutMs: number;
  /** Largest page read, bytes (a product page is far below it). */
  maxBytes: number;
  locale: string;
  log: Logger;
  /** For tests: the clock the rate limit waits on. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * A per-host rate limit: each host gets a slot every 1/rate seconds; a request takes the next free
 * slot and waits for it. Slots are reserved at once, so requests queued together are spread out.
 */
export function hostRateLimit(
  perSecond: number,
  now: () => number = Date.now,
  sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
) {
  const gap = 1000 / perSecond;
  const next = new Map<string, number>();
  return async (host: string): Promise<void> => {
    const t = now();
    const slot = Math.max(t, next.get(host) ?? t);
    next.set(host, slot + gap);
    if (slot > t) await sleep(slot - t);
  };
}

/**
 * Product pages as the audit's online source (Google crawls the page and takes its price over the
 * feed's): each SKU's `link` fetched under a per-host rate limit (default 2/s) and a concurrency cap,
 * the body streamed through the JSON-LD reader (json-ld.ts), never kept whole. A page that does not
 * answer 200, or has no readable product and price, is the item's problem (`online_item_invalid`).
 */
export function productPages(options: PageFetchOptions) {
  const limit = hostRateLimit(options.perHostPerSecond, options.now, options.sleep);

  async function one(sku: string, url: string): Promise<ParityOnline> {
    const failed = (reason: string): ParityOnline => ({
      price: null,
      regularPrice: null,
      availability: null,
      stock: null,
      netQuantity: null,
      problems: [{ field: "(page)", value: url, reason }],
      from: url,
    });
    let host: string;
    try {
      const u = new URL(url);
      if (u.protocol !== "http:" && u.protocol !== "https:") return failed("not an http(s) URL");
      host = u.host;
    } catch {
      return failed("not a URL");
    }
    await limit(host);
    try {
      const r = await pull({
        url,
        timeoutMs: options.timeoutMs,
        maxBytes: options.maxBytes,
        retries: 1,
        backoff: { initialMs: 500, maxMs: 2000 },
        headers: { Accept: "text/html,application/xhtml+xml" },
        consume: async (body) => {
          const collector = jsonLdCollector();
          const decoder = new TextDecoder();
          const reader = body.getReader();
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            collector.write(decoder.decode(value, { stream: true }));
          }
          collector.write(decoder.decode());
          return collector.end();
        },
      });
      if (r.outcome !== "fetched") return failed(`answered ${r.status}`);
      return pageView(r.value, sku, url, options.locale);
    } catch (e) {
      return failed(e instanceof Error ? e.message : String(e));
    }
  }

  return async (targets: { sku: string; url: string }[]): Promise<PageViews> => {
    const views = new Map<string, ParityOnline>();
    const started = Date.now();
    let next = 0;
    const worker = async () => {
      while (next < targets.length) {
        const t = targets[next++];
        if (t) views.set(t.sku, await one(t.sku, t.url));
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
    options.log.info("product pages read", {
      pages: targets.length,
      invalid: [...views.values()].filter((v) => v.problems).length,
      ms: Date.now() - started,
    });
    return { views, fetchedAt: started };
  };
}
