// OpenInference traces sent through the official SDK (phoenix-otel's
// register() + the OpenTelemetry API it re-exports), each with the exact
// values Phoenix's REST API must give back.
import { randomBytes } from "node:crypto";
import {
  MimeType,
  OpenInferenceSpanKind,
  SemanticConventions as SC,
} from "@arizeai/openinference-semantic-conventions";
import { context, SpanStatusCode, trace } from "@arizeai/phoenix-otel";

/** Microseconds since the epoch → OTel HrTime [seconds, nanoseconds]. */
export function hrTime(us) {
  const s = Math.floor(us / 1e6);
  return [s, (us - s * 1e6) * 1000];
}

/** Microseconds since the epoch → the ISO string Phoenix prints. */
export function isoMicros(us) {
  const ms = Math.floor(us / 1000);
  const frac = us % 1e6;
  const base = new Date(ms).toISOString().slice(0, 19);
  return frac === 0
    ? `${base}+00:00`
    : `${base}.${String(frac).padStart(6, "0")}+00:00`;
}

/** An ISO 8601 string with offset → microseconds since the epoch. */
export function parseIsoMicros(s) {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(s);
  if (!m) throw new Error(`not an ISO 8601 time with an offset: ${s}`);
  const secs = Date.parse(`${m[1]}${m[3] === "Z" ? "Z" : m[3]}`) / 1000;
  const frac = (m[2] ?? "").padEnd(6, "0").slice(0, 6);
  return secs * 1e6 + Number(frac);
}

/** A whole number of microseconds, a minute or more in the past. */
export function pastMicros(minutesAgo = 10) {
  return (Math.floor(Date.now() / 1000) - minutesAgo * 60) * 1e6;
}

export const hex = (bytes) => randomBytes(bytes).toString("hex");

/**
 * Sends one agent trace — CHAIN root › (LLM › TOOL, RETRIEVER) — through
 * `tracer`, with fixed times from `startUs`, and returns what was sent:
 * {traceId, root, llm, tool, retriever}, each span as
 * {spanId, parentId, name, kind, statusCode, statusMessage, startUs, endUs,
 *  attributes (flattened, as Phoenix returns them), events}.
 */
