import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleStore, launchChromium, signIn, startConsoleStore } from "./support/console.ts";
import { authFetch } from "./support/harness.ts";

/** The console's parity page in Debian's Chromium, on a phone's width, against a real controller. */
describe("console parity page in a real browser", () => {
  let store: ConsoleStore;
  let browser: Browser;

  beforeAll(async () => {
    [store, browser] = await Promise.all([startConsoleStore({ labels: 4, linked: 4 }), launchChromium()]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await store?.stop();
  });

  it("a manager runs an audit at 360 px: share at parity, the mismatch with both values, a link to its label", async () => {
    const { ctl } = store;
    // The web shop's feed (audit-only): every linked product as the shelf shows it, but one dearer online.
    const linked = ctl.labels.all().filter((l) => l.sku && l.contentJson);
    const shelf = new Map<string, { name: string; amountMinor: number; currency: string }>();
    for (const l of linked) {
      const c = JSON.parse(l.contentJson ?? "{}") as {
        name: string;
        price: { amountMinor: number; currency: string };
      };
      shelf.set(l.sku ?? "", { name: c.name, ...c.price });
    }
    const skus = [...shelf.keys()].sort();
    const dearer = skus[0] as string;
    const dec = (m: number) => `${Math.floor(m / 100)}.${String(m % 100).padStart(2, "0")}`;
    const tsv = [
      "id\ttitle\tprice",
      ...skus.map((sku) => {
        const s = shelf.get(sku) as { name: string; amountMinor: number; currency: string };
        return `${sku}\t${s.name}\t${dec(s.amountMinor + (sku === dearer ? 100 : 0))} ${s.currency}`;
      }),
      "",
    ].join("\n");
    const posted = await authFetch(`${ctl.httpUrl}/api/v1/feeds/merchant?sequence=1&mode=audit-only`, {
      method: "POST",
      headers: { "Content-Type": "text/tab-separated-values" },
      body: tsv,
    });
    expect(posted.status).toBe(200);
    // Let the audit the batch started finish, so the one the page runs is the page's own.
    await expect.poll(() => ctl.parity.current() === null).toBe(true);

    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    await signIn(page, ctl.httpUrl, store.tokens.manager, "/parity");
    const before = ctl.stores.parity.latest()?.auditId ?? 0;
    await page.getByTestId("parity-run").click();
    await expect.poll(() => ctl.stores.parity.latest()?.auditId ?? 0).toBeGreaterThan(before);
    const share = Math.floor(((skus.length - 1) / skus.length) * 1000) / 10;
    await page.getByTestId("parity-share").getByText(`${share} %`).waitFor();

    const row = page.locator(`tr[data-sku="${dearer}"][data-reason="price"]`);
    await row.waitFor();
    const s = shelf.get(dearer) as { amountMinor: number };
    const online = await row.locator('[data-side="online"]').textContent();
    const onShelf = await row.locator('[data-side="shelf"]').textContent();
    expect(online).toContain(dec(s.amountMinor + 100));
    expect(onShelf).toContain(dec(s.amountMinor));
    // Nothing wider than the phone: the table scrolls in its own box.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);

    const labelId = ctl.labels.linkedTo(dearer)[0]?.labelId ?? "";
    await row.getByRole("link", { name: labelId }).click();
    await page.waitForURL(`**/labels/${encodeURIComponent(labelId)}`);

    // A viewer reads the page but has no button to run one.
    const viewer = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const vp = await viewer.newPage();
    await signIn(vp, ctl.httpUrl, store.tokens.viewer, "/parity");
    await vp.getByTestId("parity-share").waitFor();
    expect(await vp.getByTestId("parity-run").count()).toBe(0);
    await viewer.close();
    await context.close();
  });
});
