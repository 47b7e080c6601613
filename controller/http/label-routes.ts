import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import {
  flashBodySchema,
  flashOptionsSchema,
  ID_PATTERN,
  type LabelCommand,
  labelBridgeBodySchema,
  labelCommandSchema,
  labelCreateBodySchema,
  labelListQuerySchema,
  labelRemovedReplySchema,
  labelReplySchema,
  linkBodySchema,
  PROTOCOL_VERSION,
  type SyncSummaryReply,
  syncReplySchema,
  syncSummaryReplySchema,
} from "../../schemas/index.ts";
import { labelReply, syncCounts, syncSummary } from "../labels/views.ts";
import type { ControllerServices } from "../services.ts";
import { identityOf } from "./access.ts";
import { apiError } from "./errors.ts";
import { listLabels } from "./label-list.ts";
import { doc, jsonBody, query } from "./openapi.ts";

const TAGS = ["labels"];

/** Labels: list and find, register, link and unlink, flash, remove; and the store's sync state. */
export function labelRoutes(s: ControllerServices): Hono {
  const api = new Hono();
  const labelParam = (id: string) => (ID_PATTERN.test(id) ? s.labels.get(id) : undefined);

  api.get(
    "/labels",
    doc({
      summary: "List labels, filtered by a dashboard counter or a piece of the id or SKU",
      description:
        "In label id order; without parameters, every label. With `limit`, the `Next-After` header holds the `after` of the next page.",
      tags: TAGS,
      ok: { schema: labelReplySchema.array() },
      errors: [400],
    }),
    query(labelListQuerySchema),
    (c) => listLabels(s, c),
  );

  api.post(
    "/labels",
    doc({
      summary: "Register a label",
      description: "Labels announced by a bridge are registered automatically. 201 when new, 200 when known.",
      tags: TAGS,
      ok: { status: 201, schema: labelReplySchema, description: "Registered" },
      also: [
        { status: 200, schema: labelReplySchema, description: "Known already (its descriptor updated)" },
      ],
      errors: [400],
    }),
    jsonBody(labelCreateBodySchema),
    (c) => {
      const body = c.req.valid("json");
      const existed = s.labels.get(body.labelId) !== undefined;
      s.labels.upsertDescriptors([body], null, Date.now());
      const label = s.labels.get(body.labelId);
      if (!label) throw new Error("label vanished after insert");
      return c.json(labelReply(label, s.syncContext()), existed ? 200 : 201);
    },
  );

  api.get(
    "/labels/:labelId",
    doc({ summary: "One label", tags: TAGS, ok: { schema: labelReplySchema }, errors: [404] }),
    (c) => {
      const label = labelParam(c.req.param("labelId"));
      if (!label) return apiError(c, 404, "unknown_label", `no label "${c.req.param("labelId")}"`);
      return c.json(labelReply(label, s.syncContext()));
    },
  );

  api.delete(
    "/labels/:labelId",
    doc({
      summary: "Remove a label",
      description:
        "Forgets the label (one taken off the shelf) and clears its retained content. A bridge that announces it again brings it back, unlinked.",
      tags: TAGS,
      ok: { schema: labelRemovedReplySchema },
      errors: [404],
    }),
    (c) => {
      const label = labelParam(c.req.param("labelId"));
      if (!label) return apiError(c, 404, "unknown_label", `no label "${c.req.param("labelId")}"`);
      s.changes.removeLabel(label, identityOf(c));
      s.log.info("label removed", { labelId: label.labelId });
      return c.json({ labelId: label.labelId, removed: true as const });
    },
  );

  api.put(
    "/labels/:labelId/link",
    doc({
      summary: "Link a label to a product",
      description: "The label's content is published at once.",
      tags: TAGS,
      ok: { schema: labelReplySchema },
      errors: [400, 404, 422],
    }),
    jsonBody(linkBodySchema),
    (c) => {
      const label = labelParam(c.req.param("labelId"));
      if (!label) return apiError(c, 404, "unknown_label", `no label "${c.req.param("labelId")}"`);
      const { sku } = c.req.valid("json");
      if (!s.catalog.product(sku)) {
        return apiError(c, 422, "unknown_sku", `no product with SKU "${sku}"`, [
          { field: "sku", reason: "not in the product catalogue" },
        ]);
      }
      s.changes.linkLabel(label.labelId, sku, identityOf(c));
      s.log.info("label linked", { labelId: label.labelId, sku });
      return c.json(labelReply(s.labels.get(label.labelId) ?? label, s.syncContext()));
    },
  );

  api.delete(
    "/labels/:labelId/link",
    doc({
      summary: "Unlink a label",
      description: "Its retained content is cleared at once.",
      tags: TAGS,
      ok: { schema: labelReplySchema },
      errors: [404],
    }),
    (c) => {
      const label = labelParam(c.req.param("labelId"));
      if (!label) return apiError(c, 404, "unknown_label", `no label "${c.req.param("labelId")}"`);
      s.changes.unlinkLabel(label.labelId, identityOf(c));
      s.log.info("label unlinked", { labelId: label.labelId });
      return c.json(labelReply(s.labels.get(label.labelId) ?? label, s.syncContext()));
    },
  );

  api.put(
    "/labels/:labelId/bridge",
    doc({
      summary: "Move a label to another bridge",
      description:
        "A label belongs to the first bridge that announces it; only that bridge's inventory and (on the embedded broker) states count for it. Audited as `label.moved`.",
      tags: TAGS,
      ok: { schema: labelReplySchema },
      errors: [400, 404],
    }),
    jsonBody(labelBridgeBodySchema),
    (c) => {
      const label = labelParam(c.req.param("labelId"));
      if (!label) return apiError(c, 404, "unknown_label", `no label "${c.req.param("labelId")}"`);
      const { bridgeId } = c.req.valid("json");
      s.changes.moveLabel(label.labelId, bridgeId, identityOf(c));
      s.log.info("label moved", { labelId: label.labelId, from: label.bridgeId, to: bridgeId });
      return c.json(labelReply(s.labels.get(label.labelId) ?? label, s.syncContext()));
    },
  );

  api.post(
    "/labels/:labelId/flash",
    doc({
      summary: "Flash a label's LED",
      description: "202 once the command is with the broker (`{}` for the defaults).",
      tags: TAGS,
      ok: { status: 202, schema: labelCommandSchema.and(labelReplySchema.pick({ labelId: true })) },
      errors: [400, 404, 503],
    }),
    jsonBody(flashBodySchema),
    async (c) => {
      const label = labelParam(c.req.param("labelId"));
      if (!label) return apiError(c, 404, "unknown_label", `no label "${c.req.param("labelId")}"`);
      const body = c.req.valid("json");
      if (!s.link.connected())
        return apiError(c, 503, "broker_unavailable", "the MQTT broker is not reachable");
      const command: LabelCommand = {
        v: PROTOCOL_VERSION,
        command: "flash",
        commandId: randomUUID(),
        ...flashOptionsSchema.parse(body),
      };
      await s.link.sendCommand(label.labelId, command);
      return c.json({ labelId: label.labelId, ...command }, 202);
    },
  );

  api.get(
    "/sync",
    doc({
      summary: "Sync state: counts and every label that is not right, with why",
      tags: ["sync"],
      ok: { schema: syncReplySchema },
    }),
    (c) => c.json(syncSummary(s.labels.statusRows(), s.syncContext())),
  );

  api.get(
    "/sync/summary",
    doc({
      summary: "Sync counters only (for a dashboard that polls)",
      tags: ["sync"],
      ok: { schema: syncSummaryReplySchema },
    }),
    (c) => {
      const counts = syncCounts(s.labels.syncCountSource, s.syncContext());
      const reply: SyncSummaryReply = { ...counts, at: new Date().toISOString() };
      return c.json(reply);
    },
  );

  return api;
}
