import { parseArgs } from "node:util";
import { z } from "zod";
import { hasCatalogue, LANGUAGES } from "../display/i18n/index.ts";
import { CommandError } from "../lib/cli.ts";
import { commaList } from "../lib/options.ts";
import {
  assertTimeZone,
  CURRENCY_MESSAGE,
  idSchema,
  isCurrencyCode,
  optionProblem,
  SOURCE_MODES,
} from "../schemas/index.ts";
import { FEED_QUEUE_DEFAULTS } from "./feeds/admission.ts";
import { UNIT_BASES, type UnitBase } from "./pricing/index.ts";

/**
 * Controller configuration: environment variables, overridden by CLI flags, validated in one place.
 * A bad value stops the start with a message naming the variable, never a stack trace.
 */
const PORT_MESSAGE = "must be a port number from 0 to 65535";
const port = z.coerce
  .number({ error: PORT_MESSAGE })
  .int(PORT_MESSAGE)
  .min(0, PORT_MESSAGE)
  .max(65535, PORT_MESSAGE);

export const configSchema = z.object({
  storeId: idSchema.default("store-1"),
  httpPort: port.default(8080),
  httpHost: z.string().default("0.0.0.0"),
  dbPath: z.string().min(1).default("./data/shelfsync.db"),
  /** Unset: run the embedded Aedes broker. */
  mqttUrl: z.url({ protocol: /^(mqtts?|wss?|tcp)$/ }).optional(),
  mqttPort: port.default(1883),
  /**
   * The embedded broker: `required` signs every client in (a bridge with a `bridge` token, its name
   * as username) and authorises every publish and subscription (controller/mqtt/broker-access.ts);
   * `off` lets anyone on the network do anything (a lab).
   */
  mqttAuth: z.enum(["required", "off"]).default("required"),
  /**
   * A TLS listener on the embedded broker (beside the plain one): PEM certificate (chain) and key
   * files, and its port. Both files or neither.
   */
  mqttTlsCert: z.string().min(1).optional(),
  mqttTlsKey: z.string().min(1).optional(),
  mqttTlsPort: port.default(8883),
  /** A CA certificate (PEM file) to trust for an `mqtts://` broker, e.g. a self-signed one. */
  mqttCa: z.string().min(1).optional(),
  mqttUsername: z.string().optional(),
  mqttPassword: z.string().optional(),
  /** The store's locale: money, dates and every fixed word on labels (a catalogue in display/i18n). */
  locale: z
    .string()
    .default("de-DE")
    .refine(
      (l) => {
        try {
          return Intl.getCanonicalLocales(l).length === 1 && hasCatalogue(l);
        } catch {
          return false;
        }
      },
      `must be a locale whose language has label words: ${LANGUAGES.join(", ")} (e.g. de-DE, fr-FR)`,
    ),
  /** The store's currency: prices are shown in it, and a first price in another is refused. */
  currency: z.string().default("EUR").refine(isCurrencyCode, CURRENCY_MESSAGE),
  timeZone: z
    .string()
    .default("Europe/Berlin")
    .refine((tz) => {
      try {
        assertTimeZone(tz);
        return true;
      } catch {
        return false;
      }
    }, "must be an IANA time zone such as Europe/Berlin"),
  /** Stock at or below this (and above zero) shows as "low". */
  stockLowThreshold: z.coerce.number().int().min(0).default(3),
  /** A label not heard from for this long (and not showing the right content) counts as offline. */
  offlineAfterSeconds: z.coerce.number().int().positive().default(900),
  /**
   * A label that has not acknowledged a content this long after its publish (its state does not show
   * the new hash) is sent it again, retained; each further resend waits twice as long (capped at 1 h).
   */
  labelAckTimeoutSeconds: z.coerce.number().positive().max(86_400).default(300),
  /** Resends before a label that never acknowledges is listed as `failed` (GET /api/v1/sync). */
  labelRetries: z.coerce.number().int().min(0).max(100).default(5),
  /** A signage screen without a heartbeat for this long counts as offline (players beat every 10 s). */
  screenOfflineSeconds: z.coerce.number().int().min(11).default(25),
  /** A player marks its price tiles stale when it has not heard from the controller for this long; 0 = never. */
  screenFreshnessSeconds: z.coerce.number().int().min(0).default(300),
  /** Largest media file a manager may upload for screens (POST /api/v1/screens/media), MiB. */
  screenMediaMaxMb: z.coerce.number().positive().max(4096).default(64),
  /** Proof of play older than this (by when the controller received it) is deleted; 0 = kept for good. */
  screenPlaysRetentionDays: z.coerce.number().int().min(0).max(36_500).default(90),
  /** Pairing codes one address may ask for per minute (an unauthenticated route). */
  screenPairingPerMinute: z.coerce.number().int().min(1).max(10_000).default(20),
  /** Show the EU Omnibus reference price beside announced reductions. */
  omnibus: z
    .enum(["on", "off", "true", "false", "1", "0"])
    .default("on")
    .transform((v) => v === "on" || v === "true" || v === "1"),
  omnibusDays: z.coerce.number().int().min(1).max(365).default(30),
  /**
   * Art. 6a(5): a reduction that deepens a running one without a gap keeps the prior price from
   * before the first stage. On by default (Germany, PAngV § 11(3), and most member states use it).
   */
  omnibusProgressive: z
    .enum(["on", "off", "true", "false", "1", "0"])
    .default("on")
    .transform((v) => v === "on" || v === "true" || v === "1"),
  /**
   * Art. 6a(3): product categories of perishable goods whose reductions the store's law exempts
   * from the prior-price rule (e.g. PAngV § 11(4) for markdowns because of imminent spoilage),
   * comma-separated. Empty by default: the general rule applies to every product.
   */
  omnibusPerishable: z
    .string()
    .default("")
    .transform((text) => commaList(text)),
  /**
   * Unit-price base per product category, e.g. `spices=100 g, coffee=kg`; other categories get the
   * default for their unit (per kg, per l, per piece).
   */
  unitBases: z
    .string()
    .default("")
    .transform((text, ctx) => {
      const out: Record<string, UnitBase> = {};
      for (const entry of commaList(text)) {
        const [category, base] = entry.split("=").map((p) => p.trim());
        if (!category || !base || !(UNIT_BASES as readonly string[]).includes(base)) {
          ctx.addIssue({
            code: "custom",
            message: `"${entry}" is not category=base with base one of ${UNIT_BASES.join(", ")}`,
          });
          continue;
        }
        out[category] = base as UnitBase;
      }
      return out;
    }),
  /** A price cut by more than this share (or to zero) waits for an approval. */
  guardMaxCut: z.coerce.number().gt(0).max(1).default(0.5),
  /** A price raise by more than this share waits for an approval. */
  guardMaxRaise: z.coerce.number().gt(0).max(100).default(0.5),
  /**
   * A feed's cut is also measured from the highest price in force in this many days before it, so a
   * run of cuts that together pass SHELFSYNC_GUARD_MAX_CUT waits for approval; 0 = each change alone.
   */
  guardWindowDays: z.coerce.number().int().min(0).max(365).default(30),
  /** This store in Merchant Center local inventory (`store_code`); unset = the store id. Case-sensitive. */
  storeCode: z.string().trim().min(1).max(64).optional(),
  /** The web shop's Merchant Center product feed (RSS/Atom XML or TSV, gzip allowed), pulled over HTTP. */
  onlineFeedUrl: z.url({ protocol: /^https?$/ }).optional(),
  onlineFeedMode: z.enum(SOURCE_MODES).default("import"),
  /** The local inventory feed (TSV), pulled over HTTP. */
  localInventoryUrl: z.url({ protocol: /^https?$/ }).optional(),
  localInventoryMode: z.enum(SOURCE_MODES).default("import"),
  /** Largest Merchant Center body after decompression, in MiB (a 500,000-item XML feed is ~350 MiB). */
  onlineFeedMaxMb: z.coerce.number().int().min(1).max(16_384).default(1024),
  /** A pull that has not finished after this long is abandoned (and retried). */
  onlineFeedTimeoutSeconds: z.coerce.number().int().min(1).max(86_400).default(600),
  /** Minutes between pulls of the online sources and parity audits; 0 = only after each import. */
  parityIntervalMinutes: z.coerce.number().int().min(0).max(10_080).default(60),
  /**
   * Where the nightly parity audit reads the shop: `feed` (its feeds, as stored) or `pages` (each
   * product's page, its JSON-LD, as Google's crawl does). Audits after imports and on the interval
   * always read the feeds; `pages` adds a nightly audit against the pages.
   */
  paritySource: z.enum(["feed", "pages"]).default("feed"),
  /** Product page requests started per second to one host. */
  parityPagesPerSecond: z.coerce.number().positive().max(100).default(2),
  /** Product pages fetched at once. */
  parityPagesConcurrency: z.coerce.number().int().min(1).max(64).default(4),
  /** The hour (store time, 0-23) the nightly audit against the product pages starts. */
  parityPagesHour: z.coerce.number().int().min(0).max(23).default(3),
  /**
   * Central catch-up (docs/central-catch-up.md): missing feed batches (a gap in the sequences) and
   * batches newer than the last applied are pulled from here. Unset: gaps stay until a feed fills them.
   */
  centralUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** One catch-up request, body included; a slower one is abandoned and retried. */
  centralTimeoutSeconds: z.coerce.number().positive().max(3_600).default(30),
  /** Retries of one catch-up request (with backoff) before the run gives up until the next one. */
  centralRetries: z.coerce.number().int().min(0).max(20).default(3),
  /** Seconds between catch-up runs while nothing is missing (sooner while behind or failing). */
  centralIntervalSeconds: z.coerce.number().positive().max(86_400).default(300),
  /**
   * Chain feeds (docs/chain.md): `on` takes central's batches from `shelfsync/chain/…` with a
   * persistent session and publishes the store's roll-up on `shelfsync/chain/store/{storeId}/status`.
   */
  chain: z.enum(["on", "off"]).default("off"),
  /**
   * Where the chain topics are: unset, the controller's own broker (the store's Mosquitto, bridged to
   * the chain broker: `npm run token -- mosquitto-bridge`); or the chain broker itself (comma-separated
   * cluster nodes).
   */
  chainUrl: z
    .string()
    .refine(
      (s) =>
        s.split(",").every((u) => {
          try {
            return /^(mqtts?|tcp):$/.test(new URL(u.trim()).protocol);
          } catch {
            return false;
          }
        }),
      "must be one or more mqtt:// or mqtts:// URLs, comma-separated",
    )
    .optional(),
  /** Sign-in on the chain URL; unset, the controller's own MQTT sign-in. */
  chainUsername: z.string().optional(),
  chainPassword: z.string().optional(),
  /** The roll-up is published at most this often (and only when it changed, or every 5 minutes). */
  chainStatusSeconds: z.coerce.number().min(0.05).max(3_600).default(1),
  /** Seeds an ops-role API token; unset, the first start creates one next to the database file. */
  adminToken: z.string().min(16, "must be at least 16 characters").optional(),
  /** Failed sign-ins (unknown or revoked tokens) one client address may make per window before 429. */
  authMaxFailures: z.coerce.number().int().min(1).max(10_000).default(10),
  authFailureWindowSeconds: z.coerce.number().int().min(1).max(86_400).default(60),
  logLevel: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  /**
   * How long a feed batch waits for the database's write lock while another process holds it (a
   * direct import, a backup tool) before it is answered 503 database_busy.
   */
  dbBusyWaitSeconds: z.coerce.number().int().min(0).max(600).default(30),
  /**
   * How far above a feed's last applied sequence a batch's may be (a first batch counts from 0):
   * further is refused (409 sequence_jump), so one wrong number cannot block a feed; ops set a
   * feed's sequence with PUT /api/v1/feeds/{feed}/sequence.
   */
  /** Largest JSON body of an API request (feeds excepted), KiB. */
  httpMaxBodyKb: z.coerce.number().int().min(1).max(1_048_576).default(1024),
  /** Largest central feed body (CSV, NDJSON, JSON), MiB: refused while streaming once passed. */
  feedMaxMb: z.coerce.number().int().min(1).max(16_384).default(64),
  /**
   * Rows of one feed batch: a batch is validated whole before it is applied, so its rows are held in
   * memory (about 200 bytes each); past this many it is refused (413) while streaming. Bounds the
   * heap a batch can take whatever SHELFSYNC_FEED_MAX_MB allows; a bigger catalogue is sent in
   * several batches.
   */
  feedMaxRows: z.coerce.number().int().min(1).max(100_000_000).default(250_000),
  /** Feed batches read and applied at once; more wait (up to SHELFSYNC_FEED_QUEUE) or get 429. */
  feedConcurrency: z.coerce.number().int().min(1).max(64).default(FEED_QUEUE_DEFAULTS.concurrency),
  feedQueue: z.coerce.number().int().min(0).max(1000).default(FEED_QUEUE_DEFAULTS.queue),
  /** Largest MQTT payload the controller handles from devices, KiB; bigger ones are dropped and logged. */
  mqttMaxPayloadKb: z.coerce.number().int().min(1).max(262_144).default(64),
  feedMaxSequenceJump: z.coerce.number().int().min(1).max(999_999_999_999_999).default(1_000_000),
  /**
   * `npm start` gives memory back after a burst of work: one compacting collection once the process
   * has been quiet for half a second after its heap grew (controller/memory.ts). `off` leaves it to V8.
   */
  memoryRelease: z.enum(["on", "off"]).default("on"),
});
export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

