import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, getJson, npmScript, tempDir, waitFor } from "./support/harness.ts";

// `npm run demo` as a new user runs it: a real process, its own embedded broker, sample data.
describe("npm run demo", () => {
  const dir = tempDir();
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill("SIGKILL");
    dir.cleanup();
  });

  // The waits below allow 30 s for the banner and 20 s for the sync (a loaded CI machine): the
  // test's own limit covers both, instead of the suite's 30 s cutting them short.
  it("serves /api/v1/health and its simulated labels reach in sync with no further steps", async () => {
    const port = await freePort();
    let output = "";
    child = spawn(...npmScript("demo", "--labels", "12", "--failure-rate", "0"), {
      env: {
        ...process.env,
        SHELFSYNC_HTTP_PORT: String(port),
        SHELFSYNC_HTTP_HOST: "127.0.0.1",
        SHELFSYNC_DB: join(dir.path, "demo.db"),
        SHELFSYNC_MQTT_PORT: String(await freePort()),
        SHELFSYNC_LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (d) => {
      output += String(d);
    });
    child.stderr?.on("data", (d) => {
      output += String(d);
    });
    const base = `http://127.0.0.1:${port}`;
    await waitFor(() => output.includes("Shelfsync demo running"), 30_000, "the demo's banner");
    expect(output).toContain(`console:  ${base}/`);
    // The banner gives a token per person role; a viewer's is enough to read everything below.
    const tokens = Object.fromEntries(
      [...output.matchAll(/^ {4}(viewer|staff|manager|ops) +(ss_\S+)$/gm)].map((m) => [m[1], m[2]]),
    );
    expect(Object.keys(tokens).sort()).toEqual(["manager", "ops", "staff", "viewer"]);
    const viewer = tokens.viewer as string;
    expect((await getJson(`${base}/api/v1/health`, viewer)).status).toBe("ok");
    expect((await getJson(`${base}/api/v1/sync`, null)).error.code).toBe("unauthenticated");
    const sync = await waitFor(
      async () => {
        const s = await getJson(`${base}/api/v1/sync`, viewer);
        return s.inSync === 12 ? s : undefined;
      },
      20_000,
      "all demo labels in sync",
    );
    expect(sync).toMatchObject({ total: 12, inSync: 12, notRight: [] });
    // The sample promotions are on: a reduction with its regular and Omnibus reference price.
    const coffee = await getJson(`${base}/api/v1/products/SKU-1001/price`, viewer);
    expect(coffee).toMatchObject({
      price: { amountMinor: 599 },
      regularPrice: { amountMinor: 749 },
      referencePrice: { amountMinor: 749 },
      promo: { promotionId: "DEMO-COFFEE-20" },
    });
  }, 60_000);
});
