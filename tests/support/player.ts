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
