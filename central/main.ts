import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { CommandError, parseCommandLine, runCommand } from "../lib/cli.ts";
import { CHAIN_FEEDS, type ChainFeed, ID_PATTERN, parseChangeId } from "../schemas/index.ts";
import { connectChain } from "./broker.ts";
import { openCentralLog } from "./log.ts";
import { CentralRefused, publishChange } from "./publish.ts";
import { serveCatchUp } from "./serve.ts";
import { progressOf, progressTable, watchRollUp } from "./status.ts";

const USAGE = `usage: npm run central -- <command> [options]

Central ops' side of the chain (docs/chain.md): stamps feed batches with the chain's sequence
numbers, publishes them on the chain broker, serves the HTTP catch-up and shows the stores' roll-up.

  publish --feed <products|prices|stock|promotions> --file <path|url> [--store <id>]… [--format csv|ndjson|json]
            validate, stamp, publish (QoS 1) on shelfsync/chain/{feed}, or with --store on
            shelfsync/chain/store/{id}/{feed} for those stores only; prints the change id on stdout
  status [--change <id>] [--json] [--watch] [--wait <seconds>]
            every store's roll-up (shelfsync/chain/store/{id}/status): for a change, how many stores
            and labels already show it; --watch prints each update until all do (or --wait runs out)
  serve [--port <n>] [--host <addr>]
            GET /stores/{storeId}/feeds/{feed}/batches?after={seq} (docs/central-catch-up.md) from the
            log; a store's SHELFSYNC_CENTRAL_URL is {this server}/stores/{storeId}

options and settings:
  --db <file>          SHELFSYNC_CENTRAL_DB (default ./data/central.db): the stamped log
  --chain-url <urls>   SHELFSYNC_CHAIN_URL: the chain broker, one URL per cluster node, comma-separated
                       SHELFSYNC_CHAIN_USERNAME, SHELFSYNC_CHAIN_PASSWORD, SHELFSYNC_CHAIN_CA (PEM file)
  --timezone <tz>      SHELFSYNC_TIMEZONE: how rows are validated (instants without offset; default Europe/Berlin)
`;

const OPTIONS = {
  feed: { type: "string" },
  file: { type: "string" },
  store: { type: "string", multiple: true },
  format: { type: "string" },
  change: { type: "string" },
  json: { type: "boolean" },
  watch: { type: "boolean" },
  wait: { type: "string" },
  port: { type: "string" },
  host: { type: "string" },
  db: { type: "string" },
  "chain-url": { type: "string" },
  timezone: { type: "string" },
} as const;

