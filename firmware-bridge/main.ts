import { readFileSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { z } from "zod";
import { idSchema } from "../schemas/index.ts";
import { CliUsageError, flagOrEnv, parseOptions } from "./cli-options.ts";
import { type BridgeHandle, createConsoleLogger, type LogLevel, startBridge } from "./core/index.ts";
import { BRIDGE_KINDS, type BridgeKind, type RawFlags } from "./kinds.ts";
import { DEFAULT_MQTT_URL, DEFAULT_STORE_ID } from "./simulated/start.ts";

export { startSimulatedAccessPoint } from "./simulated/start.ts";

const COMMON_FLAGS = {
  "mqtt-url": {
    type: "string",
    placeholder: "URL",
    env: "SHELFSYNC_MQTT_URL",
    description: `broker (default ${DEFAULT_MQTT_URL})`,
  },
  "store-id": {
    type: "string",
    placeholder: "ID",
    env: "SHELFSYNC_STORE_ID",
    description: `store (default ${DEFAULT_STORE_ID})`,
  },
  "bridge-id": {
    type: "string",
    placeholder: "ID",
    env: "SHELFSYNC_BRIDGE_ID",
    description: "this bridge's id (default per kind)",
  },
  "log-level": {
    type: "string",
    placeholder: "LEVEL",
    env: "SHELFSYNC_LOG_LEVEL",
    description: "debug, info, warn or error (default info)",
  },
} as const;

const commonSchema = z.object({
  "mqtt-url": z
    .string()
    .refine((value) => URL.canParse(value) && /^(mqtts?|wss?|tcp|ssl):$/.test(new URL(value).protocol), {
      message: "must be a broker URL such as mqtt://127.0.0.1:1883",
    }),
  "store-id": idSchema,
  "bridge-id": idSchema,
  "log-level": z.enum(["debug", "info", "warn", "error"], { message: "must be debug, info, warn or error" }),
});

function usage(): string {
  const lines = ["usage: npm run bridge -- <kind> [options]", "", "kinds:"];
  for (const [name, kind] of Object.entries(BRIDGE_KINDS)) lines.push(`  ${name.padEnd(12)} ${kind.summary}`);
  const flagLine = (name: string, spec: { placeholder?: string; description: string; env?: string }) =>
    `  --${`${name} ${spec.placeholder ?? ""}`.trim().padEnd(28)} ${spec.description}${spec.env ? ` [${spec.env}]` : ""}`;
  lines.push("", "common options:");
  for (const [name, spec] of Object.entries(COMMON_FLAGS)) lines.push(flagLine(name, spec));
  for (const [name, kind] of Object.entries(BRIDGE_KINDS)) {
    lines.push("", `${name} options:`);
    for (const [flag, spec] of Object.entries(kind.flags)) lines.push(flagLine(flag, spec));
  }
  lines.push(
    "",
    "signing in (environment only, never a flag: a flag shows in the process list):",
    "  SHELFSYNC_MQTT_USERNAME   the bridge's token name, which is also its bridge id (the default --bridge-id)",
    "  SHELFSYNC_MQTT_PASSWORD   its token: npm run token -- create --role bridge --name <bridge id>",
    "  SHELFSYNC_MQTT_CA         a CA certificate (PEM file) to trust for an mqtts:// broker",
  );
  return lines.join("\n");
}

interface ParsedCommandLine {
  kind: BridgeKind;
  kindName: string;
  flags: RawFlags;
  common: { mqttUrl: string; storeId: string; bridgeId: string; logLevel: LogLevel };
  /** SHELFSYNC_MQTT_USERNAME / _PASSWORD, when set. */
  login: { username?: string; password?: string };
  /** SHELFSYNC_MQTT_CA: a CA certificate (PEM) to trust for an `mqtts://` broker. */
  ca?: Buffer;
}

/** Read and validate the command line and environment; throws CliUsageError on anything wrong. */
export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv): ParsedCommandLine {
  const [kindName, ...rest] = argv;
  if (!kindName || kindName.startsWith("-")) {
    throw new CliUsageError(`missing bridge kind (one of: ${Object.keys(BRIDGE_KINDS).join(", ")})`);
  }
  const kind = BRIDGE_KINDS[kindName];
  if (!kind) {
    throw new CliUsageError(
      `unknown bridge kind "${kindName}" (one of: ${Object.keys(BRIDGE_KINDS).join(", ")})`,
    );
  }
  const options: NonNullable<ParseArgsConfig["options"]> = {};
  for (const [name, spec] of Object.entries({ ...COMMON_FLAGS, ...kind.flags })) {
    options[name] = { type: spec.type, ...("multiple" in spec && spec.multiple ? { multiple: true } : {}) };
  }
  let flags: RawFlags;
  try {
    flags = parseArgs({ args: [...rest], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error));
  }
  const fromFlagOrEnv = (name: keyof typeof COMMON_FLAGS) =>
    flagOrEnv(flags, name, env, COMMON_FLAGS[name].env).value;
  const raw = {
    "mqtt-url": fromFlagOrEnv("mqtt-url") ?? DEFAULT_MQTT_URL,
    "store-id": fromFlagOrEnv("store-id") ?? DEFAULT_STORE_ID,
    // A bridge signs in under its own id (the token's name), so that is its id unless told otherwise.
    "bridge-id": fromFlagOrEnv("bridge-id") ?? (env.SHELFSYNC_MQTT_USERNAME || kind.defaultBridgeId),
    "log-level": fromFlagOrEnv("log-level") ?? "info",
  };
  const common = parseOptions(commonSchema, raw, (key) => {
    const name = key as keyof typeof COMMON_FLAGS;
    return typeof flags[name] === "string" || env[COMMON_FLAGS[name].env] === undefined
      ? `--${key}`
      : COMMON_FLAGS[name].env;
  });
  const username = env.SHELFSYNC_MQTT_USERNAME || undefined;
  const password = env.SHELFSYNC_MQTT_PASSWORD || undefined;
  if (username !== undefined && username !== common["bridge-id"]) {
    throw new CliUsageError(
      `--bridge-id ${common["bridge-id"]} is not SHELFSYNC_MQTT_USERNAME ${username}: a bridge signs in under its own id (the broker refuses it anything else)`,
    );
  }
  if ((username === undefined) !== (password === undefined))
    throw new CliUsageError("set both SHELFSYNC_MQTT_USERNAME and SHELFSYNC_MQTT_PASSWORD, or neither");
  let ca: Buffer | undefined;
  if (env.SHELFSYNC_MQTT_CA) {
    try {
      ca = readFileSync(env.SHELFSYNC_MQTT_CA);
    } catch (error) {
      throw new CliUsageError(
        `SHELFSYNC_MQTT_CA: cannot read ${env.SHELFSYNC_MQTT_CA} (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  }
  return {
    kind,
    kindName,
    flags,
    login: { ...(username ? { username } : {}), ...(password ? { password } : {}) },
    ...(ca ? { ca } : {}),
    common: {
      mqttUrl: common["mqtt-url"],
      storeId: common["store-id"],
      bridgeId: common["bridge-id"],
      logLevel: common["log-level"],
    },
  };
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv.length === 0 || argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${usage()}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  const { kind, kindName, flags, common, login, ca } = parseCommandLine(argv, process.env);
  const logger = createConsoleLogger({
    level: common.logLevel,
    prefix: `bridge ${common.bridgeId}`,
    secrets: [process.env.SHELFSYNC_MQTT_PASSWORD],
  });
  const adapter = await kind.createAdapter(flags, process.env, { ...common, logger });
  logger.info("starting", { kind: kindName, broker: common.mqttUrl, storeId: common.storeId });
  const bridge: BridgeHandle = await startBridge({
    ...common,
    adapter,
    logger,
    mqttOptions: { ...login, ...(ca ? { ca } : {}) },
  });
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      logger.info("shutting down", { signal });
      process.off("SIGINT", shutdown);
      process.off("SIGTERM", shutdown);
      resolve();
    };
    process.on("SIGINT", shutdown);
    process.on("SIGTERM", shutdown);
  });
  await bridge.stop();
  return 0;
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      if (error instanceof CliUsageError) {
        process.stderr.write(`shelfsync bridge: ${error.message}\n`);
        process.exitCode = 2;
      } else {
        process.stderr.write(
          `shelfsync bridge: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
        );
        process.exitCode = 1;
      }
    },
  );
}
