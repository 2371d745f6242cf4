// @arizeai/phoenix-client/datasets: createDataset, appendDatasetExamples,
// getDataset, getDatasetInfo, getDatasetExamples; plus a gzip-compressed
// CSV upload and a pandas DataFrame sent as an Arrow IPC stream, both
// shaped as Phoenix's Python client sends them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { randomBytes } from "node:crypto";
import { Schema, Table, tableFromArrays, tableToIPC } from "apache-arrow";
import { createClient } from "@arizeai/phoenix-client";
import {
  appendDatasetExamples, createDataset, getDataset, getDatasetExamples, getDatasetInfo,
} from "@arizeai/phoenix-client/datasets";
import { startEmber } from "./helpers/ember.mjs";
import { assertGlobalId } from "./helpers/assertions.mjs";

const ember = await startEmber();
const client = createClient({ options: { baseUrl: ember.baseUrl } });

const examples = [
  { input: { question: "What is Ember?" }, output: { answer: "An observability server." }, metadata: { source: "docs" }, splits: "train" },
  { input: { question: "Is it compatible?" }, output: { answer: "Yes." }, metadata: {}, splits: ["train", "test"] },
];

test("createDataset makes a dataset, and again with the same examples changes nothing", async () => {
  const { datasetId } = await createDataset({ client, name: "compat qa", description: "from TS", examples });
  assertGlobalId(datasetId, "Dataset");
  const again = await createDataset({ client, name: "compat qa", description: "from TS", examples });
  assert.equal(again.datasetId, datasetId);
  const info = await getDatasetInfo({ client, dataset: { datasetId } });
  assert.equal(info.name, "compat qa");
  assert.equal(info.description, "from TS");
  const byName = await getDatasetInfo({ client, dataset: { datasetName: "compat qa" } });
  assert.equal(byName.id, datasetId);
  const { versions } = await (async () => {
    const res = await client.GET("/v1/datasets/{id}/versions", { params: { path: { id: datasetId } } });
    return { versions: res.data.data };
  })();
  assert.equal(versions.length, 1, "an identical re-upload writes no version");
});

test("getDataset and getDatasetExamples read the examples with both ids", async () => {
  const dataset = await getDataset({ client, dataset: { datasetName: "compat qa" } });
  assert.equal(dataset.examples.length, 2);
  assertGlobalId(dataset.versionId, "DatasetVersion");
  const [a, b] = dataset.examples;
  assert.deepEqual(a.input, examples[0].input);
  assert.deepEqual(a.output, examples[0].output);
  assert.deepEqual(a.metadata, { source: "docs" });
  assertGlobalId(a.id, "DatasetExample");
  assert.ok(!Number.isNaN(Date.parse(a.updatedAt ?? a.updated_at)), "updatedAt is a time");
  const test_ = await getDatasetExamples({ client, dataset: { datasetName: "compat qa", splits: ["test"] } });
  assert.deepEqual(test_.examples.map((e) => e.input.question), ["Is it compatible?"]);
});

test("appendDatasetExamples adds a version holding old and new examples", async () => {
  const before = await getDataset({ client, dataset: { datasetName: "compat qa" } });
  const { datasetId, versionId } = await appendDatasetExamples({
    client, dataset: { datasetId: before.id }, examples: [{ input: { question: "New?" }, output: { answer: "Yes" } }],
  });
  assert.equal(datasetId, before.id);
  assert.notEqual(versionId, before.versionId);
  const after = await getDatasetExamples({ client, dataset: { datasetId } });
  assert.equal(after.examples.length, 3);
  const old = await getDatasetExamples({ client, dataset: { datasetId, versionId: before.versionId } });
  assert.equal(old.examples.length, 2);
});

