import { createReadStream, existsSync, readFileSync, statSync } from "node:fs";
import { extname } from "node:path";
import { Readable, Transform } from "node:stream";
import { SingleBar } from "cli-progress";
import { CommandError, parseCommandLine, runCommand } from "../../lib/cli.ts";
import {
  FEED_MEDIA_TYPES,
  FEED_NAMES,
  type FeedFormat,
  type FeedName,
  type FeedReply,
} from "../../schemas/index.ts";
import { adminTokenFile } from "../auth.ts";
import { type Config, ConfigError, loadConfig } from "../config.ts";
import { FeedRejected, FeedTooLarge } from "../feeds/ingest.ts";
import { createLogger } from "../log.ts";
import { feedPipeline } from "../pipeline.ts";
import { NewerDatabaseError, UnusableDatabaseError } from "../store/db.ts";
import { openStores } from "../store/index.ts";
import { importMerchant, MERCHANT_USAGE } from "./import-merchant.ts";

/**
 * `npm run import -- <products|prices|stock> <file> [--sequence N] [--direct]`
 * `npm run import -- <merchant|local-inventory> <file|url> […]` (import-merchant.ts)
 *
 * If a controller answers on SHELFSYNC_HTTP_PORT, the file is streamed to its API (with the token of
 * SHELFSYNC_TOKEN, SHELFSYNC_ADMIN_TOKEN or the first start's admin-token file), so labels update at
 * once. Otherwise (or with --direct) the batch goes straight into the SQLite file through the same
 * ingestion code (the same feed queue turn and the same per-batch limits, SHELFSYNC_FEED_MAX_MB and
 * SHELFSYNC_FEED_MAX_ROWS, as a POSTed batch); label content is then recomputed there and published
 * when the controller starts.
 */
const USAGE =
  "usage: npm run import -- <products|prices|stock> <file.csv|.ndjson|.jsonl|.json> [--sequence N] [--direct]";

const FORMAT_BY_EXTENSION: Record<string, FeedFormat> = {
  ".csv": "csv",
  ".ndjson": "ndjson",
  ".jsonl": "ndjson",
  ".json": "json",
};

function byteCounter(onBytes: (n: number) => void) {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
}

async function controllerAnswers(url: string): Promise<boolean> {
  try {
    const r = await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(1500) });
    return r.ok;
  } catch {
    return false;
  }
}

/**
 * The token to send to a running controller: SHELFSYNC_TOKEN (any token whose role may post the
 * feed), else SHELFSYNC_ADMIN_TOKEN, else the ops token a first start wrote beside the database.
 */
function apiToken(config: Config): string {
  const fromEnv = process.env.SHELFSYNC_TOKEN || config.adminToken;
  if (fromEnv) return fromEnv;
  const file = adminTokenFile(config.dbPath);
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  throw new ConfigError(
    `no API token for the running controller: set SHELFSYNC_TOKEN (npm run token -- create --role ops --name "…" makes one), or use --direct`,
  );
}

