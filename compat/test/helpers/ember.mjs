// Starts a real `ember serve` for a test file: free ports, a throwaway
// SQLite database, readiness wait, and a kill at the end (printing the
// server's stderr when a test failed or the server died).
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, afterEach } from "node:test";
import { emberBinary } from "./build.mjs";

/** A free TCP port on 127.0.0.1: listen on port 0, note it, close. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// $1 is the ember binary, $2 its temporary directory (removed once ember
// is gone). The watcher waits for EOF on fd 3, then stops ember; ember
// itself does not get fd 3.
const WRAPPER = `
"$1" serve 3<&- &
pid=$!
{ read -r _ <&3; kill -TERM "$pid" 2>/dev/null; } &
watcher=$!
exec 3<&-
wait "$pid"
status=$?
kill "$watcher" 2>/dev/null
rm -rf "$2"
exit "$status"
`;

async function waitReady(baseUrl, proc, deadline) {
  for (const route of ["/healthz", "/readyz"]) {
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(`ember exited (${proc.exitCode ?? proc.signalCode}) before ${route} answered`);
      }
      try {
        const res = await fetch(baseUrl + route, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`ember: ${route} not ready in time`);
      await sleep(50);
    }
  }
}

/** The secrets of a server started with authentication on. */
export const AUTH_SECRET = "compat-secret-0123456789-abcdefghijklmnop";
export const ADMIN_SECRET = "compat-admin-secret-9876543210-qrstuvwxyz";

/** Whether this run of the suite has authentication on (EMBER_COMPAT_AUTH=1). */
export const authMode = process.env.EMBER_COMPAT_AUTH === "1";

/**
 * Creates a system API key with the admin secret, as an operator
 * bootstrapping a server does, and returns the key.
 */
export async function createSystemApiKey(baseUrl, name = "compat") {
  const res = await fetch(`${baseUrl}/v1/system/api_keys`, {
    method: "POST",
    headers: { Authorization: `Bearer ${ADMIN_SECRET}`, "Content-Type": "application/json" },
    body: JSON.stringify({ data: { name } }),
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`create system API key: ${res.status} ${text}`);
  return JSON.parse(text).data.key;
}

/**
 * Starts ember and registers hooks that stop it when the test file ends.
 * Returns {baseUrl, grpcUrl, httpPort, grpcPort, dbPath, proc, output(), apiKey}.
 *
 * With `auth` (default: EMBER_COMPAT_AUTH=1) the server runs with
 * PHOENIX_ENABLE_AUTH=true, a system API key is created with the admin
 * secret, and the key is put where a user puts it: PHOENIX_API_KEY (read by
 * phoenix-client's createClient and phoenix-otel's register) and
 * OTEL_EXPORTER_OTLP_HEADERS (read by the OTLP/gRPC exporter). The test
 * files themselves do not change.
 */
export async function startEmber({ env = {}, timeoutMs = 20000, auth = authMode } = {}) {
  if (auth) {
    env = {
      PHOENIX_ENABLE_AUTH: "true",
      PHOENIX_SECRET: AUTH_SECRET,
      PHOENIX_ADMIN_SECRET: ADMIN_SECRET,
      ...env,
    };
  }
  const server = await startServer({ env, timeoutMs });
  if (auth) {
    const probe = await fetch(`${server.baseUrl}/v1/projects`);
    await probe.arrayBuffer();
    if (probe.status !== 401) throw new Error(`auth is on but GET /v1/projects without a key gave ${probe.status}`);
    server.apiKey = await createSystemApiKey(server.baseUrl);
    process.env.PHOENIX_API_KEY = server.apiKey;
    process.env.OTEL_EXPORTER_OTLP_HEADERS = `authorization=Bearer%20${server.apiKey}`;
  }
  return server;
}

async function startServer({ env, timeoutMs }) {
  const bin = await emberBinary();
  let lastError;
  // A port picked free may be taken before ember binds it: try again.
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = await mkdtemp(path.join(tmpdir(), "ember-compat-"));
    const dbPath = path.join(dir, "ember.db");
    const httpPort = await freePort();
    let grpcPort = await freePort();
    while (grpcPort === httpPort) grpcPort = await freePort();
    const chunks = [];
    // A small sh wrapper ties ember's life to this test process: fd 3 is a
    // pipe from us; when it closes (teardown, or this process dying however
    // it dies) the wrapper sends ember SIGTERM. The wrapper exits with ember.
    const proc = spawn("/bin/sh", ["-c", WRAPPER, "ember-wrapper", bin, dir], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe", "pipe"],
      detached: true, // its own process group, for the SIGKILL fallback
      env: {
        ...process.env,
        PHOENIX_HOST: "127.0.0.1",
        PHOENIX_PORT: String(httpPort),
        PHOENIX_GRPC_PORT: String(grpcPort),
        PHOENIX_WORKING_DIR: dir,
        // EMBER_COMPAT_POSTGRES_URL runs the suite on PostgreSQL instead,
        // each server in a schema of its own.
        ...(process.env.EMBER_COMPAT_POSTGRES_URL
          ? {
              PHOENIX_SQL_DATABASE_URL: process.env.EMBER_COMPAT_POSTGRES_URL,
              PHOENIX_SQL_DATABASE_SCHEMA: `compat_${path.basename(dir).replace(/[^a-zA-Z0-9]/g, "_").toLowerCase()}`,
            }
          : { PHOENIX_SQL_DATABASE_URL: `sqlite:///${dbPath}` }),
        PHOENIX_LOGGING_LEVEL: "info",
        ...env,
      },
    });
    proc.stdout.on("data", (b) => chunks.push(b));
    proc.stderr.on("data", (b) => chunks.push(b));
    const output = () => Buffer.concat(chunks).toString("utf8");
    const baseUrl = `http://127.0.0.1:${httpPort}`;
    try {
      await waitReady(baseUrl, proc, Date.now() + timeoutMs);
    } catch (err) {
      await stop(proc, 2000);
      await rm(dir, { recursive: true, force: true });
      lastError = new Error(`${err.message}\n--- ember output ---\n${output()}`);
      if (/address already in use/i.test(output())) continue;
      break;
    }
    const server = {
      baseUrl,
      grpcUrl: `http://127.0.0.1:${grpcPort}`,
      httpPort,
      grpcPort,
      dbPath,
      proc,
      output,
    };
    registerTeardown(server, dir);
    return server;
  }
  throw lastError;
}

function registerTeardown(server, dir) {
  let failed = false;
  afterEach((t) => {
    if (t.passed === false) failed = true;
  });
  after(async () => {
    const { proc } = server;
    const died = proc.exitCode !== null || proc.signalCode !== null;
    if (!died) await stop(proc, 5000);
    if (failed || died || process.exitCode) {
      console.error(
        `--- ember serve output (${died ? `died early: ${proc.exitCode ?? proc.signalCode}` : "stopped"}) ---\n` +
          server.output(),
      );
    }
    await rm(dir, { recursive: true, force: true });
  });
}

/** Closes the wrapper's pipe (ember gets SIGTERM); SIGKILLs the group after graceMs. */
async function stop(proc, graceMs) {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once("exit", r));
  proc.stdio[3].destroy();
  const timer = setTimeout(() => {
    try {
      process.kill(-proc.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }, graceMs);
  await exited;
  clearTimeout(timer);
}
