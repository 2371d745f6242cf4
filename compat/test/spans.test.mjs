// @arizeai/phoenix-client/spans: getSpans with every filter 6.14.2 exposes,
// cursor pagination, and deleteSpan, against spans sent with phoenix-otel.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createClient } from "@arizeai/phoenix-client";
import { deleteSpan, getSpans } from "@arizeai/phoenix-client/spans";
import { getTraces } from "@arizeai/phoenix-client/traces";
import { startEmber } from "./helpers/ember.mjs";
import { emitAgentTrace, emitBulkTrace, pastMicros } from "./helpers/fixtures.mjs";
import { registerHttp, sendWith } from "./helpers/otel.mjs";
import {
  allPages, assertGlobalId, assertSpanEquals, decodeGlobalId, eventually, rejectsWithStatus,
} from "./helpers/assertions.mjs";

const ember = await startEmber();
const client = createClient({ options: { baseUrl: ember.baseUrl } });
const projectName = "compat-spans";
const project = { projectName };

const base = pastMicros(60);
const { A, B, C, bulk } = await sendWith(registerHttp({ url: ember.baseUrl, projectName }), (tracer) => ({
  A: emitAgentTrace(tracer, { startUs: base, sessionId: "sess:abc:1", userId: "12345", tier: "gold" }),
  B: emitAgentTrace(tracer, { startUs: base + 60e6, sessionId: "sess-b", userId: "12345", tier: "gold" }),
  C: emitAgentTrace(tracer, { startUs: base + 120e6, sessionId: "sess-c", userId: "99", tier: "silver", model: "claude-3-haiku" }),
  bulk: emitBulkTrace(tracer, { startUs: base + 180e6, children: 20 }),
}));
const TOTAL = 12 + 21;
const sentById = new Map([...A.spans, ...B.spans, ...C.spans].map((s) => [s.spanId, s]));

/** Every span matching `params`, following next_cursor. */
async function collect(params, limit = 1000) {
  const pages = await allPages(async (cursor) => {
    const { spans, nextCursor } = await getSpans({ client, project, limit, cursor, ...params });
    return { items: spans, nextCursor };
  });
  return pages.flat();
}
const spanIds = (spans) => spans.map((s) => s.context.span_id).sort();
const ids = (...sent) => sent.map((s) => s.spanId).sort();

await eventually(async () => assert.equal((await collect({})).length, TOTAL), { timeoutMs: 15000 });

test("getSpans without filters returns every span, newest stored first, in Phoenix's shape", async () => {
  const { spans, nextCursor } = await getSpans({ client, project, limit: 1000 });
  assert.equal(nextCursor, null);
  assert.equal(spans.length, TOTAL);
  const rowIds = spans.map((s) => decodeGlobalId(s.id).rowId);
  assert.deepEqual(rowIds, [...rowIds].sort((a, b) => b - a), "ordered by span row id, descending");
  for (const s of spans) {
    const sent = sentById.get(s.context.span_id);
    if (sent) assertSpanEquals(s, sent);
    else {
      assert.equal(s.span_kind, "UNKNOWN");
      assert.equal(s.status_code, "UNSET");
      assert.deepEqual(s.events, []);
    }
  }
});

test("getSpans by project id (GlobalID) equals getSpans by project name", async () => {
  const { data } = await client.GET("/v1/projects/{project_identifier}", {
    params: { path: { project_identifier: projectName } },
  });
  const byId = await getSpans({ client, project: { projectId: data.data.id }, limit: 1000 });
  const byName = await getSpans({ client, project, limit: 1000 });
  assert.deepEqual(byId.spans, byName.spans);
});

test("limit + cursor pagination visits every span exactly once", async () => {
  for (const limit of [1, 5, 7, 33, 34]) {
    const pages = await allPages(async (cursor) => {
      const r = await getSpans({ client, project, limit, cursor });
      return { items: r.spans, nextCursor: r.nextCursor };
    });
    const all = pages.flat();
    assert.equal(all.length, TOTAL, `limit ${limit}`);
    assert.equal(new Set(all.map((s) => s.id)).size, TOTAL, `limit ${limit}: no span twice`);
    assert.equal(pages.length, Math.max(1, Math.ceil(TOTAL / limit)), `limit ${limit}: page count`);
    pages.slice(0, -1).forEach((p) => assert.equal(p.length, limit));
    const rowIds = all.map((s) => decodeGlobalId(s.id).rowId);
    assert.deepEqual(rowIds, [...rowIds].sort((a, b) => b - a), `limit ${limit}: order across pages`);
  }
});

test("the next_cursor is the GlobalID of the first span of the next page", async () => {
  const first = await getSpans({ client, project, limit: 4 });
  assertGlobalId(first.nextCursor, "Span");
  const second = await getSpans({ client, project, limit: 4, cursor: first.nextCursor });
  assert.equal(second.spans[0].id, first.nextCursor);
});

