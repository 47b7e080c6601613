import { CommandError, parseCommandLine, runCommand } from "../lib/cli.ts";
import { HttpPortInUseError, startController } from "./app.ts";
import { CONFIG_FLAGS, configUsage, loadConfig } from "./config.ts";
import { memoryReleaser } from "./memory.ts";
import { PortInUseError } from "./mqtt/embedded-broker.ts";
import { NewerDatabaseError, UnusableDatabaseError } from "./store/db.ts";

const USAGE = `usage: npm start [-- options]

The store controller: the SQLite store, MQTT (an embedded broker unless SHELFSYNC_MQTT_URL is set),
label sync, the reprice scheduler, the HTTP API and console. Stops cleanly on SIGTERM or SIGINT.

${configUsage()}
`;

/**
 * `npm start`: the controller alone, configured from SHELFSYNC_* variables and flags. Loaded by
 * controller/main.ts once V8's settings are in place.
 */
runCommand(
  "",
  async () => {
    const argv = process.argv.slice(2);
    const { values, positionals } = parseCommandLine(argv, CONFIG_FLAGS);
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (positionals.length > 0)
      throw new CommandError(`unexpected argument "${positionals[0]}" (see --help)`);
    const config = loadConfig(process.env, argv);
    const controller = await startController(config);
    const releaser =
      config.memoryRelease === "on"
        ? memoryReleaser({
            onRelease: (r) =>
              controller.log.debug(
                `memory given back: heap ${(r.beforeBytes / 1048576).toFixed(0)} → ${(r.afterBytes / 1048576).toFixed(0)} MB in ${r.ms.toFixed(0)} ms`,
              ),
          })
        : null;
    const shutdown = async (signal: string) => {
      controller.log.info(`${signal} received; stopping`);
      // A broker that does not answer must not keep a stopping controller alive forever.
      setTimeout(() => {
        controller.log.error("clean stop took over 10 s; exiting anyway");
        process.exit(1);
      }, 10_000).unref();
      releaser?.stop();
      await controller.stop();
      process.exit(0);
    };
    process.once("SIGINT", () => void shutdown("SIGINT"));
    process.once("SIGTERM", () => void shutdown("SIGTERM"));
    return undefined;
  },
  (e) =>
    e instanceof PortInUseError ||
    e instanceof HttpPortInUseError ||
    e instanceof NewerDatabaseError ||
    e instanceof UnusableDatabaseError,
);
