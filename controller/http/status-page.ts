import { html } from "hono/html";
import { syncSummary } from "../labels/views.ts";
import type { ControllerServices } from "../services.ts";

/**
 * A plain server-rendered status page at `/`, so the URL the demo prints shows something useful
 * before the staff console (a separate web app) exists. It refreshes itself every 5 s.
 */
export function statusPage(s: ControllerServices) {
  const sync = syncSummary(s.labels.statusRows(), s.syncContext());
  const rows = sync.notRight.slice(0, 200);
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>Shelfsync · ${s.config.storeId}</title>
<style>body{font:15px system-ui,sans-serif;margin:2rem;color:#111}table{border-collapse:collapse}
td,th{padding:.25rem .75rem;border-bottom:1px solid #ddd;text-align:left}.n{font-size:2rem;font-weight:600}
.grid{display:flex;gap:2rem;margin:1rem 0}</style></head>
<body><h1>Shelfsync — store ${s.config.storeId}</h1>
<p>MQTT ${s.link.connected() ? "connected" : "NOT connected"} (${s.mqttUrl}) · API at <code>/api/v1</code></p>
<div class="grid">
<div><div class="n" id="total">${sync.total}</div>labels</div>
<div><div class="n" id="in-sync">${sync.inSync}</div>in sync</div>
<div><div class="n">${sync.pending}</div>pending</div>
<div><div class="n">${sync.offline}</div>offline</div>
<div><div class="n">${sync.neverSeen}</div>never seen</div>
<div><div class="n">${sync.unlinked}</div>unlinked</div>
<div><div class="n" id="not-a-reduction">${sync.notAReduction}</div>not a reduction</div>
</div>
<h2>Not right (${sync.notRight.length})</h2>
<table><tr><th>label</th><th>SKU</th><th>status</th><th>why</th></tr>
${rows.map((r) => html`<tr><td>${r.labelId}</td><td>${r.sku ?? "—"}</td><td>${r.reason}</td><td>${r.detail}</td></tr>`)}
</table></body></html>`;
}
