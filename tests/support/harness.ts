import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { UniqueMessageIdProvider } from "mqtt";
import { type Controller, startController } from "../../controller/app.ts";
import { ADMIN_TOKEN_NAME } from "../../controller/auth.ts";
import { type ConfigInput, loadConfig } from "../../controller/config.ts";
import { createLogger, type Logger } from "../../controller/log.ts";
import type { Clock } from "../../controller/scheduler/index.ts";
import type { Logger as BridgeLogger } from "../../firmware-bridge/core/index.ts";
import {
  type SimulatedAccessPoint,
  startSimulatedAccessPoint,
} from "../../firmware-bridge/simulated/index.ts";
import { fromPackageRoot } from "../../lib/paths.ts";
import { type Role, storeTopics } from "../../schemas/index.ts";

export const MOSQUITTO_URL = process.env.SHELFSYNC_TEST_MOSQUITTO_URL ?? "mqtt://127.0.0.1:1883";

export type BrokerKind = "aedes" | "mosquitto";
export const BROKERS: BrokerKind[] = ["aedes", "mosquitto"];

/**
 * What `npm run <script> -- <args>` runs, without npm in between: `[node, [bundle, ...args]]` for
 * spawn/spawnSync (the scripts are `node dist/….mjs`; tests/support/build.ts keeps dist current).
 */
export function npmScript(script: string, ...args: string[]): [string, string[]] {
  const scripts = (
    JSON.parse(readFileSync(fromPackageRoot("package.json"), "utf8")) as {
      scripts: Record<string, string>;
    }
  ).scripts;
  const bundle = /^node (dist\/\S+\.mjs)$/.exec(scripts[script] ?? "")?.[1];
  if (!bundle) throw new Error(`npm script "${script}" is not "node dist/<entry>.mjs"`);
  return [process.execPath, [fromPackageRoot(bundle), ...args]];
}

export function tempDir(prefix = "shelfsync-test-"): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** A TCP port that was free a moment ago (for child processes that must be told their port). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export const uniqueStoreId = () => `t${randomUUID().slice(0, 8)}`;

/** A real controller: SQLite file in a temp dir, HTTP on a free port, the chosen real broker. */
export const TEST_ADMIN_TOKEN = "test-admin-token-0123456789";

export async function startTestController(
  broker: BrokerKind,
  overrides: {
    dbPath?: string;
    storeId?: string;
    clock?: Clock;
    mqttUrl?: string;
    log?: Logger;
    /** Any other setting (currency, store code, online sources…). */
    config?: Partial<ConfigInput>;
  } = {},
): Promise<Controller & { cleanup(): Promise<void> }> {
  const dir = tempDir();
  const config = loadConfig({}, [], {
    storeId: overrides.storeId ?? uniqueStoreId(),
    httpPort: 0,
    httpHost: "127.0.0.1",
    dbPath: overrides.dbPath ?? join(dir.path, "shelfsync.db"),
    mqttPort: 0,
    ...(overrides.mqttUrl
      ? { mqttUrl: overrides.mqttUrl }
      : broker === "mosquitto"
        ? { mqttUrl: MOSQUITTO_URL }
        : {}),
    logLevel: "warn",
    adminToken: TEST_ADMIN_TOKEN,
    ...overrides.config,
  });
  const controller = await startController(config, {
    log: overrides.log ?? createLogger("warn"),
    ...(overrides.clock ? { clock: overrides.clock } : {}),
  });
  return Object.assign(controller, {
    cleanup: async () => {
      await controller.stop();
      // The machine's Mosquitto keeps retained messages (persistence on): leave nothing behind. A
      // broker the test started itself goes with the test (clearing 100,000 retained contents there
      // took longer than the soak's five-minute cleanup limit).
      if (config.mqttUrl === MOSQUITTO_URL) await clearRetained(config.mqttUrl, config.storeId);
      dir.cleanup();
    },
  });
}

/**
 * `fetch` with `Authorization: Bearer <token>`: the test ops token unless another is given; `null`
 * sends none. Every call to the API in a test goes through here (or the helpers below).
 */
export function authFetch(
  url: string,
  init: RequestInit = {},
  token: string | null = TEST_ADMIN_TOKEN,
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token !== null) headers.set("Authorization", `Bearer ${token}`);
  return fetch(url, { ...init, headers });
}

