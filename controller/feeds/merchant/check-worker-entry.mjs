// From source only (tests, benches, tsx): see display/render/render-worker-entry.mjs. The built
// service starts dist/controller/feeds/merchant/check-worker.mjs.
import { register } from "tsx/esm/api";

register();
await import("./check-worker.ts");