function formatOf(path: string, given: string | undefined): "csv" | "ndjson" | "json" {
  const f =
    given ??
    ({ ".csv": "csv", ".ndjson": "ndjson", ".jsonl": "ndjson", ".json": "json" } as const)[
      extname(path.replace(/[?#].*$/, "")).toLowerCase() as ".csv"
    ];
  if (f !== "csv" && f !== "ndjson" && f !== "json")
    throw new CommandError(`cannot tell the format of ${path}: give --format csv|ndjson|json`);
  return f;
}

async function readSource(source: string): Promise<string> {
  if (/^https?:\/\//.test(source)) {
    const res = await fetch(source, { signal: AbortSignal.timeout(60_000) });
    if (!res.ok) throw new CommandError(`GET ${source}: ${res.status}`);
    return res.text();
  }
  try {
    return readFileSync(source, "utf8");
  } catch (e) {
    throw new CommandError(`cannot read ${source} (${(e as Error).message})`);
  }
}

runCommand(
  "central",
  async () => {
    const { values, positionals } = parseCommandLine(process.argv.slice(2), OPTIONS);
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    const [command, ...rest] = positionals;
    if (rest.length > 0) throw new CommandError(`unexpected argument "${rest[0]}" (see --help)`);
    const env = process.env;
    const dbPath = values.db ?? env.SHELFSYNC_CENTRAL_DB ?? "./data/central.db";
    const chainUrl = values["chain-url"] ?? env.SHELFSYNC_CHAIN_URL;
    const login = {
      username: env.SHELFSYNC_CHAIN_USERNAME,
      password: env.SHELFSYNC_CHAIN_PASSWORD,
      caFile: env.SHELFSYNC_CHAIN_CA,
    };
    const needChain = () => {
      if (!chainUrl) throw new CommandError("no chain broker: set SHELFSYNC_CHAIN_URL or --chain-url");
      return chainUrl;
    };

    if (command === "publish") {
      const feed = values.feed as ChainFeed | undefined;
      if (!feed || !(CHAIN_FEEDS as readonly string[]).includes(feed))
        throw new CommandError(`--feed must be one of ${CHAIN_FEEDS.join(", ")}`);
      if (!values.file) throw new CommandError("--file <path|url> is required");
      const stores = values.store ?? [];
      const bad = stores.find((s) => !ID_PATTERN.test(s));
      if (bad) throw new CommandError(`--store "${bad}" is not a store id`);
      const format = formatOf(values.file, values.format);
      const body = await readSource(values.file);
      const url = needChain();
      const log = openCentralLog(dbPath);
      const client = await connectChain(url, `shelfsync-central-publish-${process.pid}`, login);
      try {
        const entry = await publishChange(
          { client, log, timeZone: values.timezone ?? env.SHELFSYNC_TIMEZONE ?? "Europe/Berlin" },
          { feed, format, body, stores },
        );
        process.stdout.write(`${entry.changeId}\n`);
        process.stderr.write(
          `published ${entry.rows} ${feed} row(s) as sequence ${entry.sequence} to ${entry.stores ? entry.stores.join(", ") : "every store"}\n`,
        );
      } finally {
        await client.endAsync();
        log.close();
      }
      return 0;
    }

    if (command === "status") {
      if (values.change && !parseChangeId(values.change))
        throw new CommandError(`--change "${values.change}" is not a change id ({feed}-{sequence})`);
      const waitSeconds = values.wait === undefined ? (values.watch ? 3600 : 2) : Number(values.wait);
      if (!Number.isFinite(waitSeconds) || waitSeconds < 0) throw new CommandError("--wait must be seconds");
      // The stores a per-store change is for, when this machine has the log.
      let targets: string[] | null = null;
      if (values.change) {
        try {
          const log = openCentralLog(dbPath);
          targets = log.byChangeId(values.change)?.stores ?? null;
          log.close();
        } catch {
          targets = null;
        }
      }
      const client = await connectChain(needChain(), `shelfsync-central-status-${process.pid}`, login);
      const change = values.change ?? null;
      let resolveDone: () => void = () => {};
      const done = new Promise<void>((resolve) => {
        resolveDone = resolve;
      });
      const finish = setTimeout(resolveDone, waitSeconds * 1000);
      let quietTimer: NodeJS.Timeout | undefined;
      const allShow = (p: ReturnType<typeof progressOf>) =>
        p.stores.total > 0 && p.stores.showing === p.stores.total && p.labels.showing === p.labels.total;
      const watcher = await watchRollUp(client, (statuses) => {
        if (values.watch) {
          const p = progressOf(statuses.values(), change, targets);
          process.stdout.write(
            values.json ? `${JSON.stringify(p)}\n` : `\n${new Date().toISOString()}\n${progressTable(p)}`,
          );
          if (change && allShow(p)) resolveDone();
          return;
        }
        // A one-off: once the retained statuses stop arriving (a quiet 300 ms), the picture is complete.
        clearTimeout(quietTimer);
        quietTimer = setTimeout(resolveDone, 300);
      });
      await done;
      clearTimeout(finish);
      clearTimeout(quietTimer);
      if (!values.watch) {
        const p = progressOf(watcher.statuses.values(), change, targets);
        process.stdout.write(values.json ? `${JSON.stringify(p, null, 2)}\n` : progressTable(p));
      }
      await watcher.stop();
      await client.endAsync();
      return 0;
    }

    if (command === "serve") {
      const port = Number(values.port ?? env.SHELFSYNC_CENTRAL_PORT ?? 8090);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new CommandError("--port must be a port");
      const log = openCentralLog(dbPath);
      const s = await serveCatchUp(log, port, values.host ?? "0.0.0.0");
      process.stderr.write(`central catch-up listening on ${s.url} (log ${dbPath})\n`);
      const stop = async () => {
        await s.close();
        log.close();
        process.exit(0);
      };
      process.once("SIGINT", () => void stop());
      process.once("SIGTERM", () => void stop());
      return undefined;
    }

    throw new CommandError(
      command ? `unknown command "${command}" (see --help)` : "a command is required (see --help)",
    );
  },
  (e) => e instanceof CentralRefused,
);
