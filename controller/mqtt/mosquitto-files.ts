import { pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TOPIC_ROOT } from "../../schemas/index.ts";
import { CONTROLLER_USERNAME } from "./broker-access.ts";

/**
 * Mosquitto's password file and ACL file for the store's tokens: the same rules as the embedded
 * broker (broker-access.ts), written the way Mosquitto 2 reads them.
 *
 * Password entries are Mosquitto's own `$7$` format (what `mosquitto_passwd` writes since 2.0):
 * `$7$<iterations>$<base64 salt>$<base64 PBKDF2-HMAC-SHA512(password, salt, iterations, 64)>`, with
 * a 12-byte salt and 101 iterations as mosquitto_passwd uses. A token is only known in the clear
 * when it is created, so its entry is made then and kept beside the token's SHA-256
 * (api_tokens.mosquitto_hash); a token made before that has none and must be created anew.
 *
 * Mosquitto's ACL file cannot tell retained from not, nor look up a label's owner at publish time:
 * each bridge gets one line per label it owns (rewrite and reload the files after labels are
 * announced or moved), and a retained state of its own label is not refused there (threat-model.md).
 *
 * The controller signs in twice under its one user: its availability session and, in a worker, its
 * content session (client id `…-contents`, controller-link.ts). Mosquitto's ACL lines are per user,
 * not per client id, so the controller's lines cover both (tests/mqtt-mosquitto-acl.test.ts runs
 * the store end to end through them).
 */
const ITERATIONS = 101;
const SALT_BYTES = 12;

/** A `$7$` entry for this password (the part after `username:`). */
export function mosquittoHash(password: string, salt: Buffer = randomBytes(SALT_BYTES)): string {
  const hash = pbkdf2Sync(password, salt, ITERATIONS, 64, "sha512");
  return `$7$${ITERATIONS}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

/** Whether a `$7$` entry matches a password (tests; Mosquitto itself does this at connect). */
export function mosquittoHashMatches(entry: string, password: string): boolean {
  const [, kind, iterations, salt, hash] = entry.split("$");
  if (kind !== "7" || !iterations || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64");
  const got = pbkdf2Sync(
    password,
    Buffer.from(salt, "base64"),
    Number(iterations),
    expected.length,
    "sha512",
  );
  return got.length === expected.length && timingSafeEqual(got, expected);
}

export interface MosquittoUser {
  name: string;
  role: "bridge" | "ops";
  /** The `$7$` entry made when the token was created. */
  hash: string;
}

/** Mosquitto usernames may not contain ':' (the password file's separator) or line breaks. */
export const usableMosquittoName = (name: string) => !/[:\r\n]/.test(name) && name.length > 0;

/** The password file: one `name:$7$…` line per user, the controller's first. */
export function passwordFile(controllerHash: string, users: readonly MosquittoUser[]): string {
  const lines = [`${CONTROLLER_USERNAME}:${controllerHash}`];
  for (const u of users) lines.push(`${u.name}:${u.hash}`);
  return `${lines.join("\n")}\n`;
}

/**
 * The ACL file. `labelsOf(bridgeId)` lists the labels a bridge owns (label ids are single topic
 * levels without wildcards: schemas/topics.ts ID_PATTERN, so they are safe in a topic line).
 */
export function aclFile(
  storeId: string,
  users: readonly MosquittoUser[],
  labelsOf: (bridgeId: string) => readonly string[],
): string {
  const root = `${TOPIC_ROOT}/${storeId}`;
  const out = [
    "# Written by `npm run token -- mosquitto`: rewrite and reload Mosquitto (SIGHUP) after tokens,",
    "# labels or their owners change. No anonymous access: every client signs in.",
    "",
    `user ${CONTROLLER_USERNAME}`,
    `topic readwrite ${root}/#`,
    // Chain feeds (SHELFSYNC_CHAIN=on, docs/chain.md): the controller reads the chain-wide feeds and
    // its store's own, and writes its roll-up; a bridge signed in as the controller does the same.
    `topic read ${TOPIC_ROOT}/chain/+`,
    `topic readwrite ${TOPIC_ROOT}/chain/store/${storeId}/#`,
  ];
  for (const u of users) {
    out.push("", `user ${u.name}`);
    if (u.role === "ops") {
      out.push(`topic read ${root}/#`);
      continue;
    }
    out.push(
      `topic readwrite ${root}/bridge/${u.name}/#`,
      `topic read ${root}/controller/status`,
      `topic read ${root}/label/+/content`,
      `topic read ${root}/label/+/command`,
      `topic read ${root}/label/+/image`,
    );
    for (const labelId of labelsOf(u.name)) {
      out.push(`topic write ${root}/label/${labelId}/state`, `topic write ${root}/label/${labelId}/image`);
    }
  }
  return `${out.join("\n")}\n`;
}

