// POST /v1/traces/transfer — moving traces between projects. The path is
// newer than phoenix-client 6.14.2's generated types (later clients wrap it
// as transferTraces); the same openapi-fetch client sends it untyped, with
// the body later clients send.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createClient } from "@arizeai/phoenix-client";
import { getSpans } from "@arizeai/phoenix-client/spans";
import { getTraces } from "@arizeai/phoenix-client/traces";
import { context, trace } from "@arizeai/phoenix-otel";
import { startEmber } from "./helpers/ember.mjs";
import { emitAgentTrace, hrTime, pastMicros } from "./helpers/fixtures.mjs";
import { registerHttp, sendWith } from "./helpers/otel.mjs";
import { assertGlobalId, eventually, rejectsWithStatus } from "./helpers/assertions.mjs";

const ember = await startEmber();
const client = createClient({ options: { baseUrl: ember.baseUrl } });
const SRC = "compat-transfer-src";
const SRC2 = "compat-transfer-src2";
const DST = "compat-transfer-dst";
const base = pastMicros(30);

const { T1, T2 } = await sendWith(registerHttp({ url: ember.baseUrl, projectName: SRC }), (tracer) => ({
  T1: emitAgentTrace(tracer, { startUs: base }),
  T2: emitAgentTrace(tracer, { startUs: base + 10e6 }),
}));
const { T3, T4 } = await sendWith(registerHttp({ url: ember.baseUrl, projectName: SRC2 }), (tracer) => ({
  T3: emitAgentTrace(tracer, { startUs: base + 20e6 }),
  T4: emitAgentTrace(tracer, { startUs: base + 30e6 }),
}));
const { data: dst } = await client.POST("/v1/projects", { body: { name: DST } });
await eventually(async () => {
  assert.equal((await getTraces({ client, project: { projectName: SRC } })).traces.length, 2);
  assert.equal((await getTraces({ client, project: { projectName: SRC2 } })).traces.length, 2);
});

const transfer = (body) => client.POST("/v1/traces/transfer", { body });
const traceIdsOf = async (projectName) =>
  (await getTraces({ client, project: { projectName } })).traces.map((t) => t.trace_id).sort();

test("transfer by OTel trace id and Trace GlobalID (repeats counted once) to a project name", async () => {
  const { traces } = await getTraces({ client, project: { projectName: SRC } });
  const t2 = traces.find((t) => t.trace_id === T2.traceId);
  const { data, response } = await transfer({
    trace_identifiers: [T1.traceId, t2.id, T1.traceId],
    destination_project_identifier: DST,
  });
  assert.equal(response.status, 200);
  assert.deepEqual(data, { data: { transferred_trace_count: 2, destination_project_id: dst.data.id } });
  assertGlobalId(data.data.destination_project_id, "Project");
  assert.deepEqual(await traceIdsOf(DST), [T1.traceId, T2.traceId].sort());
  assert.deepEqual(await traceIdsOf(SRC), []);
  // The spans moved with their traces.
  const { spans } = await getSpans({ client, project: { projectName: DST }, limit: 100 });
  assert.equal(spans.length, 8);
  assert.deepEqual((await getSpans({ client, project: { projectName: SRC } })).spans, []);
});

test("spans that arrive later for a transferred trace join it in its new project", async () => {
  const late = await sendWith(registerHttp({ url: ember.baseUrl, projectName: SRC }), (tracer) => {
    const parent = trace.setSpanContext(context.active(), {
      traceId: T1.traceId, spanId: T1.root.spanId, traceFlags: 1, isRemote: true,
    });
    const s = tracer.startSpan("late-span", { startTime: hrTime(base + 5e6) }, parent);
    s.end(hrTime(base + 6e6));
    return s.spanContext().spanId;
  });
  await eventually(async () => {
    const { spans } = await getSpans({ client, project: { projectName: DST }, traceIds: [T1.traceId] });
    assert.ok(spans.some((s) => s.context.span_id === late), "late span stored in the destination");
  });
  assert.deepEqual((await getSpans({ client, project: { projectName: SRC } })).spans, []);
});

test("transfer to a destination given by Project GlobalID", async () => {
  const { data } = await transfer({ trace_identifiers: [T3.traceId], destination_project_identifier: dst.data.id });
  assert.equal(data.data.transferred_trace_count, 1);
  assert.equal(data.data.destination_project_id, dst.data.id);
  assert.deepEqual(await traceIdsOf(SRC2), [T4.traceId]);
});

test("transfer errors: unknown trace or destination → 404, empty list or several sources → 422", async () => {
  const { body } = await rejectsWithStatus(
    transfer({ trace_identifiers: ["0".repeat(32)], destination_project_identifier: DST }),
    404,
  );
  assert.match(body, /not found/i);
  await rejectsWithStatus(
    transfer({ trace_identifiers: [Buffer.from("Trace:999999").toString("base64")], destination_project_identifier: DST }),
    404,
  );
  await rejectsWithStatus(transfer({ trace_identifiers: ["not-a-global-id"], destination_project_identifier: DST }), 404);
  await rejectsWithStatus(transfer({ trace_identifiers: [T4.traceId], destination_project_identifier: "no-such-project" }), 404);
  await rejectsWithStatus(transfer({ trace_identifiers: [], destination_project_identifier: DST }), 422);
  // T1 is now in DST, T4 in SRC2: two source projects.
  await rejectsWithStatus(
    transfer({ trace_identifiers: [T1.traceId, T4.traceId], destination_project_identifier: SRC }),
    422,
  );
  // Nothing moved.
  assert.deepEqual(await traceIdsOf(SRC2), [T4.traceId]);
  assert.deepEqual(await traceIdsOf(DST), [T1.traceId, T2.traceId, T3.traceId].sort());
});