test("pagination with a filter visits every matching span exactly once", async () => {
  const all = await collect({ spanKind: "UNKNOWN" }, 6);
  assert.equal(all.length, 21);
  assert.deepEqual(spanIds(all), [bulk.rootSpanId, ...bulk.childSpanIds].sort());
});

test("traceIds filter (one and several traces)", async () => {
  assert.deepEqual(spanIds(await collect({ traceIds: [A.traceId] })), ids(...A.spans));
  assert.deepEqual(spanIds(await collect({ traceIds: [A.traceId, C.traceId] })), ids(...A.spans, ...C.spans));
  assert.deepEqual(await collect({ traceIds: ["0".repeat(32)] }), []);
});

test("parentId: null returns root spans only; a span id returns its children", async () => {
  const roots = await collect({ parentId: null });
  assert.deepEqual(spanIds(roots), [A.root.spanId, B.root.spanId, C.root.spanId, bulk.rootSpanId].sort());
  for (const r of roots) assert.equal(r.parent_id, null);
  assert.deepEqual(spanIds(await collect({ parentId: A.root.spanId })), ids(A.llm, A.retriever));
  assert.deepEqual(spanIds(await collect({ parentId: A.llm.spanId })), ids(A.tool));
  assert.equal((await collect({ parentId: bulk.rootSpanId })).length, 20);
});

test("span_id filter (raw typed GET: 6.14.2's getSpans has no spanIds option)", async () => {
  // phoenix-client 6.14.2 exposes no span id filter; newer clients send
  // span_id (repeated). Same typed client, same path.
  const { data } = await client.GET("/v1/projects/{project_identifier}/spans", {
    params: {
      path: { project_identifier: projectName },
      query: { span_id: [A.llm.spanId, C.tool.spanId], limit: 100 },
    },
  });
  assert.deepEqual(spanIds(data.data), ids(A.llm, C.tool));
  assert.equal(data.next_cursor, null);
});

test("name filter (one and several names)", async () => {
  assert.deepEqual(spanIds(await collect({ name: "llm-call" })), ids(A.llm, B.llm, C.llm));
  assert.deepEqual(
    spanIds(await collect({ name: ["llm-call", "retrieve"] })),
    ids(A.llm, B.llm, C.llm, A.retriever, B.retriever, C.retriever),
  );
  assert.equal((await collect({ name: "bulk-child" })).length, 20);
  assert.deepEqual(await collect({ name: "no-such-span" }), []);
});

test("spanKind filter (one, several, lower case, UNKNOWN) and an invalid kind → 422", async () => {
  assert.deepEqual(spanIds(await collect({ spanKind: "LLM" })), ids(A.llm, B.llm, C.llm));
  assert.deepEqual(
    spanIds(await collect({ spanKind: ["RETRIEVER", "TOOL"] })),
    ids(A.retriever, B.retriever, C.retriever, A.tool, B.tool, C.tool),
  );
  assert.deepEqual(spanIds(await collect({ spanKind: "chain" })), ids(A.root, B.root, C.root));
  assert.equal((await collect({ spanKind: "UNKNOWN" })).length, 21);
  const { body } = await rejectsWithStatus(getSpans({ client, project, spanKind: "BOGUS" }), 422);
  assert.match(body, /BOGUS/);
});

test("statusCode filter (OK, ERROR, UNSET, several) and an invalid code → 422", async () => {
  assert.deepEqual(spanIds(await collect({ statusCode: "ERROR" })), ids(A.tool, B.tool, C.tool));
  assert.deepEqual(spanIds(await collect({ statusCode: "OK" })), ids(A.root, B.root, C.root, A.llm, B.llm, C.llm));
  assert.equal((await collect({ statusCode: "UNSET" })).length, 3 + 21);
  assert.equal((await collect({ statusCode: ["OK", "ERROR"] })).length, 9);
  await rejectsWithStatus(getSpans({ client, project, statusCode: "FINE" }), 422);
});

