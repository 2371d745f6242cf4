// @arizeai/phoenix-client annotations: addSpanAnnotation,
// logSpanAnnotations, addDocumentAnnotation, logDocumentAnnotations,
// addTraceAnnotation, logTraceAnnotations, addSessionAnnotation,
// logSessionAnnotations, the note helpers and getSpanAnnotations; the
// trace and session listings through the typed client.GET.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createClient } from "@arizeai/phoenix-client";
import {
  addDocumentAnnotation, addSpanAnnotation, addSpanNote, getSpanAnnotations, getSpans,
  logDocumentAnnotations, logSpanAnnotations,
} from "@arizeai/phoenix-client/spans";
import { addTraceAnnotation, addTraceNote, logTraceAnnotations } from "@arizeai/phoenix-client/traces";
import { addSessionAnnotation, addSessionNote, logSessionAnnotations } from "@arizeai/phoenix-client/sessions";
import { startEmber } from "./helpers/ember.mjs";
import { emitAgentTrace, hrTime, parseIsoMicros, pastMicros } from "./helpers/fixtures.mjs";
import { registerHttp, sendWith } from "./helpers/otel.mjs";
import { allPages, assertGlobalId, eventually, rejectsWithStatus } from "./helpers/assertions.mjs";

const ember = await startEmber();
const client = createClient({ options: { baseUrl: ember.baseUrl } });
const projectName = "compat-annotations";
const project = { projectName };
const sessionId = "annotated chat/1";

const sent = await sendWith(registerHttp({ url: ember.baseUrl, projectName }), (tracer) =>
  emitAgentTrace(tracer, { startUs: pastMicros(30), sessionId }),
);
await eventually(async () => {
  assert.equal((await getSpans({ client, project })).spans.length, 4);
});

const spanAnns = (spanIds, more = {}) => getSpanAnnotations({ client, project, spanIds, ...more });

test("addSpanAnnotation and logSpanAnnotations with sync return SpanAnnotation ids", async () => {
  const one = await addSpanAnnotation({
    client, sync: true,
    spanAnnotation: {
      spanId: sent.llm.spanId, name: "correctness", annotatorKind: "LLM",
      label: "correct", score: 0, explanation: "matches the source", metadata: { judge: "gpt-4o", run: 3 }, identifier: "eval-1",
    },
  });
  assertGlobalId(one.id, "SpanAnnotation");
  const many = await logSpanAnnotations({
    client, sync: true,
    spanAnnotations: [
      { spanId: sent.llm.spanId, name: "helpfulness", label: "helpful" },
      { spanId: sent.tool.spanId, name: "helpfulness", score: 0.25 },
    ],
  });
  assert.equal(many.length, 2);
  many.forEach((m) => assertGlobalId(m.id, "SpanAnnotation"));
  // The same name and identifier replaces the annotation in place.
  const again = await addSpanAnnotation({
    client, sync: true,
    spanAnnotation: { spanId: sent.llm.spanId, name: "correctness", annotatorKind: "LLM", label: "incorrect", score: 1, identifier: "eval-1" },
  });
  assert.equal(again.id, one.id);

  const { annotations, nextCursor } = await spanAnns([sent.llm.spanId]);
  assert.equal(nextCursor, null);
  assert.deepEqual(annotations.map((a) => a.name), ["helpfulness", "correctness"]);
  const c = annotations[1];
  assert.equal(c.id, one.id);
  assert.equal(c.span_id, sent.llm.spanId);
  assert.equal(c.annotator_kind, "LLM");
  assert.deepEqual(c.result, { label: "incorrect", score: 1, explanation: null });
  assert.deepEqual(c.metadata, {});
  assert.equal(c.identifier, "eval-1");
  assert.equal(c.source, "API");
  assert.equal(c.user_id, null);
  assert.ok(parseIsoMicros(c.updated_at) >= parseIsoMicros(c.created_at));
  const h = annotations[0];
  assert.equal(h.annotator_kind, "HUMAN"); // the client's default
  assert.deepEqual(h.result, { label: "helpful", score: null, explanation: null });
});

