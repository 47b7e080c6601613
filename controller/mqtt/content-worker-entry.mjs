// From source only (tests, benches, tsx): worker threads start without the parent's TypeScript
// loader, so this plain-JS entry registers tsx's hooks inside the worker and then loads the
// TypeScript worker. The built service never comes here: it starts dist/controller/mqtt/content-worker.mjs.
import { register } from "tsx/esm/api";

register();
await import("./content-worker.ts");
