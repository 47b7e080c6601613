import { createServer, type Server } from "node:net";
import type { Duplex } from "node:stream";
import { createServer as createTlsServer } from "node:tls";
import { Aedes, type AedesOptions, type AuthenticateError, type Client, type Subscription } from "aedes";
import { coalesceWrites } from "../../lib/coalesce-writes.ts";
import { AddressInUseError, listenOn } from "../listen.ts";
import type { Logger } from "../log.ts";
import type { TokenIdentity } from "../store/tokens.ts";
import { authenticate, type BrokerIdentity, publishRefusal, subscribeRefusal } from "./broker-access.ts";
import { type LocalBroker, MAX_INVENTORY_BYTES } from "./controller-link.ts";
import { limitPacketSize } from "./packet-limit.ts";

export interface EmbeddedBroker {
  port: number;
  url: string;
  /** The TLS listener, when one was asked for: its port and an `mqtts://` URL. */
  tls?: { port: number; url: string };
  /** Refusals since start (SHELFSYNC_MQTT_AUTH=required): sign-ins, publishes, subscriptions. */
  refused: { connect: number; publish: number; subscribe: number; packet: number };
  /**
   * Checks every signed-in client's token again and closes the connection of each one whose token
   * was revoked since it connected; returns how many. Runs on a timer (a revocation made with
   * `npm run token -- revoke` on the file) and at once after a revocation over HTTP.
   */
  signOutRevoked(): number;
  /** The broker's API for the controller in this process (controller-link.ts `local`). */
  local: LocalBroker;
  close(): Promise<void>;
}

/**
 * Publish and subscribe as the broker itself. A publish goes through Aedes's own pipeline (retained
 * store, offline queues, delivery to every subscriber, the `published` hook), exactly as a client's
 * would after its authorisation; the controller may publish anything, so nothing is refused.
 */
function localApi(broker: Aedes): LocalBroker {
  return {
    publish(topic, payload, qos, retain, done) {
      broker.publish({ cmd: "publish", topic, payload, qos, retain, dup: false }, (error) => done(error));
    },
    subscribe(filter, deliver) {
      const listener = (packet: { topic: string; payload: Buffer | string }, cb: () => void) => {
        const payload = typeof packet.payload === "string" ? Buffer.from(packet.payload) : packet.payload;
        try {
          deliver(packet.topic, payload);
        } finally {
          cb();
        }
      };
      broker.subscribe(filter, listener, () => {});
      return () => broker.unsubscribe(filter, listener, () => {});
    },
  };
}

/** What the broker needs to sign clients in and authorise them (SHELFSYNC_MQTT_AUTH=required). */
export interface BrokerAccess {
  storeId: string;
  /** The controller's own password on this broker, made at start and never stored. */
  controllerSecret: string;
  /** An active token's holder (controller/store/tokens.ts). */
  identify(token: string): TokenIdentity | undefined;
  /** Which bridge owns a label (null: none yet; undefined: no such label). */
  ownerOf(labelId: string): string | null | undefined;
  log: Logger;
}

export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    setting = "SHELFSYNC_MQTT_PORT",
  ) {
    super(
      `MQTT port ${port} is already in use (is another broker such as Mosquitto running?). ` +
        `Point Shelfsync at it with SHELFSYNC_MQTT_URL=mqtt://127.0.0.1:${port}, ` +
        `or pick another port for the embedded broker with ${setting}.`,
    );
  }
}

/** Refusals are logged at most this often (a client in a loop must not flood the log). */
const LOG_EVERY_MS = 10_000;

/**
 * How often signed-in clients' tokens are checked again. A revoked bridge must not keep publishing
 * states for as long as its TCP connection lives (months, for an access point); the CLI revokes on
 * the file, so the controller learns of it only by looking.
 */
const RECHECK_EVERY_MS = 30_000;

/**
 * The largest packet each kind of client may send. Before sign-in only a CONNECT can come, and it
 * is small; a bridge's inventory of every label it serves is the largest thing anyone publishes;
 * an ops sign-in publishes nothing; the controller is not limited (its own contents).
 */
const PACKET_BEFORE_SIGN_IN = 64 * 1024;
const PACKET_FROM_BRIDGE = MAX_INVENTORY_BYTES + 64 * 1024;
const PACKET_FROM_OPS = 64 * 1024;

