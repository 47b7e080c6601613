import type { Context } from "hono";
import { labelListQuerySchema } from "../../schemas/index.ts";
import { labelInFilter, labelReply } from "../labels/views.ts";
import type { ControllerServices } from "../services.ts";
import { apiError } from "./errors.ts";

/**
 * `GET /api/v1/labels[?filter=&q=&limit=&after=]`: the labels, ordered by id. Without parameters,
 * every label (as always). `filter` is one of the dashboard's counters (a sync status,
 * `not_a_reduction`, `low_battery`, `weak_signal`), `q` a piece of the label id or SKU, and `limit`
 * with `after` page through a large store: when more match, the reply's `Next-After` header holds the
 * `after` of the next page. The filter runs over the status rows (no content JSON); only the page's
 * labels are read whole.
 */
export function listLabels(s: ControllerServices, c: Context): Response {
  const parsed = labelListQuerySchema.safeParse(c.req.query());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return apiError(c, 400, "invalid_query", `${issue?.path.join(".")}: ${issue?.message}`, [
      { field: String(issue?.path[0] ?? ""), reason: issue?.message ?? "" },
    ]);
  }
  const { filter, q, limit, after } = parsed.data;
  const ctx = s.syncContext();
  if (!filter && !q && limit === undefined && after === undefined) {
    return c.json(s.labels.all().map((l) => labelReply(l, ctx)));
  }
  const needle = q?.trim().toLowerCase();
  const page: string[] = [];
  let more = false;
  for (const row of s.labels.statusRows()) {
    if (after !== undefined && row.labelId <= after) continue;
    if (filter && !labelInFilter(row, filter, ctx)) continue;
    if (
      needle &&
      !row.labelId.toLowerCase().includes(needle) &&
      !(row.sku ?? "").toLowerCase().includes(needle)
    )
      continue;
    if (limit !== undefined && page.length === limit) {
      more = true;
      break;
    }
    page.push(row.labelId);
  }
  if (more) c.header("Next-After", page[page.length - 1] ?? "");
  const replies = page.flatMap((id) => {
    const label = s.labels.get(id);
    return label ? [labelReply(label, ctx)] : [];
  });
  return c.json(replies);
}
