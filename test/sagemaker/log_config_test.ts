import assert from "node:assert/strict";
import { readLogConfig } from "../../sagemaker/log_config.ts";

Deno.test("readLogConfig() defaults to info, text, access lines on, no /ping lines, metrics every 60 s", () => {
  const config = readLogConfig({});
  assert.equal(config.level, "info");
  assert.equal(config.format, "text");
  assert.equal(config.accessLog, true);
  assert.equal(config.pingAccessLog, false);
  assert.equal(config.metricsIntervalSeconds, 60);
  assert.deepEqual(config.warnings, []);
  assert.equal(config.sources.level, "default");
});

Deno.test("readLogConfig() prefers LOG_LEVEL over SAGEMAKER_CONTAINER_LOG_LEVEL", () => {
  const both = readLogConfig({ LOG_LEVEL: "debug", SAGEMAKER_CONTAINER_LOG_LEVEL: "40" });
  assert.equal(both.level, "debug");
  assert.equal(both.sources.level, "env LOG_LEVEL");
  const python = readLogConfig({ SAGEMAKER_CONTAINER_LOG_LEVEL: "40" });
  assert.equal(python.level, "error");
  assert.equal(python.sources.level, "env SAGEMAKER_CONTAINER_LOG_LEVEL");
});

Deno.test("readLogConfig() maps Python logging numbers and names", () => {
  const levels = ["10", "20", "30", "40", "50", "WARNING", "critical"].map((value) =>
    readLogConfig({ SAGEMAKER_CONTAINER_LOG_LEVEL: value }).level
  );
  assert.deepEqual(levels, ["debug", "info", "warn", "error", "error", "warn", "error"]);
});

Deno.test("readLogConfig() replaces unusable values by defaults and names them in warnings", () => {
  const config = readLogConfig({
    LOG_LEVEL: "loud",
    LOG_FORMAT: "xml",
    ACCESS_LOG: "maybe",
    METRICS_INTERVAL_SECONDS: "-1",
  });
  assert.equal(config.level, "info");
  assert.equal(config.format, "text");
  assert.equal(config.accessLog, true);
  assert.equal(config.metricsIntervalSeconds, 60);
  assert.equal(config.warnings.length, 4);
  assert.match(config.warnings[0], /^Ignoring LOG_LEVEL="loud": expected one of debug, info/);
});

Deno.test("readLogConfig() reads ACCESS_LOG, else the older NGINX_ACCESS_LOG", () => {
  assert.equal(readLogConfig({ NGINX_ACCESS_LOG: "false" }).accessLog, false);
  assert.equal(readLogConfig({ ACCESS_LOG: "true", NGINX_ACCESS_LOG: "false" }).accessLog, true);
  assert.equal(readLogConfig({ ACCESS_LOG: "false" }).sources.accessLog, "env ACCESS_LOG");
});

Deno.test("readLogConfig() turns access lines off past info", () => {
  assert.equal(readLogConfig({ LOG_LEVEL: "warn" }).accessLog, false);
  assert.equal(readLogConfig({ LOG_LEVEL: "debug" }).accessLog, true);
});

Deno.test("readLogConfig() reads LOG_PING, LOG_FORMAT=json and METRICS_INTERVAL_SECONDS=0", () => {
  const config = readLogConfig({
    LOG_PING: "true",
    LOG_FORMAT: "JSON",
    METRICS_INTERVAL_SECONDS: "0",
  });
  assert.equal(config.pingAccessLog, true);
  assert.equal(config.format, "json");
  assert.equal(config.metricsIntervalSeconds, 0);
});