export async function postFeed(
  baseUrl: string,
  feed: string,
  sequence: number,
  body: string,
  contentType = "text/csv",
  token: string | null = TEST_ADMIN_TOKEN,
): Promise<{ status: number; json: any }> {
  const res = await authFetch(
    `${baseUrl}/api/v1/feeds/${feed}?sequence=${sequence}`,
    { method: "POST", headers: { "Content-Type": contentType }, body },
    token,
  );
  return { status: res.status, json: await res.json() };
}

/**
 * postFeed on a connection of its own, closed after the reply. For a test whose process also hosts a
 * controller that stays busy for seconds at a time (100,000 labels): a pooled keep-alive connection
 * idle past the server's keep-alive timeout may be closed by the server just as the next request is
 * written on it, and the POST fails with ECONNRESET without ever reaching the route.
 */
export function postFeedOwnConnection(
  baseUrl: string,
  feed: string,
  sequence: number,
  body: string,
  contentType = "text/csv",
): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${baseUrl}/api/v1/feeds/${feed}?sequence=${sequence}`,
      {
        method: "POST",
        agent: false,
        headers: { "Content-Type": contentType, Authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on("data", (d: Buffer) => parts.push(d));
        res.on("error", reject);
        res.on("end", () => {
          try {
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(parts).toString()) });
          } catch (e) {
            reject(e);
          }
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

export async function getJson(url: string, token: string | null = TEST_ADMIN_TOKEN): Promise<any> {
  const res = await authFetch(url, {}, token);
  return res.json();
}

/**
 * Poll every 10 ms until `check` returns a truthy value (sync or async) and return it; fail naming
 * `what` and the last value seen after `timeoutMs`.
 */
export async function waitUntil<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 15_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < until) {
    last = await check();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
}

/** `waitUntil` with the condition first (the order the controller suites read best in). */
export function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 10_000, what = "condition"): Promise<T> {
  return waitUntil(what, check, timeoutMs);
}

/**
 * Wait until `count()` reaches `target`, bounded by progress rather than by a guess at the total
 * time: it fails when the count has not grown for `stallMs` (something is stuck), or after `capMs`
 * in all (something is far slower than it should be). A large workload on a loaded machine takes
 * what it takes as long as it keeps moving. `pollMs` spaces the polls (they share the machine).
 * Returns the time it took and the polls' count, for the suite to report.
 */
export async function waitForCount(
  what: string,
  count: () => number | Promise<number>,
  target: number,
  bounds: { stallMs: number; capMs: number; pollMs?: number },
): Promise<{ ms: number; count: number }> {
  const started = Date.now();
  let best = -1;
  let movedAt = started;
  for (;;) {
    const n = await count();
    const now = Date.now();
    if (n >= target) return { ms: now - started, count: n };
    if (n > best) {
      best = n;
      movedAt = now;
    }
    if (now - movedAt > bounds.stallMs)
      throw new Error(
        `${what}: stuck at ${n} of ${target} (no progress for ${bounds.stallMs / 1000} s, ${((now - started) / 1000).toFixed(0)} s in all)`,
      );
    if (now - started > bounds.capMs)
      throw new Error(`${what}: ${n} of ${target} after the cap of ${bounds.capMs / 1000} s (still moving)`);
    await new Promise((r) => setTimeout(r, bounds.pollMs ?? 100));
  }
}

/**
 * A bridge's MQTT sign-in on a test controller (SHELFSYNC_MQTT_AUTH=required, the default): a
 * `bridge` token named after the bridge. Pass it as the bridge's `mqttOptions`. A shared Mosquitto
 * without a password file ignores it.
 */
export function bridgeLogin(ctl: Controller, bridgeId: string): { username: string; password: string } {
  return { username: bridgeId, password: ctl.stores.tokens.create(bridgeId, "bridge", Date.now()) };
}

/** A logger that says nothing, for parts whose chatter would bury a test's own failure. */
export const quietLog = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * A simulated access point on a test controller's broker, signed in with a bridge token of its own,
 * with no radio jitter, no failed transfers and no check-ins during a test: what its labels show then
 * depends only on what the test does.
 */
export function startTestAccessPoint(
  ctl: Controller,
  options: { labels: number; radioDelayMs: number; bridgeId?: string; seed?: number },
): Promise<SimulatedAccessPoint> {
  const bridgeId = options.bridgeId ?? "ap1";
  return startSimulatedAccessPoint({
    mqttUrl: ctl.mqttUrl,
    mqttOptions: bridgeLogin(ctl, bridgeId),
    storeId: ctl.config.storeId,
    bridgeId,
    labels: options.labels,
    radioDelayMs: options.radioDelayMs,
    radioJitterMs: 0,
    failureRate: 0,
    checkInSeconds: 3600,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    logger: quietLog,
  });
}

/** The test ops token's MQTT sign-in: it may watch everything under the store, and publish nothing. */
export const OPS_LOGIN = { username: ADMIN_TOKEN_NAME, password: TEST_ADMIN_TOKEN } as const;

/**
 * A plain MQTT.js client that records every message on the given filters; signed in as ops (who
 * may watch, not publish) unless given another sign-in (e.g. a bridge's, for a device that reports).
 */
export async function recorder(
  url: string,
  filters: string[],
  login: { username: string; password: string } = OPS_LOGIN,
) {
  const client = await mqtt.connectAsync(url, {
    clientId: `rec-${randomUUID().slice(0, 8)}`,
    clean: true,
    ...login,
  });
  const messages: { topic: string; payload: string; retain: boolean }[] = [];
  client.on("message", (topic, payload, packet) =>
    messages.push({ topic, payload: payload.toString(), retain: packet.retain }),
  );
  await client.subscribeAsync(filters, { qos: 1 });
  return { client, messages, close: () => client.endAsync() };
}

/** A new token with this role for a running test controller (name: `test <role>` unless given). */
export function tokenFor(ctl: Controller, role: Role, name = `test ${role}`): string {
  return ctl.stores.tokens.create(name, role, Date.now());
}

/**
 * JSON request helper: method, path under /api/v1, optional body, and the bearer token (the test ops
 * token unless another is given; `null` sends none).
 */
export async function api(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = TEST_ADMIN_TOKEN,
): Promise<{ status: number; json: any }> {
  const res = await authFetch(
    `${baseUrl}/api/v1${path}`,
    {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    },
    token,
  );
  return { status: res.status, json: await res.json() };
}

/** Remove every retained message under one store's topic tree on a shared broker. */
export async function clearRetained(url: string, storeId: string): Promise<void> {
  const client = await mqtt.connectAsync(url, {
    clientId: `clean-${randomUUID().slice(0, 8)}`,
    clean: true,
    // More than 65,535 publishes may be in flight at once: ids must not be reused while in use.
    messageIdProvider: new UniqueMessageIdProvider(),
  });
  const topics = new Set<string>();
  client.on("message", (topic, payload, packet) => {
    if (packet.retain && payload.length > 0) topics.add(topic);
  });
  await client.subscribeAsync(storeTopics(storeId).everything, { qos: 0 });
  // Retained messages arrive right after the subscription; wait until they stop coming.
  let seen = -1;
  while (seen !== topics.size) {
    seen = topics.size;
    await new Promise((r) => setTimeout(r, 150));
  }
  await Promise.all(
    [...topics].map((t) => client.publishAsync(t, Buffer.alloc(0), { qos: 1, retain: true })),
  );
  await client.endAsync();
}

export interface LogLine {
  level: string;
  message: string;
  fields: Record<string, unknown> | undefined;
}

/** A controller logger that keeps every line (all levels, every component), e.g. to check what is never logged. */
export function captureControllerLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const make = (component: string): Logger => {
    const at = (level: string) => (message: string, fields?: Record<string, unknown>) => {
      lines.push({ level, message: `[${component}] ${message}`, fields });
    };
    return {
      debug: at("debug"),
      info: at("info"),
      warn: at("warn"),
      error: at("error"),
      child: (c) => make(`${component}/${c}`),
    };
  };
  return Object.assign(make("shelfsync"), { lines });
}

/** A bridge logger that keeps every line, for tests that assert on what was logged. */
export function captureLogger(): BridgeLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, fields });
  };
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
