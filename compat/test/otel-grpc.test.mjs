// @arizeai/phoenix-otel register() with an OTLP/gRPC exporter → Ember's
// gRPC port, read back with @arizeai/phoenix-client.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createClient } from "@arizeai/phoenix-client";
import { getSpans } from "@arizeai/phoenix-client/spans";
import { getTraces } from "@arizeai/phoenix-client/traces";
import { getSession } from "@arizeai/phoenix-client/sessions";
import { startEmber } from "./helpers/ember.mjs";
import { emitAgentTrace, emitBulkTrace, parseIsoMicros, pastMicros } from "./helpers/fixtures.mjs";
import { registerGrpc, sendWith } from "./helpers/otel.mjs";
import { assertSpanEquals, eventually } from "./helpers/assertions.mjs";

const ember = await startEmber();
const client = createClient({ options: { baseUrl: ember.baseUrl } });

test("register() over gRPC: nested OpenInference spans are stored and read back exactly", async () => {
  const projectName = "compat-otel-grpc";
  const sent = await sendWith(registerGrpc({ grpcUrl: ember.grpcUrl, projectName }), (tracer) =>
    emitAgentTrace(tracer, { startUs: pastMicros(30), sessionId: "grpc-session-1", tokens: { prompt: 5, completion: 6 } }),
  );
  const spans = await eventually(async () => {
    const { spans } = await getSpans({ client, project: { projectName }, traceIds: [sent.traceId] });
    assert.equal(spans.length, 4);
    return spans;
  });
  const bySpanId = new Map(spans.map((s) => [s.context.span_id, s]));
  for (const s of sent.spans) assertSpanEquals(bySpanId.get(s.spanId), s);

  const { traces } = await getTraces({ client, project: { projectName } });
  assert.equal(traces.length, 1);
  assert.equal(traces[0].trace_id, sent.traceId);
  assert.equal(traces[0].token_count_prompt, 5);
  assert.equal(traces[0].token_count_completion, 6);
  assert.equal(traces[0].token_count_total, 11);

  const session = await getSession({ client, sessionId: "grpc-session-1" });
  assert.equal(session.sessionId, "grpc-session-1");
  assert.deepEqual(session.traces.map((t) => t.traceId), [sent.traceId]);
  assert.equal(parseIsoMicros(session.startTime), sent.startUs);
  assert.equal(parseIsoMicros(session.endTime), sent.endUs);
});

test("register() over gRPC: a larger batch (several traces, 60+ spans) arrives whole", async () => {
  const projectName = "compat-otel-grpc-batch";
  const base = pastMicros(20);
  const sent = await sendWith(registerGrpc({ grpcUrl: ember.grpcUrl, projectName }), (tracer) => [
    emitBulkTrace(tracer, { startUs: base, children: 30 }),
    emitBulkTrace(tracer, { startUs: base + 60e6, children: 30, name: "bulk2" }),
    emitAgentTrace(tracer, { startUs: base + 120e6 }),
  ]);
  const want = new Set([
    ...sent.slice(0, 2).flatMap((b) => [b.rootSpanId, ...b.childSpanIds]),
    ...sent[2].spans.map((s) => s.spanId),
  ]);
  await eventually(async () => {
    const seen = new Set();
    let cursor;
    do {
      const page = await getSpans({ client, project: { projectName }, limit: 1000, cursor });
      page.spans.forEach((s) => seen.add(s.context.span_id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    assert.deepEqual([...seen].sort(), [...want].sort());
  });
});