test("attributes filter: strings, JSON-parsed metadata, typed numbers and booleans, ANDed", async () => {
  const roots = (...t) => ids(...t.map((x) => x.root));
  assert.deepEqual(spanIds(await collect({ attributes: { "llm.model_name": "gpt-4o-mini" } })), ids(A.llm, B.llm));
  assert.deepEqual(spanIds(await collect({ attributes: { "llm.model_name": "claude-3-haiku" } })), ids(C.llm));
  // metadata was sent as a JSON string and is filterable by its parsed keys.
  assert.deepEqual(spanIds(await collect({ attributes: { "metadata.tier": "gold" } })), roots(A, B));
  assert.deepEqual(spanIds(await collect({ attributes: { "metadata.n": 3 } })), roots(A, B, C));
  // A numeric-looking string is JSON-quoted by the client and matches the string only.
  assert.deepEqual(spanIds(await collect({ attributes: { "user.id": "12345" } })), roots(A, B));
  assert.deepEqual(await collect({ attributes: { "user.id": 12345 } }), []);
  // Integers match integers; a quoted "3" does not.
  assert.deepEqual(spanIds(await collect({ attributes: { "llm.token_count.prompt": 12 } })), ids(A.llm, B.llm, C.llm));
  assert.equal((await collect({ attributes: { "bulk.index": 3 } })).length, 1);
  assert.deepEqual(await collect({ attributes: { "bulk.index": "3" } }), []);
  // Floats and booleans.
  assert.deepEqual(spanIds(await collect({ attributes: { "compat.ratio": 0.25 } })), roots(A, B, C));
  assert.deepEqual(spanIds(await collect({ attributes: { "compat.flag": true } })), roots(A, B, C));
  assert.deepEqual(await collect({ attributes: { "compat.flag": false } }), []);
  // Values may contain colons.
  assert.deepEqual(spanIds(await collect({ attributes: { "session.id": "sess:abc:1" } })), roots(A));
  // Several attributes are ANDed.
  assert.deepEqual(spanIds(await collect({ attributes: { "metadata.tier": "gold", "session.id": "sess-b" } })), roots(B));
  // Nested (flattened) list paths.
  assert.deepEqual(
    spanIds(await collect({ attributes: { "llm.input_messages.1.message.role": "user" } })),
    ids(A.llm, B.llm, C.llm),
  );
  // List-valued attributes never match.
  assert.deepEqual(await collect({ attributes: { "tag.tags": "compat" } }), []);
});

test("malformed attribute filters → 422 (raw typed GET: the helper always sends key:value)", async () => {
  for (const attribute of ["nocolon", ":v", "k:", "k:null", "k:[1]", 'k:{"a":1}']) {
    await rejectsWithStatus(
      client.GET("/v1/projects/{project_identifier}/spans", {
        params: { path: { project_identifier: projectName }, query: { attribute: [attribute] } },
      }),
      422,
    );
  }
});

test("startTime/endTime select spans by start time: [start, end)", async () => {
  const startB = new Date(B.startUs / 1000);
  const startC = new Date(C.startUs / 1000);
  assert.deepEqual(spanIds(await collect({ startTime: startB, endTime: startC })), ids(...B.spans));
  assert.equal((await collect({ startTime: startC })).length, 4 + 21);
  assert.deepEqual(spanIds(await collect({ endTime: startB })), ids(...A.spans));
  // ISO strings are passed through as given.
  assert.deepEqual(
    spanIds(await collect({ startTime: startB.toISOString(), endTime: startC.toISOString(), spanKind: "LLM" })),
    ids(B.llm),
  );
});

test("several filters combine", async () => {
  assert.deepEqual(
    spanIds(await collect({ traceIds: [A.traceId, B.traceId], spanKind: "TOOL", statusCode: "ERROR", name: "search-tool" })),
    ids(A.tool, B.tool),
  );
});

test("an unknown project → 404", async () => {
  const { body } = await rejectsWithStatus(getSpans({ client, project: { projectName: "no-such-project" } }), 404);
  assert.match(body, /no-such-project/);
});

test("deleteSpan by OTel span id removes only that span; its children stay, orphaned", async () => {
  await deleteSpan({ client, spanIdentifier: C.llm.spanId });
  const rest = await collect({ traceIds: [C.traceId] });
  assert.deepEqual(spanIds(rest), ids(C.root, C.tool, C.retriever));
  assert.equal(rest.find((s) => s.context.span_id === C.tool.spanId).parent_id, C.llm.spanId);
  // The trace no longer has an LLM span, so no tokens.
  const { traces } = await getTraces({ client, project, limit: 100 });
  const t = traces.find((x) => x.trace_id === C.traceId);
  assert.equal(t.token_count_prompt, 0);
  assert.equal(t.token_count_completion, 0);
  assert.equal(t.token_count_total, 0);
});

test("deleteSpan by GlobalID", async () => {
  const [child] = await collect({ traceIds: [bulk.traceId], attributes: { "bulk.index": 0 } });
  await deleteSpan({ client, spanIdentifier: child.id });
  assert.equal((await collect({ traceIds: [bulk.traceId] })).length, 20);
  assert.deepEqual(await collect({ attributes: { "bulk.index": 0 } }), []);
});

test("deleteSpan of the last span of a trace removes the trace too", async () => {
  for (const s of C.spans) if (s !== C.llm) await deleteSpan({ client, spanIdentifier: s.spanId });
  assert.deepEqual(await collect({ traceIds: [C.traceId] }), []);
  const { traces } = await getTraces({ client, project, limit: 100 });
  assert.ok(!traces.some((t) => t.trace_id === C.traceId), "trace C is gone");
});

test("deleteSpan of an unknown span is an error (404)", async () => {
  // Phoenix answers 404; the client's middleware raises it as an HttpError.
  await rejectsWithStatus(deleteSpan({ client, spanIdentifier: "ffffffffffffffff" }), 404);
  await rejectsWithStatus(deleteSpan({ client, spanIdentifier: C.llm.spanId }), 404);
});
