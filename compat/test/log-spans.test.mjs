// @arizeai/phoenix-client/spans logSpans → POST /v1/projects/{p}/spans,
// read back with getSpans/getTraces.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createClient } from "@arizeai/phoenix-client";
import { getSpans, logSpans, SpanCreationError } from "@arizeai/phoenix-client/spans";
import { getTraces } from "@arizeai/phoenix-client/traces";
import { startEmber } from "./helpers/ember.mjs";
import { hex, isoMicros, parseIsoMicros, pastMicros } from "./helpers/fixtures.mjs";
import { assertGlobalId, eventually, rejectsWithStatus } from "./helpers/assertions.mjs";

const ember = await startEmber();
const client = createClient({ options: { baseUrl: ember.baseUrl } });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const base = pastMicros(30);
const traceId = hex(16);
const rootId = hex(8);
const llmId = hex(8);
const oddId = hex(8);

// Phoenix's span shape, as getSpans returns it; logSpans accepts
// attributes flat or nested.
const rootSpan = {
  name: "rest-root",
  context: { trace_id: traceId, span_id: rootId },
  span_kind: "CHAIN",
  parent_id: null,
  start_time: isoMicros(base),
  end_time: isoMicros(base + 2_000_000),
  status_code: "ok", // upper-cased by the server
  status_message: "",
  attributes: {
    input: { value: "hello", mime_type: "text/plain" }, // nested
    "output.value": "world", // flat
    "output.mime_type": "text/plain",
    metadata: { tier: "gold", n: 2 },
    "session.id": "rest-session",
    "tag.tags": ["x", "y"],
  },
  events: [{ name: "checkpoint", timestamp: isoMicros(base + 500_000), attributes: { step: 1 } }],
};
const llmSpan = {
  name: "rest-llm",
  context: { trace_id: traceId, span_id: llmId },
  span_kind: "LLM",
  parent_id: rootId,
  // A non-UTC offset is converted.
  start_time: new Date((base + 100_000) / 1000).toISOString().replace("Z", "+00:00"),
  end_time: isoMicros(base + 1_000_000),
  status_code: "ERROR",
  status_message: "rate limited",
  attributes: {
    "llm.model_name": "gpt-4o",
    "llm.input_messages.0.message.role": "user",
    "llm.input_messages.0.message.content": "hello",
    llm: { output_messages: [{ message: { role: "assistant", content: "world" } }] },
    "llm.token_count.prompt": 5,
    "llm.token_count.completion": 7,
    "llm.token_count.total": 12,
  },
  events: [],
};
const oddSpan = {
  name: "rest-odd",
  context: { trace_id: traceId, span_id: oddId },
  span_kind: "TOOL",
  parent_id: rootId,
  start_time: "2020-01-01T02:00:00+02:00", // = 00:00 UTC
  end_time: "2020-01-01T00:00:01.5Z",
  status_code: "bogus", // not a status: stored as UNSET
  attributes: {},
};

test("logSpans queues every span (202 {total_received, total_queued})", async () => {
  const result = await logSpans({ client, project: { projectName: "compat-rest-spans" }, spans: [rootSpan, llmSpan, oddSpan] });
  assert.deepEqual(result, { totalReceived: 3, totalQueued: 3 });
});

test("spans posted with logSpans read back with getSpans, attributes flattened", async () => {
  const spans = await eventually(async () => {
    const { spans } = await getSpans({ client, project: { projectName: "compat-rest-spans" }, traceIds: [traceId] });
    assert.equal(spans.length, 3);
    return spans;
  });
  const by = Object.fromEntries(spans.map((s) => [s.name, s]));
  for (const s of spans) assertGlobalId(s.id, "Span");

  const root = by["rest-root"];
  assert.deepEqual(root.context, { trace_id: traceId, span_id: rootId });
  assert.equal(root.parent_id, null);
  assert.equal(root.span_kind, "CHAIN");
  assert.equal(root.status_code, "OK");
  assert.equal(root.status_message, "");
  assert.equal(parseIsoMicros(root.start_time), base);
  assert.equal(parseIsoMicros(root.end_time), base + 2_000_000);
  assert.deepEqual(root.attributes, {
    "input.value": "hello",
    "input.mime_type": "text/plain",
    "output.value": "world",
    "output.mime_type": "text/plain",
    "metadata.tier": "gold",
    "metadata.n": 2,
    "session.id": "rest-session",
    "tag.tags": ["x", "y"],
  });
  assert.equal(root.events.length, 1);
  assert.equal(root.events[0].name, "checkpoint");
  assert.equal(parseIsoMicros(root.events[0].timestamp), base + 500_000);
  assert.deepEqual(root.events[0].attributes, { step: 1 });

  const llm = by["rest-llm"];
  assert.equal(llm.parent_id, rootId);
  assert.equal(llm.span_kind, "LLM");
  assert.equal(llm.status_code, "ERROR");
  assert.equal(llm.status_message, "rate limited");
  assert.equal(parseIsoMicros(llm.start_time), base + 100_000);
  assert.deepEqual(llm.attributes, {
    "llm.model_name": "gpt-4o",
    "llm.input_messages.0.message.role": "user",
    "llm.input_messages.0.message.content": "hello",
    "llm.output_messages.0.message.role": "assistant",
    "llm.output_messages.0.message.content": "world",
    "llm.token_count.prompt": 5,
    "llm.token_count.completion": 7,
    "llm.token_count.total": 12,
  });
  assert.deepEqual(llm.events, []);

  const odd = by["rest-odd"];
  assert.equal(odd.span_kind, "TOOL");
  assert.equal(odd.status_code, "UNSET");
  assert.equal(odd.start_time, "2020-01-01T00:00:00+00:00");
  assert.equal(odd.end_time, "2020-01-01T00:00:01.500000+00:00");
  assert.deepEqual(odd.attributes, {});
});

