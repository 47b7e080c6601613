import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import { writeToStream } from "mqtt-packet";
import packageJson from "../package.json" with { type: "json" };
import { seedAdminToken } from "./auth.ts";
import { type ChainLink, connectChainLink } from "./chain/chain-link.ts";
import { type ChainRollUp, chainRollUp } from "./chain/roll-up.ts";
import { type Config, ConfigError } from "./config.ts";
import { centralCatchUp } from "./feeds/catch-up.ts";
import type { FeedIngestor } from "./feeds/ingest.ts";
import { onlineSources } from "./feeds/merchant/pull.ts";
import { createApi } from "./http/routes.ts";
import { contentGuard } from "./labels/content-guard.ts";
import { ackRetries } from "./labels/retries.ts";
import { labelReports } from "./labels/state-reports.ts";
import { currentSyncContext } from "./labels/sync-status.ts";
import { syncSummary } from "./labels/views.ts";
import { AddressInUseError, listenOn } from "./listen.ts";
import { createLogger, type Logger } from "./log.ts";
import { controllerMetrics } from "./metrics.ts";
import { CONTROLLER_USERNAME } from "./mqtt/broker-access.ts";
import { connectControllerLink } from "./mqtt/controller-link.ts";
import { type EmbeddedBroker, startEmbeddedBroker } from "./mqtt/embedded-broker.ts";
import { parityAudits } from "./parity/audit.ts";
import { nightly } from "./parity/nightly.ts";
import { productPages } from "./parity/pages.ts";
import { feedPipeline } from "./pipeline.ts";
import { type Clock, createRepriceScheduler, type RepriceScheduler, systemClock } from "./scheduler/index.ts";
import { screensService } from "./screens/index.ts";
import type { ControllerServices } from "./services.ts";
import { dbWatch } from "./store/faults.ts";
import { openStores } from "./store/index.ts";
import { mediaDirFor } from "./store/media.ts";

/**
 * How long one SQLite statement may block the event loop waiting for another process's write lock;
 * longer waits are asynchronous retries (store/faults.ts), so health and reads keep answering.
 */
const DB_BUSY_SLICE_MS = 250;

export interface Controller extends ControllerServices {
  httpPort: number;
  httpUrl: string;
  broker: EmbeddedBroker | null;
  scheduler: RepriceScheduler;
  /** SHELFSYNC_CHAIN=on: the chain subscription and the store's roll-up (docs/chain.md); else null. */
  chain: { link: ChainLink; rollUp: ChainRollUp } | null;
  /** Write buffered device state reports now (tests and shutdown). */
  flushStates(): void;
  stop(): Promise<void>;
}

export class HttpPortInUseError extends Error {}

/** A file a setting names, or a ConfigError naming the setting (never a stack trace). */
function readSetting(path: string, setting: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new ConfigError(
      `invalid configuration:\n  ${setting}: cannot read ${path} (${(e as Error).message})`,
    );
  }
}

/** The embedded broker's TLS listener: both SHELFSYNC_MQTT_TLS_CERT and _KEY, or neither. */
function tlsListener(config: Config): { port: number; cert: Buffer; key: Buffer } | undefined {
  if (!config.mqttTlsCert && !config.mqttTlsKey) return undefined;
  if (!config.mqttTlsCert || !config.mqttTlsKey) {
    throw new ConfigError(
      "invalid configuration:\n  SHELFSYNC_MQTT_TLS_CERT / SHELFSYNC_MQTT_TLS_KEY: set both (the certificate and its key) or neither",
    );
  }
  return {
    port: config.mqttTlsPort,
    cert: readSetting(config.mqttTlsCert, "SHELFSYNC_MQTT_TLS_CERT"),
    key: readSetting(config.mqttTlsKey, "SHELFSYNC_MQTT_TLS_KEY"),
  };
}

