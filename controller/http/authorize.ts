import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context, Hono, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { Logger } from "../log.ts";
import type { TokenStore } from "../store/tokens.ts";
import {
  type Access,
  accessOf,
  GUARDED_PREFIXES,
  ROUTE_ACCESS,
  ROUTES_ADDED_ELSEWHERE,
  routeKey,
} from "./access.ts";
import { apiError } from "./errors.ts";
import type { SignInLimiter } from "./sign-in-limiter.ts";

const isGuarded = (path: string) => GUARDED_PREFIXES.some((p) => path === p || path.startsWith(p));

/** The table key of the route that will answer this request (the first handler Hono matched). */
function matchedKey(c: Context): string | undefined {
  // Only API routes count: the console's catch-all (`GET /*`) also matches an unknown API path, which
  // must still be answered 404 rather than refused as a route missing from the table.
  const route = matchedRoutes(c).find((r) => r.method !== "ALL" && isGuarded(r.path));
  return route ? routeKey(route.method, route.path) : undefined;
}

/** The peer's address: the socket's, never a header a client could set. */
function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown"; // app.fetch called without a Node server (no socket)
  }
}

function describe(access: Access): string {
  return access === "public" ? "anyone" : access.join(", ");
}

/**
 * The access check in front of every guarded route: resolve the bearer token (if any) to a person or
 * device, then let the request through only if the route's entry in ROUTE_ACCESS names its role.
 * A token is looked up in the store on every request, so a revocation holds at once. Neither the
 * token nor the Authorization header is ever logged.
 */
export function authorize(deps: {
  tokens: TokenStore;
  limiter: SignInLimiter;
  log: Logger;
  now?: () => number;
}): MiddlewareHandler {
  const now = deps.now ?? Date.now;
  return async (c, next) => {
    c.set("identity", undefined);
    if (!isGuarded(c.req.path)) return next();
    const key = matchedKey(c);
    const access = key === undefined ? undefined : accessOf(key);
    const header = c.req.header("Authorization");

    if (header === undefined || header.trim() === "") {
      if (access === "public") return next();
      c.header("WWW-Authenticate", 'Bearer realm="shelfsync"');
      return apiError(c, 401, "unauthenticated", "this route needs Authorization: Bearer <token>");
    }
    const address = clientAddress(c);
    const wait = deps.limiter.retryAfter(address, now());
    if (wait > 0) {
      c.header("Retry-After", String(wait));
      return apiError(c, 429, "too_many_failed_sign_ins", `too many failed sign-ins; try again in ${wait} s`);
    }
    const token = header.match(/^Bearer[ \t]+(\S+)[ \t]*$/i)?.[1];
    const who = token === undefined ? undefined : deps.tokens.identify(token, now());
    if (!who) {
      deps.limiter.failed(address, now());
      deps.log.warn("failed sign-in", { address, route: key ?? c.req.path });
      c.header("WWW-Authenticate", 'Bearer realm="shelfsync", error="invalid_token"');
      return token === undefined
        ? apiError(c, 401, "invalid_authorization", "the Authorization header must be: Bearer <token>")
        : apiError(c, 401, "invalid_token", "this token is unknown or revoked");
    }
    c.set("identity", who);
    // No route matched: the not-found answer follows (a signed-in caller may learn a path is wrong).
    if (key === undefined) return next();
    if (access === undefined) {
      // Unreachable once assertRoutesDeclared has run; deny rather than trust a forgotten route.
      return apiError(c, 403, "forbidden", `${key} is not in the route table; nobody may call it`);
    }
    if (access !== "public" && !access.includes(who.role)) {
      return apiError(
        c,
        403,
        "forbidden",
        `role "${who.role}" may not call ${key} (${describe(access)} may)`,
        {
          role: who.role,
          allowed: access,
        },
      );
    }
    return next();
  };
}

/**
 * Refuse to serve an app with a guarded route that is missing from ROUTE_ACCESS, or a table entry
 * without a route (a renamed route would leave a stale, misleading entry).
 */
export function assertRoutesDeclared(app: Hono): void {
  const registered = new Set(
    app.routes.filter((r) => r.method !== "ALL" && isGuarded(r.path)).map((r) => routeKey(r.method, r.path)),
  );
  const missing = [...registered].filter((k) => accessOf(k) === undefined);
  const stale = Object.keys(ROUTE_ACCESS).filter(
    (k) => !registered.has(k) && !(ROUTES_ADDED_ELSEWHERE as readonly string[]).includes(k),
  );
  if (missing.length > 0 || stale.length > 0) {
    throw new Error(
      [
        ...missing.map((k) => `route ${k} has no entry in ROUTE_ACCESS (controller/http/access.ts)`),
        ...stale.map((k) => `ROUTE_ACCESS has ${k}, but no such route is registered`),
      ].join("; "),
    );
  }
}
