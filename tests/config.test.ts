import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../controller/config.ts";

describe("configuration", () => {
  it("has the documented defaults", () => {
    const defaults = loadConfig({}, []);
    expect(defaults.mqttUrl).toBeUndefined();
    expect(defaults).toMatchObject({
      storeId: "store-1",
      httpPort: 8080,
      dbPath: "./data/shelfsync.db",
      mqttPort: 1883,
      timeZone: "Europe/Berlin",
      omnibus: true,
      omnibusDays: 30,
      omnibusProgressive: true,
      omnibusPerishable: [],
      guardMaxCut: 0.5,
      unitBases: {},
    });
  });

  it("takes env vars, and flags over env vars", () => {
    const c = loadConfig({ SHELFSYNC_STORE_ID: "berlin-7", SHELFSYNC_HTTP_PORT: "9000" }, [
      "--http-port",
      "9100",
      "--db",
      "/tmp/x.db",
    ]);
    expect([c.storeId, c.httpPort, c.dbPath]).toEqual(["berlin-7", 9100, "/tmp/x.db"]);
    expect(
      loadConfig(
        {
          SHELFSYNC_UNIT_BASES: "spices=100 g, coffee=kg",
          SHELFSYNC_OMNIBUS: "off",
          SHELFSYNC_OMNIBUS_PROGRESSIVE: "off",
          SHELFSYNC_OMNIBUS_PERISHABLE: "bakery, fresh fish",
        },
        [],
      ),
    ).toMatchObject({
      unitBases: { spices: "100 g", coffee: "kg" },
      omnibus: false,
      omnibusProgressive: false,
      omnibusPerishable: ["bakery", "fresh fish"],
    });
  });

  it("names every bad setting in one error, and never echoes a secret", () => {
    let error: unknown;
    try {
      loadConfig(
        {
          SHELFSYNC_STORE_ID: "a/b",
          SHELFSYNC_TIMEZONE: "Mars/Olympus",
          SHELFSYNC_MQTT_URL: "http://x",
          SHELFSYNC_ADMIN_TOKEN: "short-secret",
          SHELFSYNC_UNIT_BASES: "tea=lb",
          SHELFSYNC_LOCALE: "ja-JP",
          SHELFSYNC_CURRENCY: "EUROS",
        },
        [],
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of [
      "SHELFSYNC_STORE_ID",
      "SHELFSYNC_TIMEZONE",
      "SHELFSYNC_MQTT_URL",
      "SHELFSYNC_ADMIN_TOKEN",
      "SHELFSYNC_UNIT_BASES",
      "SHELFSYNC_LOCALE",
      "SHELFSYNC_CURRENCY",
    ]) {
      expect(message).toContain(name);
    }
    expect(message).not.toContain("short-secret");
    // A locale whose language has no label words names the ones that do.
    expect(message).toMatch(/SHELFSYNC_LOCALE: .*de, en, es, fr, it, nl, pl/);
  });

  it("takes any locale of a language with label words", () => {
    for (const locale of ["de-AT", "fr-BE", "it-CH", "pl-PL", "nl-BE", "es-ES", "en-IE"]) {
      expect(loadConfig({ SHELFSYNC_LOCALE: locale }, []).locale).toBe(locale);
    }
  });
});
