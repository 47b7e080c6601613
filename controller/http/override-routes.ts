import { Hono } from "hono";
import {
  actorBodySchema,
  InstantError,
  MoneyError,
  overrideBodySchema,
  parseDecimalToMinor,
  parseInstant,
} from "../../schemas/index.ts";
import { checkGuardRail } from "../pricing/index.ts";
import type { ControllerServices } from "../services.ts";
import { apiError, readBody } from "./errors.ts";

/** Staff price overrides; one that trips a guard rail waits for an approver like a feed row. */
export function overrideRoutes(s: ControllerServices): Hono {
  const api = new Hono();
  const { approvals, audit, catalog } = s.stores;
  const tz = s.config.timeZone;
  const guardRail = { maxCutShare: s.config.guardMaxCut, maxRaiseShare: s.config.guardMaxRaise };
  api.post("/overrides", async (c) => {
    const body = await readBody(c, overrideBodySchema);
    if (!body.ok) return body.response;
    const b = body.value;
    if (!catalog.product(b.sku)) {
      return apiError(c, 422, "unknown_sku", `no product with SKU "${b.sku}"`, [
        { field: "sku", reason: "not in the product catalogue" },
      ]);
    }
    const now = s.clock.now();
    const currency = b.currency ?? s.sync.resolveSku(b.sku, now)?.regularPrice.currency ?? s.config.currency;
    let amountMinor: number;
    let start: number;
    let end: number | null;
    try {
      amountMinor = parseDecimalToMinor(b.price, currency);
      start = b.start ? parseInstant(b.start, tz) : now;
      end = b.end ? parseInstant(b.end, tz) : null;
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
    const override = { sku: b.sku, amountMinor, currency, start, end, author: b.author, reason: b.reason };
    // A staff price is a price change like any other: a fat-fingered 0.09 waits for an approver.
    const current = s.sync.resolveSku(b.sku, start)?.regularPrice;
    const hold = checkGuardRail(current, { amountMinor, currency }, guardRail);
    if (hold) {
      const approvalId = s.stores.transaction(() => {
        const heldId = approvals.hold({
          change: "override",
          sku: b.sku,
          currentAmountMinor: current?.amountMinor ?? null,
          currentCurrency: current?.currency ?? null,
          proposedAmountMinor: amountMinor,
          proposedCurrency: currency,
          effectiveFrom: start,
          effectiveTo: end,
          reason: hold.reason,
          source: `staff:${b.author}`,
          feedSequence: null,
          author: b.author,
          changeReason: b.reason,
          createdAt: now,
        });
        audit.record({
          at: now,
          actor: b.author,
          action: "approval.held",
          entity: "approval",
          entityId: heldId,
          reason: hold.reason,
          before: current ?? null,
          after: override,
        });
        return heldId;
      });
      return c.json({ ...override, held: true, approvalId, holdReason: hold.reason }, 202);
    }
    const id = s.stores.transaction(() => {
      const newId = s.stores.overrides.add(override, now);
      audit.record({
        at: now,
        actor: b.author,
        action: "override.created",
        entity: "override",
        entityId: String(newId),
        reason: b.reason,
        after: override,
      });
      return newId;
    });
    return c.json({ id, ...override, labelsAffected: s.sync.refreshSkus(new Set([b.sku])).changed }, 201);
  });

  api.delete("/overrides/:id", async (c) => {
    const id = Number(c.req.param("id"));
    const existing = Number.isInteger(id) ? s.stores.overrides.get(id) : undefined;
    if (!existing) return apiError(c, 404, "unknown_override", `no override ${c.req.param("id")}`);
    const body = await readBody(c, actorBodySchema);
    if (!body.ok) return body.response;
    const now = s.clock.now();
    s.stores.transaction(() => {
      s.stores.overrides.end(id, now);
      audit.record({
        at: now,
        actor: body.value.author,
        action: "override.ended",
        entity: "override",
        entityId: String(id),
        reason: body.value.reason ?? null,
        before: existing,
      });
    });
    return c.json({ id, labelsAffected: s.sync.refreshSkus(new Set([existing.sku])).changed });
  });

  return api;
}