test("annotations sent without sync are stored in the background", async () => {
  const res = await addSpanAnnotation({
    client, spanAnnotation: { spanId: sent.retriever.spanId, name: "queued", label: "later", metadata: { k: [1, 2] } },
  });
  assert.equal(res, null); // Phoenix answers {"data": []}
  assert.deepEqual(await logSpanAnnotations({ client, spanAnnotations: [{ spanId: sent.retriever.spanId, name: "queued2", score: 2 }] }), []);
  await eventually(async () => {
    const { annotations } = await spanAnns([sent.retriever.spanId]);
    assert.deepEqual(annotations.map((a) => a.name).sort(), ["queued", "queued2"]);
    assert.deepEqual(annotations.find((a) => a.name === "queued").metadata, { k: [1, 2] });
  });
});

test("an annotation sent before its span is found once the span arrives", async () => {
  const reg = registerHttp({ url: ember.baseUrl, projectName });
  let early;
  await sendWith(reg, async (tracer, provider) => {
    const span = tracer.startSpan("late-span", { startTime: hrTime(pastMicros(5)) });
    span.end(hrTime(pastMicros(5) + 1000));
    early = span.spanContext().spanId;
    // The batch processor still holds the span: the server has not seen it.
    await addSpanAnnotation({ client, spanAnnotation: { spanId: early, name: "early-bird", label: "first" } });
    await addSpanAnnotation({ client, spanAnnotation: { spanId: early, name: "early-bird", label: "second" } });
    await rejectsWithStatus(spanAnns([early]), 404);
    await provider.forceFlush();
  });
  await eventually(async () => {
    const { annotations } = await spanAnns([early]);
    assert.deepEqual(annotations.map((a) => `${a.name}=${a.result.label}`), ["early-bird=second"]);
  }, { timeoutMs: 20000 });
});

test("document annotations name a retrieved document by position", async () => {
  const one = await addDocumentAnnotation({
    client, sync: true,
    documentAnnotation: { spanId: sent.retriever.spanId, documentPosition: 1, name: "relevance", annotatorKind: "LLM", score: 0.75, label: "relevant" },
  });
  assertGlobalId(one.id, "DocumentAnnotation");
  const both = await logDocumentAnnotations({
    client, sync: true,
    documentAnnotations: [0, 1].map((documentPosition) => ({ spanId: sent.retriever.spanId, documentPosition, name: "relevance", score: 1 })),
  });
  assert.equal(both.length, 2);
  assert.equal(both[1].id, one.id); // the same position is the same annotation
  const { body } = await rejectsWithStatus(addDocumentAnnotation({
    client, sync: true,
    documentAnnotation: { spanId: sent.retriever.spanId, documentPosition: 2, name: "relevance", score: 1 },
  }), 422);
  assert.equal(body, `Document position 2 is out of bounds for span ${sent.retriever.spanId} (max: 1)`);
});

test("trace and session annotations, read back through the typed client", async () => {
  const t = await addTraceAnnotation({ client, sync: true, traceAnnotation: { traceId: sent.traceId, name: "resolved", label: "yes", annotatorKind: "CODE" } });
  assertGlobalId(t.id, "TraceAnnotation");
  const ts = await logTraceAnnotations({ client, sync: true, traceAnnotations: [{ traceId: sent.traceId, name: "latency-ok", score: 1 }] });
  assertGlobalId(ts[0].id, "TraceAnnotation");
  const s = await addSessionAnnotation({ client, sync: true, sessionAnnotation: { sessionId, name: "satisfied", label: "yes" } });
  assertGlobalId(s.id, "ProjectSessionAnnotation");
  const ss = await logSessionAnnotations({ client, sync: true, sessionAnnotations: [{ sessionId, name: "turns", score: 1 }] });
  assertGlobalId(ss[0].id, "ProjectSessionAnnotation");

  const path = { project_identifier: projectName };
  const traces = await client.GET("/v1/projects/{project_identifier}/trace_annotations", { params: { path, query: { trace_ids: [sent.traceId] } } });
  assert.deepEqual(traces.data.data.map((a) => [a.name, a.trace_id]), [["latency-ok", sent.traceId], ["resolved", sent.traceId]]);
  const sessions = await client.GET("/v1/projects/{project_identifier}/session_annotations", { params: { path, query: { session_ids: [sessionId] } } });
  assert.deepEqual(sessions.data.data.map((a) => [a.name, a.session_id, a.annotator_kind]), [["turns", sessionId, "HUMAN"], ["satisfied", sessionId, "HUMAN"]]);

  await rejectsWithStatus(addTraceAnnotation({ client, sync: true, traceAnnotation: { traceId: "0".repeat(32), name: "x", label: "y" } }), 404);
  await rejectsWithStatus(addSessionAnnotation({ client, sync: true, sessionAnnotation: { sessionId: "no such session", name: "x", label: "y" } }), 404);
});

