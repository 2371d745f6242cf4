// @arizeai/phoenix-otel register() → Ember's OTLP/HTTP endpoint, read back
// with @arizeai/phoenix-client.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createClient } from "@arizeai/phoenix-client";
import { getSpans } from "@arizeai/phoenix-client/spans";
import { getTraces } from "@arizeai/phoenix-client/traces";
import { startEmber } from "./helpers/ember.mjs";
import { emitAgentTrace, parseIsoMicros, pastMicros } from "./helpers/fixtures.mjs";
import { registerHttp, sendWith } from "./helpers/otel.mjs";
import { assertGlobalId, assertSpanEquals, eventually } from "./helpers/assertions.mjs";

const ember = await startEmber();
const client = createClient({ options: { baseUrl: ember.baseUrl } });

/** Reads a trace's spans back, waiting until all `n` are stored. */
async function readTrace(projectName, traceId, n) {
  return eventually(async () => {
    const { spans, nextCursor } = await getSpans({ client, project: { projectName }, traceIds: [traceId] });
    assert.equal(spans.length, n, `spans stored so far: ${spans.map((s) => s.name)}`);
    assert.equal(nextCursor, null);
    return spans;
  });
}

test("register() over HTTP: nested OpenInference spans are stored and read back exactly", async () => {
  const projectName = "compat-otel-http";
  const sent = await sendWith(registerHttp({ url: ember.baseUrl, projectName }), (tracer) =>
    emitAgentTrace(tracer, { startUs: pastMicros(30), sessionId: "http-session-1" }),
  );
  const spans = await readTrace(projectName, sent.traceId, 4);
  const bySpanId = new Map(spans.map((s) => [s.context.span_id, s]));
  for (const s of sent.spans) {
    const got = bySpanId.get(s.spanId);
    assert.ok(got, `span ${s.name} read back`);
    assertSpanEquals(got, s);
  }
  // Parent links form the tree CHAIN › (LLM › TOOL, RETRIEVER).
  assert.equal(bySpanId.get(sent.llm.spanId).parent_id, sent.root.spanId);
  assert.equal(bySpanId.get(sent.tool.spanId).parent_id, sent.llm.spanId);
  assert.equal(bySpanId.get(sent.retriever.spanId).parent_id, sent.root.spanId);
});

test("register() over HTTP: the project named in the resource is created on the fly", async () => {
  const projectName = "compat otel: auto-created";
  const sent = await sendWith(registerHttp({ url: ember.baseUrl, projectName }), (tracer) =>
    emitAgentTrace(tracer, { startUs: pastMicros(29) }),
  );
  await readTrace(projectName, sent.traceId, 4);
  const { data } = await client.GET("/v1/projects/{project_identifier}", {
    params: { path: { project_identifier: projectName } },
  });
  assertGlobalId(data.data.id, "Project");
  assert.equal(data.data.name, projectName);
});

test("register() over HTTP without a project name sends to the default project", async () => {
  const sent = await sendWith(registerHttp({ url: ember.baseUrl }), (tracer) =>
    emitAgentTrace(tracer, { startUs: pastMicros(28) }),
  );
  await readTrace("default", sent.traceId, 4);
});

test("register() over HTTP: the trace's token counts and span list come back from getTraces", async () => {
  const projectName = "compat-otel-http-traces";
  const sent = await sendWith(registerHttp({ url: ember.baseUrl, projectName, batch: false }), (tracer) =>
    emitAgentTrace(tracer, { startUs: pastMicros(27), tokens: { prompt: 120, completion: 7 } }),
  );
  await readTrace(projectName, sent.traceId, 4);
  const { traces, nextCursor } = await getTraces({ client, project: { projectName }, includeSpans: true });
  assert.equal(nextCursor, null);
  assert.equal(traces.length, 1);
  const [t] = traces;
  assertGlobalId(t.id, "Trace");
  assertGlobalId(t.project_id, "Project");
  assert.equal(t.trace_id, sent.traceId);
  assert.equal(parseIsoMicros(t.start_time), sent.startUs);
  assert.equal(parseIsoMicros(t.end_time), sent.endUs);
  assert.equal(t.token_count_prompt, 120);
  assert.equal(t.token_count_completion, 7);
  assert.equal(t.token_count_total, 127);
  // include_spans: ordered by start time, with parent links and kinds.
  assert.deepEqual(
    t.spans.map((s) => [s.name, s.span_id, s.parent_id, s.span_kind, s.status_code]),
    [sent.root, sent.llm, sent.tool, sent.retriever].map((s) => [s.name, s.spanId, s.parentId, s.kind, s.statusCode]),
  );
  for (const s of t.spans) assertGlobalId(s.id, "Span");
});
