import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../controller/app.ts";
import { launchChromium, signIn } from "./support/console.ts";
import { postFeed, startTestController, tokenFor } from "./support/harness.ts";

type Ctl = Controller & { cleanup(): Promise<void> };

/**
 * The console's screens page in Chromium: a manager pairs a player with the code it shows, sets its
 * playlist, sees it online and what it plays, and sees it go offline when the player dies.
 */
describe("console: screens page", () => {
  let ctl: Ctl;
  let browser: Browser;
  beforeAll(async () => {
    [ctl, browser] = await Promise.all([
      // The shortest offline limit the settings allow, so the test waits 11 s rather than 25 s.
      startTestController("aedes", { config: { locale: "en-GB", screenOfflineSeconds: 11 } }),
      launchChromium(),
    ]);
    await postFeed(ctl.httpUrl, "products", 1, "sku,name\nCOFFEE,Arabica 500 g\n");
    await postFeed(
      ctl.httpUrl,
      "prices",
      1,
      "sku,price,currency,effectiveFrom\nCOFFEE,7.49,EUR,2020-01-01T00:00\n",
    );
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await ctl?.cleanup();
  });

  it("pairs a screen, sets its playlist, shows it online and playing, then offline once it dies", async () => {
    const playerContext = await browser.newContext({ viewport: { width: 800, height: 450 } });
    const player = await playerContext.newPage();
    await player.goto(`${ctl.httpUrl}/player/till-1`);
    const code = await player.locator("[data-pairing-code]").getAttribute("data-pairing-code");

    const console = await (await browser.newContext()).newPage();
    await signIn(console, ctl.httpUrl, tokenFor(ctl, "manager"), "/screens");
    await console.getByLabel("Screen id").fill("till-1");
    await console.getByLabel("Code shown on the screen").fill(code ?? "");
    await console.getByLabel("Name").fill("Till 1");
    await console.getByRole("button", { name: "Pair", exact: true }).click();
    await console.getByText("Screen Till 1 paired.").waitFor();
    const row = console.locator('tr[data-screen="till-1"]');
    await row.waitFor();

    await row.getByRole("button", { name: "Edit playlist" }).click();
    await console.getByRole("button", { name: "Add item" }).click();
    await console.locator("#item-till-1-0-value").fill("COFFEE");
    await console.locator("#item-till-1-0-seconds").fill("5");
    await console.getByRole("button", { name: "Save playlist" }).click();
    await console.getByText("Playlist saved (version 1).").waitFor();
    await player.locator('[data-sku="COFFEE"] .price').waitFor({ timeout: 10_000 });

    await expect.poll(() => row.getAttribute("data-online"), { timeout: 15_000 }).toBe("true");
    await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain("Price tile COFFEE");

    // A bad item is refused with the field named, and nothing changes.
    await console.getByRole("button", { name: "Add item" }).click();
    await console.locator("#item-till-1-1-kind").selectOption("image");
    await console.locator("#item-till-1-1-value").fill("not a url");
    await console.getByRole("button", { name: "Save playlist" }).click();
    await console.locator("#item-till-1-1-value-error, .field-error").first().waitFor();

    const died = Date.now();
    await playerContext.close();
    await expect.poll(() => row.getAttribute("data-online"), { timeout: 30_000 }).toBe("false");
    process.stdout.write(
      `console: a dead screen shown offline after ${Date.now() - died} ms (limit 11 s, page reads every 5 s)\n`,
    );
  }, 90_000);
});
