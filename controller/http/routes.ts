import { randomUUID } from "node:crypto";
import { type Context, Hono } from "hono";
import {
  FEED_MEDIA_TYPES,
  FEED_NAMES,
  type FeedName,
  flashBodySchema,
  flashOptionsSchema,
  type HealthPublicReply,
  type HealthReply,
  ID_PATTERN,
  type LabelCommand,
  labelCreateBodySchema,
  linkBodySchema,
  PERSON_ROLES,
  PROTOCOL_VERSION,
  type ProductReply,
} from "../../schemas/index.ts";
import { FeedRejected, FeedTooLarge } from "../feeds/ingest.ts";
import { formatFromContentType } from "../feeds/parse/index.ts";
import { stockState } from "../labels/content.ts";
import { liveSync } from "../labels/live-sync.ts";
import { labelReply, syncSummary } from "../labels/views.ts";
import type { ControllerServices } from "../services.ts";
import { identityOf } from "./access.ts";
import { approvalRoutes } from "./approval-routes.ts";
import { assertRoutesDeclared, authorize } from "./authorize.ts";
import { consoleRoutes } from "./console-routes.ts";
import { apiError, readBody } from "./errors.ts";
import { eventRoutes } from "./events-routes.ts";
import { feedLedgerRoutes, feedLedgerView } from "./feed-ledger-routes.ts";
import { feedSequence } from "./feed-sequence.ts";
import { listLabels } from "./label-list.ts";
import { merchantRoutes } from "./merchant-routes.ts";
import { overrideRoutes } from "./override-routes.ts";
import { previewRoutes } from "./preview-routes.ts";
import { searchProducts } from "./product-search.ts";
import { promotionRoutes } from "./promotion-routes.ts";
import { replayRoutes } from "./replay-routes.ts";
import { signInLimiter } from "./sign-in-limiter.ts";
import { tokenRoutes } from "./token-routes.ts";

/** A broker URL fit to show without a token (health is public): any password in it removed. */
function withoutPassword(url: string): string {
  if (!URL.canParse(url)) return url;
  const u = new URL(url);
  if (u.password) u.password = "";
  return u.toString();
}

