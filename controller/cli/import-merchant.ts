import { createReadStream } from "node:fs";
import { extname } from "node:path";
import { Readable } from "node:stream";
import {
  type MerchantFeed,
  type MerchantFeedReply,
  type MerchantItemError,
  SOURCE_MODES,
  type SourceMode,
} from "../../schemas/index.ts";
import { type Config, ConfigError } from "../config.ts";
import { FeedTooLarge } from "../feeds/ingest.ts";
import { MERCHANT_MEDIA_TYPES, type MerchantFormat } from "../feeds/merchant/body.ts";
import { MerchantRejected } from "../feeds/merchant/ingest.ts";
import { createLogger } from "../log.ts";
import { feedPipeline } from "../pipeline.ts";
import { pull } from "../pull/http-pull.ts";
import { openStores } from "../store/index.ts";

export const MERCHANT_USAGE =
  "usage: npm run import -- <merchant|local-inventory> <file|http(s) URL> [--sequence N] [--mode import|audit-only] [--invalid skip] [--direct]";

const FORMAT_BY_EXTENSION: Record<string, MerchantFormat> = {
  ".xml": "xml",
  ".rss": "xml",
  ".atom": "xml",
  ".tsv": "tsv",
  ".txt": "tsv",
};

export interface MerchantImportArgs {
  feed: MerchantFeed;
  /** A file path or an http(s) URL. */
  source: string;
  sequence?: number | undefined;
  mode?: string | undefined;
  invalid?: string | undefined;
  direct: boolean;
  config: Config;
  apiUrl: string;
  controllerAnswers: boolean;
  /** The bearer token for the running controller (see apiToken in import.ts); read when it is used. */
  token: () => string;
}

const isUrl = (s: string) => /^https?:\/\//i.test(s);

function printProblems(list: MerchantItemError[], write: (s: string) => void): void {
  for (const d of list) {
    write(
      `  line ${d.line}${d.itemId ? ` item ${d.itemId}` : ""} ${d.field}${d.value ? ` "${d.value}"` : ""}: ${d.reason}\n`,
    );
  }
}

/**
 * `npm run import -- merchant <file|url>`: a Merchant Center feed from a file or pulled from a URL,
 * streamed to the running controller (or with --direct, or when none answers, into the SQLite file
 * through the same ingest). Returns the exit code.
 */
export async function importMerchant(a: MerchantImportArgs): Promise<number> {
  const mode = (a.mode ??
    (a.feed === "merchant" ? a.config.onlineFeedMode : a.config.localInventoryMode)) as SourceMode;
  if (!(SOURCE_MODES as readonly string[]).includes(mode)) {
    throw new ConfigError(`--mode: must be ${SOURCE_MODES.join(" or ")} (got ${JSON.stringify(a.mode)})`);
  }
  const invalid = a.invalid ?? "reject";
  if (invalid !== "reject" && invalid !== "skip") {
    throw new ConfigError(`--invalid: must be skip or reject (got ${JSON.stringify(a.invalid)})`);
  }
  const maxBytes = a.config.onlineFeedMaxMb * 1024 * 1024;
  const viaController = !a.direct && a.controllerAnswers;

  /** Sends one body to where it goes, as the format the file name or the server names (else sniffed). */
  const send = async (
    body: ReadableStream<Uint8Array>,
    format: MerchantFormat | undefined,
    source: MerchantFeedReply["source"],
  ): Promise<MerchantFeedReply | { error: string; details: MerchantItemError[] }> => {
    if (viaController) {
      const token = a.token();
      const health = (await (
        await fetch(`${a.apiUrl}/api/v1/health`, { headers: { Authorization: `Bearer ${token}` } })
      ).json()) as {
        feeds?: Record<string, { lastSequence: number | null }>;
      };
      const sequence = a.sequence ?? (health.feeds?.[a.feed]?.lastSequence ?? 0) + 1;
      const res = await fetch(
        `${a.apiUrl}/api/v1/feeds/${a.feed}?sequence=${sequence}&mode=${mode}&invalid=${invalid}`,
        {
          method: "POST",
          headers: {
            "Content-Type": format ? (MERCHANT_MEDIA_TYPES[format][0] as string) : "application/octet-stream",
            Authorization: `Bearer ${token}`,
          },
          body,
          duplex: "half",
        } as RequestInit,
      );
      const json = (await res.json()) as
        | MerchantFeedReply
        | { error: { message: string; details?: unknown } };
      if ("error" in json) {
        const details = Array.isArray(json.error.details) ? (json.error.details as MerchantItemError[]) : [];
        return { error: `import rejected (${res.status}): ${json.error.message}`, details };
      }
      return json;
    }
    const stores = openStores(a.config.dbPath);
    try {
      const { ingestMerchant } = feedPipeline(stores, a.config, { log: createLogger("warn") });
      return await ingestMerchant({
        feed: a.feed,
        sequence: a.sequence ?? (stores.catalog.lastSequence(a.feed) ?? 0) + 1,
        mode,
        invalid,
        body,
        format,
        maxBytes,
        source,
      });
    } catch (e) {
      if (e instanceof MerchantRejected)
        return { error: `import rejected: ${e.message}`, details: e.details };
      if (e instanceof FeedTooLarge) return { error: `import rejected: ${e.message}`, details: [] };
      throw e;
    } finally {
      stores.close();
    }
  };

  let reply: Awaited<ReturnType<typeof send>>;
  if (isUrl(a.source)) {
    const r = await pull({
      url: a.source,
      timeoutMs: a.config.onlineFeedTimeoutSeconds * 1000,
      maxBytes,
      consume: (body, response) => {
        const type = response.contentType?.split(";")[0]?.trim().toLowerCase() ?? "";
        const format = (Object.keys(MERCHANT_MEDIA_TYPES) as MerchantFormat[]).find((f) =>
          MERCHANT_MEDIA_TYPES[f].includes(type),
        );
        return send(body, format, {
          kind: "url",
          url: a.source,
          fetchedAt: new Date().toISOString(),
          etag: response.etag,
        });
      },
    });
    if (r.outcome !== "fetched") throw new Error(`GET ${a.source} answered ${r.status}`);
    reply = r.value;
  } else {
    const ext = extname(a.source.replace(/\.gz$/i, "")).toLowerCase();
    const body = Readable.toWeb(createReadStream(a.source)) as ReadableStream<Uint8Array>;
    reply = await send(body, FORMAT_BY_EXTENSION[ext], {
      kind: "file",
      url: null,
      fetchedAt: null,
      etag: null,
    });
  }

  const out = (s: string) => process.stdout.write(s);
  if ("error" in reply) {
    process.stderr.write(`${reply.error}\n`);
    printProblems(reply.details, (s) => process.stderr.write(s));
    return 1;
  }
  out(
    viaController
      ? `via controller at ${a.apiUrl}\n`
      : `directly into ${a.config.dbPath} (labels are published when the controller runs)\n`,
  );
  out(
    `${reply.feed} #${reply.sequence} (${reply.mode}): ${reply.applied ? "applied" : `not applied (${reply.reason})`}; ` +
      `${reply.itemsRead} items read, ${reply.itemsAccepted} accepted, ${reply.itemsInvalid} invalid, ` +
      `${reply.rowsChanged} rows changed, ${reply.labelsAffected} labels affected, ${reply.durationMs} ms\n`,
  );
  if (reply.invalid.length > 0) {
    out("invalid items (skipped):\n");
    printProblems(reply.invalid, out);
  }
  if (reply.warnings.length > 0) {
    out("warnings:\n");
    printProblems(reply.warnings, out);
  }
  return 0;
}