test("notes: addSpanNote, addTraceNote, addSessionNote", async () => {
  const a = await addSpanNote({ client, spanNote: { spanId: sent.root.spanId, note: "first look" } });
  const b = await addSpanNote({ client, spanNote: { spanId: sent.root.spanId, note: "second look" } });
  assertGlobalId(a.id, "SpanAnnotation");
  assert.notEqual(a.id, b.id); // notes accumulate
  const c1 = await addSpanNote({ client, spanNote: { spanId: sent.root.spanId, note: "draft", identifier: "review" } });
  const c2 = await addSpanNote({ client, spanNote: { spanId: sent.root.spanId, note: "final", identifier: "review" } });
  assert.equal(c1.id, c2.id); // an identifier upserts
  assertGlobalId((await addTraceNote({ client, traceNote: { traceId: sent.traceId, note: "trace note" } })).id, "TraceAnnotation");
  assertGlobalId((await addSessionNote({ client, sessionNote: { sessionId, note: "session note" } })).id, "ProjectSessionAnnotation");

  const { annotations } = await spanAnns([sent.root.spanId]);
  assert.deepEqual(annotations.map((n) => [n.name, n.result.explanation, n.annotator_kind]), [
    ["note", "final", "HUMAN"], ["note", "second look", "HUMAN"], ["note", "first look", "HUMAN"],
  ]);
  assert.match(annotations[1].identifier, /^px-span-note:[0-9a-f-]{36}$/);
  assert.equal(annotations[0].identifier, "review");
  const withoutNotes = await spanAnns([sent.root.spanId], { excludeAnnotationNames: ["note"] });
  assert.deepEqual(withoutNotes.annotations, []);

  const { body } = await rejectsWithStatus(addSpanNote({ client, spanNote: { spanId: "0".repeat(16), note: "x" } }), 404);
  assert.equal(body, `Span with ID ${"0".repeat(16)} not found`);
});

test("getSpanAnnotations: name filters, pages, and errors", async () => {
  const spanIds = [sent.llm.spanId, sent.tool.spanId];
  // (One request wrote both: Ember numbers a batch in key order, not
  // request order, so the two may list either way round.)
  const only = await spanAnns(spanIds, { includeAnnotationNames: ["helpfulness"] });
  assert.deepEqual(only.annotations.map((a) => a.span_id).sort(), [...spanIds].sort());
  const pages = await allPages(async (cursor) => {
    const { annotations, nextCursor } = await spanAnns(spanIds, { limit: 1, cursor });
    return { items: annotations, nextCursor };
  });
  assert.equal(pages.length, 3);
  assert.deepEqual(pages.flat().map((a) => a.name), ["helpfulness", "helpfulness", "correctness"]);
  await rejectsWithStatus(spanAnns(["0".repeat(16)]), 404);
  await rejectsWithStatus(getSpanAnnotations({ client, project: { projectName: "no such project" }, spanIds }), 404);
  await rejectsWithStatus(spanAnns(spanIds, { limit: 0 }), 422);
  // The reserved name, refused by the server.
  await rejectsWithStatus(client.POST("/v1/span_annotations", {
    params: { query: { sync: true } },
    body: { data: [{ span_id: sent.llm.spanId, name: "note", annotator_kind: "HUMAN", result: { label: "x" }, metadata: null, identifier: "" }] },
  }), 400);
  // Unknown spans with sync: 404.
  await rejectsWithStatus(addSpanAnnotation({ client, sync: true, spanAnnotation: { spanId: "0".repeat(16), name: "x", label: "y" } }), 404);
});