/** The HTTP API, `/api/v1/...` (names fixed in DESIGN.md §3a). */
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

  api.get("/health", (c) => {
    const connected = s.link.connected();
    const who = c.get("identity");
    // Without a person's token, liveness only: nothing about the store, its broker or its files.
    if (!who || !(PERSON_ROLES as readonly string[]).includes(who.role)) {
      const reply: HealthPublicReply = { status: connected ? "ok" : "degraded" };
      return c.json(reply);
    }
    const feeds = feedLedgerView(s);
    const reply: HealthReply = {
      status: connected ? "ok" : "degraded",
      storeId: s.config.storeId,
      version: s.version,
      uptimeSeconds: Math.round((Date.now() - s.startedAt) / 1000),
      mqtt: { connected, url: withoutPassword(s.mqttUrl), embedded: s.embeddedBroker },
      db: { path: s.config.dbPath },
      feeds,
    };
    return c.json(reply);
  });

  const postFeed = (feed: FeedName) => async (c: Context) => {
    const seq = feedSequence(c);
    if (!seq.ok) return seq.response;
    const format = formatFromContentType(c.req.header("Content-Type"));
    if (!format) {
      const accepted = Object.values(FEED_MEDIA_TYPES).flat().join(", ");
      return apiError(c, 415, "unsupported_media_type", `Content-Type must be one of ${accepted}`);
    }
    const body = c.req.raw.body ?? new ReadableStream<Uint8Array>({ start: (ctl) => ctl.close() });
    try {
      const reply = await s.ingest({ feed, sequence: seq.sequence, format, body, actor: identityOf(c) });
      if (reply.applied) s.log.info("feed batch applied", { ...reply });
      return c.json(reply);
    } catch (e) {
      if (e instanceof FeedTooLarge) return apiError(c, 413, "feed_too_large", e.message);
      if (!(e instanceof FeedRejected)) throw e;
      return apiError(c, 422, "feed_rejected", e.message, e.details);
    }
  };
  // One route per feed: each has its own rows (and, in the route table, its own roles).
  for (const feed of FEED_NAMES) api.post(`/feeds/${feed}`, postFeed(feed));
  api.post("/feeds/:feed", (c) =>
    apiError(
      c,
      404,
      "unknown_feed",
      `unknown feed "${c.req.param("feed")}"; feeds are ${FEED_NAMES.join(", ")}`,
    ),
  );

  api.get("/products", (c) => searchProducts(s, c));

  api.get("/products/:sku", (c) => {
    const sku = c.req.param("sku");
    const product = s.catalog.product(sku);
    if (!product) return apiError(c, 404, "unknown_sku", `no product with SKU "${sku}"`);
    const resolved = s.sync.resolveSku(sku, s.clock.now());
    const onHand = s.catalog.stock(sku)?.onHand;
    const reply: ProductReply = {
      ...product,
      price: resolved?.price ?? null,
      regularPrice: resolved?.regularPrice ?? null,
      stock: onHand === undefined ? null : { onHand, state: stockState(onHand, s.config.stockLowThreshold) },
      labels: s.labels.linkedTo(sku).map((l) => l.labelId),
    };
    return c.json(reply);
  });

  api.get("/labels", (c) => listLabels(s, c));

  api.post("/labels", async (c) => {
    const body = await readBody(c, labelCreateBodySchema);
    if (!body.ok) return body.response;
    const existed = s.labels.get(body.value.labelId) !== undefined;
    s.labels.upsertDescriptors([body.value], null, Date.now());
    const label = s.labels.get(body.value.labelId);
    if (!label) throw new Error("label vanished after insert");
    return c.json(labelReply(label, s.syncContext()), existed ? 200 : 201);
  });

  const labelParam = (id: string) => (ID_PATTERN.test(id) ? s.labels.get(id) : undefined);

  api.get("/labels/:labelId", (c) => {
    const label = labelParam(c.req.param("labelId"));
    if (!label) return apiError(c, 404, "unknown_label", `no label "${c.req.param("labelId")}"`);
    return c.json(labelReply(label, s.syncContext()));
  });

  api.put("/labels/:labelId/link", async (c) => {
    const label = labelParam(c.req.param("labelId"));
    if (!label) return apiError(c, 404, "unknown_label", `no label "${c.req.param("labelId")}"`);
    const body = await readBody(c, linkBodySchema);
    if (!body.ok) return body.response;
    if (!s.catalog.product(body.value.sku)) {
      return apiError(c, 422, "unknown_sku", `no product with SKU "${body.value.sku}"`, [
        { field: "sku", reason: "not in the product catalogue" },
      ]);
    }
    s.changes.linkLabel(label.labelId, body.value.sku, identityOf(c));
    s.log.info("label linked", { labelId: label.labelId, sku: body.value.sku });
    return c.json(labelReply(s.labels.get(label.labelId) ?? label, s.syncContext()));
  });

  api.delete("/labels/:labelId/link", (c) => {
    const label = labelParam(c.req.param("labelId"));
    if (!label) return apiError(c, 404, "unknown_label", `no label "${c.req.param("labelId")}"`);
    s.changes.unlinkLabel(label.labelId, identityOf(c));
    s.log.info("label unlinked", { labelId: label.labelId });
    return c.json(labelReply(s.labels.get(label.labelId) ?? label, s.syncContext()));
  });

  api.post("/labels/:labelId/flash", async (c) => {
    const label = labelParam(c.req.param("labelId"));
    if (!label) return apiError(c, 404, "unknown_label", `no label "${c.req.param("labelId")}"`);
    const body = await readBody(c, flashBodySchema);
    if (!body.ok) return body.response;
    if (!s.link.connected())
      return apiError(c, 503, "broker_unavailable", "the MQTT broker is not reachable");
    const command: LabelCommand = {
      v: PROTOCOL_VERSION,
      command: "flash",
      commandId: randomUUID(),
      ...flashOptionsSchema.parse(body.value),
    };
    await s.link.sendCommand(label.labelId, command);
    return c.json({ labelId: label.labelId, ...command }, 202);
  });

  api.get("/sync", (c) => c.json(syncSummary(s.labels.statusRows(), s.syncContext())));

  // Before `api`: its `/feeds/:feed` would answer the Merchant Center feeds with "unknown feed".
  app.route("/api/v1", merchantRoutes(s));
  app.route("/api/v1", api);
  for (const routes of [replayRoutes, promotionRoutes, overrideRoutes, approvalRoutes, tokenRoutes])
    app.route("/api/v1", routes(s));
  app.route("/api/v1", previewRoutes(s));
  const live = liveSync({
    revision: s.stores.revision,
    summary: () => syncSummary(s.labels.statusRows(), s.syncContext()),
  });
  app.route("/api/v1", eventRoutes(live));
  app.route("/api/v1", feedLedgerRoutes(s));
  // Prometheus text for central ops; who may read it is declared in access.ts (viewer and up).
  app.get("/metrics", async (c) => {
    const { body, contentType } = await s.metrics.scrape();
    return c.body(body, 200, { "Content-Type": contentType });
  });
  // Last: every other GET that is not the API is the console (client-side routes included).
  app.route("/", consoleRoutes(s));
  assertRoutesDeclared(app);
  return app;
}