test("a gzip CSV upload, made as the Python client makes it, round-trips", async () => {
  const boundary = randomBytes(16).toString("hex");
  const csv = "question,answer,topic\nWhat is 2+2?,4,math\n\"Quote \"\"this\"\"\",ok,\n";
  const field = (name, value) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const head = field("action", "create") + field("name", "compat csv") + field("description", "from python")
    + field("input_keys[]", "question") + field("output_keys[]", "answer") + field("metadata_keys[]", "topic")
    + `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="compat.csv"\r\n`
    + "Content-Type: text/csv\r\nContent-Encoding: gzip\r\n\r\n";
  const body = Buffer.concat([Buffer.from(head), gzipSync(csv), Buffer.from(`\r\n--${boundary}--\r\n`)]);
  const res = await fetch(`${ember.baseUrl}/v1/datasets/upload?sync=true`, {
    method: "POST",
    headers: {
      "content-type": `multipart/form-data; boundary=${boundary}`,
      ...(ember.apiKey ? { authorization: `Bearer ${ember.apiKey}` } : {}),
    },
    body,
  });
  assert.equal(res.status, 200, await res.clone().text());
  const { data } = await res.json();
  assertGlobalId(data.dataset_id, "Dataset");
  assert.equal(data.num_created_examples, 2);
  const got = await getDatasetExamples({ client, dataset: { datasetId: data.dataset_id } });
  assert.deepEqual(got.examples.map((e) => [e.input, e.output, e.metadata]), [
    [{ question: "What is 2+2?" }, { answer: "4" }, { topic: "math" }],
    [{ question: 'Quote "this"' }, { answer: "ok" }, {}],
  ]);
  const csvRes = await fetch(`${ember.baseUrl}/v1/datasets/${data.dataset_id}/csv`, {
    headers: ember.apiKey ? { authorization: `Bearer ${ember.apiKey}` } : {},
  });
  assert.equal(csvRes.status, 200);
  assert.match(csvRes.headers.get("content-disposition"), /filename\*=UTF-8''compat%20csv\.csv/);
  const text = await csvRes.text();
  assert.equal(text.split("\n")[0], "id,node_id,input.question,output.answer,metadata.topic");
});

test("a pandas DataFrame uploaded as an Arrow stream, as the Python client sends it, round-trips", async () => {
  // What pyarrow.Table.from_pandas(df) writes: the columns, the index as
  // __index_level_0__, and pandas metadata naming it.
  const base = tableFromArrays({
    question: ["What is 2+2?", "Capital of France?"],
    answer: ["4", "Paris"],
    topic: ["math", "geography"],
    __index_level_0__: BigInt64Array.from([0n, 1n]),
  });
  const pandas = JSON.stringify({
    index_columns: ["__index_level_0__"],
    columns: ["question", "answer", "topic", "__index_level_0__"].map((name) => ({ name, field_name: name })),
    pandas_version: "2.2.3",
  });
  const table = new Table(new Schema(base.schema.fields, new Map([["pandas", pandas]])), base.batches);
  const arrow = Buffer.from(tableToIPC(table, "stream"));
  const boundary = randomBytes(16).toString("hex");
  const field = (name, value) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const head = field("action", "create") + field("name", "compat arrow") + field("description", "from pandas")
    + field("input_keys[]", "question") + field("output_keys[]", "answer") + field("metadata_keys[]", "topic")
    + `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="pandas"\r\n`
    + "Content-Type: application/x-pandas-pyarrow\r\n\r\n";
  const body = Buffer.concat([Buffer.from(head), arrow, Buffer.from(`\r\n--${boundary}--\r\n`)]);
  const res = await fetch(`${ember.baseUrl}/v1/datasets/upload?sync=true`, {
    method: "POST",
    headers: {
      "content-type": `multipart/form-data; boundary=${boundary}`,
      ...(ember.apiKey ? { authorization: `Bearer ${ember.apiKey}` } : {}),
    },
    body,
  });
  assert.equal(res.status, 200, await res.clone().text());
  const { data } = await res.json();
  assert.equal(data.num_created_examples, 2);
  const got = await getDatasetExamples({ client, dataset: { datasetId: data.dataset_id } });
  assert.deepEqual(got.examples.map((e) => [e.input, e.output, e.metadata]), [
    [{ question: "What is 2+2?" }, { answer: "4" }, { topic: "math" }],
    [{ question: "Capital of France?" }, { answer: "Paris" }, { topic: "geography" }],
  ]);
});
