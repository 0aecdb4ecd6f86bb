import assert from "node:assert/strict";
import { log, type LogLevel } from "../../log.ts";
import {
  findNginx,
  logNginxLine,
  NginxProcess,
  renderNginxConfig,
  testNginxConfig,
  WORKERS_READY_FILE,
} from "../../serving/nginx.ts";

const values = {
  port: 8080,
  upstreamPorts: [41001, 41002],
  timeoutSeconds: 60,
  bodyLimitBytes: 6 * 1024 * 1024,
  runtimeDir: "/tmp/nginx-test",
  accessLog: true,
  pingAccessLog: false,
};

Deno.test("renderNginxConfig() fills every placeholder from the serving values", () => {
  const config = renderNginxConfig(values);
  assert.doesNotMatch(config, /\{\{/);
  assert.match(config, /listen 8080 /);
  assert.match(config, /server 127\.0\.0\.1:41001 /);
  assert.match(config, /server 127\.0\.0\.1:41002 /);
  assert.match(config, /keepalive \d+;/);
  assert.match(config, /client_max_body_size 6291456;/);
  assert.match(config, /proxy_read_timeout 61s;/);
  assert.match(config, /pid \/tmp\/nginx-test\/nginx\.pid;/);
});

Deno.test("renderNginxConfig() turns /ping access lines off unless asked", () => {
  assert.match(renderNginxConfig(values), /location = \/ping \{\s*access_log off;/);
  assert.match(
    renderNginxConfig({ ...values, pingAccessLog: true }),
    /location = \/ping \{\s*access_log \/dev\/stdout sagemaker buffer=64k flush=1s;/,
  );
});

Deno.test("renderNginxConfig() renders nginx's own errors in the workers' error shape", () => {
  const config = renderNginxConfig({ ...values, timeoutSeconds: 7 });
  assert.match(config, /error_page 504 =504 \/__error\/504\.\$error_format;/);
  assert.match(config, /error_page 502 503 =503 \/__error\/503\.\$error_format;/);
  assert.match(config, /error_page 400 =400 \/__error\/400\.\$error_format;/);
  assert.match(config, /error_page 494 =400 \/__error\/494\.\$error_format;/);
  assert.match(config, /error_page 414 =414 \/__error\/414\.\$error_format;/);
  assert.match(
    config,
    /return 504 '\{"error":"The request took longer than MODEL_SERVER_TIMEOUT=7 s","status":504,"request_id":"\$sagemaker_request_id"\}/,
  );
  assert.match(config, /proxy_set_header X-Request-Id \$sagemaker_request_id;/);
});

Deno.test("renderNginxConfig() lets SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT pick the error type", () => {
  assert.match(
    renderNginxConfig(values),
    /map "\$accept_error_format:\$explain_error_format::\$content_error_format"/,
  );
  assert.match(
    renderNginxConfig({ ...values, defaultAccept: "application/jsonlines" }),
    /map "\$accept_error_format:\$explain_error_format:json:\$content_error_format"/,
  );
});

Deno.test("renderNginxConfig() keeps large batch bodies out of nginx's memory", () => {
  const config = renderNginxConfig({ ...values, bodyLimitBytes: 100 * 1024 * 1024 });
  assert.match(config, /client_max_body_size 104857600;/);
  assert.match(config, /client_body_buffer_size 8388608;/);
});

Deno.test("renderNginxConfig() refuses a template with an unknown placeholder", () => {
  assert.throws(
    () => renderNginxConfig(values, "listen {{nope}};"),
    /Unknown placeholder \{\{nope\}\}/,
  );
});

Deno.test("nginx -t accepts the rendered config", async () => {
  const nginx = findNginx(Deno.env.get("PATH"));
  if (nginx === undefined) throw new Error("nginx is not installed: apt-get install nginx-light");
  const dir = await Deno.makeTempDir();
  const config = renderNginxConfig({ ...values, port: 18080, runtimeDir: dir });
  await Deno.writeTextFile(`${dir}/nginx.conf`, config);
  await testNginxConfig(nginx, `${dir}/nginx.conf`, dir);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("findNginx() finds nothing on a PATH without nginx", () => {
  assert.equal(findNginx("/nonexistent:/also-not"), undefined);
});

Deno.test("renderNginxConfig() writes JSON access lines with LOG_FORMAT=json and keeps /ping out", () => {
  const config = renderNginxConfig({ ...values, jsonLog: true });
  assert.match(config, /\n {2}access_log \/dev\/stdout sagemaker_json [^;]*if=\$access_loggable;/);
  assert.match(config, /"\/ping" 0;/);
  assert.match(renderNginxConfig({ ...values, pingAccessLog: true }), /"\/ping" 1;/);
  assert.match(renderNginxConfig({ ...values, accessLog: false }), /\n {2}access_log off;/);
});

Deno.test("nginx -t accepts the rendered config with JSON access lines", async () => {
  const nginx = findNginx(Deno.env.get("PATH"));
  if (nginx === undefined) throw new Error("nginx is not installed: apt-get install nginx-light");
  const dir = await Deno.makeTempDir();
  const config = renderNginxConfig({ ...values, port: 18081, runtimeDir: dir, jsonLog: true });
  await Deno.writeTextFile(`${dir}/nginx.conf`, config);
  await testNginxConfig(nginx, `${dir}/nginx.conf`, dir);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("renderNginxConfig() sends /ping on to the next worker after 2 s and holds many idle clients", () => {
  const config = renderNginxConfig(values);
  assert.match(
    config,
    /location = \/ping \{[^}]*proxy_read_timeout 2s;\s*proxy_next_upstream error timeout;/,
  );
  assert.match(config, /worker_connections 16384;/);
  assert.match(config, /client_header_timeout 10s;/);
  assert.match(config, /server 127\.0\.0\.1:41001 max_fails=0;/);
});

Deno.test("renderNginxConfig() reads a request of a few KB (3 KB of %.18e records) in one read", () => {
  const config = renderNginxConfig(values);
  const size = /client_header_buffer_size (\d+)k;/.exec(config);
  assert.ok(size !== null, "client_header_buffer_size is set");
  assert.ok(Number(size[1]) * 1024 >= 3_500, `${size[1]}k holds headers and a 3 KB body`);
});

Deno.test("logNginxLine() logs a request nginx refuses as a warning, its own failures as errors", () => {
  const lines: [LogLevel, string][] = [];
  const write = log.write;
  log.write = (level, message) => lines.push([level, message]);
  try {
    logNginxLine(
      '2026/12/01 12:56:58 [error] 12#12: *87 client intended to send too large body: 7200000 bytes, client: 127.0.0.1, server: , request: "POST /invocations HTTP/1.1"',
    );
    logNginxLine(
      "2026/12/01 12:56:58 [error] 12#12: *88 upstream timed out (110: Connection timed out) while reading response header from upstream",
    );
    logNginxLine("2026/12/01 12:56:58 [warn] 12#12: *89 an upstream response is buffered");
  } finally {
    log.write = write;
  }
  assert.deepEqual(lines.map(([level]) => level), ["warn", "error", "warn"]);
  assert.match(lines[0][1], /^nginx: \*87 client intended to send too large body/);
});

Deno.test("NginxProcess names the last error nginx logged once it has exited", async () => {
  const nginx = findNginx(Deno.env.get("PATH"));
  if (nginx === undefined) throw new Error("nginx is not installed: apt-get install nginx-light");
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/nginx.conf`, "events {}\nno_such_directive on;\n");
  const process = new NginxProcess(nginx, `${dir}/nginx.conf`, { runtimeDir: dir });
  const status = await process.status;
  await Deno.remove(dir, { recursive: true });
  assert.equal(status.code, 1);
  assert.match(process.lastError ?? "", /^unknown directive "no_such_directive"/);
});

Deno.test("renderNginxConfig() lets /ping through only once the workers-ready file exists", () => {
  const config = renderNginxConfig(values);
  assert.match(
    config,
    /location = \/ping \{[^}]*if \(!-f \/tmp\/nginx-test\/workers_ready\) \{\s*return 503;\s*\}/,
  );
});

/** The first free loopback port the system offers. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function pingStatus(url: string): Promise<number> {
  const deadline = Date.now() + 10_000;
  while (true) {
    try {
      const response = await fetch(url);
      await response.body?.cancel();
      return response.status;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

Deno.test("nginx answers /ping with 503 and tries no worker until the workers-ready file exists", async () => {
  const nginx = findNginx(Deno.env.get("PATH"));
  if (nginx === undefined) throw new Error("nginx is not installed: apt-get install nginx-light");
  const dir = await Deno.makeTempDir();
  await Deno.chmod(dir, 0o755);
  const [port, workerPort] = [freePort(), freePort()];
  const config = renderNginxConfig({
    ...values,
    port,
    upstreamPorts: [workerPort],
    runtimeDir: dir,
  });
  await Deno.writeTextFile(`${dir}/nginx.conf`, config);
  const lines: string[] = [];
  const write = log.write;
  log.write = (_level, message) => lines.push(message);
  const process = new NginxProcess(nginx, `${dir}/nginx.conf`, { runtimeDir: dir });
  let worker: Deno.HttpServer | undefined;
  try {
    const url = `http://127.0.0.1:${port}/ping`;
    for (let i = 0; i < 3; i++) assert.equal(await pingStatus(`${url}?gated`), 503);
    await Deno.writeTextFile(`${dir}/${WORKERS_READY_FILE}`, "");
    // Open, but no worker listens yet: nginx tries it, and says so.
    assert.equal(await pingStatus(`${url}?open`), 503);
    const deadline = Date.now() + 5_000;
    while (!lines.some((line) => line.includes("/ping?open"))) {
      assert.ok(Date.now() < deadline, `nginx never logged the refused connection: ${lines}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // nginx's log is read in order: every line of the gated pings would have come before.
    assert.deepEqual(lines.filter((line) => line.includes("/ping?gated")), []);
    assert.match(lines.find((line) => line.includes("/ping?open"))!, /connect\(\) failed/);
    worker = Deno.serve(
      { hostname: "127.0.0.1", port: workerPort, onListen: () => {} },
      () => new Response("ok"),
    );
    assert.equal(await pingStatus(url), 200);
  } finally {
    await worker?.shutdown();
    await process.stop();
    log.write = write;
    await Deno.remove(dir, { recursive: true });
  }
});
