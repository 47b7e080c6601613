import { Hono } from "hono";
import {
  type HealthPublicReply,
  type HealthReply,
  healthPublicReplySchema,
  healthReplySchema,
  PERSON_ROLES,
} from "../../schemas/index.ts";
import type { CentralStatus } from "../feeds/catch-up.ts";
import { liveSync } from "../labels/live-sync.ts";
import { syncSummary } from "../labels/views.ts";
import type { ControllerServices } from "../services.ts";
import { DbUnavailableError, dbFaultOf, FAULT_CODES } from "../store/faults.ts";
import { approvalRoutes } from "./approval-routes.ts";
import { assertRoutesDeclared, authorize } from "./authorize.ts";
import { consoleRoutes } from "./console-routes.ts";
import { apiError } from "./errors.ts";
import { eventRoutes } from "./events-routes.ts";
import { feedLedgerRoutes, feedLedgerView } from "./feed-ledger-routes.ts";
import { feedRoutes } from "./feed-routes.ts";
import { labelRoutes } from "./label-routes.ts";
import { requestLimits } from "./limits.ts";
import { merchantRoutes } from "./merchant-routes.ts";
import { doc, openApiDocument } from "./openapi.ts";
import { overrideRoutes } from "./override-routes.ts";
import { parityRoutes } from "./parity-routes.ts";
import { playerRoutes } from "./player-routes.ts";
import { previewRoutes } from "./preview-routes.ts";
import { productRoutes } from "./product-routes.ts";
import { promotionRoutes } from "./promotion-routes.ts";
import { replayRoutes } from "./replay-routes.ts";
import { screenRoutes } from "./screen-routes.ts";
import { signInLimiter } from "./sign-in-limiter.ts";
import { tokenRoutes } from "./token-routes.ts";

/** A broker URL fit to show without a token (health is public): any password in it removed. */
function withoutPassword(url: string): string {
  if (!URL.canParse(url)) return url;
  const u = new URL(url);
  if (u.password) u.password = "";
  return u.toString();
}

/** The catch-up's status as health shows it: the URL without any password. */
const centralView = (c: CentralStatus): CentralStatus => ({ ...c, url: withoutPassword(c.url) });

/**
 * The HTTP API, `/api/v1/...` (names fixed in DESIGN.md §3a/§3b): the access check in front of every
 * route (controller/http/access.ts), the route modules, the OpenAPI document generated from them,
 * and the console at `/`.
 */
export function createApi(s: ControllerServices): Hono {
  const app = new Hono();
  const api = new Hono();

  // One debug line per request (method, path, status, time) for whoever chases a problem; credentials
  // in a query string are redacted by the logger, headers are never logged.
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    const url = new URL(c.req.url);
    s.log.debug("http request", {
      method: c.req.method,
      path: url.pathname + url.search,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    });
  });

  app.onError((err, c) => {
    // The database refused the write (locked by another process past the wait, full, read-only, its
    // file gone): 503 with the reason; the fault watch has logged it and raised a health alarm.
    const fault = err instanceof DbUnavailableError ? err.fault : dbFaultOf(err);
    if (fault) {
      if (!(err instanceof DbUnavailableError)) s.dbWatch.raise(fault, `${c.req.method} ${c.req.path}`);
      c.header("Retry-After", fault.kind === "busy" ? "5" : "60");
      return apiError(c, 503, FAULT_CODES[fault.kind], fault.reason, { sqliteCode: fault.code });
    }
    s.log.error("unhandled error in HTTP handler", { path: c.req.path, error: err.stack ?? String(err) });
    return apiError(c, 500, "internal", "internal error; see the controller log");
  });
  app.notFound((c) => apiError(c, 404, "not_found", `no route ${c.req.method} ${c.req.path}`));
  // Before any route: every guarded request passes the access check (controller/http/access.ts).
  app.use(
    "*",
    authorize({
      tokens: s.stores.tokens,
      limiter: signInLimiter({
        maxFailures: s.config.authMaxFailures,
        windowMs: s.config.authFailureWindowSeconds * 1000,
      }),
      log: s.log.child("http"),
    }),
  );

  // Body size and feed concurrency limits, after the access check (an anonymous client is refused
  // before it can make the controller read anything).
  app.use(
    "/api/v1/*",
    requestLimits({
      maxBodyBytes: s.config.httpMaxBodyKb * 1024,
      maxFeedBytes: s.config.feedMaxMb * 1024 * 1024,
      admission: s.feedAdmission,
    }),
  );

  api.get(
    "/health",
    doc({
      summary: "Health: liveness for anyone; the whole report for a person's token",
      description:
        "Without a token (or with a device's) the reply is `{ status }` only: nothing about the store, its broker or its files.",
      tags: ["meta"],
      ok: { schema: healthReplySchema.or(healthPublicReplySchema) },
    }),
    (c) => {
      const connected = s.link.connected();
      const alarms = s.dbWatch.alarms();
      const status = connected && alarms.length === 0 ? "ok" : "degraded";
      const who = c.get("identity");
      if (!who || !(PERSON_ROLES as readonly string[]).includes(who.role)) {
        const reply: HealthPublicReply = { status };
        return c.json(reply);
      }
      const reply: HealthReply = {
        status,
        storeId: s.config.storeId,
        version: s.version,
        uptimeSeconds: Math.round((Date.now() - s.startedAt) / 1000),
        mqtt: { connected, url: withoutPassword(s.mqttUrl), embedded: s.embeddedBroker },
        db: { path: s.config.dbPath },
        feeds: feedLedgerView(s),
        alarms,
        ...(s.central ? { central: centralView(s.central.status()) } : {}),
      };
      return c.json(reply);
    },
  );

  // Generated once, on first request: the routes do not change while the controller runs.
  let openapi: Promise<Record<string, unknown>> | undefined;
  api.get(
    "/openapi.json",
    doc({
      summary: "This API as an OpenAPI 3.1 document",
      description: "Generated from the zod schemas the routes validate with and from the route table.",
      tags: ["meta"],
    }),
    async (c) => {
      openapi ??= openApiDocument(app, { version: s.version });
      return c.json(await openapi);
    },
  );

  // Before the feed routes: their `/feeds/:feed` would answer the Merchant Center feeds with "unknown feed".
  app.route("/api/v1", merchantRoutes(s));
  app.route("/api/v1", api);
  for (const routes of [
    feedRoutes,
    feedLedgerRoutes,
    productRoutes,
    labelRoutes,
    replayRoutes,
    promotionRoutes,
    overrideRoutes,
    approvalRoutes,
    tokenRoutes,
    previewRoutes,
    screenRoutes,
    parityRoutes,
  ])
    app.route("/api/v1", routes(s));
  const live = liveSync({
    revision: s.stores.revision,
    summary: () => syncSummary(s.labels.statusRows(), s.syncContext()),
  });
  app.route("/api/v1", eventRoutes(live));
  // Prometheus text for central ops; who may read it is declared in access.ts (viewer and up).
  app.get(
    "/metrics",
    doc({
      summary: "Prometheus text exposition: feeds, labels, sync, MQTT, HTTP",
      tags: ["meta"],
      ok: { media: "text/plain", description: "Metrics" },
    }),
    async (c) => {
      const { body, contentType } = await s.metrics.scrape();
      return c.body(body, 200, { "Content-Type": contentType });
    },
  );
  // The signage player and its pairing (no token yet), before the console's catch-all.
  app.route("/", playerRoutes(s));
  // Last: every other GET that is not the API is the console (client-side routes included).
  app.route("/", consoleRoutes(s));
  assertRoutesDeclared(app);
  return app;
}
