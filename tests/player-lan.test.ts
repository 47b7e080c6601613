import { execFileSync } from "node:child_process";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../controller/app.ts";
import { CHROMIUM } from "./support/console.ts";
import { api, postFeed, startTestController, tempDir, tokenFor } from "./support/harness.ts";
import { pairInBrowser } from "./support/player.ts";

type Ctl = Controller & { cleanup(): Promise<void> };
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"];
/** Ours (196xx); a /30 of our own so no other test's addresses collide. */
const PORT = 19620;
const HOST = "10.196.20.1";
const PLAYER = "10.196.20.2";
const NS = `shelfsync-sig-${process.pid}`;
const VETH = `ssig${process.pid % 100000}`;

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: "pipe" }).toString();

/** Network namespaces need root (CAP_NET_ADMIN, CAP_SYS_ADMIN): where they cannot be made, say why. */
function canMakeNamespaces(): string | null {
  if (process.getuid?.() !== 0) return "not root: `ip netns add` needs CAP_SYS_ADMIN";
  try {
    ip("netns", "add", `${NS}-probe`);
    ip("netns", "del", `${NS}-probe`);
    return null;
  } catch (e) {
    return `ip netns add failed: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`;
  }
}
const missing = canMakeNamespaces();
if (missing) process.stdout.write(`player-lan: skipped, ${missing}\n`);

/**
 * The player on a real store network: the controller on a non-loopback address, the browser in a
 * network namespace of its own (a player box on the LAN), joined by a veth pair. Plain http from a
 * LAN address is not a secure context: without the kiosk flag the player still pairs and shows live
 * prices but has no service worker (no offline start); with
 * `--unsafely-treat-insecure-origin-as-secure=<controller origin>` (the kiosk recipe's way out,
 * docs/signage.md) it has both.
 */
describe.skipIf(missing !== null)("signage player against a LAN address (network namespace)", () => {
  const dir = tempDir("shelfsync-player-lan-");
  let ctl: Ctl;
  let manager: string;
  const browsers: Browser[] = [];
  const launch = async (extra: string[]) => {
    // Chromium started inside the namespace: a wrapper Playwright runs as the browser.
    const wrapper = join(dir.path, "chromium-in-netns.sh");
    writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${NS} ${CHROMIUM} "$@"\n`);
    chmodSync(wrapper, 0o755);
    const b = await chromium.launch({ executablePath: wrapper, args: [...FLAGS, ...extra] });
    browsers.push(b);
    return b;
  };

  beforeAll(async () => {
    ip("netns", "add", NS);
    ip("link", "add", `${VETH}h`, "type", "veth", "peer", "name", `${VETH}n`);
    ip("link", "set", `${VETH}n`, "netns", NS);
    ip("addr", "add", `${HOST}/30`, "dev", `${VETH}h`);
    ip("link", "set", `${VETH}h`, "up");
    ip("netns", "exec", NS, "ip", "addr", "add", `${PLAYER}/30`, "dev", `${VETH}n`);
    ip("netns", "exec", NS, "ip", "link", "set", `${VETH}n`, "up");
    ip("netns", "exec", NS, "ip", "link", "set", "lo", "up");
    ctl = await startTestController("aedes", {
      dbPath: join(dir.path, "lan.db"),
      config: { locale: "de-DE", httpPort: PORT, httpHost: HOST },
    });
    manager = tokenFor(ctl, "manager");
    await postFeed(ctl.httpUrl.replace("127.0.0.1", HOST), "products", 1, "sku,name\nCOFFEE,Arabica 500 g\n");
    await postFeed(
      ctl.httpUrl.replace("127.0.0.1", HOST),
      "prices",
      1,
      "sku,price,currency,effectiveFrom\nCOFFEE,7.49,EUR,2020-01-01T00:00\n",
    );
  }, 60_000);
  afterAll(async () => {
    for (const b of browsers) await b.close().catch(() => undefined);
    await ctl?.cleanup();
    try {
      ip("link", "del", `${VETH}h`);
    } catch {
      // Gone with the namespace.
    }
    try {
      ip("netns", "del", NS);
    } catch {
      // Never made.
    }
    dir.cleanup();
  });

  it("plays live prices over the LAN; a service worker only with the kiosk flag for the controller's origin", async () => {
    const origin = `http://${HOST}:${PORT}`;
    const lan = { ...ctl, httpUrl: origin } as Controller;

    const plain = await launch([]);
    const page = await (await plain.newContext()).newPage();
    await pairInBrowser(page, lan, "lan-plain", manager);
    await api(
      origin,
      "PUT",
      "/screens/lan-plain/playlist",
      { items: [{ kind: "price", sku: "COFFEE" }] },
      manager,
    );
    await page.locator('[data-sku="COFFEE"] .price').waitFor({ timeout: 10_000 });
    expect(await page.evaluate(() => [window.isSecureContext, "serviceWorker" in navigator])).toEqual([
      false,
      false,
    ]);
    // The page's origin is the controller's LAN address, not loopback.
    expect(await page.evaluate(() => location.origin)).toBe(origin);

    const kiosk = await launch([`--unsafely-treat-insecure-origin-as-secure=${origin}`]);
    const page2 = await (await kiosk.newContext()).newPage();
    await pairInBrowser(page2, lan, "lan-kiosk", manager);
    await api(
      origin,
      "PUT",
      "/screens/lan-kiosk/playlist",
      { items: [{ kind: "price", sku: "COFFEE" }] },
      manager,
    );
    await page2.locator('[data-sku="COFFEE"] .price').waitFor({ timeout: 10_000 });
    expect(await page2.evaluate(() => window.isSecureContext)).toBe(true);
    await page2.waitForFunction(() => document.documentElement.dataset.offlineReady === "true", undefined, {
      timeout: 15_000,
    });
  }, 90_000);
});
