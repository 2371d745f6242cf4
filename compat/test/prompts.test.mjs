// Prompts through @arizeai/phoenix-client's /prompts helpers (createPrompt,
// promptVersion, getPrompt, listPrompts, toSDK) and, where 6.14.2 has no
// helper, its typed client: versions, tags, delete.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { promisify } from "node:util";
import { createClient } from "@arizeai/phoenix-client";
import { createPrompt, getPrompt, listPrompts, promptVersion, toSDK } from "@arizeai/phoenix-client/prompts";
import { startEmber } from "./helpers/ember.mjs";
import { emberBinary } from "./helpers/build.mjs";
import { allPages, assertGlobalId, decodeGlobalId, rejectsWithStatus } from "./helpers/assertions.mjs";

const ember = await startEmber();
const client = createClient({ options: { baseUrl: ember.baseUrl } });
const run = promisify(execFile);

const weatherTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

const chat = [
  { role: "system", content: "You are {{persona}}." },
  { role: "user", content: [{ type: "text", text: "Weather in {{ city }}?" }] },
];

// The helpers hide server errors (getPrompt logs and returns null); keep
// the test output readable.
const quietly = async (fn) => {
  const error = console.error;
  console.error = () => {};
  try {
    return await fn();
  } finally {
    console.error = error;
  }
};

const versionTags = (id) =>
  client.GET("/v1/prompt_versions/{prompt_version_id}/tags", { params: { path: { prompt_version_id: id } } });
const tagVersion = (id, body) =>
  client.POST("/v1/prompt_versions/{prompt_version_id}/tags", { params: { path: { prompt_version_id: id } }, body });
const listVersions = (identifier, query = {}) =>
  client.GET("/v1/prompts/{prompt_identifier}/versions", { params: { path: { prompt_identifier: identifier }, query } });

test("createPrompt with promptVersion stores the version and answers with it", async () => {
  const version = promptVersion({
    description: "first",
    modelProvider: "OPENAI",
    modelName: "gpt-4o-mini",
    template: chat,
    invocationParameters: { temperature: 0.3, max_tokens: 200 },
  });
  const created = await createPrompt({ client, name: "compat-weather", description: "weather bot", metadata: { team: "x" }, version });
  assertGlobalId(created.id, "PromptVersion");
  assert.deepEqual(created, { ...version, id: created.id });

  // A second createPrompt appends a version; the prompt keeps its description.
  const second = await createPrompt({
    client,
    name: "compat-weather",
    description: "ignored",
    version: { ...version, description: "second" },
  });
  assert.ok(decodeGlobalId(second.id).rowId > decodeGlobalId(created.id).rowId);
  const prompts = await listPrompts({ client });
  const weather = prompts.find((p) => p.name === "compat-weather");
  assertGlobalId(weather.id, "Prompt");
  assert.deepEqual(weather, { id: weather.id, name: "compat-weather", description: "weather bot", source_prompt_id: null, metadata: { team: "x" } });

  const { data: versions } = await listVersions("compat-weather");
  assert.deepEqual(versions.data.map((v) => v.description), ["second", "first"]);
  assert.equal(versions.next_cursor, null);
  const pages = await allPages(async (cursor) => {
    const { data } = await listVersions(weather.id, { limit: 1, cursor });
    return { items: data.data, nextCursor: data.next_cursor };
  });
  assert.deepEqual(pages.flat().map((v) => v.id), [second.id, created.id]);
});

test("getPrompt by name (latest), by version id and by tag; tags move between versions", async () => {
  const make = (text) =>
    createPrompt({
      client,
      name: "compat-tagged",
      version: promptVersion({ modelProvider: "OPENAI", modelName: "gpt-4o", template: [{ role: "user", content: text }] }),
    });
  const v1 = await make("one");
  const v2 = await make("two");
  assert.equal((await getPrompt({ client, prompt: { name: "compat-tagged" } })).id, v2.id);
  assert.deepEqual(await getPrompt({ client, prompt: { versionId: v1.id } }), v1);

  const { response } = await tagVersion(v1.id, { name: "production", description: "live" });
  assert.equal(response.status, 204);
  assert.deepEqual(await getPrompt({ client, prompt: { name: "compat-tagged", tag: "production" } }), v1);
  const { data: tags } = await versionTags(v1.id);
  assert.equal(tags.data.length, 1);
  assertGlobalId(tags.data[0].id, "PromptVersionTag");
  assert.deepEqual(tags.data[0], { id: tags.data[0].id, name: "production", description: "live" });

  await tagVersion(v2.id, { name: "production" });
  assert.equal((await getPrompt({ client, prompt: { name: "compat-tagged", tag: "production" } })).id, v2.id);
  assert.deepEqual((await versionTags(v1.id)).data.data, []);

  await client.DELETE("/v1/prompt_versions/{prompt_version_id}/tags/{tag_name}", {
    params: { path: { prompt_version_id: v2.id, tag_name: "production" } },
  });
  assert.equal(await quietly(() => getPrompt({ client, prompt: { name: "compat-tagged", tag: "production" } })), null);
  assert.equal(await quietly(() => getPrompt({ client, prompt: { name: "compat-missing" } })), null);
});

