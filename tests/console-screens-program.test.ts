import type { Browser } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../controller/app.ts";
import { launchChromium, signIn } from "./support/console.ts";
import { api, startTestController, tokenFor } from "./support/harness.ts";

type Ctl = Controller & { cleanup(): Promise<void> };

/**
 * The console's program editor and media library at a phone's width (360 px): a manager picks a
 * layout, schedules a playlist (weekdays, times, dates, priority), sees a bad time named beside its
 * field, saves, and uploads an image whose URL an item can play.
 */
describe("console: screen schedules, zones and media at 360 px", () => {
  let ctl: Ctl;
  let browser: Browser;
  beforeAll(async () => {
    [ctl, browser] = await Promise.all([
      startTestController("aedes", { config: { locale: "en-GB" } }),
      launchChromium(),
    ]);
    ctl.stores.screens.pair("hall", "Hall", Date.now());
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await ctl?.cleanup();
  });

  it("edits a program and uploads media on a 360 px wide screen", async () => {
    const page = await (await browser.newContext({ viewport: { width: 360, height: 740 } })).newPage();
    await signIn(page, ctl.httpUrl, tokenFor(ctl, "manager"), "/screens");
    const row = page.locator('tr[data-screen="hall"]');
    await row.getByRole("button", { name: "Schedule and zones" }).click();
    const form = page.locator('form[data-program="hall"]');
    await form.getByLabel("Layout").selectOption("main-ticker");
    // The screen's default program: one playlist in the main zone, no items yet.
    const main = form.locator('fieldset[data-zone="main"]');
    await main.locator("#pl-hall-main-0-name").fill("breakfast");
    await main.locator("#pl-hall-main-0-priority").fill("5");
    await main.locator("#pl-hall-main-0-day-1").check();
    await main.locator("#pl-hall-main-0-day-2").check();
    await main.locator("#pl-hall-main-0-from").fill("07:00");
    await main.locator("#pl-hall-main-0-to").fill("10:30");
    await main.getByRole("button", { name: "Add item", exact: true }).click();
    await main.locator("#pl-hall-main-0-item-0-kind").selectOption("text");
    await main.locator("#pl-hall-main-0-item-0-value").fill("Good morning");
    // Seconds left out on a text item: refused, the field named.
    await form.getByRole("button", { name: "Save schedule" }).click();
    await form.locator("#pl-hall-main-0-item-0-seconds-error").waitFor();
    await main.locator("#pl-hall-main-0-item-0-seconds").fill("8");
    const ticker = form.locator('fieldset[data-zone="ticker"]');
    await ticker.getByRole("button", { name: "Add playlist" }).click();
    await ticker.getByRole("button", { name: "Add item", exact: true }).click();
    await ticker.locator("#pl-hall-ticker-0-item-0-kind").selectOption("html");
    await ticker.locator("#pl-hall-ticker-0-item-0-value").fill("<b>Fresh bread</b>");
    await ticker.locator("#pl-hall-ticker-0-item-0-seconds").fill("30");
    await form.getByRole("button", { name: "Save schedule" }).click();
    await page.getByText(/Playlist saved \(version \d+\)\./).waitFor();
    const screen = (await api(ctl.httpUrl, "GET", "/screens/hall")).json;
    expect(screen.program).toEqual({
      layout: "main-ticker",
      zones: [
        {
          zone: "main",
          playlists: [
            {
              name: "breakfast",
              priority: 5,
              when: { days: [1, 2], from: "07:00", to: "10:30" },
              items: [{ kind: "text", text: "Good morning", seconds: 8 }],
            },
          ],
        },
        {
          zone: "ticker",
          playlists: [
            {
              name: "Ticker 1",
              priority: 0,
              items: [{ kind: "html", html: "<b>Fresh bread</b>", seconds: 30 }],
            },
          ],
        },
      ],
    });
    // Nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);

    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#0a0" } })
      .png()
      .toBuffer();
    await page
      .getByLabel("Upload an image or video")
      .setInputFiles({ name: "green.png", mimeType: "image/png", buffer: png });
    await page.getByText("Uploaded green.png.").waitFor();
    const item = page.locator("[data-media-library] li").first();
    await expect.poll(() => item.textContent()).toMatch(/green\.png.*\/player\/media\/[0-9a-f]{64}\.png/);
  }, 90_000);
});
