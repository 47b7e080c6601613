import { Hono } from "hono";
import { z } from "zod";
import {
  type MeReply,
  meReplySchema,
  type TokenCreatedReply,
  type TokenReply,
  tokenCreateBodySchema,
  tokenCreatedReplySchema,
  tokenReplySchema,
} from "../../schemas/index.ts";
import { actorLabel } from "../changes/index.ts";
import type { ControllerServices } from "../services.ts";
import { TokenNameTaken, type TokenRecord } from "../store/tokens.ts";
import { identityOf, routesFor } from "./access.ts";
import { apiError } from "./errors.ts";
import { doc, jsonBody } from "./openapi.ts";

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

  api.get(
    "/me",
    doc({
      summary: "Who this token belongs to, its role, and the routes it may call",
      tags: ["tokens"],
      ok: { schema: meReplySchema },
    }),
    (c) => {
      const who = identityOf(c);
      const reply: MeReply = { name: who.name, role: who.role, routes: routesFor(who.role) };
      return c.json(reply);
    },
  );

  api.get(
    "/tokens",
    doc({
      summary: "Active tokens (never the tokens themselves)",
      tags: ["tokens"],
      ok: { schema: tokenReplySchema.array() },
    }),
    (c) => c.json(tokens.list().map(tokenReply)),
  );

  api.post(
    "/tokens",
    doc({
      summary: "Create a token for a person or device",
      description: "The reply carries the token: the only time it is shown (only its hash is stored).",
      tags: ["tokens"],
      ok: { status: 201, schema: tokenCreatedReplySchema },
      errors: [400, 409],
    }),
    jsonBody(tokenCreateBodySchema),
    (c) => {
      const { name, role } = c.req.valid("json");
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
    },
  );

  api.delete(
    "/tokens/:name",
    doc({
      summary: "Revoke a token (at once)",
      description: "The last ops token cannot be revoked over HTTP (`npm run token -- revoke` can).",
      tags: ["tokens"],
      ok: { schema: z.object({ name: z.string(), revoked: z.literal(true) }) },
      errors: [404, 409],
    }),
    (c) => {
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
      // A bridge or ops sign-in on the embedded broker ends now, not at its next reconnect.
      s.signOutRevokedMqtt();
      return c.json({ name, revoked: true as const });
    },
  );

  return api;
}
