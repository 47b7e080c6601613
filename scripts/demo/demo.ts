import { createReadStream } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { HttpPortInUseError, startController } from "../../controller/app.ts";
import { CONFIG_FLAGS, ConfigError, configUsage, loadConfig } from "../../controller/config.ts";
import { FeedRejected } from "../../controller/feeds/ingest.ts";
import { NewerDatabaseError } from "../../controller/store/db.ts";
import { startSimulatedAccessPoint } from "../../firmware-bridge/simulated/index.ts";
import { CommandError, parseCommandLine, runCommand } from "../../lib/cli.ts";
import { fromPackageRoot } from "../../lib/paths.ts";
import { CATALOG_FEEDS, PERSON_ROLES } from "../../schemas/index.ts";

/**
 * `npm run demo`: the controller with its embedded broker, the sample catalogue, and a simulated
 * access point whose labels get linked to products — everything a first look needs, in one process.
 * The embedded broker moves to the next free port when 1883 is taken (many machines run Mosquitto).
 */
const CATALOGUE = fromPackageRoot("scripts", "demo", "catalogue");

/**
 * Promotions running from today (store time) for two weeks, so the demo shows reductions with their
 * Omnibus reference price, a multi-buy and a member price whenever it is started.
 */
function demoPromotions(today: Date): string {
  const day = (offset: number) => new Date(today.getTime() + offset * 86_400_000).toISOString().slice(0, 10);
  return [
    "promotionId,kind,skus,value,buyQuantity,start,end,priority",
    `DEMO-COFFEE-20,percent,SKU-1001|SKU-1016,20,,${day(0)},${day(14)},1`,
    `DEMO-PASTA-3FOR,multibuy,SKU-1007|SKU-1008,2.50,3,${day(0)},${day(14)},1`,
    `DEMO-HONEY-MEMBER,member,SKU-1018,5.99,,${day(0)},${day(14)},1`,
    "",
  ].join("\n");
}

const USAGE = `usage: npm run demo [-- options]

The controller with its embedded broker (the next free port if 1883 is taken), the sample catalogue
and a simulated access point whose labels are linked to products.

  --labels <n>             simulated labels (default 24)
  --failure-rate <0..1>    share of radio transfers that fail and are retried (default 0.02)

${configUsage()}
`;

async function main(): Promise<number | undefined> {
  const argv = process.argv.slice(2);
  const { values, positionals } = parseCommandLine(argv, {
    ...CONFIG_FLAGS,
    labels: { type: "string", default: "24" },
    "failure-rate": { type: "string", default: "0.02" },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new CommandError(`unexpected argument "${positionals[0]}" (see --help)`);
  const labelCount = Number(values.labels);
  const failureRate = Number(values["failure-rate"]);
  if (!Number.isInteger(labelCount) || labelCount < 1 || labelCount > 99_999) {
    throw new ConfigError(
      `--labels: must be a whole number from 1 to 99999 (got ${JSON.stringify(values.labels)})`,
    );
  }
  if (!(failureRate >= 0 && failureRate <= 1)) {
    throw new ConfigError(
      `--failure-rate: must be between 0 and 1 (got ${JSON.stringify(values["failure-rate"])})`,
    );
  }

  // loadConfig reads the settings' flags and passes over the demo's own.
  const config = loadConfig(process.env, argv);
  const controller = await startController(config, { searchFreeMqttPort: true });

  for (const feed of CATALOG_FEEDS) {
    const sequence = (controller.catalog.lastSequence(feed) ?? 0) + 1;
    try {
      const body =
        feed === "promotions"
          ? Readable.from([Buffer.from(demoPromotions(new Date(controller.clock.now())))])
          : createReadStream(join(CATALOGUE, `${feed}.csv`));
      const reply = await controller.ingest({ feed, sequence, format: "csv", body });
      controller.log.info(`sample ${feed} loaded`, { rows: reply.rowsRead, changed: reply.rowsChanged });
    } catch (e) {
      if (e instanceof FeedRejected) throw new Error(`sample ${feed} feed is invalid: ${e.message}`);
      throw e;
    }
  }

  // The access point signs in like any bridge (SHELFSYNC_MQTT_AUTH=required by default): a `bridge`
  // token named after it, new at every start (the old one cannot be read back: tokens are hashed).
  const bridgeId = "sim-ap";
  controller.stores.tokens.revoke(bridgeId, Date.now());
  const bridgeToken = controller.stores.tokens.create(bridgeId, "bridge", Date.now());
  const ap = await startSimulatedAccessPoint({
    mqttUrl: controller.mqttUrl,
    storeId: config.storeId,
    bridgeId,
    mqttOptions: { username: bridgeId, password: bridgeToken },
    labels: labelCount,
    failureRate,
    radioDelayMs: 800,
    checkInSeconds: 30,
  });

  // The AP's inventory arrives over MQTT; link every label that is not linked yet, round robin.
  const skus = controller.catalog.skus();
  for (let i = 0; i < 100 && ap.labelIds.some((id) => !controller.labels.get(id)); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  // Through the links feed, as an installation links its labels from a file.
  const toLink = ap.labelIds.filter((id) => controller.labels.get(id)?.sku === null);
  const links = ["labelId,sku", ...toLink.map((id, i) => `${id},${skus[i % skus.length] ?? ""}`), ""].join(
    "\n",
  );
  const linked = await controller.ingest({
    feed: "links",
    sequence: (controller.catalog.lastSequence("links") ?? 0) + 1,
    format: "csv",
    body: Readable.from([Buffer.from(links)]),
  });
  controller.log.info("demo labels linked", { labels: linked.rowsChanged, published: linked.labelsAffected });

  // One token per person role, new at every start (tokens are stored hashed: an old one cannot be
  // shown again), so whoever tries the demo can sign in as each kind of user.
  const now = Date.now();
  const demoTokens = PERSON_ROLES.map((role) => {
    const name = `demo ${role}`;
    controller.stores.tokens.revoke(name, now);
    return { role, token: controller.stores.tokens.create(name, role, now) };
  });

  process.stdout.write(
    [
      "",
      `Shelfsync demo running for store ${config.storeId}`,
      `  console:  ${controller.httpUrl}/`,
      `  API:      ${controller.httpUrl}/api/v1/health  ·  ${controller.httpUrl}/api/v1/sync`,
      `  MQTT:     ${controller.mqttUrl} (${controller.embeddedBroker ? `embedded broker, sign-in ${config.mqttAuth}` : "external broker"})`,
      "  another bridge signs in with a token of its own, e.g.:",
      `    export SHELFSYNC_MQTT_URL=${controller.mqttUrl} SHELFSYNC_STORE_ID=${config.storeId} SHELFSYNC_MQTT_USERNAME=ap2`,
      "    export SHELFSYNC_MQTT_PASSWORD=$(npm run -s token -- create --role bridge --name ap2)",
      "    npm run bridge -- simulated --labels 50",
      `  labels:   ${ap.labelIds.length} simulated on access point ${ap.bridgeId}`,
      "  tokens (Authorization: Bearer <token>):",
      ...demoTokens.map((t) => `    ${t.role.padEnd(8)} ${t.token}`),
      `  e.g.      curl -H "Authorization: Bearer ${demoTokens[0]?.token}" ${controller.httpUrl}/api/v1/sync`,
      "Press Ctrl+C to stop.",
      "",
    ].join("\n"),
  );

  const shutdown = async () => {
    await ap.stop();
    await controller.stop();
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown());
  process.once("SIGTERM", () => void shutdown());
  return undefined;
}

runCommand("demo", main, (e) => e instanceof HttpPortInUseError || e instanceof NewerDatabaseError);
