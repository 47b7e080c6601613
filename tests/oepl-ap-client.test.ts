import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { OeplAdapter } from "../firmware-bridge/oepl/adapter.ts";
import { buildMultipartBody, OeplApClient, OeplHttpError } from "../firmware-bridge/oepl/ap-client.ts";
import { encodePanelJpeg } from "../firmware-bridge/oepl/jpeg.ts";
import { ledFlashForCommand } from "../firmware-bridge/oepl/led.ts";
import { FakeOeplAp } from "./fakes/oepl-ap.ts";

const MAC = "0000021EDB3F7A9C";
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function startFake(tags = 0): Promise<{ fake: FakeOeplAp; client: OeplApClient }> {
  const fake = await FakeOeplAp.start({ runnerIntervalMs: 20, checkinIntervalMs: 60_000 });
  closers.push(() => fake.close());
  for (let i = 0; i < tags; i++) {
    fake.addTag({
      mac: (0x021edb000000 + i).toString(16).padStart(16, "0"),
      hwType: i % 2 ? 0x01 : 0x33,
      alias: `shelf ${i}`,
    });
  }
  return { fake, client: new OeplApClient({ baseUrl: fake.url, retries: 0 }) };
}

function whiteJpeg(width = 296, height = 128): Promise<Buffer> {
  return encodePanelJpeg(
    { data: new Uint8Array(width * height * 4).fill(255), width, height },
    { width, height },
  );
}