const ENV: Record<keyof Config, string> = {
  storeId: "SHELFSYNC_STORE_ID",
  httpPort: "SHELFSYNC_HTTP_PORT",
  httpHost: "SHELFSYNC_HTTP_HOST",
  dbPath: "SHELFSYNC_DB",
  mqttUrl: "SHELFSYNC_MQTT_URL",
  mqttPort: "SHELFSYNC_MQTT_PORT",
  mqttAuth: "SHELFSYNC_MQTT_AUTH",
  mqttTlsCert: "SHELFSYNC_MQTT_TLS_CERT",
  mqttTlsKey: "SHELFSYNC_MQTT_TLS_KEY",
  mqttTlsPort: "SHELFSYNC_MQTT_TLS_PORT",
  mqttCa: "SHELFSYNC_MQTT_CA",
  mqttUsername: "SHELFSYNC_MQTT_USERNAME",
  mqttPassword: "SHELFSYNC_MQTT_PASSWORD",
  locale: "SHELFSYNC_LOCALE",
  currency: "SHELFSYNC_CURRENCY",
  timeZone: "SHELFSYNC_TIMEZONE",
  stockLowThreshold: "SHELFSYNC_STOCK_LOW",
  offlineAfterSeconds: "SHELFSYNC_OFFLINE_AFTER_SECONDS",
  labelAckTimeoutSeconds: "SHELFSYNC_LABEL_ACK_TIMEOUT_SECONDS",
  labelRetries: "SHELFSYNC_LABEL_RETRIES",
  screenOfflineSeconds: "SHELFSYNC_SCREEN_OFFLINE_SECONDS",
  screenFreshnessSeconds: "SHELFSYNC_SCREEN_FRESHNESS_SECONDS",
  screenMediaMaxMb: "SHELFSYNC_SCREEN_MEDIA_MAX_MB",
  screenPlaysRetentionDays: "SHELFSYNC_SCREEN_PLAYS_RETENTION_DAYS",
  screenPairingPerMinute: "SHELFSYNC_SCREEN_PAIRING_PER_MINUTE",
  omnibus: "SHELFSYNC_OMNIBUS",
  omnibusDays: "SHELFSYNC_OMNIBUS_DAYS",
  omnibusProgressive: "SHELFSYNC_OMNIBUS_PROGRESSIVE",
  omnibusPerishable: "SHELFSYNC_OMNIBUS_PERISHABLE",
  unitBases: "SHELFSYNC_UNIT_BASES",
  guardMaxCut: "SHELFSYNC_GUARD_MAX_CUT",
  guardMaxRaise: "SHELFSYNC_GUARD_MAX_RAISE",
  guardWindowDays: "SHELFSYNC_GUARD_WINDOW_DAYS",
  storeCode: "SHELFSYNC_STORE_CODE",
  onlineFeedUrl: "SHELFSYNC_ONLINE_FEED_URL",
  onlineFeedMode: "SHELFSYNC_ONLINE_FEED_MODE",
  localInventoryUrl: "SHELFSYNC_LOCAL_INVENTORY_URL",
  localInventoryMode: "SHELFSYNC_LOCAL_INVENTORY_MODE",
  onlineFeedMaxMb: "SHELFSYNC_ONLINE_FEED_MAX_MB",
  onlineFeedTimeoutSeconds: "SHELFSYNC_ONLINE_FEED_TIMEOUT_SECONDS",
  parityIntervalMinutes: "SHELFSYNC_PARITY_INTERVAL",
  paritySource: "SHELFSYNC_PARITY_SOURCE",
  parityPagesPerSecond: "SHELFSYNC_PARITY_PAGES_PER_SECOND",
  parityPagesConcurrency: "SHELFSYNC_PARITY_PAGES_CONCURRENCY",
  parityPagesHour: "SHELFSYNC_PARITY_PAGES_HOUR",
  centralUrl: "SHELFSYNC_CENTRAL_URL",
  centralTimeoutSeconds: "SHELFSYNC_CENTRAL_TIMEOUT_SECONDS",
  centralRetries: "SHELFSYNC_CENTRAL_RETRIES",
  centralIntervalSeconds: "SHELFSYNC_CENTRAL_INTERVAL_SECONDS",
  chain: "SHELFSYNC_CHAIN",
  chainUrl: "SHELFSYNC_CHAIN_URL",
  chainUsername: "SHELFSYNC_CHAIN_USERNAME",
  chainPassword: "SHELFSYNC_CHAIN_PASSWORD",
  chainStatusSeconds: "SHELFSYNC_CHAIN_STATUS_SECONDS",
  adminToken: "SHELFSYNC_ADMIN_TOKEN",
  authMaxFailures: "SHELFSYNC_AUTH_MAX_FAILURES",
  authFailureWindowSeconds: "SHELFSYNC_AUTH_FAILURE_WINDOW_SECONDS",
  logLevel: "SHELFSYNC_LOG_LEVEL",
  dbBusyWaitSeconds: "SHELFSYNC_DB_BUSY_WAIT_SECONDS",
  feedMaxSequenceJump: "SHELFSYNC_FEED_MAX_SEQUENCE_JUMP",
  httpMaxBodyKb: "SHELFSYNC_HTTP_MAX_BODY_KB",
  feedMaxMb: "SHELFSYNC_FEED_MAX_MB",
  feedMaxRows: "SHELFSYNC_FEED_MAX_ROWS",
  feedConcurrency: "SHELFSYNC_FEED_CONCURRENCY",
  feedQueue: "SHELFSYNC_FEED_QUEUE",
  mqttMaxPayloadKb: "SHELFSYNC_MQTT_MAX_PAYLOAD_KB",
  memoryRelease: "SHELFSYNC_MEMORY_RELEASE",
};