interface AccessHooks {
  options: AedesOptions;
  /** The largest packet this client may send now. */
  maxPacket(client: Client): number;
  /** Close the connections whose token is no longer active; how many were closed. */
  signOutRevoked(): number;
  forget(client: Client): void;
}

/**
 * Sign-in and authorisation hooks for Aedes (rules in broker-access.ts). A refused sign-in gets
 * CONNACK 4 (bad user name or password). A refused publish closes the client's connection: MQTT
 * 3.1.1 has no negative PUBACK, and Aedes closes on an authorisation error (MQTT-3.3.5-2), so a
 * client that tries is cut off rather than left believing it was heard. A refused subscription is
 * answered 0x80 in the SUBACK and the connection stays.
 */
function accessHooks(access: BrokerAccess, refused: EmbeddedBroker["refused"]): AccessHooks {
  const who = new WeakMap<Client, BrokerIdentity>();
  // What each client signed in with, to check it again later (the token stays in memory only, as it
  // does in the client's own CONNECT; the controller's own sign-in is never rechecked).
  const signIns = new Map<Client, { username: string; password: Buffer }>();
  let loggedAt = Number.NEGATIVE_INFINITY;
  let unlogged = 0;
  const note = (kind: keyof EmbeddedBroker["refused"], fields: Record<string, unknown>) => {
    refused[kind]++;
    unlogged++;
    const now = Date.now();
    if (now - loggedAt < LOG_EVERY_MS) return;
    access.log.warn(`MQTT ${kind} refused`, { ...fields, refusedSinceLastLine: unlogged });
    loggedAt = now;
    unlogged = 0;
  };
  const options: AedesOptions = {
    authenticate(
      client: Client,
      username: Readonly<string | undefined>,
      password: Readonly<Buffer | undefined>,
      done: (error: AuthenticateError | null, success: boolean | null) => void,
    ) {
      const id = authenticate(username, password, access.controllerSecret, access.identify);
      if (!id) {
        note("connect", { clientId: client.id, username: username ?? null });
        const error = new Error("bad user name or password") as AuthenticateError;
        error.returnCode = 4;
        done(error, false);
        return;
      }
      who.set(client, id);
      if (id.kind !== "controller" && username !== undefined && password !== undefined)
        signIns.set(client, { username, password: Buffer.from(password) });
      done(null, true);
    },
    authorizePublish(client, packet, done) {
      // No client: the broker itself sends a Will left by a client that is gone (it was checked
      // when that client connected).
      if (!client) return done(null);
      const id = who.get(client);
      const why = id
        ? publishRefusal(id, access.storeId, packet.topic, packet.retain, access.ownerOf)
        : "not signed in";
      if (why === undefined) return done(null);
      note("publish", { clientId: client.id, topic: packet.topic, retain: packet.retain, why });
      done(new Error(`publish to ${packet.topic} refused: ${why}`));
    },
    authorizeSubscribe(client: Client, sub: Subscription, done) {
      const id = who.get(client);
      const why = id ? subscribeRefusal(id, access.storeId, sub.topic) : "not signed in";
      if (why === undefined) return done(null, sub);
      note("subscribe", { clientId: client.id, filter: sub.topic, why });
      done(null, null);
    },
  };
  return {
    options,
    signOutRevoked() {
      let closed = 0;
      for (const [client, login] of signIns) {
        const now = authenticate(login.username, login.password, access.controllerSecret, access.identify);
        const before = who.get(client);
        if (now && before && now.kind === before.kind) continue;
        signIns.delete(client);
        who.delete(client);
        closed++;
        access.log.info("MQTT client signed out: its token was revoked", {
          clientId: client.id,
          username: login.username,
        });
        client.close();
      }
      return closed;
    },
    forget: (client) => signIns.delete(client),
    maxPacket(client) {
      const id = who.get(client);
      if (!id) return PACKET_BEFORE_SIGN_IN;
      if (id.kind === "controller") return Number.POSITIVE_INFINITY;
      return id.kind === "bridge" ? PACKET_FROM_BRIDGE : PACKET_FROM_OPS;
    },
  };
}