/**
 * Messages Mosquitto may hold for one client beyond those in flight, for a store of `labels` labels.
 * Mosquitto's default (1,000) is far below one reprice: a bridge receives its share of every label's
 * content at QoS 1, and a bridge (or a controller) that does not read its socket for a moment (a
 * pause for garbage collection, a burst of radio work, a refresh being computed) has the rest
 * dropped, logged once as "Outgoing messages are being dropped". A dropped content is sent again only
 * at the label's ack timeout, minutes later (controller/labels/retries.ts). Two per label: the most a
 * client can be owed at once is an interrupted reprice's contents plus the connect's republish of
 * every label (or, for the controller, a state and a PUBACK per label). The floor covers a store
 * whose labels are not announced yet; rewrite the files as labels are added (the ACL needs it too).
 * Memory stays bounded by the count: a client that stops reading altogether is disconnected at its
 * keepalive.
 */
export function maxQueuedMessages(labels: number): number {
  return Math.max(10_000, 2 * labels);
}

/**
 * `shelfsync.conf`: what the store's Mosquitto needs besides its listener, for `include_dir`
 * (Debian's mosquitto.conf includes /etc/mosquitto/conf.d): sign-in with the two files, no anonymous
 * access, and a queue deep enough for a reprice (maxQueuedMessages).
 */
export function mosquittoConf(dir: string, labels: number): string {
  return [
    "# Written by `npm run token -- mosquitto`: Shelfsync's sign-in, rules and queue depth.",
    "allow_anonymous false",
    `password_file ${dir}/passwd`,
    `acl_file ${dir}/acl`,
    `max_queued_messages ${maxQueuedMessages(labels)}`,
    "",
  ].join("\n");
}

export interface WrittenFiles {
  dir: string;
  users: number;
  /** Tokens that may sign in to MQTT but have no Mosquitto entry (made before it was kept). */
  skipped: string[];
  /** The controller's credentials (also in `controller.env`). */
  controller: { username: string; password: string };
  /** The `shelfsync.conf` to include in the store's mosquitto.conf (mosquittoConf). */
  conf: string;
}

/** Write a file whole or not at all (a reloading Mosquitto must never read half a file). */
function writeAtomic(path: string, text: string, mode: number): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

/**
 * `passwd`, `acl`, `shelfsync.conf` (mosquittoConf) and `controller.env` (the controller's
 * SHELFSYNC_MQTT_USERNAME / _PASSWORD, made once and kept across rewrites so a running controller
 * keeps signing in) into `dir`.
 */
export function writeMosquittoFiles(options: {
  dir: string;
  storeId: string;
  users: readonly { name: string; role: string; hash: string | null }[];
  labelsByBridge: ReadonlyMap<string, readonly string[]>;
}): WrittenFiles {
  const { dir } = options;
  mkdirSync(dir, { recursive: true });
  const envPath = join(dir, "controller.env");
  const kept = existsSync(envPath)
    ? /^SHELFSYNC_MQTT_PASSWORD=(\S+)$/m.exec(readFileSync(envPath, "utf8"))?.[1]
    : undefined;
  const password = kept ?? randomBytes(24).toString("base64url");
  const skipped: string[] = [];
  const users: MosquittoUser[] = [];
  for (const u of options.users) {
    if (
      (u.role !== "bridge" && u.role !== "ops") ||
      !usableMosquittoName(u.name) ||
      u.name === CONTROLLER_USERNAME
    )
      continue;
    if (u.hash === null) skipped.push(u.name);
    else users.push({ name: u.name, role: u.role, hash: u.hash });
  }
  writeAtomic(join(dir, "passwd"), passwordFile(mosquittoHash(password), users), 0o600);
  writeAtomic(
    join(dir, "acl"),
    aclFile(options.storeId, users, (bridgeId) => options.labelsByBridge.get(bridgeId) ?? []),
    0o644,
  );
  let labels = 0;
  for (const ids of options.labelsByBridge.values()) labels += ids.length;
  const conf = join(dir, "shelfsync.conf");
  writeAtomic(conf, mosquittoConf(dir, labels), 0o644);
  writeAtomic(
    envPath,
    `SHELFSYNC_MQTT_USERNAME=${CONTROLLER_USERNAME}\nSHELFSYNC_MQTT_PASSWORD=${password}\n`,
    0o600,
  );
  return {
    dir,
    users: users.length,
    skipped,
    controller: { username: CONTROLLER_USERNAME, password },
    conf,
  };
}
