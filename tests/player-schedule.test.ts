import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "../controller/app.ts";
import { CHROMIUM } from "./support/console.ts";
import { api, postFeed, startTestController, tokenFor } from "./support/harness.ts";
import { pairInBrowser } from "./support/player.ts";

type Ctl = Controller & { cleanup(): Promise<void> };
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"];
const plain = (s: string | null | undefined) => (s ?? "").replace(/[\s\u00a0\u202f]+/g, " ");
const ZONE = "Europe/Berlin";
/** "HH:MM" of an instant in the store's zone. */
const storeTime = (ms: number) =>
  new Intl.DateTimeFormat("en-GB", {
    timeZone: ZONE,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(new Date(ms));

describe("signage player: zones, dayparts and promotion tiles switch on the second from the cached show", () => {
  let ctl: Ctl | undefined;
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  });
  afterAll(async () => {
    await browser?.close();
    await ctl?.cleanup();
  });

  it("plays a main and a ticker zone; a promotion's tiles stop at its end and a daypart starts at its minute, controller down", async () => {
    ctl = await startTestController("aedes", { config: { locale: "de-DE", timeZone: ZONE } });
    const manager = tokenFor(ctl, "manager");
    await postFeed(ctl.httpUrl, "products", 1, "sku,name\nCOFFEE,Arabica 500 g\nTEA,Green Tea\n");
    await postFeed(
      ctl.httpUrl,
      "prices",
      1,
      "sku,price,currency,effectiveFrom\nCOFFEE,7.49,EUR,2020-01-01T00:00\nTEA,2.99,EUR,2020-01-01T00:00\n",
    );
    // The promotion ends in 2 minutes on a whole second; the daypart runs 4–6 minutes from now (store time).
    const t0 = Date.now();
    const promoEnd = Math.ceil((t0 + 2 * 60_000) / 1000) * 1000;
    const dayStart = Math.ceil((t0 + 4 * 60_000) / 60_000) * 60_000;
    const dayEnd = dayStart + 2 * 60_000;
    await postFeed(
      ctl.httpUrl,
      "promotions",
      1,
      `promotionId,kind,skus,value,start,end,priority\nCOF10,percent,COFFEE,10,2020-01-01T00:00,${new Date(promoEnd).toISOString()},1\n`,
    );
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    await context.clock.install({ time: t0 });
    const page = await context.newPage();
    await pairInBrowser(page, ctl, "zones", manager);
    const set = await api(
      ctl.httpUrl,
      "PUT",
      "/screens/zones/program",
      {
        layout: "main-ticker",
        zones: [
          {
            zone: "main",
            playlists: [
              {
                name: "all day",
                items: [
                  { kind: "promotion", promotionId: "COF10", seconds: 3600 },
                  { kind: "price", sku: "TEA", seconds: 3600 },
                ],
              },
              {
                name: "lunch",
                priority: 5,
                when: { from: storeTime(dayStart), to: storeTime(dayEnd) },
                items: [{ kind: "text", text: "Lunch menu", seconds: 10 }],
              },
            ],
          },
          {
            zone: "ticker",
            playlists: [
              {
                name: "news",
                items: [
                  {
                    kind: "html",
                    html: '<p id="x">Fresh bread <b>daily</b></p><script>parent.document.title="ran";document.title="ran"</script>',
                    seconds: 60,
                  },
                ],
              },
            ],
          },
        ],
      },
      manager,
    );
    expect(set.status).toBe(200);
    const main = page.locator('[data-zone="main"]');
    await page
      .locator('[data-zone="main"][data-kind="promotion"] [data-sku="COFFEE"] .price')
      .waitFor({ timeout: 10_000 });
    expect(plain(await main.locator('[data-sku="COFFEE"] .price').textContent())).toBe("6,74 €");
    expect(await page.locator("main.screen").getAttribute("data-layout")).toBe("main-ticker");

    // The HTML slide: in a frame sandboxed without scripts or same origin; its script never ran.
    const frame = page.locator('[data-zone="ticker"] iframe');
    expect(await frame.getAttribute("sandbox")).toBe("");
    const slide = page.frames().find((f) => f !== page.mainFrame());
    await expect.poll(() => slide?.locator("#x").textContent()).toBe("Fresh bread daily");
    expect(
      await page.evaluate(() => (document.querySelector("iframe") as HTMLIFrameElement).contentDocument),
    ).toBeNull();
    expect(await page.title()).not.toBe("ran");

    // The controller goes away; the page's clock runs, every timer firing.
    await ctl.stop();
    await page.clock.pauseAt(t0 + 30_000);
    const step = async (to: number) => {
      const now = await page.evaluate(() => Date.now());
      await page.clock.runFor(to - now);
      expect(await page.evaluate(() => Date.now())).toBe(to);
    };
    const shown = async () =>
      `${await main.getAttribute("data-playlist")}/${await main.getAttribute("data-kind")}`;
    await step(promoEnd - 1);
    expect(await shown()).toBe("all day/promotion");
    expect(plain(await main.locator('[data-sku="COFFEE"] .price').textContent())).toBe("6,74 €");
    await step(promoEnd);
    // Cut at its end (not after its hour), and no tile of it, promotion price or not, is left.
    await expect.poll(shown, { timeout: 2_000 }).toBe("all day/price");
    expect(await page.locator('[data-sku="COFFEE"]').count()).toBe(0);
    await step(dayStart - 1);
    expect(await shown()).toBe("all day/price");
    await step(dayStart);
    await expect.poll(shown, { timeout: 2_000 }).toBe("lunch/text");
    expect(await main.textContent()).toBe("Lunch menu");
    await step(dayEnd - 1);
    expect(await shown()).toBe("lunch/text");
    await step(dayEnd);
    // Back to the fallback; the promotion is over, so only the tea tile plays.
    await expect.poll(shown, { timeout: 2_000 }).toBe("all day/price");
    expect(await page.locator('[data-zone="ticker"] iframe').count()).toBe(1);
    await context.close();
  }, 120_000);
});
