import { readFileSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  BRIDGE_NAME_MESSAGE,
  ID_PATTERN,
  idSchema,
  ROLES,
  roleSchema,
  tokenNameSchema,
} from "../../schemas/index.ts";
import { mosquittoBridgeConfig } from "../chain/bridge-config.ts";
import { configSchema } from "../config.ts";
import { writeMosquittoFiles } from "../mqtt/mosquitto-files.ts";
import { auditStore } from "../store/audit.ts";
import { NewerDatabaseError, openDb, UnusableDatabaseError } from "../store/db.ts";
import { labelStore } from "../store/labels.ts";
import { TokenNameTaken, tokenStore } from "../store/tokens.ts";

/**
 * `npm run token -- create|list|revoke`: API tokens for people and devices, straight in the SQLite
 * file, whether the controller runs or not (WAL lets both write; the controller looks every token up
 * per request, so a revocation holds from its next request on).
 */
const USAGE = `usage: npm run token -- <command> [--db <file>]

  create --role <role> --name <name>   a new token for a person or device; prints the token alone
                                       on stdout (it is stored hashed: this is the only time it is shown)
  list [--json]                        active tokens: name, role, created, last used
  revoke <name>                        revoke the active token of that name, at once
  mosquitto --out <dir> [--store-id <id>]
                                       Mosquitto's password and ACL files for the bridge and ops
                                       tokens (and controller.env: the controller's credentials);
                                       rewrite and reload Mosquitto (SIGHUP) after tokens, labels
                                       or their owners change (docs/operations.md)
  mosquitto-bridge --out <file> --chain-url <urls> [--store-id <id>] [--cafile <pem>]
                   [--certfile <pem> --keyfile <pem>] [--local-env <dir>/controller.env]
                                       the store Mosquitto's bridge to the chain broker (docs/chain.md):
                                       chain feeds in, the store's roll-up out, persistent session,
                                       QoS 1; the chain broker's sign-in from SHELFSYNC_CHAIN_USERNAME
                                       / SHELFSYNC_CHAIN_PASSWORD; --local-env signs the bridge in
                                       locally as the controller (a store broker with ACLs)

roles: ${ROLES.join(", ")}
--db   the controller's SQLite file (default: SHELFSYNC_DB, else ./data/shelfsync.db)
`;

class UsageError extends Error {}

function fail(message: string, code: number): never {
  process.stderr.write(`shelfsync token: ${message}\n`);
  process.exit(code);
}

