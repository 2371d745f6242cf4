// @arizeai/phoenix-client/traces: getTraces with sort, order, time range,
// session filter, includeSpans and cursor pagination; trace deletion.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createClient } from "@arizeai/phoenix-client";
import { getSpans } from "@arizeai/phoenix-client/spans";
import { getTraces } from "@arizeai/phoenix-client/traces";
import { getSession } from "@arizeai/phoenix-client/sessions";
import { startEmber } from "./helpers/ember.mjs";
import { emitAgentTrace, emitBulkTrace, parseIsoMicros, pastMicros } from "./helpers/fixtures.mjs";
import { registerHttp, sendWith } from "./helpers/otel.mjs";
import { allPages, assertGlobalId, decodeGlobalId, eventually, rejectsWithStatus } from "./helpers/assertions.mjs";

const ember = await startEmber();
const client = createClient({ options: { baseUrl: ember.baseUrl } });
const projectName = "compat-traces";
const project = { projectName };

const base = pastMicros(60);
// Sent one export at a time, so traces are stored in start-time order.
const { T1, T2, T3, T4 } = await sendWith(registerHttp({ url: ember.baseUrl, projectName }), async (tracer, provider) => {
  const T1 = emitAgentTrace(tracer, { startUs: base, sessionId: "s-1", durationMs: 900, tokens: { prompt: 12, completion: 30 } });
  await provider.forceFlush();
  const T2 = emitAgentTrace(tracer, { startUs: base + 60e6, sessionId: "s-1", durationMs: 3000, tokens: { prompt: 1, completion: 2 } });
  await provider.forceFlush();
  const T3 = emitAgentTrace(tracer, { startUs: base + 120e6, sessionId: "s-2", durationMs: 800, tokens: { prompt: 100, completion: 200 } });
  await provider.forceFlush();
  const T4 = emitBulkTrace(tracer, { startUs: base + 180e6, children: 3 });
  return { T1, T2, T3, T4 };
});
const traceIds = (traces) => traces.map((t) => t.trace_id);

await eventually(async () => {
  const { spans } = await getSpans({ client, project, limit: 1000 });
  assert.equal(spans.length, 16);
});

test("getTraces defaults: newest start first, Phoenix's trace shape and token counts", async () => {
  const { traces, nextCursor } = await getTraces({ client, project });
  assert.equal(nextCursor, null);
  assert.deepEqual(traceIds(traces), [T4.traceId, T3.traceId, T2.traceId, T1.traceId]);
  const projectId = traces[0].project_id;
  assertGlobalId(projectId, "Project");
  for (const t of traces) {
    assertGlobalId(t.id, "Trace");
    assert.equal(t.project_id, projectId);
    assert.ok(t.spans == null, "no spans unless includeSpans");
  }
  const [t4, t3, t2, t1] = traces;
  for (const [got, sent] of [[t1, T1], [t2, T2], [t3, T3]]) {
    assert.equal(parseIsoMicros(got.start_time), sent.startUs);
    assert.equal(parseIsoMicros(got.end_time), sent.endUs);
    assert.equal(got.token_count_prompt, sent.tokens.prompt);
    assert.equal(got.token_count_completion, sent.tokens.completion);
    assert.equal(got.token_count_total, sent.tokens.total);
  }
  assert.equal(parseIsoMicros(t4.start_time), base + 180e6);
  assert.equal(parseIsoMicros(t4.end_time), base + 180e6 + 5000);
  assert.equal(t4.token_count_prompt, 0);
  assert.equal(t4.token_count_completion, 0);
  assert.equal(t4.token_count_total, 0);
});

test("getTraces order asc, and sort by latency_ms both ways", async () => {
  assert.deepEqual(traceIds((await getTraces({ client, project, order: "asc" })).traces), [T1, T2, T3, T4].map((t) => t.traceId));
  assert.deepEqual(
    traceIds((await getTraces({ client, project, sort: "latency_ms" })).traces),
    [T2, T1, T3, T4].map((t) => t.traceId),
  );
  assert.deepEqual(
    traceIds((await getTraces({ client, project, sort: "latency_ms", order: "asc" })).traces),
    [T4, T3, T1, T2].map((t) => t.traceId),
  );
  assert.deepEqual(
    traceIds((await getTraces({ client, project, sort: "start_time", order: "desc" })).traces),
    [T4, T3, T2, T1].map((t) => t.traceId),
  );
});

