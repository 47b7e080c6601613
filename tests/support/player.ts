import type { Page } from "playwright-core";
import { expect } from "vitest";
import type { Controller } from "../../controller/app.ts";
import { api, postFeed } from "./harness.ts";

/** Open the signage player, read the code it shows, accept it as a manager; resolves once it is paired. */
export async function pairInBrowser(
  page: Page,
  ctl: Controller,
  screenId: string,
  managerToken: string,
): Promise<void> {
  await page.goto(`${ctl.httpUrl}/player/${screenId}`);
  const code = await page.locator("[data-pairing-code]").getAttribute("data-pairing-code");
  expect(code).toMatch(/^\d{6}$/);
  const accepted = await api(ctl.httpUrl, "POST", `/screens/${screenId}/accept`, { code }, managerToken);
  expect(accepted.status).toBe(200);
  await page.locator("main.waiting, main.screen").first().waitFor({ timeout: 10_000 });
}

/** Proof-of-play records the player still holds in IndexedDB (shelfsync-player/plays), not yet taken by the controller. */
export function queuedPlays(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const open = indexedDB.open("shelfsync-player");
        open.onsuccess = () => {
          const r = open.result.transaction("plays").objectStore("plays").count();
          r.onsuccess = () => resolve(r.result);
        };
      }),
  );
}

/**
 * The small store the signage suites play: COFFEE (7,49 €, 500 g, with a shop link) and TEA
 * (2,99 €, no quantity), and label L1 linked to COFFEE.
 */
export async function seedSignageStore(ctl: Controller): Promise<void> {
  await postFeed(
    ctl.httpUrl,
    "products",
    1,
    "sku,name,netQuantity,unit,url\nCOFFEE,Arabica 500 g,500,g,https://shop.example/coffee\nTEA,Green Tea,,,\n",
  );
  await postFeed(
    ctl.httpUrl,
    "prices",
    1,
    "sku,price,currency,effectiveFrom\nCOFFEE,7.49,EUR,2020-01-01T00:00\nTEA,2.99,EUR,2020-01-01T00:00\n",
  );
  await api(ctl.httpUrl, "POST", "/labels", { labelId: "L1" });
  await api(ctl.httpUrl, "PUT", "/labels/L1/link", { sku: "COFFEE" });
}
