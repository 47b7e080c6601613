import { youngGenerationSmall } from "../lib/young-generation.ts";

/**
 * `npm start` (and `node dist/controller/main.mjs`, the Dockerfile's and the systemd unit's command):
 * V8's heap settings first, then the controller's modules (controller/command.ts). The import is
 * dynamic so that no module is evaluated before the settings apply: the young generation keeps the
 * size it has when the modules' start-up allocations run.
 */
youngGenerationSmall();
await import("./command.ts");
