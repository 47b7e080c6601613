import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../controller/app.ts";
import { type Access, ROUTE_ACCESS, ROUTES_ADDED_ELSEWHERE, routeKey } from "../controller/http/access.ts";
import { createApi } from "../controller/http/routes.ts";
import { PERSON_ROLES, ROLES, type Role } from "../schemas/index.ts";
import { README, readmeWithRouteTable } from "../scripts/route-table.ts";
import {
  api,
  authFetch,
  captureControllerLogger,
  npmScript,
  startTestController,
  TEST_ADMIN_TOKEN,
  tokenFor,
} from "./support/harness.ts";

type Ctl = Controller & { cleanup(): Promise<void> };
const WRITE_METHODS = ["POST", "PUT", "PATCH", "DELETE"];

/** A request for a route key with made-up parameters: enough to pass routing, not to change anything. */
function request(ctl: Ctl, key: string, token: string | null): Promise<Response> {
  const [method, path] = key.split(" ") as [string, string];
  const url = `${ctl.httpUrl}${path.replace(/\{[^}]+\}/g, "no-such-thing")}`;
  const write = WRITE_METHODS.includes(method);
  return authFetch(
    url,
    {
      method,
      ...(write ? { headers: { "Content-Type": "application/json" }, body: "{}" } : {}),
    },
    token,
  );
}