async function main(): Promise<number | undefined> {
  const { values, positionals } = parseCommandLine(process.argv.slice(2), {
    sequence: { type: "string" },
    direct: { type: "boolean", default: false },
    mode: { type: "string" },
    invalid: { type: "string" },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n${MERCHANT_USAGE}\n`);
    return 0;
  }
  const [feed, file, ...extra] = positionals;
  if (!feed || !file) throw new CommandError("give a feed and a file (see --help)");
  if (extra.length > 0) throw new CommandError(`unexpected argument "${extra[0]}" (see --help)`);
  if ((feed === "merchant" || feed === "local-inventory") && file) {
    const config = loadConfig(process.env, []);
    const apiUrl = `http://127.0.0.1:${config.httpPort}`;
    const sequence = values.sequence === undefined ? undefined : Number(values.sequence);
    if (sequence !== undefined && !(Number.isInteger(sequence) && sequence >= 0)) {
      throw new ConfigError(
        `--sequence: must be a non-negative whole number (got ${JSON.stringify(values.sequence)})`,
      );
    }
    return await importMerchant({
      feed,
      source: file,
      sequence,
      mode: typeof values.mode === "string" ? values.mode : undefined,
      invalid: typeof values.invalid === "string" ? values.invalid : undefined,
      direct: values.direct === true,
      config,
      apiUrl,
      controllerAnswers: values.direct === true ? false : await controllerAnswers(apiUrl),
      token: () => apiToken(config),
    });
  }
  if (!(FEED_NAMES as readonly string[]).includes(feed)) {
    throw new CommandError(
      `unknown feed "${feed}" (one of ${[...FEED_NAMES, "merchant", "local-inventory"].join(", ")})`,
    );
  }
  if (!existsSync(file)) throw new CommandError(`no file ${file}`);
  const format = FORMAT_BY_EXTENSION[extname(file).toLowerCase()];
  if (!format)
    throw new ConfigError(
      `cannot tell the format of ${file} from its extension (.csv, .ndjson, .jsonl, .json)`,
    );
  const size = statSync(file).size;
  const config = loadConfig(process.env, []);
  const apiUrl = `http://127.0.0.1:${config.httpPort}`;
  const explicitSequence = values.sequence === undefined ? undefined : Number(values.sequence);
  if (explicitSequence !== undefined && !(Number.isInteger(explicitSequence) && explicitSequence >= 0)) {
    throw new ConfigError(
      `--sequence: must be a non-negative whole number (got ${JSON.stringify(values.sequence)})`,
    );
  }

  const bar = new SingleBar({
    format: "{feed} [{bar}] {percentage}% | {value}/{total} bytes | {rows} rows",
    hideCursor: true,
    noTTYOutput: false,
  });
  bar.start(size, 0, { feed, rows: 0 });
  let sent = 0;
  const body = createReadStream(file).pipe(
    byteCounter((n) => {
      sent += n;
      bar.update(sent);
    }),
  );

  let reply: FeedReply;
  if (!values.direct && (await controllerAnswers(apiUrl))) {
    const authorization = `Bearer ${apiToken(config)}`;
    const healthRes = await fetch(`${apiUrl}/api/v1/health`, { headers: { Authorization: authorization } });
    const health = (await healthRes.json()) as {
      feeds?: Record<string, { lastSequence: number | null }>;
      error?: { message: string };
    };
    if (!health.feeds) {
      bar.stop();
      throw new ConfigError(
        `the controller refused the token (${healthRes.status}): ${health.error?.message ?? "health shows no feeds to this role"}`,
      );
    }
    const sequence = explicitSequence ?? (health.feeds[feed]?.lastSequence ?? 0) + 1;
    const res = await fetch(`${apiUrl}/api/v1/feeds/${feed}?sequence=${sequence}`, {
      method: "POST",
      headers: { "Content-Type": FEED_MEDIA_TYPES[format][0], Authorization: authorization },
      body: Readable.toWeb(body) as ReadableStream<Uint8Array>,
      duplex: "half",
    } as RequestInit);
    bar.stop();
    const json = (await res.json()) as FeedReply | { error: { message: string; details?: unknown } };
    if ("error" in json) {
      process.stderr.write(`import rejected (${res.status}): ${json.error.message}\n`);
      if (Array.isArray(json.error.details)) {
        for (const d of json.error.details as { line: number; field: string; reason: string }[]) {
          process.stderr.write(`  line ${d.line} ${d.field}: ${d.reason}\n`);
        }
      }
      process.exit(1);
    }
    reply = json;
    process.stdout.write(`via controller at ${apiUrl}\n`);
  } else {
    const stores = openStores(config.dbPath);
    const { ingest } = feedPipeline(stores, config, { log: createLogger("warn") });
    const { catalog } = stores;
    const sequence = explicitSequence ?? (catalog.lastSequence(feed as FeedName) ?? 0) + 1;
    try {
      reply = await ingest({
        feed: feed as FeedName,
        sequence,
        format,
        body,
        onProgress: (rows) => bar.update(sent, { rows }),
      });
    } catch (e) {
      bar.stop();
      if (e instanceof FeedTooLarge) {
        process.stderr.write(`import refused: ${e.message}\n`);
        process.exit(1);
      }
      if (!(e instanceof FeedRejected)) throw e;
      process.stderr.write(`import rejected: ${e.message}\n`);
      for (const d of e.details) process.stderr.write(`  line ${d.line} ${d.field}: ${d.reason}\n`);
      process.exit(1);
    } finally {
      stores.close();
    }
    bar.stop();
    process.stdout.write(`directly into ${config.dbPath} (labels are published when the controller runs)\n`);
  }
  process.stdout.write(
    `${reply.feed} #${reply.sequence}: ${reply.applied ? "applied" : `not applied (${reply.reason})`}; ` +
      `${reply.rowsRead} rows read, ${reply.rowsChanged} changed, ${reply.labelsAffected} labels affected, ` +
      `${reply.durationMs} ms\n`,
  );
}

runCommand("import", main, (e) => e instanceof UnusableDatabaseError || e instanceof NewerDatabaseError);
