// Worker threads start without the parent's TypeScript loader; this plain-JS entry registers
// tsx's hooks inside the worker and then loads the TypeScript worker. It works the same whether
// the parent runs under tsx, vitest or plain node with tsx installed.
import { register } from "tsx/esm/api";

register();
await import("./render-worker.ts");
