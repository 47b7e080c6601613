// From source only (tests, benches, tsx): worker threads start without the parent's TypeScript
// loader, so this plain-JS entry registers tsx's hooks inside the worker and then loads the
// TypeScript worker. The built service never comes here: it starts dist/display/render/render-worker.mjs.
import { register } from "tsx/esm/api";

register();
await import("./render-worker.ts");