/**
 * Aedes in this process, for zero-configuration runs (MQTT 3.1.1, in-memory retained store: the
 * controller republishes every label's content whenever it connects, so nothing is lost on restart).
 * With `access`, every client signs in and every publish and subscription is authorised; without,
 * anyone on the network may do anything (SHELFSYNC_MQTT_AUTH=off, a lab).
 * With `searchFreePort`, a taken port moves on to the next one (the demo does this; the controller
 * proper fails with PortInUseError instead, because silently moving would strand configured devices).
 */
export async function startEmbeddedBroker(options: {
  port: number;
  host?: string;
  searchFreePort?: boolean;
  access?: BrokerAccess;
  /** A TLS listener beside the plain one (PEM certificate chain and key; port 0 = any free one). */
  tls?: { port: number; cert: Buffer; key: Buffer };
}): Promise<EmbeddedBroker> {
  const host = options.host ?? "0.0.0.0";
  const refused = { connect: 0, publish: 0, subscribe: 0, packet: 0 };
  const hooks = options.access ? accessHooks(options.access, refused) : undefined;
  const broker = await Aedes.createBroker(hooks?.options ?? {});
  let recheck: NodeJS.Timeout | undefined;
  if (hooks) {
    broker.on("clientDisconnect", (client) => hooks.forget(client));
    recheck = setInterval(() => hooks.signOutRevoked(), RECHECK_EVERY_MS);
    recheck.unref();
  }
  // With auth off (a lab) everyone may send what a bridge may.
  const maxPacket = (client: Client) => hooks?.maxPacket(client) ?? PACKET_FROM_BRIDGE;
  let packetLoggedAt = Number.NEGATIVE_INFINITY;
  const handle = (socket: Duplex) => {
    // Aedes writes each forwarded publish and each PUBACK as it handles it: joined per turn of the
    // loop, a reprice's contents to a bridge and the acknowledgements of its states go out in a few
    // large writes rather than ~100,000 small ones.
    coalesceWrites(socket);
    const client = broker.handle(socket);
    limitPacketSize(
      client,
      () => maxPacket(client),
      (declared, max) => {
        refused.packet++;
        if (Date.now() - packetLoggedAt < LOG_EVERY_MS) return;
        packetLoggedAt = Date.now();
        options.access?.log.warn("MQTT packet over the size limit: connection closed", {
          clientId: client.id ?? null,
          declaredBytes: declared,
          maxBytes: max,
          refusedSoFar: refused.packet,
        });
      },
    );
  };
  let port = options.port;
  for (let attempt = 0; ; attempt++) {
    const server = createServer(handle);
    try {
      port = await listenOn(server, port, host).catch((e: unknown) => {
        throw e instanceof AddressInUseError ? new PortInUseError(port) : e;
      });
      const url = `mqtt://127.0.0.1:${port}`;
      let tls: { server: Server; port: number; url: string } | undefined;
      if (options.tls) {
        const tlsServer = createTlsServer({ cert: options.tls.cert, key: options.tls.key }, handle);
        const tlsPort = await listenOn(tlsServer, options.tls.port, host).catch((e: unknown) => {
          server.close();
          throw e instanceof AddressInUseError
            ? new PortInUseError(options.tls?.port ?? 0, "SHELFSYNC_MQTT_TLS_PORT")
            : e;
        });
        tls = { server: tlsServer, port: tlsPort, url: `mqtts://127.0.0.1:${tlsPort}` };
      }
      return {
        port,
        url,
        ...(tls ? { tls: { port: tls.port, url: tls.url } } : {}),
        refused,
        signOutRevoked: () => hooks?.signOutRevoked() ?? 0,
        local: localApi(broker),
        close: async () => {
          clearInterval(recheck);
          await new Promise<void>((resolve) => broker.close(() => resolve()));
          await new Promise<void>((resolve) => server.close(() => resolve()));
          if (tls) await new Promise<void>((resolve) => tls?.server.close(() => resolve()));
        },
      };
    } catch (e) {
      server.close();
      if (!(e instanceof PortInUseError) || !options.searchFreePort || attempt >= 50 || port === 0) {
        clearInterval(recheck);
        broker.close();
        throw e;
      }
      port++;
    }
  }
}