test("the project named in the path was created; the trace has the LLM span's tokens", async () => {
  const { data } = await client.GET("/v1/projects/{project_identifier}", {
    params: { path: { project_identifier: "compat-rest-spans" } },
  });
  assert.equal(data.data.name, "compat-rest-spans");
  const { traces } = await getTraces({ client, project: { projectName: "compat-rest-spans" } });
  assert.equal(traces.length, 1);
  assert.equal(traces[0].trace_id, traceId);
  assert.equal(traces[0].token_count_prompt, 5);
  assert.equal(traces[0].token_count_completion, 7);
  assert.equal(traces[0].token_count_total, 12);
  assert.equal(parseIsoMicros(traces[0].start_time), Date.parse("2020-01-01T00:00:00Z") * 1000);
});

test("logSpans by project GlobalID; an unknown project GlobalID → 404", async () => {
  const { data } = await client.POST("/v1/projects", { body: { name: "compat-rest-by-id" } });
  const id = hex(8);
  const span = { ...oddSpan, name: "by-id", context: { trace_id: hex(16), span_id: id }, parent_id: null, status_code: "OK" };
  assert.deepEqual(await logSpans({ client, project: { projectId: data.data.id }, spans: [span] }), { totalReceived: 1, totalQueued: 1 });
  await eventually(async () => {
    const { spans } = await getSpans({ client, project: { projectName: "compat-rest-by-id" } });
    assert.deepEqual(spans.map((s) => s.context.span_id), [id]);
  });
  const missing = Buffer.from("Project:999999").toString("base64");
  const other = { ...span, context: { trace_id: hex(16), span_id: hex(8) } };
  // logSpans turns the HTTP error into "Failed to log spans: <detail>".
  await assert.rejects(
    logSpans({ client, project: { projectId: missing }, spans: [other] }),
    (e) => /^Failed to log spans: .*not found/.test(e.message),
  );
  await rejectsWithStatus(
    client.POST("/v1/projects/{project_identifier}/spans", {
      params: { path: { project_identifier: missing } },
      body: { data: [other] },
    }),
    404,
  );
});

test("a span id already stored → the whole request is refused (400) and nothing is queued", async () => {
  const fresh = { ...oddSpan, name: "fresh", context: { trace_id: traceId, span_id: hex(8) } };
  // As Phoenix's client reports it.
  let error;
  try {
    await logSpans({ client, project: { projectName: "compat-rest-spans" }, spans: [fresh, llmSpan] });
  } catch (e) {
    error = e;
  }
  assert.ok(error, "logSpans must throw");
  // With a JSON error body the client raises SpanCreationError; with
  // Phoenix's plain-text body it raises an Error quoting it. Either way
  // the duplicate is named.
  if (error instanceof SpanCreationError) {
    assert.deepEqual(error.duplicateSpans, [{ spanId: llmId, traceId }]);
    assert.equal(error.totalReceived, 2);
    assert.equal(error.totalQueued, 0);
  } else {
    assert.match(error.message, new RegExp(llmId), error.stack);
    assert.match(error.message, /duplicate/i);
  }
  // On the wire: 400 whose body is Phoenix's JSON detail.
  const { body } = await rejectsWithStatus(
    client.POST("/v1/projects/{project_identifier}/spans", {
      params: { path: { project_identifier: "compat-rest-spans" } },
      body: { data: [fresh, llmSpan] },
    }),
    400,
  );
  const detail = JSON.parse(body);
  const payload = typeof detail.detail === "string" ? JSON.parse(detail.detail) : detail;
  assert.equal(payload.total_received, 2);
  assert.equal(payload.total_queued, 0);
  assert.equal(payload.total_duplicates, 1);
  assert.equal(payload.total_invalid, 0);
  assert.deepEqual(payload.duplicate_spans, [{ span_id: llmId, trace_id: traceId }]);
  assert.deepEqual(payload.invalid_spans, []);
  await sleep(300);
  const { spans } = await getSpans({ client, project: { projectName: "compat-rest-spans" }, traceIds: [traceId] });
  assert.ok(!spans.some((s) => s.name === "fresh"), "the new span of a refused request is not stored");
});

test("a timestamp without a timezone → 422, reported by logSpans as an invalid span", async () => {
  const naive = { ...oddSpan, name: "naive", context: { trace_id: hex(16), span_id: hex(8) }, start_time: "2024-01-01T00:00:00" };
  let error;
  try {
    await logSpans({ client, project: { projectName: "compat-rest-spans" }, spans: [naive] });
  } catch (e) {
    error = e;
  }
  assert.ok(error, "logSpans must throw");
  // Phoenix's FastAPI 422 names body.data.0: the client maps it to the span.
  assert.ok(error instanceof SpanCreationError, `expected SpanCreationError, got ${error.stack}`);
  assert.equal(error.invalidSpans.length, 1);
  assert.equal(error.invalidSpans[0].spanId, naive.context.span_id);
  await rejectsWithStatus(
    client.POST("/v1/projects/{project_identifier}/spans", {
      params: { path: { project_identifier: "compat-rest-spans" } },
      body: { data: [naive] },
    }),
    422,
  );
});
