import { html } from "hono/html";
import type { ControllerServices } from "../services.ts";

/**
 * The page at `/` until the staff console (a separate web app) is served there. Everything about the
 * store needs a token now, so this page says only that the controller runs and where the API is.
 */
export function statusPage(s: ControllerServices) {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Shelfsync · ${s.config.storeId}</title>
<style>body{font:15px system-ui,sans-serif;margin:2rem;color:#111}code{background:#f3f3f3;padding:0 .25rem}</style></head>
<body><h1>Shelfsync — store ${s.config.storeId}</h1>
<p>The controller is running. Its API is at <code>/api/v1</code>; every route but
<code>/api/v1/health</code> needs <code>Authorization: Bearer &lt;token&gt;</code>
(<code>npm run token -- create --role viewer --name "…"</code> on the controller makes one).</p>
</body></html>`;
}