test("invalid input is refused as Phoenix refuses it", async () => {
  const version = promptVersion({ modelProvider: "OPENAI", modelName: "m", template: [{ role: "user", content: "x" }] });
  let { body } = await rejectsWithStatus(createPrompt({ client, name: "Not An Identifier", version }), 422);
  assert.match(body, /"loc":\["body","prompt","name"\]/);
  ({ body } = await rejectsWithStatus(
    createPrompt({ client, name: "compat-bad", version: { ...version, invocation_parameters: { type: "openai", openai: { temprature: 1 } } } }),
    422,
  ));
  assert.match(body, /"loc":\["body","version","invocation_parameters","openai","openai","temprature"\],"msg":"Extra inputs are not permitted"/);
  ({ body } = await rejectsWithStatus(
    createPrompt({ client, name: "compat-bad", version: { ...version, template_type: "STR", template: { type: "string", template: "x" } } }),
    422,
  ));
  assert.equal(body, "Only CHAT template type is supported for prompts");
  await rejectsWithStatus(tagVersion(Buffer.from("Prompt:1").toString("base64"), { name: "x" }), 422);
  await rejectsWithStatus(tagVersion(Buffer.from("PromptVersion:99999").toString("base64"), { name: "x" }), 404);
  await rejectsWithStatus(
    client.GET("/v1/prompts/{prompt_identifier}/tags/{tag_name}", { params: { path: { prompt_identifier: "compat-weather", tag_name: "Bad Tag" } } }),
    422,
  );
  const { data } = await listVersions("compat-never-created");
  assert.deepEqual(data, { data: [], next_cursor: null });
  assert.ok(!(await listPrompts({ client })).some((p) => p.name === "compat-bad"));
});

test("azure_openai parameters come back as openai, which toSDK reads", async () => {
  const created = await createPrompt({
    client,
    name: "compat-azure",
    version: promptVersion({
      modelProvider: "AZURE_OPENAI",
      modelName: "my-deployment",
      template: [{ role: "user", content: "Hi {{name}}" }],
      invocationParameters: { temperature: 0.1 },
    }),
  });
  assert.equal(created.model_provider, "AZURE_OPENAI");
  assert.deepEqual(created.invocation_parameters, { type: "openai", openai: { temperature: 0.1 } });
  const params = toSDK({ sdk: "openai", prompt: created, variables: { name: "Ann" } });
  assert.equal(params.model, "my-deployment");
  assert.equal(params.temperature, 0.1);
  assert.deepEqual(params.messages, [{ role: "user", content: "Hi Ann" }]);
});

test("toSDK openai with variables keeps tools, tool_choice, response_format and parameters", async () => {
  await createPrompt({
    client,
    name: "compat-sdk-openai",
    version: {
      ...promptVersion({
        modelProvider: "OPENAI",
        modelName: "gpt-4o-mini",
        template: chat,
        invocationParameters: { temperature: 0.2, max_completion_tokens: 300, seed: 7 },
      }),
      tools: { type: "tools", tools: [weatherTool], tool_choice: { type: "one_or_more" } },
      response_format: {
        type: "json_schema",
        json_schema: { name: "forecast", description: "A forecast", schema: { type: "object", properties: { summary: { type: "string" } } } },
      },
    },
  });
  const prompt = await getPrompt({ client, prompt: { name: "compat-sdk-openai" } });
  const params = toSDK({ sdk: "openai", prompt, variables: { persona: "a forecaster", city: "Oslo" } });
  assert.ok(params, "toSDK accepted the version");
  assert.equal(params.model, "gpt-4o-mini");
  assert.equal(params.temperature, 0.2);
  assert.equal(params.max_completion_tokens, 300);
  assert.equal(params.seed, 7);
  assert.deepEqual(params.messages, [
    { role: "system", content: "You are a forecaster." },
    { role: "user", content: [{ type: "text", text: "Weather in Oslo?" }] },
  ]);
  assert.deepEqual(params.tools, [weatherTool]);
  assert.equal(params.tool_choice, "required");
  assert.deepEqual(params.response_format, {
    type: "json_schema",
    json_schema: { name: "forecast", description: "A forecast", schema: { type: "object", properties: { summary: { type: "string" } } } },
  });
});

