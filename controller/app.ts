import { once } from "node:events";
import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import type { LabelState } from "../schemas/index.ts";
import type { Config } from "./config.ts";
import { feedIngestor } from "./feeds/ingest.ts";
import { createApi } from "./http/routes.ts";
import { labelSync } from "./labels/label-sync.ts";
import { createLogger, type Logger } from "./log.ts";
import { connectControllerLink } from "./mqtt/controller-link.ts";
import { type EmbeddedBroker, startEmbeddedBroker } from "./mqtt/embedded-broker.ts";
import type { ControllerServices } from "./services.ts";
import { catalogStore } from "./store/catalog.ts";
import { openDb } from "./store/db.ts";
import { type LabelStateUpdate, labelStore } from "./store/labels.ts";

export interface Controller extends ControllerServices {
  httpPort: number;
  httpUrl: string;
  broker: EmbeddedBroker | null;
  /** Write buffered device state reports now (tests and shutdown). */
  flushStates(): void;
  stop(): Promise<void>;
}

export class HttpPortInUseError extends Error {}

const VERSION = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

/** How often buffered label state reports are written: one transaction per burst, not per message. */
const STATE_FLUSH_MS = 100;

function toMs(ts: LabelState["ts"], fallback: number): number {
  if (ts === undefined) return fallback;
  return typeof ts === "number" ? ts : Date.parse(ts);
}

/**
 * Start a store controller: SQLite store, MQTT (embedded Aedes unless a broker URL is configured),
 * label content sync and the HTTP API. Resolves once HTTP listens; MQTT connects (and reconnects)
 * in the background, and every connect republishes all label content.
 */
export async function startController(
  config: Config,
  options: { log?: Logger; searchFreeMqttPort?: boolean } = {},
): Promise<Controller> {
  const log = options.log ?? createLogger(config.logLevel);
  const db = openDb(config.dbPath);
  const catalog = catalogStore(db);
  const labels = labelStore(db);

  let broker: EmbeddedBroker | null = null;
  let mqttUrl = config.mqttUrl;
  if (!mqttUrl) {
    broker = await startEmbeddedBroker({
      port: config.mqttPort,
      searchFreePort: options.searchFreeMqttPort ?? false,
    });
    mqttUrl = broker.url;
    const moved = broker.port !== config.mqttPort && config.mqttPort !== 0;
    log.info(
      `embedded MQTT broker listening on port ${broker.port}${moved ? ` (port ${config.mqttPort} was taken)` : ""}`,
    );
  }

  const ctx = { locale: config.locale, stockLowThreshold: config.stockLowThreshold };
  const services = {} as Controller;
  const sync = labelSync({
    catalog,
    labels,
    link: () => services.link ?? null,
    ctx,
    log: log.child("labels"),
  });

  let pendingStates: LabelStateUpdate[] = [];
  const flushStates = () => {
    if (pendingStates.length === 0) return;
    const batch = pendingStates;
    pendingStates = [];
    labels.recordStates(batch);
  };
  const flushTimer = setInterval(flushStates, STATE_FLUSH_MS);

  const link = connectControllerLink({
    url: mqttUrl,
    storeId: config.storeId,
    username: config.mqttUsername,
    password: config.mqttPassword,
    log: log.child("mqtt"),
    handlers: {
      onConnect: () => {
        void sync.republishAll();
      },
      onLabelState: (labelId, state, receivedAt) => {
        pendingStates.push({
          labelId,
          displayedHash: state.displayedHash,
          displayedVersion: state.version ?? null,
          battery: state.battery ?? null,
          rssi: state.rssi ?? null,
          seenAt: Math.min(toMs(state.ts, receivedAt), receivedAt),
        });
      },
      onBridgeStatus: (bridgeId, availability) => {
        labels.setBridgeOnline(bridgeId, availability.state === "online", null, Date.now());
      },
      onBridgeLabels: (bridgeId, inventory) => {
        labels.setBridgeOnline(bridgeId, true, inventory.kind, Date.now());
        const changed = labels.upsertDescriptors(inventory.labels, bridgeId, Date.now());
        if (changed.length > 0) log.info("bridge announced labels", { bridgeId, changed: changed.length });
      },
    },
  });

  // Anything that became due while the controller was down (or content it never managed to publish)
  // goes out now; the connect handler republishes everything once the broker is reachable.
  const startup = sync.refreshAll();
  if (startup.changed > 0) log.info("label contents updated at start", { labels: startup.changed });

  Object.assign(services, {
    config,
    version: VERSION,
    startedAt: Date.now(),
    log,
    db,
    catalog,
    labels,
    sync,
    ingest: feedIngestor({ catalog, sync, timeZone: config.timeZone }),
    link,
    mqttUrl,
    embeddedBroker: broker !== null,
    broker,
    flushStates,
    syncContext: () => ({
      now: Date.now(),
      offlineAfterMs: config.offlineAfterSeconds * 1000,
      offlineBridges: labels.offlineBridgeIds(),
    }),
  } satisfies Omit<Controller, "httpPort" | "httpUrl" | "stop">);

  const app = createApi(services);
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  server.listen(config.httpPort, config.httpHost);
  try {
    await Promise.race([
      once(server, "listening"),
      once(server, "error").then(([e]) => {
        throw e;
      }),
    ]);
  } catch (e) {
    clearInterval(flushTimer);
    await link.close();
    await broker?.close();
    db.$client.close();
    if ((e as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw new HttpPortInUseError(
        `HTTP port ${config.httpPort} is already in use; choose another with SHELFSYNC_HTTP_PORT or --http-port`,
      );
    }
    throw e;
  }
  const address = server.address();
  services.httpPort = typeof address === "object" && address ? address.port : config.httpPort;
  services.httpUrl = `http://127.0.0.1:${services.httpPort}`;
  services.stop = async () => {
    clearInterval(flushTimer);
    flushStates();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await link.close();
    await broker?.close();
    db.$client.close();
  };
  log.info(`HTTP API listening on ${services.httpUrl}/api/v1`, { store: config.storeId, db: config.dbPath });
  return services;
}
