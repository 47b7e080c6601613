import type { IClientOptions } from "mqtt";

/**
 * A broker URL (`mqtt://user:secret@host:1883`, `mqtts://…`, `ws://host:8080/mqtt`, `wss://…`) as
 * MQTT.js connect options, read with the WHATWG URL parser. Handed the URL string itself, MQTT.js
 * reads it with Node's legacy `url.parse()`, which Node 22 and later deprecate with a warning on
 * stderr at every start (DEP0169). The options are what MQTT.js would have taken from the string:
 * protocol, host, port when given, the path for WebSocket URLs, and the user and password decoded.
 * Options given beside these (a session's username, say) win, as they do over MQTT.js's own parse.
 */
export function brokerUrlOptions(url: string): IClientOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`not a broker URL: "${url}" (expected e.g. mqtt://127.0.0.1:1883)`);
  }
  const protocol = u.protocol.replace(/:$/, "") as NonNullable<IClientOptions["protocol"]>;
  // An IPv6 address comes bracketed ("[::1]"); the socket wants it bare, as url.parse() gave it.
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
  return {
    protocol,
    host,
    ...(u.port ? { port: Number(u.port) } : {}),
    ...(protocol === "ws" || protocol === "wss" ? { path: `${u.pathname}${u.search}` } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
  };
}

/**
 * Comma-separated broker URLs, the nodes of one cluster (`mqtt://nats-1:1883,mqtt://nats-2:1883`), as
 * MQTT.js's `servers`, which it tries in turn; a node named without a port gets its protocol's own
 * (1883, or 8883 for mqtts).
 */
export function brokerServers(urls: string): NonNullable<IClientOptions["servers"]> {
  return urls
    .split(",")
    .map((u) => u.trim())
    .filter(Boolean)
    .map((u) => {
      const o = brokerUrlOptions(u);
      const protocol = o.protocol as "mqtt" | "mqtts" | "tcp";
      return { host: o.host as string, port: o.port ?? (protocol === "mqtts" ? 8883 : 1883), protocol };
    });
}