/**
 * mqtt-packet (the packet writer under Aedes and MQTT.js, one copy for both) otherwise builds, at its
 * first packet, a 2-byte Buffer for every number from 0 to 65,535 to write packet ids and lengths
 * from: 65,536 Buffer objects, 6.3 MB of heap for the life of the process (a heap snapshot of an idle
 * controller: a quarter of its live heap). Writing each number as it comes costs a 2-byte allocation
 * per packet field. Set before the broker or the link writes a packet: the cache is built then.
 */
writeToStream.cacheNumbers = false;

/** Read at build time into the bundle, so a build reports the version it was built from. */
const VERSION = packageJson.version;

/**
 * Start a store controller: SQLite store, MQTT (embedded Aedes unless a broker URL is configured),
 * label content sync, the reprice scheduler and the HTTP API. Resolves once HTTP listens; MQTT
 * connects (and reconnects) in the background, and every connect republishes all label content.
 */
export async function startController(
  config: Config,
  options: { log?: Logger; searchFreeMqttPort?: boolean; clock?: Clock } = {},
): Promise<Controller> {
  const log =
    options.log ??
    createLogger(config.logLevel, "shelfsync", {
      secrets: [config.adminToken, config.mqttPassword, config.chainPassword],
      bindings: { store: config.storeId },
    });
  const clock = options.clock ?? systemClock;
  const stores = openStores(config.dbPath, {
    busyTimeoutMs: DB_BUSY_SLICE_MS,
    beforeWrite: () => watch.assertWritable("change"),
  });
  // After the open: the watch remembers the file it must keep finding at the path.
  const watch = dbWatch({
    path: config.dbPath,
    log: log.child("store"),
    busyWaitMs: config.dbBusyWaitSeconds * 1000,
  });
  // A refresh the database refused (a scheduled change while it was locked or full) is caught up,
  // for every label, once it takes writes again.
  let refreshOwed = false;
  const { catalog, labels } = stores;
  seedAdminToken(stores.tokens, {
    adminToken: config.adminToken,
    dbPath: config.dbPath,
    now: clock.now(),
    log,
  });

  let broker: EmbeddedBroker | null = null;
  let mqttUrl = config.mqttUrl;
  // On its own broker the controller signs in with a secret made now and never stored; on another
  // broker, with SHELFSYNC_MQTT_USERNAME / _PASSWORD.
  let mqttLogin = { username: config.mqttUsername, password: config.mqttPassword };
  if (!mqttUrl) {
    const controllerSecret = randomBytes(24).toString("base64url");
    const tls = tlsListener(config);
    broker = await startEmbeddedBroker({
      port: config.mqttPort,
      searchFreePort: options.searchFreeMqttPort ?? false,
      ...(tls ? { tls } : {}),
      ...(config.mqttAuth === "required"
        ? {
            access: {
              storeId: config.storeId,
              controllerSecret,
              identify: (token) => stores.tokens.identify(token, Date.now()),
              ownerOf: (labelId) => labels.owner(labelId),
              log: log.child("mqtt"),
            },
          }
        : {}),
    });
    if (config.mqttAuth === "required")
      mqttLogin = { username: CONTROLLER_USERNAME, password: controllerSecret };
    mqttUrl = broker.url;
    const moved = broker.port !== config.mqttPort && config.mqttPort !== 0;
    log.info(
      `embedded MQTT broker listening on port ${broker.port}${moved ? ` (port ${config.mqttPort} was taken)` : ""}`,
      { auth: config.mqttAuth, ...(broker.tls ? { tlsPort: broker.tls.port } : {}) },
    );
    if (config.mqttAuth === "off")
      log.warn("SHELFSYNC_MQTT_AUTH=off: anyone who reaches the MQTT port may publish anything (a lab only)");
  }

  const services = {} as Controller;
  let assembled = false;
  const metrics = controllerMetrics(() => (assembled ? services : undefined));
  let scheduler: RepriceScheduler | null = null;
  const pipeline = feedPipeline(stores, config, {
    log: log.child("labels"),
    link: () => services.link ?? null,
    now: () => clock.now(),
    onResolved: (skus) => scheduler?.track(skus),
    watch,
  });
  const { sync, changes } = pipeline;
  // Every batch, whoever sends it (HTTP, a pulled URL, the demo), is counted for /metrics.
  const counted = metrics.countFeeds(pipeline.ingest);
  // Missing batches and newer ones come from SHELFSYNC_CENTRAL_URL (feeds/catch-up.ts): a batch that
  // leaves a gap starts a catch-up run at once.
  const central = config.centralUrl
    ? centralCatchUp({
        url: config.centralUrl,
        catalog,
        changes,
        timeZone: config.timeZone,
        log: log.child("central"),
        timeoutMs: config.centralTimeoutSeconds * 1000,
        retries: config.centralRetries,
        // The same per-batch limits and the same queue as a POSTed batch.
        maxBytes: config.feedMaxMb * 1024 * 1024,
        maxRows: config.feedMaxRows,
        admission: pipeline.admission,
        backoff: {
          initialMs: Math.min(5_000, config.centralIntervalSeconds * 1000),
          maxMs: Math.min(300_000, config.centralIntervalSeconds * 1000),
        },
      })
    : null;
  const ingest: FeedIngestor = central
    ? async (batch) => {
        const reply = await counted(batch);
        if (reply.applied && catalog.feedLedger().some((f) => f.feed === batch.feed && f.gaps.length > 0))
          void central.kick();
        return reply;
      }
    : counted;
  // The parity audit (controller/parity): after each Merchant Center batch that went in, and on a timer.
  stores.parity.failInterrupted(Date.now());
  const parity = parityAudits({
    parity: stores.parity,
    online: stores.online,
    catalog,
    storeCode: config.storeCode ?? config.storeId,
    locale: config.locale,
    now: () => clock.now(),
    log: log.child("parity"),
    pages: productPages({
      perHostPerSecond: config.parityPagesPerSecond,
      concurrency: config.parityPagesConcurrency,
      timeoutMs: 30_000,
      maxBytes: 8 * 1024 * 1024,
      locale: config.locale,
      log: log.child("parity"),
    }),
  });
  const countedMerchant = metrics.countMerchantFeeds(pipeline.ingestMerchant);
  const ingestMerchant: typeof countedMerchant = async (batch) => {
    const reply = await countedMerchant(batch);
    // A pulled batch is audited once its whole round (product feed, then local inventory) is in.
    if (reply.applied && batch.source.kind !== "url") parity.run();
    return reply;
  };
  scheduler = createRepriceScheduler({
    clock,
    nextChangeAt: (sku, after) => sync.nextChangeAt(sku, after),
    onDue: (skus, at) => {
      const done = watch.tryWrite("scheduled price change", () => {
        const r = sync.refreshSkus(new Set(skus), at);
        log.info("scheduled price change reached the shelf", { skus: skus.length, labels: r.changed });
      });
      if (!done) refreshOwed = true;
    },
    onClockJump: (jumpMs, now) => {
      // After any step of the wall clock, recompute everything: labels must show what is in force now.
      const done = watch.tryWrite("refresh after a clock step", () => {
        const r = sync.refreshAll(now);
        log.warn("wall clock stepped; all labels re-resolved", { jumpMs, labels: r.changed });
      });
      void screens.shows.refresh();
      if (!done) refreshOwed = true;
    },
    log: log.child("scheduler"),
  });

  const screens = screensService({
    stores,
    ctx: () => sync.ctx,
    now: () => clock.now(),
    locale: config.locale,
    timeZone: config.timeZone,
    freshnessSeconds: config.screenFreshnessSeconds,
    offlineAfterSeconds: config.screenOfflineSeconds,
    mediaDir: mediaDirFor(config.dbPath),
    mediaMaxBytes: Math.round(config.screenMediaMaxMb * 1024 * 1024),
    playsRetentionDays: config.screenPlaysRetentionDays,
    pairingPerMinute: config.screenPairingPerMinute,
  });

  const reports = labelReports({ labels, log: log.child("labels"), watch });
  watch.onClear(() => {
    if (!refreshOwed) return;
    refreshOwed = false;
    const done = watch.tryWrite("catch-up refresh", () => {
      const r = sync.refreshAll();
      log.info("labels caught up after a database fault", { labels: r.changed });
    });
    if (!done) refreshOwed = true;
  });
  // Labels that never acknowledge: resent with backoff, then listed as failed (labels/retries.ts).
  const retries = ackRetries({
    labels,
    link: () => services.link ?? null,
    log: log.child("labels"),
    options: { ackTimeoutMs: config.labelAckTimeoutSeconds * 1000, retries: config.labelRetries },
  });
  const guard = contentGuard({
    labels,
    publish: (items) =>
      services.link?.connected() ? services.link.publishContents(items) : Promise.resolve(),
    log: log.child("labels"),
  });

  const online = onlineSources({
    sources: [
      ...(config.onlineFeedUrl
        ? [{ feed: "merchant" as const, url: config.onlineFeedUrl, mode: config.onlineFeedMode }]
        : []),
      ...(config.localInventoryUrl
        ? [
            {
              feed: "local-inventory" as const,
              url: config.localInventoryUrl,
              mode: config.localInventoryMode,
            },
          ]
        : []),
    ],
    online: stores.online,
    catalog,
    ingestMerchant,
    log: log.child("online"),
    timeoutMs: config.onlineFeedTimeoutSeconds * 1000,
    maxBytes: config.onlineFeedMaxMb * 1024 * 1024,
  });

  const link = connectControllerLink({
    url: mqttUrl,
    storeId: config.storeId,
    ...mqttLogin,
    ...(config.mqttCa ? { ca: readSetting(config.mqttCa, "SHELFSYNC_MQTT_CA") } : {}),
    log: log.child("mqtt"),
    handlers: {
      onConnect: () => {
        void sync.republishAll();
      },
      onLabelState: reports.onLabelState,
      onBridgeStatus: reports.onBridgeStatus,
      onBridgeLabels: reports.onBridgeLabels,
      onLabelContent: guard.check,
    },
    observer: {
      connected: metrics.link.connected,
      contentSent: (labelId, hash) => {
        retries.sent(labelId, hash);
        return metrics.link.contentSent(labelId, hash);
      },
      labelShows: (labelId, hash) => {
        retries.shows(labelId, hash);
        metrics.link.labelShows(labelId, hash);
      },
    },
    maxPayloadBytes: config.mqttMaxPayloadKb * 1024,
    // Foreign contents are watched for (and overwritten) wherever another client could publish one:
    // on any external broker (its ACLs are not ours to see) and on the embedded one with auth off.
    // Checking only at connect would leave a content forged a minute later on the broker until the
    // next reconnect; the live subscription costs one point read per content of ours coming back.
    // The embedded broker with auth required refuses every content not from the controller, and
    // every connect republishes all content, so there it is not needed and costs nothing.
    watchContents: !(broker && config.mqttAuth === "required"),
    ...(broker ? { local: broker.local } : {}),
  });

  // Chain feeds (docs/chain.md): central's batches from shelfsync/chain/… through the same ingest
  // (so a gap they leave starts the catch-up above), and the store's roll-up back to central.
  let chain: Controller["chain"] = null;
  if (config.chain === "on") {
    const chainLog = log.child("chain");
    const chainLogin = config.chainUsername
      ? { username: config.chainUsername, password: config.chainPassword }
      : mqttLogin;
    const chainLink = connectChainLink({
      url: config.chainUrl ?? mqttUrl,
      storeId: config.storeId,
      ...chainLogin,
      ...(config.mqttCa ? { ca: readSetting(config.mqttCa, "SHELFSYNC_MQTT_CA") } : {}),
      ingest,
      central,
      log: chainLog,
      onApplied: () => rollUp.touch(),
    });
    const rollUp = chainRollUp({
      storeId: config.storeId,
      catalog,
      labels: () => {
        const s = syncSummary(labels.statusRows(), services.syncContext());
        return { total: s.total, inSync: s.inSync };
      },
      publish: (payload) => chainLink.publishStatus(payload),
      ready: () => chainLink.connected() && assembled,
      log: chainLog,
      everyMs: config.chainStatusSeconds * 1000,
    });
    chainLink.client.on("connect", () => rollUp.touch());
    metrics.watchChain(chainLink);
    chain = { link: chainLink, rollUp };
  }

  // Anything that became due while the controller was down (or content it never managed to publish)
  // goes out now, and every linked SKU's next change is scheduled; the connect handler republishes
  // everything once the broker is reachable.
  if (
    !watch.tryWrite("refresh at start", () => {
      const startup = sync.refreshAll();
      if (startup.changed > 0) log.info("label contents updated at start", { labels: startup.changed });
    })
  )
    refreshOwed = true;

  Object.assign(services, {
    config,
    version: VERSION,
    startedAt: Date.now(),
    log,
    clock,
    stores,
    db: stores.db,
    catalog,
    labels,
    sync,
    changes,
    ingest,
    feedAdmission: pipeline.admission,
    ingestMerchant,
    onlineSources: online,
    parity,
    metrics,
    link,
    mqttUrl,
    embeddedBroker: broker !== null,
    broker,
    signOutRevokedMqtt: () => broker?.signOutRevoked() ?? 0,
    scheduler,
    screens,
    flushStates: reports.flush,
    retries,
    dbWatch: watch,
    central,
    chain,
    syncContext: () =>
      currentSyncContext(labels, config.offlineAfterSeconds * 1000, sync.notAReductions(), retries.failed()),
  } satisfies Omit<Controller, "httpPort" | "httpUrl" | "stop">);
  assembled = true;

  let parityTimer: NodeJS.Timeout | undefined;
  let pagesNightly: { stop(): void } | undefined;
  const closeAll = async () => {
    chain?.rollUp.stop();
    await chain?.link.close();
    online.stop();
    if (parityTimer) clearInterval(parityTimer);
    pagesNightly?.stop();
    await parity.current()?.done;
    central?.stop();
    retries.stop();
    scheduler.stop();
    screens.close();
    reports.close();
    watch.stop();
    await link.close();
    await broker?.close();
    stores.close();
  };

  const app = createApi(services);
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  try {
    services.httpPort = await listenOn(server, config.httpPort, config.httpHost);
  } catch (e) {
    await closeAll();
    if (e instanceof AddressInUseError) {
      throw new HttpPortInUseError(
        `HTTP port ${config.httpPort} is already in use; choose another with SHELFSYNC_HTTP_PORT or --http-port`,
      );
    }
    throw e;
  }
  services.httpUrl = `http://127.0.0.1:${services.httpPort}`;
  services.stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await closeAll();
  };
  log.info(`HTTP API listening on ${services.httpUrl}/api/v1`, { store: config.storeId, db: config.dbPath });
  // Every SHELFSYNC_PARITY_INTERVAL minutes: pull the shop's feeds, then audit (sales start and end
  // between feeds, so an audit runs even when nothing was pulled).
  const auditEvery = config.parityIntervalMinutes * 60_000;
  if (online.sources.length > 0) online.start(auditEvery, () => parity.run());
  else if (auditEvery > 0) {
    parityTimer = setInterval(() => parity.run(), auditEvery);
    parityTimer.unref();
  }
  // Product pages are many requests to the shop's server: once a night, at a quiet hour.
  if (config.paritySource === "pages") {
    pagesNightly = nightly(
      config.parityPagesHour,
      config.timeZone,
      () => clock.now(),
      () => parity.run({ source: "pages" }),
    );
  }
  central?.start(config.centralIntervalSeconds * 1000);
  return services;
}
