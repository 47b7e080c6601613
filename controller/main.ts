import { HttpPortInUseError, startController } from "./app.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { PortInUseError } from "./mqtt/embedded-broker.ts";

/** `npm start`: the controller alone, configured from SHELFSYNC_* variables and flags. */
async function main() {
  const config = loadConfig();
  const controller = await startController(config);
  const shutdown = async (signal: string) => {
    controller.log.info(`${signal} received; stopping`);
    // A broker that does not answer must not keep a stopping controller alive forever.
    setTimeout(() => {
      controller.log.error("clean stop took over 10 s; exiting anyway");
      process.exit(1);
    }, 10_000).unref();
    await controller.stop();
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError || e instanceof PortInUseError || e instanceof HttpPortInUseError) {
    process.stderr.write(`shelfsync: ${e.message}\n`);
    process.exit(2);
  }
  throw e;
});