const FLAGS: Partial<Record<keyof Config, string>> = {
  storeId: "store-id",
  httpPort: "http-port",
  dbPath: "db",
  mqttUrl: "mqtt-url",
  mqttPort: "mqtt-port",
  timeZone: "timezone",
  logLevel: "log-level",
};

/** The flags every controller command (start, demo) takes, for parseCommandLine (lib/cli.ts). */
export const CONFIG_FLAGS: Record<string, { type: "string" }> = Object.fromEntries(
  Object.values(FLAGS).map((flag) => [flag, { type: "string" as const }]),
);

/** The settings part of a command's --help: each flag with its variable, then the variables alone. */
export function configUsage(): string {
  const flagged = (Object.keys(FLAGS) as (keyof Config)[]).map(
    (key) => `  --${`${FLAGS[key]} <value>`.padEnd(22)} ${ENV[key]}`,
  );
  const envOnly = (Object.keys(ENV) as (keyof Config)[]).filter((k) => !FLAGS[k]).map((k) => ENV[k]);
  return [
    "settings (a flag overrides its environment variable):",
    ...flagged,
    "environment only (README, Configuration):",
    ...envOnly.map((v) => `  ${v}`),
    "  SHELFSYNC_LOG_FORMAT (json or pretty; default: pretty on a terminal, else json)",
  ].join("\n");
}

