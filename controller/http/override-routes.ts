import { Hono } from "hono";
import { z } from "zod";
import {
  actorBodySchema,
  InstantError,
  MoneyError,
  overrideBodySchema,
  overrideCreatedReplySchema,
  overrideView,
  parseDecimalToMinor,
  parseEndInstant,
  parseInstant,
} from "../../schemas/index.ts";
import { replyNotes } from "../changes/index.ts";
import type { ControllerServices } from "../services.ts";
import { identityOf } from "./access.ts";
import { apiError } from "./errors.ts";
import { doc, jsonBody } from "./openapi.ts";

/** Staff price overrides; one that trips a guard rail waits for an approver like a feed row. */
export function overrideRoutes(s: ControllerServices): Hono {
  const api = new Hono();
  const { catalog } = s.stores;
  const tz = s.config.timeZone;
  api.post(
    "/overrides",
    doc({
      summary: "A staff price replacing the regular price in a window",
      description:
        "`start`/`end` ISO 8601 (without an offset, store time). A change beyond the guard rails is answered 202 and waits for an approver. The author is the token's person.",
      tags: ["overrides"],
      ok: { status: 201, schema: overrideCreatedReplySchema, description: "In force (from its start)" },
      also: [{ status: 202, schema: overrideCreatedReplySchema, description: "Held for an approval" }],
      errors: [400, 422],
    }),
    jsonBody(overrideBodySchema),
    async (c) => {
      const b = c.req.valid("json");
      if (!catalog.product(b.sku)) {
        return apiError(c, 422, "unknown_sku", `no product with SKU "${b.sku}"`, [
          { field: "sku", reason: "not in the product catalogue" },
        ]);
      }
      const now = s.clock.now();
      const currency =
        b.currency ?? s.sync.resolveSku(b.sku, now)?.regularPrice.currency ?? s.config.currency;
      let amountMinor: number;
      let start: number;
      let end: number | null;
      try {
        amountMinor = parseDecimalToMinor(b.price, currency);
        start = b.start ? parseInstant(b.start, tz) : now;
        end = b.end ? parseEndInstant(b.end, tz) : null;
      } catch (e) {
        if (e instanceof MoneyError)
          return apiError(c, 400, "invalid_body", `price: ${e.message}`, [
            { field: "price", reason: e.message },
          ]);
        if (e instanceof InstantError) return apiError(c, 400, "invalid_body", e.message);
        throw e;
      }
      if (amountMinor <= 0)
        return apiError(c, 400, "invalid_body", "price: must be above zero", [
          { field: "price", reason: "must be above zero" },
        ]);
      if (end !== null && end <= start)
        return apiError(c, 400, "invalid_body", "end: must be after start", [
          { field: "end", reason: "must be after start" },
        ]);
      const r = s.changes.addOverride(
        { sku: b.sku, amountMinor, currency, start, end, reason: b.reason },
        identityOf(c),
      );
      const o = r.value;
      if (o.held) {
        return c.json(
          {
            ...overrideView(o.override),
            held: true,
            approvalId: o.approvalId,
            holdReason: o.holdReason,
            ...replyNotes(r),
          },
          202,
        );
      }
      return c.json(
        { id: o.id, ...overrideView(o.override), labelsAffected: r.labelsAffected, ...replyNotes(r) },
        201,
      );
    },
  );

  api.delete(
    "/overrides/:id",
    doc({
      summary: "End an override now",
      description: "Body optional: `{ reason }`.",
      tags: ["overrides"],
      ok: {
        schema: z.object({
          id: z.number().int(),
          labelsAffected: z.number().int(),
          notes: z.array(z.unknown()).optional(),
        }),
      },
      errors: [400, 404],
    }),
    jsonBody(actorBodySchema),
    (c) => {
      const id = Number(c.req.param("id"));
      const existing = Number.isInteger(id) ? s.stores.overrides.get(id) : undefined;
      if (!existing) return apiError(c, 404, "unknown_override", `no override ${c.req.param("id")}`);
      const body = c.req.valid("json");
      const r = s.changes.endOverride({ ...existing, id }, identityOf(c), body.reason ?? null);
      return c.json({ id, labelsAffected: r.labelsAffected, ...replyNotes(r) });
    },
  );

  return api;
}
