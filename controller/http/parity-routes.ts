import { Hono } from "hono";
import { z } from "zod";
import {
  PARITY_REASONS,
  type ParityAudit,
  type ParityMismatch,
  type ParityOnline,
  parityAuditSchema,
  parityRunReplySchema,
} from "../../schemas/index.ts";
import type { ControllerServices } from "../services.ts";
import type { AuditRow, ParityStore } from "../store/parity.ts";
import { apiError } from "./errors.ts";
import { doc, query } from "./openapi.ts";

const parityRunQuerySchema = z.object({ source: z.enum(["feed", "pages"]).optional() });

const parityQuerySchema = z.object({
  limit: z.coerce.number().int().min(0).max(100_000).default(1000),
  reason: z.enum(PARITY_REASONS).optional(),
});

/** An audit as the API shows it, with at most `limit` of its mismatches. */
export function auditView(store: ParityStore, row: AuditRow, limit: number, reason?: string): ParityAudit {
  const { rows, total } = store.mismatches(row.auditId, limit, reason);
  const mismatches = rows.map((m): ParityMismatch => {
    // A sources_disagree row keeps the feed's view beside the page's, in the same column.
    const stored =
      m.onlineJson === null ? null : (JSON.parse(m.onlineJson) as ParityOnline & { feed?: ParityOnline });
    const { feed, ...online } = stored ?? {};
    return {
      sku: m.sku,
      labelIds: JSON.parse(m.labelIdsJson) as string[],
      reason: m.reason as ParityMismatch["reason"],
      online: stored ? (online as ParityOnline) : null,
      shelf: m.shelfJson === null ? null : JSON.parse(m.shelfJson),
      ...(feed ? { feed } : {}),
      since: new Date(m.since).toISOString(),
    };
  });
  return {
    auditId: row.auditId,
    status: row.status as ParityAudit["status"],
    ...(row.error ? { error: row.error } : {}),
    at: new Date(row.at).toISOString(),
    storeCode: row.storeCode,
    source: JSON.parse(row.sourceJson),
    compared: row.compared,
    atParity: row.atParity,
    mismatched: row.mismatched,
    parityShare: row.compared === 0 ? null : row.atParity / row.compared,
    notOnline: row.notOnline,
    mismatches,
    mismatchesTotal: total,
  };
}

/**
 * The parity audit (DESIGN.md §3b): `POST /parity/run` starts one (202 with its id), `GET /parity` is
 * the latest finished one, `GET /parity/{auditId}` any kept one (also while it runs).
 */
export function parityRoutes(s: ControllerServices): Hono {
  const api = new Hono();
  const store = s.stores.parity;

  api.post(
    "/parity/run",
    doc({
      summary: "Run a parity audit now: shelf against what the web shop shows",
      description:
        "Answers 202 with the audit's id at once; the audit runs in the background (`GET /parity/{auditId}`: `status` running → done). An audit already running is joined. `?source=feed|pages` (default SHELFSYNC_PARITY_SOURCE): the shop's feeds as stored, or each product's page fetched now. See docs/parity.md.",
      tags: ["parity"],
      ok: { status: 202, schema: parityRunReplySchema },
    }),
    query(parityRunQuerySchema),
    (c) => {
      const { source } = c.req.valid("query");
      return c.json({ auditId: s.parity.run({ source: source ?? s.config.paritySource }).auditId }, 202);
    },
  );

  api.get(
    "/parity",
    doc({
      summary: "The latest finished parity audit",
      description:
        "`?limit=` (default 1000) mismatches listed, `?reason=` only those of one reason; `mismatchesTotal` counts them all. 404 before the first audit.",
      tags: ["parity"],
      ok: { schema: parityAuditSchema },
      errors: [400, 404],
    }),
    query(parityQuerySchema),
    (c) => {
      const { limit, reason } = c.req.valid("query");
      const row = store.latest();
      if (!row)
        return apiError(c, 404, "no_audit", "no parity audit has finished yet; POST /api/v1/parity/run");
      return c.json(auditView(store, row, limit, reason));
    },
  );

  api.get(
    "/parity/:auditId",
    doc({
      summary: "One parity audit (the last 20 are kept)",
      tags: ["parity"],
      ok: { schema: parityAuditSchema },
      errors: [400, 404],
    }),
    query(parityQuerySchema),
    (c) => {
      const { limit, reason } = c.req.valid("query");
      const id = c.req.param("auditId");
      const row = /^\d{1,15}$/.test(id) ? store.audit(Number(id)) : undefined;
      if (!row) return apiError(c, 404, "not_found", `no parity audit ${id}`);
      return c.json(auditView(store, row, limit, reason));
    },
  );
  return api;
}
