// Projects through @arizeai/phoenix-client's typed client. phoenix-client
// 6.14.2 has no project helpers (no "@arizeai/phoenix-client/projects"
// entry point), so these are the typed client.GET/POST/PUT/DELETE calls a
// user of that release writes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createClient } from "@arizeai/phoenix-client";
import { getSpans } from "@arizeai/phoenix-client/spans";
import { startEmber } from "./helpers/ember.mjs";
import { emitAgentTrace, pastMicros } from "./helpers/fixtures.mjs";
import { registerHttp, sendWith } from "./helpers/otel.mjs";
import { allPages, assertGlobalId, decodeGlobalId, eventually, rejectsWithStatus } from "./helpers/assertions.mjs";

const ember = await startEmber();
const client = createClient({ options: { baseUrl: ember.baseUrl } });

const createProject = (body) => client.POST("/v1/projects", { body });
const getProject = (id) => client.GET("/v1/projects/{project_identifier}", { params: { path: { project_identifier: id } } });
const updateProject = (id, body) =>
  client.PUT("/v1/projects/{project_identifier}", { params: { path: { project_identifier: id } }, body });
const deleteProject = (id) => client.DELETE("/v1/projects/{project_identifier}", { params: { path: { project_identifier: id } } });
const listProjects = (query = {}) => client.GET("/v1/projects", { params: { query } });
const missingProjectId = Buffer.from("Project:999999").toString("base64");

test("a fresh client learns the server version (GET /arize_phoenix_version, then the header)", async () => {
  // Helpers gate features on the version: 15.5.0 is the highest 6.14.2 needs.
  const fresh = createClient({ options: { baseUrl: ember.baseUrl } });
  const version = await fresh.getServerVersion();
  assert.equal(version.length, 3);
  assert.ok(version.every(Number.isInteger));
  assert.ok(version[0] > 15 || (version[0] === 15 && version[1] >= 5), `version ${version.join(".")}`);
  const { response } = await fresh.GET("/v1/projects");
  assert.equal(response.headers.get("x-phoenix-server-version"), version.join("."));
});

test("the default project exists", async () => {
  const { data } = await getProject("default");
  assert.equal(data.data.name, "default");
  assertGlobalId(data.data.id, "Project");
});

test("createProject, then getProject by name and by GlobalID", async () => {
  const name = "compat: project one";
  const { data, response } = await createProject({ name, description: "first" });
  assert.equal(response.status, 200);
  assertGlobalId(data.data.id, "Project");
  assert.deepEqual(data.data, { id: data.data.id, name, description: "first" });
  assert.deepEqual((await getProject(name)).data.data, data.data);
  assert.deepEqual((await getProject(data.data.id)).data.data, data.data);
  // Without a description.
  const bare = await createProject({ name: "compat-bare" });
  assert.equal(bare.data.data.name, "compat-bare");
  assert.equal(bare.data.data.description ?? null, null);
});

test("listProjects: newest first; limit + cursor visits every project once; name_contains", async () => {
  for (let i = 0; i < 5; i++) await createProject({ name: `compat-list-${i}` });
  const { data: all } = await listProjects();
  assert.equal(all.next_cursor, null);
  const rowIds = all.data.map((p) => decodeGlobalId(p.id).rowId);
  assert.deepEqual(rowIds, [...rowIds].sort((a, b) => b - a));
  assert.ok(all.data.some((p) => p.name === "default"));
  for (const limit of [1, 2, 3]) {
    const pages = await allPages(async (cursor) => {
      const { data } = await listProjects({ limit, cursor });
      return { items: data.data, nextCursor: data.next_cursor };
    });
    assert.deepEqual(pages.flat().map((p) => p.id), all.data.map((p) => p.id), `limit ${limit}`);
    assert.equal(pages.length, Math.ceil(all.data.length / limit), `limit ${limit}`);
  }
  const { data: some } = await listProjects({ name_contains: "COMPAT-LIST" });
  assert.deepEqual(some.data.map((p) => p.name), [4, 3, 2, 1, 0].map((i) => `compat-list-${i}`));
  const { data: withExperiments } = await listProjects({ include_experiment_projects: true });
  assert.deepEqual(withExperiments.data.map((p) => p.id), all.data.map((p) => p.id));
  await rejectsWithStatus(listProjects({ limit: 0 }), 422);
  await rejectsWithStatus(listProjects({ cursor: "not a cursor!" }), 422);
});

test("updateProject changes the description only", async () => {
  const { data: created } = await createProject({ name: "compat-update", description: "before" });
  const { data: updated } = await updateProject("compat-update", { description: "after" });
  assert.deepEqual(updated.data, { ...created.data, description: "after" });
  assert.equal((await getProject(created.data.id)).data.data.description, "after");
  const { data: byId } = await updateProject(created.data.id, { description: "by id" });
  assert.equal(byId.data.description, "by id");
});

test("a duplicate project name → 409", async () => {
  await createProject({ name: "compat-dup" });
  const { body } = await rejectsWithStatus(createProject({ name: "compat-dup" }), 409);
  assert.match(body, /compat-dup/);
  // Spans sent to that name later still go to the one project.
  const { data } = await listProjects({ name_contains: "compat-dup" });
  assert.equal(data.data.length, 1);
});

test("an unknown project → 404 for get, update and delete (by name and by GlobalID)", async () => {
  for (const id of ["no-such-project", missingProjectId]) {
    const { body } = await rejectsWithStatus(getProject(id), 404);
    assert.match(body, /not found/);
    await rejectsWithStatus(updateProject(id, { description: "x" }), 404);
    await rejectsWithStatus(deleteProject(id), 404);
  }
});

test("invalid bodies → 422", async () => {
  await rejectsWithStatus(createProject({ name: "" }), 422);
  await rejectsWithStatus(createProject({ description: "no name" }), 422);
});

test("the default project cannot be deleted (by name or by GlobalID) → 403", async () => {
  const { data } = await getProject("default");
  for (const id of ["default", data.data.id]) {
    const { body } = await rejectsWithStatus(deleteProject(id), 403);
    assert.match(body, /cannot be deleted/);
  }
  assert.equal((await getProject("default")).data.data.id, data.data.id);
});

test("deleteProject by name and by GlobalID → 204, with its traces and spans", async () => {
  const name = "compat-delete-me";
  await sendWith(registerHttp({ url: ember.baseUrl, projectName: name }), (tracer) =>
    emitAgentTrace(tracer, { startUs: pastMicros(5) }),
  );
  await eventually(async () => assert.equal((await getSpans({ client, project: { projectName: name } })).spans.length, 4));
  const { response } = await deleteProject(name);
  assert.equal(response.status, 204);
  await rejectsWithStatus(getProject(name), 404);
  await rejectsWithStatus(getSpans({ client, project: { projectName: name } }), 404);

  const { data } = await createProject({ name: "compat-delete-by-id" });
  assert.equal((await deleteProject(data.data.id)).response.status, 204);
  await rejectsWithStatus(getProject(data.data.id), 404);
  // The name is free again.
  const again = await createProject({ name: "compat-delete-by-id" });
  assert.notEqual(again.data.data.id, data.data.id);
});