test("getTraces limit + cursor visits every trace exactly once", async () => {
  for (const limit of [1, 2, 3, 4]) {
    const pages = await allPages(async (cursor) => {
      const r = await getTraces({ client, project, limit, cursor });
      return { items: r.traces, nextCursor: r.nextCursor };
    });
    assert.equal(pages.length, Math.ceil(4 / limit), `limit ${limit}`);
    assert.deepEqual(traceIds(pages.flat()), [T4, T3, T2, T1].map((t) => t.traceId), `limit ${limit}`);
  }
  const first = await getTraces({ client, project, limit: 2 });
  assertGlobalId(first.nextCursor, "Trace");
  const second = await getTraces({ client, project, limit: 2, cursor: first.nextCursor });
  assert.equal(second.traces[0].id, first.nextCursor);
});

test("getTraces startTime/endTime bound the trace start: [start, end)", async () => {
  const at = (us) => new Date(us / 1000);
  assert.deepEqual(traceIds((await getTraces({ client, project, startTime: at(T2.startUs), endTime: at(T3.startUs) })).traces), [T2.traceId]);
  assert.deepEqual(traceIds((await getTraces({ client, project, startTime: at(T3.startUs) })).traces), [T4.traceId, T3.traceId]);
  assert.deepEqual(traceIds((await getTraces({ client, project, endTime: at(T2.startUs).toISOString() })).traces), [T1.traceId]);
});

test("getTraces sessionId: a session id, several, a session GlobalID, an unknown one", async () => {
  assert.deepEqual(traceIds((await getTraces({ client, project, sessionId: "s-1" })).traces), [T2.traceId, T1.traceId]);
  assert.deepEqual(
    traceIds((await getTraces({ client, project, sessionId: ["s-1", "s-2"] })).traces),
    [T3.traceId, T2.traceId, T1.traceId],
  );
  const s2 = await getSession({ client, sessionId: "s-2" });
  assertGlobalId(s2.id, "ProjectSession");
  assert.deepEqual(traceIds((await getTraces({ client, project, sessionId: s2.id })).traces), [T3.traceId]);
  assert.deepEqual((await getTraces({ client, project, sessionId: "no-such-session" })).traces, []);
});

test("getTraces includeSpans lists each trace's spans by start time", async () => {
  const { traces } = await getTraces({ client, project, includeSpans: true, order: "asc" });
  const t1 = traces[0];
  assert.equal(t1.trace_id, T1.traceId);
  assert.deepEqual(
    t1.spans.map((s) => ({ span_id: s.span_id, parent_id: s.parent_id, name: s.name, span_kind: s.span_kind, status_code: s.status_code })),
    [T1.root, T1.llm, T1.tool, T1.retriever].map((s) => ({ span_id: s.spanId, parent_id: s.parentId, name: s.name, span_kind: s.kind, status_code: s.statusCode })),
  );
  for (const [i, s] of [T1.root, T1.llm, T1.tool, T1.retriever].entries()) {
    assertGlobalId(t1.spans[i].id, "Span");
    assert.equal(parseIsoMicros(t1.spans[i].start_time), s.startUs);
    assert.equal(parseIsoMicros(t1.spans[i].end_time), s.endUs);
  }
  const t4 = traces[3];
  assert.equal(t4.spans.length, 4);
  assert.equal(t4.spans[0].span_id, T4.rootSpanId);
  assert.deepEqual(t4.spans.slice(1).map((s) => s.span_id), T4.childSpanIds);
  assert.ok(t4.spans.every((s) => s.span_kind === "UNKNOWN"));
});

test("getTraces: bad sort → 422, unknown project → 404", async () => {
  await rejectsWithStatus(getTraces({ client, project, sort: "duration" }), 422);
  await rejectsWithStatus(getTraces({ client, project: { projectName: "no-such-project" } }), 404);
});

test("DELETE /v1/traces/{id} (raw typed call; no helper in 6.14.2) by OTel id and by GlobalID", async () => {
  const del = (id) => client.DELETE("/v1/traces/{trace_identifier}", { params: { path: { trace_identifier: id } } });
  const r1 = await del(T1.traceId);
  assert.equal(r1.response.status, 204);
  const { traces } = await getTraces({ client, project });
  const t2 = traces.find((t) => t.trace_id === T2.traceId);
  const r2 = await del(t2.id);
  assert.equal(r2.response.status, 204);
  assert.equal(decodeGlobalId(t2.id).type, "Trace");
  assert.deepEqual(traceIds((await getTraces({ client, project })).traces), [T4.traceId, T3.traceId]);
  // Their spans went with them.
  assert.deepEqual((await getSpans({ client, project, traceIds: [T1.traceId, T2.traceId] })).spans, []);
  await rejectsWithStatus(del(T1.traceId), 404);
  await rejectsWithStatus(del(t2.id), 404);
});