export function emitAgentTrace(tracer, {
  startUs,
  sessionId = `session-${hex(4)}`,
  userId = "12345",
  tier = "gold",
  question = "What is Ember?",
  answer = "An observability server.",
  model = "gpt-4o-mini",
  durationMs = 900,
  tokens = { prompt: 12, completion: 30 },
} = {}) {
  const us = (ms) => startUs + ms * 1000;
  const endOffsetMs = durationMs;
  const total = tokens.prompt + tokens.completion;

  const rootSent = {
    [SC.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.CHAIN,
    [SC.INPUT_VALUE]: question,
    [SC.INPUT_MIME_TYPE]: MimeType.TEXT,
    [SC.OUTPUT_VALUE]: answer,
    [SC.OUTPUT_MIME_TYPE]: MimeType.TEXT,
    [SC.SESSION_ID]: sessionId,
    [SC.USER_ID]: userId,
    [SC.METADATA]: JSON.stringify({ tier, n: 3 }),
    [SC.TAG_TAGS]: ["compat", "ember"],
    "compat.flag": true,
    "compat.ratio": 0.25,
  };
  const rootExpected = {
    [SC.INPUT_VALUE]: question,
    [SC.INPUT_MIME_TYPE]: "text/plain",
    [SC.OUTPUT_VALUE]: answer,
    [SC.OUTPUT_MIME_TYPE]: "text/plain",
    [SC.SESSION_ID]: sessionId,
    [SC.USER_ID]: userId,
    // `metadata` arrives as a JSON string; Phoenix parses it into an object,
    // which the REST API shows flattened.
    "metadata.tier": tier,
    "metadata.n": 3,
    "tag.tags": ["compat", "ember"],
    "compat.flag": true,
    "compat.ratio": 0.25,
  };

  const llmSent = {
    [SC.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.LLM,
    [SC.LLM_MODEL_NAME]: model,
    [SC.LLM_PROVIDER]: "openai",
    [`${SC.LLM_INPUT_MESSAGES}.0.${SC.MESSAGE_ROLE}`]: "system",
    [`${SC.LLM_INPUT_MESSAGES}.0.${SC.MESSAGE_CONTENT}`]: "You are helpful.",
    [`${SC.LLM_INPUT_MESSAGES}.1.${SC.MESSAGE_ROLE}`]: "user",
    [`${SC.LLM_INPUT_MESSAGES}.1.${SC.MESSAGE_CONTENT}`]: question,
    [`${SC.LLM_OUTPUT_MESSAGES}.0.${SC.MESSAGE_ROLE}`]: "assistant",
    [`${SC.LLM_OUTPUT_MESSAGES}.0.${SC.MESSAGE_CONTENT}`]: answer,
    [SC.LLM_TOKEN_COUNT_PROMPT]: tokens.prompt,
    [SC.LLM_TOKEN_COUNT_COMPLETION]: tokens.completion,
    [SC.LLM_TOKEN_COUNT_TOTAL]: total,
    [SC.LLM_INVOCATION_PARAMETERS]: JSON.stringify({ temperature: 0.2 }),
  };
  const { [SC.OPENINFERENCE_SPAN_KIND]: _k1, ...llmExpected } = llmSent;

  const toolSent = {
    [SC.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.TOOL,
    [SC.TOOL_NAME]: "web_search",
    [SC.TOOL_DESCRIPTION]: "Searches the web",
    [SC.TOOL_PARAMETERS]: JSON.stringify({ q: "string" }),
    [SC.INPUT_VALUE]: JSON.stringify({ q: "ember" }),
    [SC.INPUT_MIME_TYPE]: MimeType.JSON,
  };
  const toolExpected = {
    [SC.TOOL_NAME]: "web_search",
    [SC.TOOL_DESCRIPTION]: "Searches the web",
    // tool.parameters is parsed from JSON too.
    "tool.parameters.q": "string",
    [SC.INPUT_VALUE]: JSON.stringify({ q: "ember" }),
    [SC.INPUT_MIME_TYPE]: "application/json",
  };

  const docs = `${SC.RETRIEVAL_DOCUMENTS}`;
  const retrieverSent = {
    [SC.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.RETRIEVER,
    [SC.INPUT_VALUE]: question,
    [`${docs}.0.${SC.DOCUMENT_ID}`]: "doc-1",
    [`${docs}.0.${SC.DOCUMENT_CONTENT}`]: "Ember speaks Phoenix.",
    [`${docs}.0.${SC.DOCUMENT_SCORE}`]: 0.9,
    [`${docs}.0.${SC.DOCUMENT_METADATA}`]: JSON.stringify({ source: "kb" }),
    [`${docs}.1.${SC.DOCUMENT_ID}`]: "doc-2",
    [`${docs}.1.${SC.DOCUMENT_CONTENT}`]: "It stores spans in SQLite.",
    [`${docs}.1.${SC.DOCUMENT_SCORE}`]: 0.5,
  };
  const { [SC.OPENINFERENCE_SPAN_KIND]: _k2, [`${docs}.0.${SC.DOCUMENT_METADATA}`]: _m, ...retrieverRest } = retrieverSent;
  const retrieverExpected = {
    ...retrieverRest,
    // document.metadata is parsed from JSON too.
    [`${docs}.0.document.metadata.source`]: "kb",
  };

  const sent = {};
  const record = (key, span, meta) => {
    const ctx = span.spanContext();
    sent[key] = { spanId: ctx.spanId, traceId: ctx.traceId, ...meta };
  };

  const root = tracer.startSpan("agent-run", { startTime: hrTime(us(0)), attributes: rootSent });
  const rootCtx = trace.setSpan(context.active(), root);
  const llm = tracer.startSpan("llm-call", { startTime: hrTime(us(100) + 123), attributes: llmSent }, rootCtx);
  const llmCtx = trace.setSpan(rootCtx, llm);
  const tool = tracer.startSpan("search-tool", { startTime: hrTime(us(200) + 7), attributes: toolSent }, llmCtx);
  tool.addEvent("retry", { attempt: 1 }, hrTime(us(250)));
  const err = new Error("boom");
  err.stack = "Error: boom\n    at compat";
  tool.recordException(err, hrTime(us(300)));
  tool.setStatus({ code: SpanStatusCode.ERROR, message: "tool failed" });
  tool.end(hrTime(us(350) + 1));
  llm.setStatus({ code: SpanStatusCode.OK });
  llm.end(hrTime(us(500)));
  const retriever = tracer.startSpan("retrieve", { startTime: hrTime(us(600)), attributes: retrieverSent }, rootCtx);
  retriever.end(hrTime(us(700)));
  root.setStatus({ code: SpanStatusCode.OK });
  root.end(hrTime(us(endOffsetMs)));

  record("root", root, {
    parentId: null, name: "agent-run", kind: "CHAIN", statusCode: "OK", statusMessage: "",
    startUs: us(0), endUs: us(endOffsetMs), attributes: rootExpected, events: [],
  });
  record("llm", llm, {
    parentId: sent.root.spanId, name: "llm-call", kind: "LLM", statusCode: "OK", statusMessage: "",
    startUs: us(100) + 123, endUs: us(500), attributes: llmExpected, events: [],
  });
  record("tool", tool, {
    parentId: sent.llm.spanId, name: "search-tool", kind: "TOOL", statusCode: "ERROR", statusMessage: "tool failed",
    startUs: us(200) + 7, endUs: us(350) + 1, attributes: toolExpected,
    events: [
      { name: "retry", timestampUs: us(250), attributes: { attempt: 1 } },
      {
        name: "exception", timestampUs: us(300),
        attributes: { "exception.type": "Error", "exception.message": "boom", "exception.stacktrace": "Error: boom\n    at compat" },
      },
    ],
  });
  record("retriever", retriever, {
    parentId: sent.root.spanId, name: "retrieve", kind: "RETRIEVER", statusCode: "UNSET", statusMessage: "",
    startUs: us(600), endUs: us(700), attributes: retrieverExpected, events: [],
  });
  return {
    traceId: sent.root.traceId,
    sessionId,
    startUs,
    endUs: us(endOffsetMs),
    tokens: { ...tokens, total },
    ...sent,
    spans: [sent.root, sent.llm, sent.tool, sent.retriever],
  };
}

/**
 * Sends a trace of one root and `children` child spans, none with an
 * OpenInference kind (Phoenix reports them as UNKNOWN).
 */
export function emitBulkTrace(tracer, { startUs, children = 20, name = "bulk" }) {
  const root = tracer.startSpan(`${name}-root`, { startTime: hrTime(startUs) });
  const ctx = trace.setSpan(context.active(), root);
  const kids = [];
  for (let i = 0; i < children; i++) {
    const s = tracer.startSpan(`${name}-child`, {
      startTime: hrTime(startUs + (i + 1) * 1000),
      attributes: { "bulk.index": i },
    }, ctx);
    s.end(hrTime(startUs + (i + 1) * 1000 + 500));
    kids.push(s.spanContext().spanId);
  }
  root.end(hrTime(startUs + (children + 2) * 1000));
  return { traceId: root.spanContext().traceId, rootSpanId: root.spanContext().spanId, childSpanIds: kids };
}