/** A bad setting: the command prints it (one line per setting) and exits 2. */
export class ConfigError extends CommandError {}

/** Build the config from env and argv; throws ConfigError with one line per bad setting. */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  argv: string[] = process.argv.slice(2),
  overrides: Partial<ConfigInput> = {},
): Config {
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(Object.values(FLAGS).map((f) => [f, { type: "string" as const }])),
    strict: false,
    allowPositionals: true,
  });
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(ENV) as (keyof Config)[]) {
    const fromEnv = env[ENV[key]];
    if (fromEnv !== undefined && fromEnv !== "") raw[key] = fromEnv;
    const flag = FLAGS[key];
    const fromFlag = flag ? values[flag] : undefined;
    if (typeof fromFlag === "string") raw[key] = fromFlag;
  }
  Object.assign(raw, overrides);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const sourceOf = (key: string) => {
      const flag = FLAGS[key as keyof Config];
      return `${ENV[key as keyof Config] ?? key}${flag ? ` / --${flag}` : ""}`;
    };
    const isSecret = (key: string) =>
      key === "adminToken" || key === "mqttPassword" || key === "chainPassword";
    const lines = parsed.error.issues.map((issue) => optionProblem(issue, raw, sourceOf, isSecret));
    throw new ConfigError(`invalid configuration:\n  ${lines.join("\n  ")}`);
  }
  return parsed.data;
}