describe("every route declares its roles, and the HTTP layer holds to them", () => {
  let ctl: Ctl;
  const tokens = {} as Record<Role, string>;
  /** The route table minus entries whose route other work adds (absent until it lands). */
  let routes: [string, Access][];

  beforeAll(async () => {
    ctl = await startTestController("aedes");
    for (const role of ROLES) tokens[role] = tokenFor(ctl, role);
    const registered = new Set(createApi(ctl).routes.map((r) => routeKey(r.method, r.path)));
    routes = (Object.entries(ROUTE_ACCESS) as [string, Access][]).filter(
      ([key]) => registered.has(key) || !(ROUTES_ADDED_ELSEWHERE as readonly string[]).includes(key),
    );
  });
  afterAll(() => ctl.cleanup());

  it("route × role × no token: 401 without a token, 403 for a role not named, through for one named", async () => {
    const outcomes: string[] = [];
    for (const [key, access] of routes) {
      const anonymous = await request(ctl, key, null);
      const expectAnonymous = access === "public" ? "through" : "401";
      const anonymousOutcome = anonymous.status === 401 ? "401" : "through";
      if (anonymous.status === 401) {
        expect((await anonymous.json()).error.code, key).toBe("unauthenticated");
        expect(anonymous.headers.get("www-authenticate"), key).toMatch(/^Bearer/);
      } else await anonymous.body?.cancel();
      if (anonymousOutcome !== expectAnonymous) outcomes.push(`${key} without a token: ${anonymous.status}`);

      for (const role of ROLES) {
        const res = await request(ctl, key, tokens[role]);
        const allowed = access === "public" || access.includes(role);
        if (allowed) {
          // Through the access check: whatever the route makes of the made-up input, but not 401/403.
          if (res.status === 401 || res.status === 403)
            outcomes.push(`${key} as ${role}: ${res.status} ${await res.text()}`);
          else await res.body?.cancel();
        } else {
          const body = res.status === 403 ? await res.json() : await res.text();
          if (res.status !== 403 || body.error?.code !== "forbidden")
            outcomes.push(`${key} as ${role}: expected 403, got ${res.status} ${JSON.stringify(body)}`);
          else expect(body.error.details).toEqual({ role, allowed: access });
        }
      }
    }
    expect(outcomes).toEqual([]);
    // The check ran over the whole table: every role was tried on every route.
    expect(routes.length).toBeGreaterThan(25);
  });

  it("zero write routes reachable without a role, and none for a device", () => {
    const writes = routes.filter(([key]) => WRITE_METHODS.includes(key.split(" ")[0] as string));
    expect(writes.length).toBeGreaterThan(10);
    for (const [key, access] of writes) {
      expect(access, key).not.toBe("public");
      // Devices get write routes only where the table says so explicitly: a signage player reports
      // its heartbeat and proof of play, nothing else.
      const deviceWrites = [
        "POST /api/v1/screens/{screenId}/heartbeat",
        "POST /api/v1/screens/{screenId}/plays",
      ];
      for (const role of access as readonly Role[]) {
        if (deviceWrites.includes(key)) expect(access, key).toEqual(["screen"]);
        else expect(PERSON_ROLES as readonly string[], key).toContain(role);
      }
    }
    // And only health is public.
    expect(routes.filter(([, access]) => access === "public").map(([key]) => key)).toEqual([
      "GET /api/v1/health",
    ]);
  });

  it("every registered route is in the table (the app refuses to start otherwise), and the table in the README is current", () => {
    const registered = createApi(ctl).routes.filter(
      (r) => r.method !== "ALL" && r.path.startsWith("/api/v1/"),
    );
    expect(registered.length).toBeGreaterThan(25);
    for (const r of registered) expect(Object.keys(ROUTE_ACCESS)).toContain(routeKey(r.method, r.path));
    const readme = readFileSync(README, "utf8");
    expect(readmeWithRouteTable(readme), "README.md route table is stale: npm run docs:routes").toBe(readme);
  });

  it("health answers without a token with liveness only; a person's token sees the report, a device's does not", async () => {
    const anonymous = await api(ctl.httpUrl, "GET", "/health", undefined, null);
    expect(anonymous).toEqual({ status: 200, json: { status: expect.stringMatching(/^(ok|degraded)$/) } });
    const viewer = await api(ctl.httpUrl, "GET", "/health", undefined, tokens.viewer);
    expect(viewer.json).toMatchObject({ storeId: ctl.config.storeId, feeds: expect.any(Object) });
    const screen = await api(ctl.httpUrl, "GET", "/health", undefined, tokens.screen);
    expect(Object.keys(screen.json)).toEqual(["status"]);
  });

  it("GET /me names the token's person and role and lists what it may call", async () => {
    const me = await api(ctl.httpUrl, "GET", "/me", undefined, tokens.staff);
    expect(me.json).toMatchObject({ name: "test staff", role: "staff" });
    expect(me.json.routes).toContain("PUT /api/v1/labels/{labelId}/link");
    expect(me.json.routes).not.toContain("POST /api/v1/approvals/{approvalId}/approve");
  });

  it("an unknown token and a malformed header are 401 with the one error shape", async () => {
    const unknown = await api(ctl.httpUrl, "GET", "/sync", undefined, "ss_not-a-real-token");
    expect(unknown).toMatchObject({ status: 401, json: { error: { code: "invalid_token" } } });
    const basic = await authFetch(
      `${ctl.httpUrl}/api/v1/sync`,
      { headers: { Authorization: "Basic YTpi" } },
      null,
    );
    expect(basic.status).toBe(401);
    expect((await basic.json()).error.code).toBe("invalid_authorization");
  });

  it("ops manage tokens over HTTP: create (shown once), list (never the token), revoke (holds at once)", async () => {
    const created = await api(ctl.httpUrl, "POST", "/tokens", { name: "Anna K", role: "staff" });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: "Anna K", role: "staff", lastUsedAt: null });
    const anna = created.json.token as string;
    expect(anna).toMatch(/^ss_[A-Za-z0-9_-]{32}$/);
    expect((await api(ctl.httpUrl, "POST", "/tokens", { name: "Anna K", role: "viewer" })).status).toBe(409);
    expect(
      (await api(ctl.httpUrl, "POST", "/tokens", { name: "", role: "boss" })).json.error.details,
    ).toEqual([
      { field: "name", reason: "must not be empty" },
      { field: "role", reason: expect.stringContaining("viewer, staff") },
    ]);

    expect((await api(ctl.httpUrl, "GET", "/me", undefined, anna)).json.name).toBe("Anna K");
    const list = (await api(ctl.httpUrl, "GET", "/tokens")).json as {
      name: string;
      lastUsedAt: string | null;
    }[];
    expect(list.find((t) => t.name === "Anna K")?.lastUsedAt).toEqual(expect.any(String));
    expect(JSON.stringify(list)).not.toContain(anna);

    expect((await api(ctl.httpUrl, "DELETE", "/tokens/Anna%20K")).json).toEqual({
      name: "Anna K",
      revoked: true,
    });
    expect((await api(ctl.httpUrl, "GET", "/me", undefined, anna)).status).toBe(401);
    const trail = (await api(ctl.httpUrl, "GET", "/audit?entity=token&entityId=Anna%20K")).json;
    expect(trail.map((e: { action: string; actor: string }) => `${e.action} by ${e.actor}`)).toEqual([
      "token.revoked by admin (SHELFSYNC_ADMIN_TOKEN) (ops)",
      "token.created by admin (SHELFSYNC_ADMIN_TOKEN) (ops)",
    ]);
    // The API will not remove the last ops token (the test's own is the only one).
    const ops = (await api(ctl.httpUrl, "GET", "/tokens")).json.filter(
      (t: { role: string }) => t.role === "ops",
    );
    expect(ops.length).toBe(2); // the admin token and "test ops"
    expect((await api(ctl.httpUrl, "DELETE", "/tokens/test%20ops")).status).toBe(200);
    const last = await api(
      ctl.httpUrl,
      "DELETE",
      `/tokens/${encodeURIComponent("admin (SHELFSYNC_ADMIN_TOKEN)")}`,
    );
    expect(last).toMatchObject({ status: 409, json: { error: { code: "last_ops_token" } } });
    tokens.ops = TEST_ADMIN_TOKEN;
  });

  it("npm run token works on the file while the controller runs: create, list, and a revoke the controller sees at once", async () => {
    // Asynchronously: the controller runs in this process and must keep answering meanwhile.
    const run = (...args: string[]) =>
      new Promise<{ status: number | null; stdout: string }>((resolve) => {
        execFile(
          ...npmScript("token", ...args, "--db", ctl.config.dbPath),
          { encoding: "utf8" },
          (error, stdout) => resolve({ status: error ? (error.code as number) : 0, stdout }),
        );
      });
    const created = await run("create", "--role", "manager", "--name", "Maria B");
    expect(created.status).toBe(0);
    expect(created.stdout).toMatch(/^ss_[A-Za-z0-9_-]{32}\n$/);
    const maria = created.stdout.trim();
    expect((await api(ctl.httpUrl, "GET", "/me", undefined, maria)).json).toMatchObject({
      name: "Maria B",
      role: "manager",
    });
    const listed = JSON.parse((await run("list", "--json")).stdout) as { name: string; role: string }[];
    expect(listed).toContainEqual(expect.objectContaining({ name: "Maria B", role: "manager" }));
    expect((await run("create", "--role", "manager", "--name", "Maria B")).status).toBe(1);

    expect((await run("revoke", "Maria B")).status).toBe(0);
    expect((await api(ctl.httpUrl, "GET", "/me", undefined, maria)).status).toBe(401);
    expect((await run("revoke", "Maria B")).status).toBe(1);
  });
});

