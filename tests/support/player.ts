import type { Page } from "playwright-core";
import { expect } from "vitest";
import type { Controller } from "../../controller/app.ts";
import { api } from "./harness.ts";

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