describe("OEPL AP client against the fake AP", () => {
  it("walks /get_db pagination (continu → ?pos=) through many tags", async () => {
    const { fake, client } = await startFake(120);
    const first = await client.getDbPage();
    expect(first.continu).toBeGreaterThan(1);
    expect(first.tags.length).toBe(first.continu);
    const { tags, truncated } = await client.getDb();
    expect(truncated).toBe(false);
    expect(new Set(tags.map((t) => t.mac)).size).toBe(120);
    const positions = fake.requests
      .filter((r) => r.url.startsWith("/get_db?pos="))
      .map((r) => Number(r.url.split("=")[1]));
    expect(positions.length).toBeGreaterThan(5);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    const tag = tags.find((t) => t.mac === "0000021EDB000007")!;
    expect(tag).toMatchObject({
      hwType: 0x01,
      alias: "shelf 7",
      pending: 0,
      hash: "0".repeat(32),
      isexternal: false,
      updatecount: 0,
    });
  });

  it("stops where the AP's uint8 `pos` would wrap, and finds the rest through the saved DB", async () => {
    const { fake, client } = await startFake(300);
    const { tags, truncated } = await client.getDb();
    expect(truncated).toBe(true);
    expect(tags.length).toBeGreaterThan(250);
    expect(tags.length).toBeLessThan(300);
    fake.saveDb();
    const saved = await client.getSavedDbMacs();
    expect(new Set(saved).size).toBe(300);

    const labels: string[][] = [];
    const adapter = new OeplAdapter({
      aps: [client],
      render: () => {
        throw new Error("no content in this test");
      },
      host: { reportState() {}, labelsChanged: (l) => labels.push(l.map((d) => d.labelId)) },
    });
    closers.push(() => adapter.stop());
    await adapter.start();
    expect(new Set(labels.at(-1)).size).toBe(300);
  });

  it("looks one tag up by MAC, 12 or 16 digits, and reports the AP's error for a malformed one", async () => {
    const { fake, client } = await startFake(3);
    expect((await client.getTag("021edb000001"))?.mac).toBe("0000021EDB000001");
    expect(await client.getTag("0000FFFFFFFFFFFF")).toBeUndefined();
    const raw = await fetch(`${fake.url}/get_db?mac=xyz`);
    expect(raw.status).toBe(200);
    expect(await raw.json()).toEqual({ error: "malformatted parameter" });
  });

  it("answers like the AP's web server: CORS and Connection: close everywhere, 404 empty for the rest", async () => {
    const { fake } = await startFake(1);
    for (const [method, path, status] of [
      ["GET", "/get_db", 200],
      ["GET", "/nothing-here", 404],
      ["GET", "/imgupload", 404],
      ["POST", "/get_db", 404],
      ["GET", "/tagtypes/99.json", 404],
    ] as const) {
      const res = await fetch(`${fake.url}${path}`, { method });
      expect(res.status, `${method} ${path}`).toBe(status);
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      expect(res.headers.get("connection")).toBe("close");
      if (status === 404) expect(await res.text()).toBe("");
    }
  });

  it("uploads mac and dither before the file part, and the AP takes it", async () => {
    const { fake, client } = await startFake(1);
    const mac = "0000021EDB000000";
    const answer = await client.uploadImage(mac, await whiteJpeg(384, 168), { dither: 0 });
    expect(answer).toEqual({ status: 200, body: "" });
    const upload = fake.uploads[0]!;
    expect(upload.order).toEqual(["mac", "dither", "rotate", "file(file)"]);
    expect(upload.fields).toEqual({ mac, dither: "0", rotate: "0" });
    expect(upload.fileContentType).toBe("image/jpeg");
    expect(upload.filename).toBe(`${mac}.jpg`);
    expect(upload.outcome).toBe("saved");
    expect(fake.violations).toEqual([]);
    const record = fake.record(mac);
    expect(record.contentMode).toBe(24);
    expect(JSON.parse(record.modecfgjson as string)).toMatchObject({ dither: "0", delete: "1" });
    expect((JSON.parse(record.modecfgjson as string) as { filename: string }).filename).toMatch(
      new RegExp(`^/temp/${mac}_\\d+\\.jpg$`),
    );
  });

  it("the fake AP shows why field order matters: fields after the file are never seen, yet the answer is 200", async () => {
    const { fake } = await startFake(1);
    const mac = "0000021EDB000000";
    const before = fake.record(mac);
    const { body, contentType } = buildMultipartBody([
      { name: "file", value: await whiteJpeg(384, 168), filename: "x.jpg", contentType: "image/jpeg" },
      { name: "mac", value: mac },
      { name: "dither", value: "0" },
    ]);
    const res = await fetch(`${fake.url}/imgupload`, {
      method: "POST",
      headers: { "content-type": contentType },
      body: new Uint8Array(body),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
    expect(fake.uploads[0]).toMatchObject({
      outcome: "parameters-incomplete",
      fieldsAfterFile: ["mac", "dither"],
    });
    expect(fake.violations.map((v) => v.kind)).toEqual(["field-order", "field-order"]);
    expect(fake.record(mac)).toEqual(before);
  });

  it("an upload for an unknown tag, or while the AP is not running, also answers 200", async () => {
    const { fake, client } = await startFake(1);
    expect(await client.uploadImage("0000FFFFFFFFFFFF", await whiteJpeg())).toEqual({
      status: 200,
      body: "",
    });
    fake.runStatus = "stop";
    expect(await client.uploadImage("0000021EDB000000", await whiteJpeg(384, 168))).toEqual({
      status: 200,
      body: "",
    });
    expect(fake.uploads.map((u) => [u.outcome, u.olderFirmwareAnswer.status])).toEqual([
      ["mac-not-found", 400],
      ["come-back-later", 409],
    ]);
  });

  it("sends tag commands as a urlencoded body and surfaces the AP's errors", async () => {
    const { fake, client } = await startFake(1);
    const mac = "0000021EDB000000";
    expect(await client.tagCmd(mac, "reboot")).toBe("Ok, done");
    expect(fake.record(mac).pending).toBe(1);
    expect(await client.tagCmd(mac, "clear")).toBe("Ok, done");
    expect(fake.record(mac).pending).toBe(0);
    await expect(client.tagCmd("0000FFFFFFFFFFFF", "reboot")).rejects.toMatchObject({
      status: 400,
      body: "Error: mac not found",
    });

    const post = (body: string, query = "") =>
      fetch(`${fake.url}/tag_cmd${query}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body,
      });
    const missing = await post("", `?mac=${mac}&cmd=reboot`);
    expect([missing.status, await missing.text()]).toEqual([500, "param error"]);
    const badMac = await post("mac=xyz&cmd=reboot");
    expect(badMac.status).toBe(501);
    const unknownCmd = await post(`mac=${mac}&cmd=dance`);
    expect([unknownCmd.status, await unknownCmd.text()]).toEqual([200, "Ok, done"]);
  });

  it("queues a LED pattern with /led_flash and rejects malformed ones", async () => {
    const { fake, client } = await startFake(1);
    const mac = "0000021EDB000000";
    const pattern = ledFlashForCommand({ color: "green", pattern: "pulse", seconds: 10 });
    expect(await client.ledFlash(mac, pattern)).toBe("ok, request transmitted");
    const sent = fake.requests.find((r) => r.url.startsWith("/led_flash"))!;
    expect(sent.url).toBe(`/led_flash?mac=${mac}&pattern=${Buffer.from(pattern).toString("hex")}`);
    expect(fake.record(mac).pending).toBe(1);

    const get = async (query: string) => {
      const res = await fetch(`${fake.url}/led_flash${query}`);
      return [res.status, await res.text()];
    };
    expect(await get(`?mac=${mac}&pattern=0102`)).toEqual([400, "Error: expects 12 hex bytes in pattern"]);
    expect(await get("?pattern=000000000000000000000000")).toEqual([400, "parameters are missing"]);
    expect(await get("?mac=0000FFFFFFFFFFFF")).toEqual([400, "parameters are missing"]);
    expect(await get(`?mac=${mac}`)).toEqual([200, "ok, request transmitted"]);
    expect(fake.record(mac).pending).toBe(2);
  });

  it("reads a tag type file, undefined when the AP has none", async () => {
    const { client } = await startFake();
    expect(await client.getTagType(0x35)).toMatchObject({ width: 600, height: 448 });
    expect(await client.getTagType(0x99)).toBeUndefined();
  });

  it("retries reads after network failures, but never repeats a command that may have arrived", async () => {
    let dropped = 0;
    const flaky = http.createServer((req, res) => {
      if (dropped < 2) {
        dropped++;
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { "content-type": "application/json", connection: "close" });
      res.end(JSON.stringify({ tags: [] }));
    });
    await new Promise<void>((resolve) => flaky.listen(0, "127.0.0.1", resolve));
    closers.push(() => new Promise((resolve) => flaky.close(() => resolve())));
    const url = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}`;
    const client = new OeplApClient({ baseUrl: url, retries: 3, backoffMs: 5 });
    expect(await client.getDb()).toEqual({ tags: [], truncated: false });
    expect(dropped).toBe(2);

    dropped = 0;
    await expect(client.tagCmd(MAC, "reboot")).rejects.toBeInstanceOf(OeplHttpError);
    expect(dropped).toBe(1);
  });
});
