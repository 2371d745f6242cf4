// Authentication through the official clients: a server with
// PHOENIX_ENABLE_AUTH=true refuses callers without a key (401, which
// phoenix-client reports as HttpError) and serves those with one, from
// PHOENIX_API_KEY or from explicit headers; OTLP/HTTP export through
// register() needs the key too. Runs in both passes of the suite.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createClient } from "@arizeai/phoenix-client";
import { getSpans } from "@arizeai/phoenix-client/spans";
import { ADMIN_SECRET, startEmber } from "./helpers/ember.mjs";
import { emitAgentTrace, pastMicros } from "./helpers/fixtures.mjs";
import { registerHttp, sendWith } from "./helpers/otel.mjs";
import { eventually, rejectsWithStatus } from "./helpers/assertions.mjs";

const ember = await startEmber({ auth: true });
const noKey = createClient({ options: { baseUrl: ember.baseUrl, headers: { Authorization: "" } } });
const withKey = createClient({ options: { baseUrl: ember.baseUrl, headers: { Authorization: `Bearer ${ember.apiKey}` } } });

test("without a key every /v1 route is 401 with a Bearer challenge", async () => {
  const { error, body } = await rejectsWithStatus(noKey.GET("/v1/projects"), 401);
  assert.equal(body, "Invalid token");
  assert.match(error.response.headers.get("www-authenticate") ?? "", /^Bearer /);
  await rejectsWithStatus(noKey.POST("/v1/projects", { body: { name: "nope" } }), 401);
});

test("the version stays public: a fresh client learns it without a key", async () => {
  const version = await noKey.getServerVersion();
  assert.equal(version.length, 3);
});

test("with the key from PHOENIX_API_KEY the client reads and writes", async () => {
  const fromEnv = createClient({ options: { baseUrl: ember.baseUrl } });
  const { data } = await fromEnv.POST("/v1/projects", { body: { name: "compat-auth" } });
  assert.equal(data.data.name, "compat-auth");
  const { data: me } = await withKey.GET("/v1/user");
  assert.equal(me.data.username, "system");
  assert.equal(me.data.role, "SYSTEM");
});

test("the admin secret works as a bearer; API keys cannot mint API keys", async () => {
  const admin = createClient({ options: { baseUrl: ember.baseUrl, headers: { Authorization: `Bearer ${ADMIN_SECRET}` } } });
  const { data } = await admin.GET("/v1/system/api_keys");
  assert.ok(data.data.length >= 1);
  const { body } = await rejectsWithStatus(withKey.POST("/v1/system/api_keys", { body: { data: { name: "x" } } }), 403);
  assert.equal(body, "API keys cannot create API keys");
});

test("register() exports over OTLP/HTTP with the key and the spans are stored", async () => {
  const projectName = "compat-auth-otel";
  const sent = await sendWith(registerHttp({ url: ember.baseUrl, projectName }), (tracer) =>
    emitAgentTrace(tracer, { startUs: pastMicros(5) }),
  );
  await eventually(async () => {
    const { spans } = await getSpans({ client: withKey, project: { projectName }, traceIds: [sent.traceId] });
    assert.equal(spans.length, 4);
  });
});
