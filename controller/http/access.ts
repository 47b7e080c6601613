import type { Context } from "hono";
import { ROLES, type Role } from "../../schemas/index.ts";
import type { TokenIdentity } from "../store/tokens.ts";

/**
 * Who may call what: THE table. Every route under `/api/v1` (and `/metrics`) has exactly one entry;
 * the HTTP layer refuses to start with a route that is missing here, and a request is let through
 * only when its route's entry names the caller's role (no token → 401, another role → 403). The
 * README's route table is checked against this one by tests/http-roles.test.ts.
 *
 * Paths are written as in the OpenAPI document (`{param}`). `public` = no token needed (only health).
 */
export type Access = "public" | readonly Role[];

/** viewer reads; each role below may also do what the one before may. */
const READ = ["viewer", "staff", "manager", "ops"] as const satisfies readonly Role[];
const STAFF = ["staff", "manager", "ops"] as const satisfies readonly Role[];
const MANAGER = ["manager", "ops"] as const satisfies readonly Role[];
const OPS = ["ops"] as const satisfies readonly Role[];
/** A signage player, for its own screen only. */
const SCREEN = ["screen"] as const satisfies readonly Role[];
/** Any valid token, people and devices alike. */
const ANYONE = ROLES;

export const ROUTE_ACCESS = {
  // Liveness for probes; with a person's token, the whole health report (see the route).
  "GET /api/v1/health": "public",
  "GET /api/v1/me": ANYONE,
  "GET /api/v1/openapi.json": READ,

  // Central feeds (ops); the links feed relinks a whole store from a file (manager, ops).
  "POST /api/v1/feeds/products": OPS,
  "POST /api/v1/feeds/prices": OPS,
  "POST /api/v1/feeds/stock": OPS,
  "POST /api/v1/feeds/promotions": OPS,
  "POST /api/v1/feeds/links": MANAGER,
  // Merchant Center product and local inventory feeds (online parity).
  "POST /api/v1/feeds/merchant": OPS,
  "POST /api/v1/feeds/local-inventory": OPS,
  /** Any other feed name: answered 404 with the list of feeds. */
  "POST /api/v1/feeds/{feed}": OPS,

  "GET /api/v1/products": READ,
  "GET /api/v1/products/{sku}": READ,
  "GET /api/v1/products/{sku}/price": READ,
  "GET /api/v1/products/{sku}/history": READ,

  "GET /api/v1/labels": READ,
  "POST /api/v1/labels": STAFF,
  "GET /api/v1/labels/{labelId}": READ,
  // Removing a label record (one a stray message created) is fleet upkeep, not shelf work.
  "DELETE /api/v1/labels/{labelId}": MANAGER,
  "PUT /api/v1/labels/{labelId}/link": STAFF,
  "DELETE /api/v1/labels/{labelId}/link": STAFF,
  // Which bridge owns a label decides who may report its state: ops only (audited label.moved).
  "PUT /api/v1/labels/{labelId}/bridge": OPS,
  "POST /api/v1/labels/{labelId}/flash": STAFF,
  "GET /api/v1/labels/{labelId}/content": READ,
  "GET /api/v1/labels/{labelId}/preview.png": READ,
  "GET /api/v1/labels/{labelId}/preview.txt": READ,
  "GET /api/v1/templates/{template}/preview.png": READ,

  "GET /api/v1/sync": READ,
  "GET /api/v1/sync/summary": READ,
  /** Server-sent events for live views (the console's sync dashboard). */
  "GET /api/v1/events": READ,
  /** The feed ledger and recent batches (the console's feeds page). */
  "GET /api/v1/feeds": READ,
  /** Set a feed's last sequence (after a wrong or squatted number): audited. */
  "PUT /api/v1/feeds/{feed}/sequence": OPS,

  // Staff set local promotions and overrides; guard rails still hold big cuts for an approver, and
  // central promotions are changed by ops only (checked in the promotion routes).
  "GET /api/v1/promotions": READ,
  "POST /api/v1/promotions": STAFF,
  "GET /api/v1/promotions/{promotionId}": READ,
  "PATCH /api/v1/promotions/{promotionId}": STAFF,
  "DELETE /api/v1/promotions/{promotionId}": STAFF,
  "POST /api/v1/overrides": STAFF,
  "DELETE /api/v1/overrides/{id}": STAFF,

  "GET /api/v1/approvals": READ,
  "POST /api/v1/approvals/{approvalId}/approve": MANAGER,
  "POST /api/v1/approvals/{approvalId}/reject": MANAGER,
  "GET /api/v1/audit": READ,

  "GET /api/v1/tokens": OPS,
  "POST /api/v1/tokens": OPS,
  "DELETE /api/v1/tokens/{name}": OPS,

  // Signage screens: people list them; managers pair players, set playlists, remove screens. A player
  // (`screen` token) reads its own show, listens, beats and reports proof of play; the screen routes
  // refuse another screen's id. Pairing itself (before the player has a token) is under /player.
  // Bridges (`bridge` tokens) talk MQTT only; they have no HTTP route beyond /me.
  "GET /api/v1/screens": READ,
  // Media for playlists: uploaded by managers, listed for people; players fetch files under /player/media.
  "GET /api/v1/screens/media": READ,
  "POST /api/v1/screens/media": MANAGER,
  "GET /api/v1/screens/{screenId}": [...READ, "screen"],
  "DELETE /api/v1/screens/{screenId}": MANAGER,
  "POST /api/v1/screens/{screenId}/accept": MANAGER,
  "PUT /api/v1/screens/{screenId}/playlist": MANAGER,
  "PUT /api/v1/screens/{screenId}/program": MANAGER,
  "GET /api/v1/screens/{screenId}/show": [...READ, "screen"],
  "GET /api/v1/screens/{screenId}/events": SCREEN,
  "POST /api/v1/screens/{screenId}/heartbeat": SCREEN,
  "POST /api/v1/screens/{screenId}/plays": SCREEN,
  "GET /api/v1/screens/{screenId}/plays": READ,

  // Online parity (issue 14 §5): anyone reads the audits; running one changes nothing in the store but
  // makes the controller read every label and, with pages as the source, fetch the shop's pages, so
  // it is for the roles that answer for the store's figures (manager, ops), as the links feed is.
  "POST /api/v1/parity/run": MANAGER,
  "GET /api/v1/parity": READ,
  "GET /api/v1/parity/{auditId}": READ,

  // Prometheus text (controller/metrics.ts): central ops scrapes it with a viewer token.
  "GET /metrics": READ,
} as const satisfies Record<string, Access>;

