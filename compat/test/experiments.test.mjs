// @arizeai/phoenix-client/experiments: runExperiment with a task and code
// evaluators (its task spans go over OTLP to the experiment's project),
// evaluateExperiment, resumeExperiment, resumeEvaluation,
// getExperimentInfo, getExperiment, getExperimentRuns, listExperiments and
// deleteExperiment.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createClient } from "@arizeai/phoenix-client";
import { createDataset } from "@arizeai/phoenix-client/datasets";
import {
  asEvaluator, deleteExperiment, evaluateExperiment, getExperiment, getExperimentInfo, getExperimentRuns,
  listExperiments, resumeEvaluation, resumeExperiment, runExperiment,
} from "@arizeai/phoenix-client/experiments";
import { getSpans } from "@arizeai/phoenix-client/spans";
import { startEmber } from "./helpers/ember.mjs";
import { assertGlobalId, eventually } from "./helpers/assertions.mjs";

const ember = await startEmber();
const client = createClient({ options: { baseUrl: ember.baseUrl } });
const silent = { info() {}, log() {}, warn() {}, error() {}, debug() {}, table() {} };

const { datasetId } = await createDataset({
  client, name: "compat arithmetic", description: "sums",
  examples: [
    { input: { a: 1, b: 2 }, output: { sum: 3 }, metadata: {} },
    { input: { a: 2, b: 2 }, output: { sum: 4 }, metadata: {} },
    { input: { a: 5, b: 5 }, output: { sum: 11 }, metadata: {} },
  ],
});

const exact = asEvaluator({
  name: "exact", kind: "CODE",
  evaluate: ({ output, expected }) => ({ score: output?.sum === expected?.sum ? 1 : 0, label: output?.sum === expected?.sum ? "right" : "wrong" }),
});

let experimentId;

// Raw requests carry the API key when the suite runs with auth on.
const authHeaders = () => (ember.apiKey ? { authorization: `Bearer ${ember.apiKey}` } : {});

test("runExperiment records runs and evaluations, and traces the task into the experiment's project", async () => {
  const ran = await runExperiment({
    client, logger: silent, dataset: { datasetId }, experimentName: "compat run", repetitions: 2, concurrency: 2,
    task: (example) => {
      if (example.input.a === 5) throw new Error("flaky");
      return { sum: example.input.a + example.input.b };
    },
    evaluators: [exact],
  });
  experimentId = ran.id;
  assertGlobalId(ran.id, "Experiment");
  assert.equal(Object.keys(ran.runs).length, 6);
  const info = await getExperimentInfo({ client, experimentId });
  assert.equal(info.exampleCount, 3);
  assert.equal(info.successfulRunCount, 4);
  assert.equal(info.failedRunCount, 2);
  assert.equal(info.missingRunCount, 0);
  assert.match(info.projectName, /^Experiment-[0-9a-f]{24}$/);
  const { runs } = await getExperimentRuns({ client, experimentId });
  assert.equal(runs.length, 6);
  const traceIds = new Set(runs.map((r) => r.traceId));
  assert.equal(traceIds.size, 6, "one trace per run");
  const spans = await eventually(async () => {
    const { spans } = await getSpans({ client, project: { projectName: info.projectName }, limit: 100 });
    assert.equal(spans.length, 6);
    return spans;
  });
  for (const s of spans) assert.ok(traceIds.has(s.context.trace_id), `span ${s.name} belongs to a run`);
  const json = await (await fetch(`${ember.baseUrl}/v1/experiments/${experimentId}/json`, { headers: authHeaders() })).json();
  // phoenix-client scores failed runs too (their output is null).
  const scored = json.filter((r) => r.annotations.some((a) => a.name === "exact"));
  assert.equal(scored.length, 6);
  assert.equal(json.filter((r) => r.error === "flaky").length, 2);
});

test("resumeExperiment reruns only the failed runs, and a resumed evaluation fills the gaps", async () => {
  let calls = 0;
  await resumeExperiment({
    client, logger: silent, experimentId,
    task: (example) => { calls++; return { sum: example.input.a + example.input.b }; },
  });
  assert.equal(calls, 2);
  const info = await getExperimentInfo({ client, experimentId });
  assert.equal(info.successfulRunCount, 6);
  assert.equal(info.failedRunCount, 0);
  let evaluated = 0;
  await resumeEvaluation({
    client, logger: silent, experimentId,
    evaluators: [asEvaluator({ name: "exact", kind: "CODE", evaluate: (args) => { evaluated++; return exact.evaluate(args); } })],
  });
  // Replacing a failed run drops the evaluations of its old output.
  assert.equal(evaluated, 2, "only the two rerun runs lacked the evaluation");
  const json = await (await fetch(`${ember.baseUrl}/v1/experiments/${experimentId}/json`, { headers: authHeaders() })).json();
  const wrong = json.filter((r) => r.annotations.find((a) => a.name === "exact")?.label === "wrong");
  assert.equal(wrong.length, 2, "5 + 5 is not 11");
});

test("evaluateExperiment adds an evaluator to a finished experiment", async () => {
  const experiment = await getExperiment({ client, experimentId });
  assert.equal(Object.keys(experiment.runs).length, 6);
  await evaluateExperiment({
    client, logger: silent, experiment,
    evaluators: [asEvaluator({ name: "positive", kind: "CODE", evaluate: ({ output }) => ({ score: output.sum > 0 ? 1 : 0 }) })],
  });
  // evaluateExperiment does not wait for its writes.
  await eventually(async () => {
    const json = await (await fetch(`${ember.baseUrl}/v1/experiments/${experimentId}/json`, { headers: authHeaders() })).json();
    assert.equal(json.filter((r) => r.annotations.some((a) => a.name === "positive" && a.score === 1)).length, 6);
  });
});

test("listExperiments and deleteExperiment", async () => {
  const list = await listExperiments({ client, datasetId });
  assert.deepEqual(list.map((x) => x.id), [experimentId]);
  const { projectName } = await getExperimentInfo({ client, experimentId });
  await deleteExperiment({ client, experimentId, deleteProject: true });
  assert.deepEqual(await listExperiments({ client, datasetId }), []);
  const res = await fetch(`${ember.baseUrl}/v1/projects/${projectName}`, { headers: authHeaders() });
  assert.equal(res.status, 404);
});
