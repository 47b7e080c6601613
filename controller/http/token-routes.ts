import { Hono } from "hono";
import {
  type MeReply,
  type TokenCreatedReply,
  type TokenReply,
  tokenCreateBodySchema,
} from "../../schemas/index.ts";
import { actorLabel } from "../changes/index.ts";
import type { ControllerServices } from "../services.ts";
import { TokenNameTaken, type TokenRecord } from "../store/tokens.ts";
import { identityOf, routesFor } from "./access.ts";
import { apiError, readBody } from "./errors.ts";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const tokenReply = (t: TokenRecord): TokenReply => ({
  name: t.name,
  role: t.role,
  createdAt: new Date(t.createdAt).toISOString(),
  lastUsedAt: iso(t.lastUsedAt),
});

/**
 * Who am I (`GET /me`), and the console's token page (ops): list, create (the token is shown once,
 * in the reply), revoke by name. Token changes go to the audit log under the caller's name.
 */
export function tokenRoutes(s: ControllerServices): Hono {
  const api = new Hono();
  const { tokens, audit } = s.stores;

  api.get("/me", (c) => {
    const who = identityOf(c);
    const reply: MeReply = { name: who.name, role: who.role, routes: routesFor(who.role) };
    return c.json(reply);
  });

  api.get("/tokens", (c) => c.json(tokens.list().map(tokenReply)));

  api.post("/tokens", async (c) => {
    const body = await readBody(c, tokenCreateBodySchema);
    if (!body.ok) return body.response;
    const { name, role } = body.value;
    const now = Date.now();
    let token: string;
    try {
      token = s.stores.transaction(() => {
        const created = tokens.create(name, role, now);
        audit.record({
          at: now,
          actor: actorLabel(identityOf(c)),
          action: "token.created",
          entity: "token",
          entityId: name,
          after: { name, role },
        });
        return created;
      });
    } catch (e) {
      if (!(e instanceof TokenNameTaken)) throw e;
      return apiError(c, 409, "token_name_taken", e.message, [{ field: "name", reason: e.message }]);
    }
    const record = tokens.get(name);
    if (!record) throw new Error("token vanished after insert");
    const reply: TokenCreatedReply = { ...tokenReply(record), token };
    return c.json(reply, 201);
  });

  api.delete("/tokens/:name", (c) => {
    const name = c.req.param("name");
    const existing = tokens.get(name);
    if (!existing) return apiError(c, 404, "unknown_token", `no active token named "${name}"`);
    // The API must not lock ops out; `npm run token` on the controller's machine can still do it.
    if (existing.role === "ops" && tokens.countRole("ops") <= 1) {
      return apiError(
        c,
        409,
        "last_ops_token",
        `"${name}" is the last ops token; create another ops token first`,
      );
    }
    const now = Date.now();
    s.stores.transaction(() => {
      tokens.revoke(name, now);
      audit.record({
        at: now,
        actor: actorLabel(identityOf(c)),
        action: "token.revoked",
        entity: "token",
        entityId: name,
        before: { name, role: existing.role },
      });
    });
    return c.json({ name, revoked: true });
  });

  return api;
}