export type RouteKey = keyof typeof ROUTE_ACCESS;

/** Table entries whose route is added by other work; the consistency check allows them to be absent. */
export const ROUTES_ADDED_ELSEWHERE: readonly RouteKey[] = [];

/** Path prefixes the access check guards; a route outside them (the console's pages) is not an API. */
export const GUARDED_PREFIXES = ["/api/v1/", "/metrics"] as const;

/** Hono's `/labels/:labelId` as the table and OpenAPI write it: `/labels/{labelId}`. */
export const openApiPath = (honoPath: string) => honoPath.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?\??/g, "{$1}");

export const routeKey = (method: string, honoPath: string) =>
  `${method.toUpperCase()} ${openApiPath(honoPath)}`;

export function accessOf(key: string): Access | undefined {
  return (ROUTE_ACCESS as Record<string, Access>)[key];
}

/** Every route key the role may call (for `GET /me`). */
export function routesFor(role: Role): string[] {
  return Object.entries(ROUTE_ACCESS as Record<string, Access>)
    .filter(([, access]) => access === "public" || access.includes(role))
    .map(([key]) => key);
}

declare module "hono" {
  interface ContextVariableMap {
    /** Set by the access check when the request carried a valid token. */
    identity: TokenIdentity | undefined;
  }
}

/** The caller of a route that needs a token (the access check has run: there is one). */
export function identityOf(c: Context): TokenIdentity {
  const who = c.get("identity");
  if (!who) throw new Error(`no identity on ${c.req.method} ${c.req.path}: is the route in ROUTE_ACCESS?`);
  return who;
}