function main(): void {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(process.argv.slice(2));
  } catch (e) {
    // One line, exit 2: an unknown flag, a missing value, a stray argument.
    // Node's message goes on about '--' after the first sentence; the first is the point.
    fail(
      (e as Error).message.replace(/\. To specify a positional.*$/s, "").split("\n")[0] ?? "bad arguments",
      2,
    );
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const [command, ...rest] = positionals;
  const dbPath = configSchema.shape.dbPath.parse(values.db || process.env.SHELFSYNC_DB || undefined);
  const actor = `npm run token (${userInfo().username})`;
  const now = Date.now();

  const run = (
    fn: (stores: {
      tokens: ReturnType<typeof tokenStore>;
      audit: ReturnType<typeof auditStore>;
      transaction: <T>(f: () => T) => T;
    }) => void,
  ) => {
    const db = openDb(dbPath);
    try {
      fn({
        tokens: tokenStore(db),
        audit: auditStore(db),
        transaction: (f) => db.$client.transaction(f)(),
      });
    } finally {
      db.$client.close();
    }
  };

  switch (command) {
    case "create": {
      if (rest.length > 0)
        throw new UsageError(`create takes no argument "${rest[0]}" (quote a name with spaces)`);
      const role = roleSchema.safeParse(values.role);
      if (values.role === undefined) throw new UsageError("create needs --role <role>");
      if (!role.success) throw new UsageError(`--role: must be one of ${ROLES.join(", ")}`);
      if (values.name === undefined) throw new UsageError("create needs --name <name>");
      const name = tokenNameSchema.safeParse(values.name);
      if (!name.success) throw new UsageError(`--name: ${name.error.issues[0]?.message}`);
      if (role.data === "bridge" && !ID_PATTERN.test(name.data))
        throw new UsageError(`--name: ${BRIDGE_NAME_MESSAGE}`);
      run(({ tokens, audit, transaction }) => {
        let token: string;
        try {
          token = transaction(() => {
            const t = tokens.create(name.data, role.data, now);
            audit.record({
              at: now,
              actor,
              action: "token.created",
              entity: "token",
              entityId: name.data,
              after: { name: name.data, role: role.data },
            });
            return t;
          });
        } catch (e) {
          if (e instanceof TokenNameTaken) fail(e.message, 1);
          throw e;
        }
        process.stdout.write(`${token}\n`);
      });
      return;
    }
    case "list": {
      if (rest.length > 0) throw new UsageError(`list takes no argument "${rest[0]}"`);
      run(({ tokens }) => {
        const list = tokens.list().map((t) => ({
          name: t.name,
          role: t.role,
          createdAt: new Date(t.createdAt).toISOString(),
          lastUsedAt: t.lastUsedAt === null ? null : new Date(t.lastUsedAt).toISOString(),
        }));
        if (values.json) {
          process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
          return;
        }
        const rows = [
          ["NAME", "ROLE", "CREATED", "LAST USED"],
          ...list.map((t) => [t.name, t.role, t.createdAt, t.lastUsedAt ?? "never"]),
        ];
        const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
        for (const r of rows)
          process.stdout.write(
            `${r
              .map((cell, i) => cell.padEnd(widths[i] ?? 0))
              .join("  ")
              .trimEnd()}\n`,
          );
      });
      return;
    }
    case "revoke": {
      if (rest.length !== 1)
        throw new UsageError("revoke needs exactly one token name (quote a name with spaces)");
      const name = rest[0] as string;
      run(({ tokens, audit, transaction }) => {
        const existing = tokens.get(name);
        if (!existing) fail(`no active token named "${name}" (npm run token -- list shows them)`, 1);
        transaction(() => {
          tokens.revoke(name, now);
          audit.record({
            at: now,
            actor,
            action: "token.revoked",
            entity: "token",
            entityId: name,
            before: { name, role: existing.role },
          });
        });
        if (existing.role === "ops" && tokens.countRole("ops") === 0) {
          process.stderr.write(
            "warning: no ops token is left; create one with --role ops to manage the store\n",
          );
        }
        process.stderr.write(`revoked "${name}" (${existing.role})\n`);
      });
      return;
    }
    case "mosquitto": {
      if (rest.length > 0) throw new UsageError(`mosquitto takes no argument "${rest[0]}"`);
      if (!values.out) throw new UsageError("mosquitto needs --out <dir>");
      const storeId = idSchema.safeParse(values["store-id"] || process.env.SHELFSYNC_STORE_ID || "store-1");
      if (!storeId.success) throw new UsageError(`--store-id: ${storeId.error.issues[0]?.message}`);
      const db = openDb(dbPath);
      try {
        const written = writeMosquittoFiles({
          dir: resolve(values.out),
          storeId: storeId.data,
          users: tokenStore(db).mqttUsers(),
          labelsByBridge: labelStore(db).labelsByBridge(),
        });
        for (const name of written.skipped) {
          process.stderr.write(
            `warning: token "${name}" was made before Mosquitto entries were kept; revoke it and create it anew to include it\n`,
          );
        }
        process.stderr.write(
          `wrote ${written.dir}/passwd (${written.users} users + the controller), acl, shelfsync.conf, controller.env; ` +
            `load them by including ${written.conf} in mosquitto.conf (e.g. a link in /etc/mosquitto/conf.d), then reload Mosquitto\n`,
        );
      } finally {
        db.$client.close();
      }
      return;
    }
    case "mosquitto-bridge": {
      if (rest.length > 0) throw new UsageError(`mosquitto-bridge takes no argument "${rest[0]}"`);
      if (!values.out) throw new UsageError("mosquitto-bridge needs --out <file>");
      const chainUrl = values["chain-url"] || process.env.SHELFSYNC_CHAIN_URL;
      if (!chainUrl)
        throw new UsageError("mosquitto-bridge needs --chain-url <urls> (or SHELFSYNC_CHAIN_URL)");
      const storeId = idSchema.safeParse(values["store-id"] || process.env.SHELFSYNC_STORE_ID || "store-1");
      if (!storeId.success) throw new UsageError(`--store-id: ${storeId.error.issues[0]?.message}`);
      let local: { username?: string; password?: string } = {};
      if (values["local-env"]) {
        const text = readFileSync(values["local-env"], "utf8");
        local = {
          username: /^SHELFSYNC_MQTT_USERNAME=(\S+)$/m.exec(text)?.[1],
          password: /^SHELFSYNC_MQTT_PASSWORD=(\S+)$/m.exec(text)?.[1],
        };
      }
      let text: string;
      try {
        text = mosquittoBridgeConfig({
          storeId: storeId.data,
          chainUrls: chainUrl,
          remoteUsername: process.env.SHELFSYNC_CHAIN_USERNAME,
          remotePassword: process.env.SHELFSYNC_CHAIN_PASSWORD,
          cafile: values.cafile,
          certfile: values.certfile,
          keyfile: values.keyfile,
          localUsername: local.username,
          localPassword: local.password,
        });
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      const out = resolve(values.out);
      writeFileSync(out, text, { mode: 0o600 });
      process.stderr.write(
        `wrote ${out}; include it in the store's mosquitto.conf (with persistence true)\n`,
      );
      return;
    }
    case undefined:
      throw new UsageError(
        "give a command: create, list, revoke, mosquitto or mosquitto-bridge (--help for more)",
      );
    default:
      throw new UsageError(
        `unknown command "${command}"; commands are create, list, revoke, mosquitto, mosquitto-bridge`,
      );
  }
}

function parseOptions(args: string[]) {
  return parseArgs({
    args,
    options: {
      role: { type: "string" },
      name: { type: "string" },
      db: { type: "string" },
      out: { type: "string" },
      "store-id": { type: "string" },
      "chain-url": { type: "string" },
      cafile: { type: "string" },
      certfile: { type: "string" },
      keyfile: { type: "string" },
      "local-env": { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
    strict: true,
  });
}

try {
  main();
} catch (e) {
  if (e instanceof UsageError || e instanceof UnusableDatabaseError || e instanceof NewerDatabaseError)
    fail(e.message, 2);
  throw e;
}
