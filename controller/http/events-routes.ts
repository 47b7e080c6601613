import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { SyncEvent } from "../../schemas/index.ts";
import type { LiveSync } from "../labels/live-sync.ts";
import { doc } from "./openapi.ts";

/** A comment line this often keeps proxies and idle timeouts from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

/**
 * `GET /api/v1/events`: server-sent events for live views (the console's sync dashboard). The token
 * travels in the Authorization header like on every route; browsers read the stream with fetch()
 * (EventSource cannot send headers, and a token in the URL would end up in logs and history).
 * Events: `sync` (SyncEvent) at once and whenever the sync counters or the first not-right labels
 * change. `retry: 2000` tells an EventSource-style client how soon to reconnect.
 */
export function eventRoutes(live: LiveSync): Hono {
  const api = new Hono();
  api.get(
    "/events",
    doc({
      summary: "Server-sent events for live views: `event: sync` at once and whenever the counters change",
      description:
        "`text/event-stream`; each `sync` event's data is a SyncEvent (the /sync counters, the first not-right labels). Browsers read it with fetch(), sending the token in the Authorization header.",
      tags: ["sync"],
      ok: { media: "text/event-stream", description: "The stream" },
    }),
    (c) => {
      c.header("Cache-Control", "no-store");
      // Nginx and similar proxies buffer responses unless told not to; a live view must not wait.
      c.header("X-Accel-Buffering", "no");
      return streamSSE(c, async (stream) => {
        const queue: SyncEvent[] = [];
        let wake: (() => void) | null = null;
        const unsubscribe = live.subscribe((event) => {
          // Only the newest state matters: a slow reader gets it, not a backlog.
          queue.length = 0;
          queue.push(event);
          wake?.();
        });
        stream.onAbort(() => {
          unsubscribe();
          wake?.();
        });
        await stream.write("retry: 2000\n\n");
        while (!stream.aborted && !stream.closed) {
          const event = queue.shift();
          if (event) {
            await stream.writeSSE({ event: "sync", data: JSON.stringify(event) });
            continue;
          }
          await new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer);
              wake = null;
              resolve();
            };
            const timer = setTimeout(done, KEEPALIVE_MS);
            wake = done;
          });
          if (queue.length === 0 && !stream.aborted) await stream.write(": keep-alive\n\n");
        }
        unsubscribe();
      });
    },
  );
  return api;
}