describe("sign-in limits and logs", () => {
  let ctl: Ctl;
  const log = captureControllerLogger();
  beforeAll(async () => {
    ctl = await startTestController("aedes", {
      log,
      config: { authMaxFailures: 3, authFailureWindowSeconds: 60 },
    });
  });
  afterAll(() => ctl.cleanup());

  it("failed sign-ins from one address are answered 429 with Retry-After, even for a good token; no token reaches a log line", async () => {
    const good = tokenFor(ctl, "viewer");
    // Work that logs: a feed batch, an unknown route, then failures.
    expect(
      (
        await authFetch(`${ctl.httpUrl}/api/v1/feeds/products?sequence=1`, {
          method: "POST",
          headers: { "Content-Type": "text/csv" },
          body: "sku,name\nA,Apples\n",
        })
      ).status,
    ).toBe(200);
    expect((await api(ctl.httpUrl, "GET", "/nothing-here", undefined, good)).status).toBe(404);
    const guesses = [
      "ss_guess-one-000000000000000000",
      "ss_guess-two-000000000000000000",
      "ss_guess-three-0000000000000000",
    ];
    for (const guess of guesses)
      expect((await api(ctl.httpUrl, "GET", "/sync", undefined, guess)).status).toBe(401);
    const blocked = await authFetch(`${ctl.httpUrl}/api/v1/sync`, {}, good);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await blocked.json()).error.code).toBe("too_many_failed_sign_ins");
    // Health without a token is no sign-in: still answered.
    expect((await api(ctl.httpUrl, "GET", "/health", undefined, null)).status).toBe(200);

    const logged = JSON.stringify(log.lines);
    expect(log.lines.some((l) => l.message.includes("failed sign-in"))).toBe(true);
    for (const secret of [good, TEST_ADMIN_TOKEN, ...guesses]) expect(logged).not.toContain(secret);
  });
});
