// GET /v1/projects/{p}/spans/otlpv1 — spans in OTLP-JSON-like shape.
// phoenix-client 6.14.2 has no helper for it, only the typed path, so these
// are typed client.GET calls.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createClient } from "@arizeai/phoenix-client";
import { startEmber } from "./helpers/ember.mjs";
import { emitAgentTrace, pastMicros } from "./helpers/fixtures.mjs";
import { registerHttp, sendWith } from "./helpers/otel.mjs";
import { allPages, assertGlobalId, eventually, rejectsWithStatus } from "./helpers/assertions.mjs";

const ember = await startEmber();
const client = createClient({ options: { baseUrl: ember.baseUrl } });
const projectName = "compat-otlpv1";
const base = pastMicros(30);
const { A, B } = await sendWith(registerHttp({ url: ember.baseUrl, projectName }), (tracer) => ({
  A: emitAgentTrace(tracer, { startUs: base }),
  B: emitAgentTrace(tracer, { startUs: base + 60e6, model: "other-model" }),
}));

async function otlp(query = {}, project = projectName) {
  const { data } = await client.GET("/v1/projects/{project_identifier}/spans/otlpv1", {
    params: { path: { project_identifier: project }, query },
  });
  return data;
}
const ids = (spans) => spans.map((s) => s.span_id).sort();
const sentIds = (...s) => s.map((x) => x.spanId).sort();

await eventually(async () => {
  // A 404 here (route not there yet) keeps retrying until the timeout; the
  // tests below then report it.
  const { data } = await client.GET("/v1/projects/{project_identifier}/spans", {
    params: { path: { project_identifier: projectName }, query: { limit: 100 } },
  });
  assert.equal(data.data.length, 8);
});

/** The one set field of an OtlpAnyValue → a plain JS value. */
function anyValue(v) {
  const set = Object.entries(v ?? {}).filter(([, x]) => x !== null && x !== undefined);
  assert.ok(set.length <= 1, `one value field: ${JSON.stringify(v)}`);
  if (set.length === 0) return undefined;
  const [kind, x] = set[0];
  switch (kind) {
    case "string_value":
    case "bool_value":
      return x;
    case "int_value":
      return Number(x);
    case "double_value":
      return typeof x === "string" ? Number(x) : x;
    case "array_value":
      return (x.values ?? []).map(anyValue);
    default:
      throw new Error(`unexpected value kind ${kind}`);
  }
}
const kvs = (list) => Object.fromEntries((list ?? []).map(({ key, value }) => [key, anyValue(value)]));

/** Unix nanos (number or numeric string) close to `us` microseconds. */
function assertNanos(got, us, what) {
  assert.ok(typeof got === "number" || typeof got === "string", `${what}: ${got}`);
  const diff = BigInt(typeof got === "number" ? Math.round(got) : got) - BigInt(us) * 1000n;
  // Phoenix computes nanos through a float: allow a microsecond.
  assert.ok(diff >= -1000n && diff <= 1000n, `${what}: ${got} vs ${us}µs`);
}

