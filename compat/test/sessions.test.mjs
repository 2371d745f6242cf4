// @arizeai/phoenix-client/sessions: listSessions, getSession,
// getSessionTurns, deleteSession, deleteSessions.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createClient } from "@arizeai/phoenix-client";
import { getSpans } from "@arizeai/phoenix-client/spans";
import { getTraces } from "@arizeai/phoenix-client/traces";
import {
  deleteSession, deleteSessions, getSession, getSessionTurns, listSessions,
} from "@arizeai/phoenix-client/sessions";
import { startEmber } from "./helpers/ember.mjs";
import { emitAgentTrace, emitBulkTrace, parseIsoMicros, pastMicros } from "./helpers/fixtures.mjs";
import { registerHttp, sendWith } from "./helpers/otel.mjs";
import { allPages, assertGlobalId, eventually, rejectsWithStatus } from "./helpers/assertions.mjs";

const ember = await startEmber();
const client = createClient({ options: { baseUrl: ember.baseUrl } });
const projectName = "compat-sessions";
const otherProject = "compat-sessions-other";
const SA = "chat 1: alice/ü"; // spaces, a colon, a slash and non-ASCII: URL-encoded by the client
const base = pastMicros(60);

const sent = await sendWith(registerHttp({ url: ember.baseUrl, projectName }), async (tracer, provider) => {
  const a1 = emitAgentTrace(tracer, { startUs: base, sessionId: SA, question: "hi", answer: "hello", tokens: { prompt: 3, completion: 4 } });
  await provider.forceFlush();
  const b1 = emitAgentTrace(tracer, { startUs: base + 30e6, sessionId: "sess-b", question: "q-b", answer: "a-b" });
  await provider.forceFlush();
  const a2 = emitAgentTrace(tracer, { startUs: base + 60e6, sessionId: SA, question: "more", answer: "sure", tokens: { prompt: 10, completion: 20 } });
  const none = emitBulkTrace(tracer, { startUs: base + 90e6, children: 1 });
  return { a1, a2, b1, none };
});
const other = await sendWith(registerHttp({ url: ember.baseUrl, projectName: otherProject }), (tracer) =>
  emitAgentTrace(tracer, { startUs: base + 120e6, sessionId: "other-sess" }),
);
await eventually(async () => {
  assert.equal((await getSpans({ client, project: { projectName }, limit: 1000 })).spans.length, 14);
  assert.equal((await getSpans({ client, project: { projectName: otherProject } })).spans.length, 4);
});

test("listSessions returns the project's sessions (oldest first) with their traces", async () => {
  const sessions = await listSessions({ client, project: projectName });
  assert.deepEqual(sessions.map((s) => s.sessionId), [SA, "sess-b"]);
  const [a, b] = sessions;
  assertGlobalId(a.id, "ProjectSession");
  assertGlobalId(a.projectId, "Project");
  assert.equal(parseIsoMicros(a.startTime), sent.a1.startUs);
  assert.equal(parseIsoMicros(a.endTime), sent.a2.endUs);
  assert.deepEqual(a.traces.map((t) => t.traceId), [sent.a1.traceId, sent.a2.traceId]);
  for (const [t, s] of [[a.traces[0], sent.a1], [a.traces[1], sent.a2]]) {
    assertGlobalId(t.id, "Trace");
    assert.equal(parseIsoMicros(t.startTime), s.startUs);
    assert.equal(parseIsoMicros(t.endTime), s.endUs);
  }
  assert.deepEqual(b.traces.map((t) => t.traceId), [sent.b1.traceId]);
  // Also by project id, and the other project's session stays there.
  assert.deepEqual((await listSessions({ client, projectId: a.projectId })).map((s) => s.id), sessions.map((s) => s.id));
  assert.deepEqual((await listSessions({ client, projectName: otherProject })).map((s) => s.sessionId), ["other-sess"]);
});

