// npm run screenshots: the console's main pages at desktop (1280 px) and phone (360 px) width into
// docs/screenshots/, from a store with the demo catalogue, a simulated access point and a held
// approval. Needs Debian's chromium (see tests/support/console.ts).
import { mkdirSync } from "node:fs";
import { fromPackageRoot } from "../lib/paths.ts";
import { launchChromium, signIn, startConsoleStore } from "../tests/support/console.ts";
import { api } from "../tests/support/harness.ts";

const OUT = fromPackageRoot("docs", "screenshots");
const PAGES: { name: string; path: string; role: "staff" | "manager" | "ops"; ready: string }[] = [
  { name: "dashboard", path: "/", role: "staff", ready: ".counters" },
  { name: "products", path: "/products?q=coffee", role: "staff", ready: ".results" },
  { name: "product", path: "/products/SKU-1001", role: "staff", ready: ".chart" },
  { name: "labels", path: "/labels", role: "staff", ready: "table.labels" },
  { name: "label", path: "/labels/ap1-00001", role: "staff", ready: ".preview img" },
  { name: "link", path: "/link", role: "staff", ready: "#scan" },
  { name: "promotions", path: "/promotions", role: "staff", ready: "table, .empty" },
  { name: "approvals", path: "/approvals", role: "manager", ready: ".approval" },
  { name: "feeds", path: "/feeds", role: "ops", ready: "table" },
  { name: "audit", path: "/audit", role: "ops", ready: "table" },
  { name: "tokens", path: "/tokens", role: "ops", ready: "table" },
  { name: "screens", path: "/screens", role: "manager", ready: "form.card" },
];

const store = await startConsoleStore({ labels: 12, linked: 10 });
const browser = await launchChromium();
try {
  mkdirSync(OUT, { recursive: true });
  const { httpUrl } = store.ctl;
  await api(httpUrl, "POST", "/promotions", {
    kind: "percent",
    skus: ["SKU-1002"],
    value: "20",
    start: new Date(Date.now() - 3_600_000).toISOString(),
    end: new Date(Date.now() + 6 * 86_400_000).toISOString(),
  });
  await api(httpUrl, "POST", "/overrides", { sku: "SKU-1001", price: "2.00", reason: "clearance" });
  for (const [width, height, suffix] of [
    [1280, 860, "desktop"],
    [360, 740, "phone"],
  ] as const) {
    for (const role of ["staff", "manager", "ops"] as const) {
      const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
      const page = await context.newPage();
      await signIn(page, httpUrl, store.tokens[role]);
      for (const p of PAGES.filter((x) => x.role === role)) {
        await page.goto(`${httpUrl}${p.path}`);
        await page.locator(p.ready).first().waitFor({ timeout: 10_000 });
        await page.waitForTimeout(300);
        await page.screenshot({ path: `${OUT}/${p.name}-${suffix}.png`, fullPage: true });
        process.stdout.write(`docs/screenshots/${p.name}-${suffix}.png\n`);
      }
      await context.close();
    }
  }
} finally {
  await browser.close();
  await store.stop();
}
