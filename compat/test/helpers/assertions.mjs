// Shared checks: a span read back with @arizeai/phoenix-client equals the
// span that was sent; GlobalIDs; polling for asynchronous ingestion.
import assert from "node:assert/strict";
import { HttpError } from "@arizeai/phoenix-client";
import { parseIsoMicros } from "./fixtures.mjs";

/** Decodes a Relay GlobalID: base64 of "Type:rowid". */
export function decodeGlobalId(id) {
  const text = Buffer.from(id, "base64").toString("utf8");
  const i = text.indexOf(":");
  assert.ok(i > 0, `GlobalID ${id} decodes to ${JSON.stringify(text)}`);
  return { type: text.slice(0, i), rowId: Number(text.slice(i + 1)) };
}

export function assertGlobalId(id, type) {
  assert.equal(typeof id, "string");
  const g = decodeGlobalId(id);
  assert.equal(g.type, type, `GlobalID ${id} is a ${g.type}, not a ${type}`);
  assert.ok(Number.isInteger(g.rowId) && g.rowId > 0, `GlobalID ${id} row id`);
  return g.rowId;
}

const EXCEPTION_KEYS = new Set([
  "exception.type", "exception.message", "exception.escaped", "exception.stacktrace",
]);

/**
 * `actual` is a span from getSpans (Phoenix's REST shape); `sent` is what
 * emitAgentTrace (or a test) recorded.
 */
export function assertSpanEquals(actual, sent) {
  const where = `span ${sent.name} (${sent.spanId})`;
  assertGlobalId(actual.id, "Span");
  assert.equal(actual.name, sent.name, `${where}: name`);
  assert.deepEqual(actual.context, { trace_id: sent.traceId, span_id: sent.spanId }, `${where}: context`);
  assert.equal(actual.parent_id, sent.parentId, `${where}: parent_id`);
  assert.equal(actual.span_kind, sent.kind, `${where}: span_kind`);
  assert.equal(actual.status_code, sent.statusCode, `${where}: status_code`);
  assert.equal(actual.status_message, sent.statusMessage, `${where}: status_message`);
  assert.equal(parseIsoMicros(actual.start_time), sent.startUs, `${where}: start_time ${actual.start_time}`);
  assert.equal(parseIsoMicros(actual.end_time), sent.endUs, `${where}: end_time ${actual.end_time}`);
  assert.ok(!("openinference.span.kind" in actual.attributes), `${where}: openinference.span.kind is moved to span_kind`);
  assert.deepEqual(actual.attributes, sent.attributes, `${where}: attributes`);
  assert.equal(actual.events.length, sent.events.length, `${where}: events ${JSON.stringify(actual.events)}`);
  sent.events.forEach((e, i) => {
    const got = actual.events[i];
    assert.equal(got.name, e.name, `${where}: event ${i} name`);
    assert.equal(parseIsoMicros(got.timestamp), e.timestampUs, `${where}: event ${i} timestamp ${got.timestamp}`);
    if (e.name === "exception") {
      // Phoenix keeps only the exception.* keys (escaped may be absent).
      for (const k of Object.keys(got.attributes)) {
        assert.ok(EXCEPTION_KEYS.has(k), `${where}: exception event keeps only exception.* keys, has ${k}`);
      }
      for (const [k, v] of Object.entries(e.attributes)) {
        assert.equal(got.attributes[k], v, `${where}: exception event ${k}`);
      }
    } else {
      assert.deepEqual(got.attributes, e.attributes, `${where}: event ${i} attributes`);
    }
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Retries `fn` until it returns without throwing (ingestion is
 * asynchronous in Phoenix and Ember alike), then returns its value.
 */
export async function eventually(fn, { timeoutMs = 10000, intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await sleep(intervalMs);
  }
}

/**
 * Expects `promise` to reject the way phoenix-client reports a non-2xx
 * reply (its middleware throws HttpError), and returns
 * {error, status, body} for further checks.
 */
export async function rejectsWithStatus(promise, status) {
  let error;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  assert.ok(error, `expected an HTTP ${status} error, the call succeeded`);
  if (!(error instanceof HttpError)) {
    throw new assert.AssertionError({ message: `expected HttpError ${status}, got ${error?.stack ?? error}` });
  }
  let body = "";
  try {
    body = await error.response.clone().text();
  } catch {
    // body already read
  }
  assert.equal(error.status, status, `status (body: ${body})`);
  return { error, status: error.status, body };
}

/** All pages of getSpans-like calls: fetchPage(cursor) → {items, nextCursor}. */
export async function allPages(fetchPage, { maxPages = 1000 } = {}) {
  const pages = [];
  let cursor;
  for (let i = 0; i < maxPages; i++) {
    const { items, nextCursor } = await fetchPage(cursor);
    pages.push(items);
    if (!nextCursor) return pages;
    cursor = nextCursor;
  }
  throw new Error("pagination did not end");
}
