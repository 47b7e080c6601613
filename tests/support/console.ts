import { readFileSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";
import type { Controller } from "../../controller/app.ts";
import { createConsoleLogger } from "../../firmware-bridge/core/index.ts";
import {
  type SimulatedAccessPoint,
  startSimulatedAccessPoint,
} from "../../firmware-bridge/simulated/index.ts";
import { fromPackageRoot } from "../../lib/paths.ts";
import type { Role } from "../../schemas/index.ts";
import { bridgeLogin, postFeed, startTestController, tokenFor, waitUntil } from "./harness.ts";

/** Debian's Chromium (installed by .ci/run), never a downloaded browser. */
export const CHROMIUM = process.env.SHELFSYNC_CHROMIUM ?? "/usr/bin/chromium";

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

export interface ConsoleStore {
  ctl: Controller & { cleanup(): Promise<void> };
  ap: SimulatedAccessPoint;
  /** A token per person role: `test viewer`, `test staff`, … */
  tokens: Record<"viewer" | "staff" | "manager" | "ops", string>;
  stop(): Promise<void>;
}

const csv = (name: string) =>
  readFileSync(fromPackageRoot("scripts", "demo", "catalogue", `${name}.csv`), "utf8");

/**
 * A store for the console's browser tests and screenshots: a controller (embedded broker, SQLite
 * file), the demo catalogue, a simulated access point with `labels` labels of which the first
 * `linked` are linked round robin, and one token per person role.
 */
export async function startConsoleStore(
  options: { labels?: number; linked?: number } = {},
): Promise<ConsoleStore> {
  const ctl = await startTestController("aedes", { config: { locale: "en-GB" } });
  for (const [i, feed] of ["products", "prices", "stock"].entries()) {
    const r = await postFeed(ctl.httpUrl, feed, 1, csv(feed));
    if (r.status !== 200) throw new Error(`demo ${feed} feed refused (${i}): ${JSON.stringify(r.json)}`);
  }
  const ap = await startSimulatedAccessPoint({
    mqttUrl: ctl.mqttUrl,
    storeId: ctl.config.storeId,
    bridgeId: "ap1",
    labels: options.labels ?? 8,
    radioDelayMs: 50,
    mqttOptions: bridgeLogin(ctl, "ap1"),
    logger: createConsoleLogger({ prefix: "ap1", level: "warn" }),
  });
  await waitUntil("the access point's labels registered", () =>
    ap.labelIds.every((id) => ctl.labels.get(id) !== undefined),
  );
  const skus = ctl.catalog.skus();
  const toLink = ap.labelIds.slice(0, options.linked ?? ap.labelIds.length);
  for (const [i, id] of toLink.entries())
    ctl.changes.linkLabel(id, skus[i % skus.length] ?? "", { name: "test" });
  await waitUntil("linked labels in sync", () => {
    ctl.flushStates();
    return toLink.every((id) => ctl.labels.get(id)?.displayedHash === ctl.labels.get(id)?.contentHash);
  });
  const roles: Role[] = ["viewer", "staff", "manager", "ops"];
  const tokens = Object.fromEntries(roles.map((r) => [r, tokenFor(ctl, r)])) as ConsoleStore["tokens"];
  return {
    ctl,
    ap,
    tokens,
    stop: async () => {
      await ap.stop();
      await ctl.cleanup();
    },
  };
}

/** Open the console and sign in with a token; resolves once the signed-in shell is drawn. */
export async function signIn(page: Page, baseUrl: string, token: string, path = "/"): Promise<void> {
  await page.goto(`${baseUrl}${path}`);
  await page.getByLabel(/access token/i).fill(token);
  await page.getByRole("button", { name: /sign in/i }).click();
  await page.locator("nav#nav").waitFor({ state: "attached" });
}