test("toSDK anthropic with variables: max_tokens, tools as input_schema, tool_choice", async () => {
  await createPrompt({
    client,
    name: "compat-sdk-anthropic",
    version: {
      ...promptVersion({
        modelProvider: "ANTHROPIC",
        modelName: "claude-sonnet-4-5",
        template: [
          { role: "user", content: "Weather in {{city}}?" },
          {
            role: "assistant",
            content: [
              { type: "text", text: "Let me look." },
              { type: "tool_call", tool_call_id: "call_1", tool_call: { type: "function", name: "get_weather", arguments: '{"city":"Oslo"}' } },
            ],
          },
          { role: "tool", content: [{ type: "tool_result", tool_call_id: "call_1", tool_result: { temp: 21 } }] },
        ],
        invocationParameters: { max_tokens: 1024, temperature: 0.5, stop_sequences: ["END"] },
      }),
      tools: { type: "tools", tools: [weatherTool], tool_choice: { type: "specific_function", function_name: "get_weather" } },
    },
  });
  const prompt = await getPrompt({ client, prompt: { name: "compat-sdk-anthropic" } });
  const params = toSDK({ sdk: "anthropic", prompt, variables: { city: "Oslo" } });
  assert.ok(params, "toSDK accepted the version");
  assert.equal(params.model, "claude-sonnet-4-5");
  assert.equal(params.max_tokens, 1024);
  assert.equal(params.temperature, 0.5);
  assert.deepEqual(params.stop_sequences, ["END"]);
  assert.deepEqual(params.messages[0], { role: "user", content: [{ type: "text", text: "Weather in Oslo?" }] });
  assert.equal(params.messages[1].role, "assistant");
  // toSDK passes the arguments through as the stored JSON text (Ember's
  // own AnthropicMessages parses them into the object Anthropic expects).
  assert.deepEqual(params.messages[1].content.find((b) => b.type === "tool_use"), {
    type: "tool_use", id: "call_1", name: "get_weather", input: '{"city":"Oslo"}',
  });
  assert.equal(params.messages[2].content[0].type, "tool_result");
  assert.equal(params.messages[2].content[0].tool_use_id, "call_1");
  assert.deepEqual(params.tools, [
    { name: "get_weather", description: "Current weather in a city", input_schema: weatherTool.function.parameters },
  ]);
  assert.deepEqual(params.tool_choice, { type: "tool", name: "get_weather" });
});

test("toSDK ai (Vercel AI SDK) with variables: messages, tools by name, toolChoice", async () => {
  const prompt = await getPrompt({ client, prompt: { name: "compat-sdk-openai" } });
  const warn = console.warn;
  console.warn = () => {}; // toAI warns that invocation parameters are not carried over
  let params;
  try {
    params = toSDK({ sdk: "ai", prompt, variables: { persona: "a forecaster", city: "Oslo" } });
  } finally {
    console.warn = warn;
  }
  assert.ok(params, "toSDK accepted the version");
  assert.deepEqual(params.messages.map((m) => m.role), ["system", "user"]);
  assert.match(JSON.stringify(params.messages), /You are a forecaster\./);
  assert.match(JSON.stringify(params.messages), /Weather in Oslo\?/);
  assert.deepEqual(Object.keys(params.tools), ["get_weather"]);
  assert.equal(params.toolChoice, "required");
});

test("ember prompt get --format openai agrees with toSDK openai on a plain chat prompt", async () => {
  await createPrompt({
    client,
    name: "compat-cli",
    version: promptVersion({
      modelProvider: "OPENAI",
      modelName: "gpt-4o-mini",
      template: [
        { role: "system", content: "Answer in {{lang}}." },
        { role: "user", content: "Summarize: {{text}}" },
        { role: "assistant", content: "Sure." },
      ],
      invocationParameters: { temperature: 0.7, max_tokens: 64 },
    }),
  });
  const variables = { lang: "French", text: "a long story" };
  const fromSDK = toSDK({ sdk: "openai", prompt: await getPrompt({ client, prompt: { name: "compat-cli" } }), variables });
  const bin = await emberBinary();
  const { stdout } = await run(bin, ["prompt", "get", "compat-cli", "--format", "openai", "--var", "lang=French", "--var", "text=a long story"], {
    env: { ...process.env, PHOENIX_HOST: ember.baseUrl, PHOENIX_API_KEY: ember.apiKey ?? "", PHOENIX_CLIENT_HEADERS: "" },
  });
  assert.deepEqual(JSON.parse(stdout), JSON.parse(JSON.stringify(fromSDK)));

  // A missing variable is an error, not an empty string.
  await assert.rejects(
    run(bin, ["prompt", "get", "compat-cli", "--format", "openai", "--var", "lang=French"], {
      env: { ...process.env, PHOENIX_HOST: ember.baseUrl, PHOENIX_API_KEY: ember.apiKey ?? "", PHOENIX_CLIENT_HEADERS: "" },
    }),
    (err) => err.code === 1 && /missing template variables: text/.test(err.stderr),
  );
});

test("deleting a prompt deletes its versions", async () => {
  const created = await createPrompt({
    client,
    name: "compat-doomed",
    version: promptVersion({ modelProvider: "OPENAI", modelName: "m", template: [{ role: "user", content: "x" }] }),
  });
  const { response } = await client.DELETE("/v1/prompts/{prompt_identifier}", { params: { path: { prompt_identifier: "compat-doomed" } } });
  assert.equal(response.status, 204);
  assert.equal(await quietly(() => getPrompt({ client, prompt: { versionId: created.id } })), null);
  await rejectsWithStatus(client.DELETE("/v1/prompts/{prompt_identifier}", { params: { path: { prompt_identifier: "compat-doomed" } } }), 404);
});
