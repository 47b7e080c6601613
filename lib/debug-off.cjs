// The `debug` package as the built bundles see it (scripts/build.mjs maps `require("debug")` here).
//
// MQTT.js and mqtt-packet call `debug(...)` a dozen times for every packet they parse or write; the
// package's function takes its arguments as a rest array and only then finds its namespace
// disabled. In the controller (the embedded broker parses and writes ~100,000 packets in a reprice)
// and in a bridge that was ~25 and ~90 ms of CPU and ~58 MB of short-lived arrays per 50,000-label
// reprice (docs/benchmarks.md). With DEBUG unset at start every debug function is one shared
// function that does nothing; with DEBUG set the real package is loaded and behaves as always
// (`DEBUG=mqttjs* npm start`).
"use strict";

if (process.env.DEBUG) {
  module.exports = require("debug");
} else {
  const off = () => {};
  /** A disabled debug function, with the properties callers read or call. */
  const createDebug = (namespace) => {
    const d = () => {};
    d.namespace = namespace;
    d.enabled = false;
    d.useColors = false;
    d.color = 0;
    d.diff = 0;
    d.log = off;
    d.destroy = () => true;
    d.extend = (sub, delimiter = ":") => createDebug(`${namespace}${delimiter}${sub}`);
    return d;
  };
  createDebug.enable = off;
  createDebug.disable = () => "";
  createDebug.enabled = () => false;
  createDebug.coerce = (value) => value;
  createDebug.humanize = (ms) => `${ms}ms`;
  createDebug.formatters = {};
  createDebug.names = [];
  createDebug.skips = [];
  createDebug.default = createDebug;
  module.exports = createDebug;
}