test("sessions list pagination and order (raw typed GET: listSessions pages internally)", async () => {
  const path = { project_identifier: projectName };
  const pages = await allPages(async (cursor) => {
    const { data } = await client.GET("/v1/projects/{project_identifier}/sessions", {
      params: { path, query: { limit: 1, cursor } },
    });
    return { items: data.data, nextCursor: data.next_cursor };
  });
  assert.equal(pages.length, 2);
  assert.deepEqual(pages.flat().map((s) => s.session_id), [SA, "sess-b"]);
  const { data } = await client.GET("/v1/projects/{project_identifier}/sessions", {
    params: { path, query: { order: "desc" } },
  });
  assert.deepEqual(data.data.map((s) => s.session_id), ["sess-b", SA]);
  // Token counts summed over the session's LLM spans.
  const a = data.data[1];
  assert.equal(a.token_count_prompt, 13);
  assert.equal(a.token_count_completion, 24);
  assert.equal(a.token_count_total, 37);
  await rejectsWithStatus(
    client.GET("/v1/projects/{project_identifier}/sessions", { params: { path: { project_identifier: "no-such-project" } } }),
    404,
  );
});

test("getSession by session_id and by GlobalID; unknown → 404", async () => {
  const bySessionId = await getSession({ client, sessionId: SA });
  assert.equal(bySessionId.sessionId, SA);
  assert.deepEqual(bySessionId.traces.map((t) => t.traceId), [sent.a1.traceId, sent.a2.traceId]);
  const byGlobalId = await getSession({ client, sessionId: bySessionId.id });
  assert.deepEqual(byGlobalId, bySessionId);
  await rejectsWithStatus(getSession({ client, sessionId: "no-such-session" }), 404);
  // A well-formed ProjectSession GlobalID that does not exist.
  await rejectsWithStatus(getSession({ client, sessionId: Buffer.from("ProjectSession:999999").toString("base64") }), 404);
});

test("getSessionTurns reads input/output from each trace's root span, in order", async () => {
  const turns = await getSessionTurns({ client, sessionId: SA });
  assert.equal(turns.length, 2);
  assert.deepEqual(
    turns.map((t) => [t.traceId, t.input, t.output]),
    [
      [sent.a1.traceId, { value: "hi", mimeType: "text/plain" }, { value: "hello", mimeType: "text/plain" }],
      [sent.a2.traceId, { value: "more", mimeType: "text/plain" }, { value: "sure", mimeType: "text/plain" }],
    ],
  );
  assert.equal(turns[0].rootSpan.context.span_id, sent.a1.root.spanId);
  assert.equal(turns[0].rootSpan.parent_id, null);
});

test("deleteSession removes the session with its traces and spans; unknown → error", async () => {
  await deleteSession({ client, sessionId: "sess-b" });
  await rejectsWithStatus(getSession({ client, sessionId: "sess-b" }), 404);
  assert.deepEqual((await getSpans({ client, project: { projectName }, traceIds: [sent.b1.traceId] })).spans, []);
  assert.ok(!(await getTraces({ client, project: { projectName } })).traces.some((t) => t.trace_id === sent.b1.traceId));
  await rejectsWithStatus(deleteSession({ client, sessionId: "sess-b" }), 404);
});

test("deleteSessions: empty list and mixed id kinds are refused (422); unknown ids are skipped", async () => {
  const a = await getSession({ client, sessionId: SA });
  await rejectsWithStatus(deleteSessions({ client, sessionIds: [] }), 422);
  await rejectsWithStatus(deleteSessions({ client, sessionIds: [a.id, "other-sess"] }), 422);
  // Nothing was deleted by the refused calls.
  assert.equal((await getSession({ client, sessionId: SA })).id, a.id);
  await deleteSessions({ client, sessionIds: [a.id, Buffer.from("ProjectSession:999999").toString("base64")] });
  await rejectsWithStatus(getSession({ client, sessionId: SA }), 404);
  assert.deepEqual(await listSessions({ client, project: projectName }), []);
  // The trace without a session is untouched.
  assert.deepEqual((await getTraces({ client, project: { projectName } })).traces.map((t) => t.trace_id), [sent.none.traceId]);
  await deleteSessions({ client, sessionIds: ["other-sess", "never-existed"] });
  assert.deepEqual(await listSessions({ client, project: otherProject }), []);
});
