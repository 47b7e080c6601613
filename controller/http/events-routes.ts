import { Hono } from "hono";
import type { SyncEvent } from "../../schemas/index.ts";
import type { LiveSync } from "../labels/live-sync.ts";
import { doc } from "./openapi.ts";
import { streamLatest } from "./sse-latest.ts";

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
    (c) => streamLatest<SyncEvent>(c, "sync", (push) => live.subscribe(push)),
  );
  return api;
}