test("otlpv1 spans carry ids, parent, times, flattened typed attributes, status and events", async () => {
  const { data, next_cursor } = await otlp({ trace_id: [A.traceId] });
  assert.equal(next_cursor, null);
  assert.equal(data.length, 4);
  const by = new Map(data.map((s) => [s.span_id, s]));
  for (const sent of A.spans) {
    const s = by.get(sent.spanId);
    assert.ok(s, `span ${sent.name}`);
    assert.equal(s.trace_id, A.traceId);
    assert.equal(s.name, sent.name);
    assert.equal(s.parent_span_id ?? null, sent.parentId);
    assertNanos(s.start_time_unix_nano, sent.startUs, `${sent.name} start`);
    assertNanos(s.end_time_unix_nano, sent.endUs, `${sent.name} end`);
    // Stored attributes keep openinference.span.kind; here nothing is removed.
    assert.deepEqual(kvs(s.attributes), { ...sent.attributes, "openinference.span.kind": sent.kind }, `${sent.name} attributes`);
    const code = { UNSET: 0, OK: 1, ERROR: 2 }[sent.statusCode];
    assert.equal(s.status.code, code, `${sent.name} status code`);
    assert.equal(s.status.message ?? "", sent.statusMessage, `${sent.name} status message`);
    const events = s.events ?? [];
    assert.equal(events.length, sent.events.length, `${sent.name} events`);
    sent.events.forEach((e, i) => {
      assert.equal(events[i].name, e.name);
      assertNanos(events[i].time_unix_nano, e.timestampUs, `${sent.name} event ${i}`);
      const attrs = kvs(events[i].attributes);
      for (const [k, v] of Object.entries(e.attributes)) assert.equal(attrs[k], v, `${sent.name} event ${i} ${k}`);
    });
  }
  // Typed values: ints, doubles, bools, string arrays.
  const root = kvs(by.get(A.root.spanId).attributes);
  assert.equal(typeof root["metadata.n"], "number");
  assert.deepEqual(root["tag.tags"], ["compat", "ember"]);
  assert.equal(root["compat.flag"], true);
  const rootRaw = by.get(A.root.spanId).attributes.find((kv) => kv.key === "compat.flag").value;
  assert.equal(rootRaw.bool_value, true);
  const llmRaw = by.get(A.llm.spanId).attributes.find((kv) => kv.key === "llm.token_count.prompt").value;
  assert.equal(Number(llmRaw.int_value), 12);
  const docRaw = by.get(A.retriever.spanId).attributes.find((kv) => kv.key === "retrieval.documents.0.document.score").value;
  assert.equal(docRaw.double_value, 0.9);
  const tagsRaw = by.get(A.root.spanId).attributes.find((kv) => kv.key === "tag.tags").value;
  assert.deepEqual(tagsRaw.array_value.values.map((v) => v.string_value), ["compat", "ember"]);
});

test("otlpv1 filters: trace_id, span_id, parent_id (null), name, status_code, attribute, time range", async () => {
  assert.deepEqual(ids((await otlp({ trace_id: [A.traceId, B.traceId] })).data), sentIds(...A.spans, ...B.spans));
  assert.deepEqual(ids((await otlp({ span_id: [A.llm.spanId, B.tool.spanId] })).data), sentIds(A.llm, B.tool));
  assert.deepEqual(ids((await otlp({ parent_id: "null" })).data), sentIds(A.root, B.root));
  assert.deepEqual(ids((await otlp({ parent_id: A.root.spanId })).data), sentIds(A.llm, A.retriever));
  assert.deepEqual(ids((await otlp({ name: ["search-tool"] })).data), sentIds(A.tool, B.tool));
  assert.deepEqual(ids((await otlp({ status_code: ["ERROR"] })).data), sentIds(A.tool, B.tool));
  assert.deepEqual(ids((await otlp({ attribute: ["llm.model_name:other-model"] })).data), sentIds(B.llm));
  assert.deepEqual(ids((await otlp({ attribute: ['user.id:"12345"', "metadata.tier:gold"] })).data), sentIds(A.root, B.root));
  const at = (us) => new Date(us / 1000).toISOString();
  assert.deepEqual(ids((await otlp({ start_time: at(B.startUs) })).data), sentIds(...B.spans));
  assert.deepEqual(ids((await otlp({ end_time: at(B.startUs) })).data), sentIds(...A.spans));
  await rejectsWithStatus(otlp({ status_code: ["FINE"] }), 422);
  await rejectsWithStatus(otlp({ attribute: ["nocolon"] }), 422);
});

test("otlpv1 limit + cursor visits every span once, newest stored first", async () => {
  const all = (await otlp({ limit: 1000 })).data;
  assert.equal(all.length, 8);
  for (const limit of [1, 3, 8]) {
    const pages = await allPages(async (cursor) => {
      const r = await otlp({ limit, cursor });
      if (r.next_cursor) assertGlobalId(r.next_cursor, "Span");
      return { items: r.data, nextCursor: r.next_cursor };
    });
    assert.equal(pages.length, Math.ceil(8 / limit), `limit ${limit}`);
    assert.deepEqual(pages.flat().map((s) => s.span_id), all.map((s) => s.span_id), `limit ${limit}`);
  }
  // Same order as the Phoenix-shaped listing.
  const { data } = await client.GET("/v1/projects/{project_identifier}/spans", {
    params: { path: { project_identifier: projectName }, query: { limit: 100 } },
  });
  assert.deepEqual(all.map((s) => s.span_id), data.data.map((s) => s.context.span_id));
});

test("otlpv1 for an unknown project → 404; a bad cursor → 422", async () => {
  await rejectsWithStatus(otlp({}, "no-such-project"), 404);
  await rejectsWithStatus(otlp({ cursor: "not a cursor!" }), 422);
});
