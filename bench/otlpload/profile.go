package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// A profile fills td with n spans in traces of at most spansPerTrace spans,
// taking every id, timestamp and session id from b.
type profile interface {
	build(b *builder, td ptrace.Traces, n, spansPerTrace int)
}

var profiles = map[string]profile{
	"small": smallProfile{},
	"llm":   llmProfile{},
}

func newSpanSlice(b *builder, td ptrace.Traces, service, scope string) ptrace.SpanSlice {
	rs := td.ResourceSpans().AppendEmpty()
	attrs := rs.Resource().Attributes()
	attrs.PutStr("service.name", service)
	attrs.PutStr("openinference.project.name", b.project)
	attrs.PutStr("telemetry.sdk.name", "ember-otlpload")
	attrs.PutStr("telemetry.sdk.language", "go")
	attrs.PutStr("host.name", "bench-host")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName(scope)
	ss.Scope().SetVersion("1.0.0")
	return ss.Spans()
}

// node is one span of a trace laid out by shape.
type node struct {
	parent     int // -1 for the root
	start, end int64
}

// shape lays out a trace of len(canParent) spans lasting dur ns from start:
// span 0 is the root, every other span gets an earlier span that may parent
// it, and children run one after another strictly inside their parent, so
// every child starts after and ends before its parent.
func shape(rng *rand.Rand, canParent []bool, start, dur int64) []node {
	n := len(canParent)
	nodes := make([]node, n)
	children := make([][]int, n)
	nodes[0] = node{parent: -1, start: start, end: start + dur}
	last := 0 // latest span that may have children
	for i := 1; i < n; i++ {
		p := last
		if rng.IntN(2) == 0 {
			for p = rng.IntN(i); !canParent[p]; p = rng.IntN(i) {
			}
		}
		nodes[i].parent = p
		children[p] = append(children[p], i)
		if canParent[i] {
			last = i
		}
	}
	for p := range n { // parents precede their children
		kids := children[p]
		if len(kids) == 0 {
			continue
		}
		s, e := nodes[p].start, nodes[p].end
		pad := (e - s) / 50
		slotLen := (e - s - 2*pad) / int64(len(kids))
		for j, c := range kids {
			gap := slotLen * int64(2+rng.IntN(8)) / 100
			cs := s + pad + int64(j)*slotLen + gap
			nodes[c].start, nodes[c].end = cs, max(cs+1, cs+slotLen-2*gap)
		}
	}
	return nodes
}

// eachTrace splits n spans into traces of at most per spans, starting each
// trace a little after the previous one.
func eachTrace(b *builder, n, per int, f func(size int, start int64)) {
	var start int64
	for n > 0 {
		size := min(n, per)
		f(size, start)
		n -= size
		start += int64(1+b.rng.IntN(20)) * int64(time.Millisecond)
	}
}

// smallProfile: a web request trace with short string and int attributes.
type smallProfile struct{}

var (
	smallRoutes = []string{"/api/users/{id}", "/api/orders", "/api/cart", "/api/search", "/health", "/api/items/{id}"}
	smallMethod = []string{"GET", "GET", "GET", "POST", "PUT", "DELETE"}
	smallInner  = []string{"auth.check", "render", "cache.lookup", "validate", "serialize"}
	smallClient = []string{"SELECT users", "INSERT orders", "redis GET", "redis SET", "HTTP GET inventory"}
	smallPeers  = []string{"postgres", "redis", "inventory", "payments"}
	smallEnv    = []string{"prod", "staging"}
)

func (smallProfile) build(b *builder, td ptrace.Traces, n, per int) {
	spans := newSpanSlice(b, td, "bench-web", "ember-otlpload/small")
	spans.EnsureCapacity(n)
	eachTrace(b, n, per, func(size int, start int64) {
		traceID, _ := b.newTrace()
		route := b.rng.IntN(len(smallRoutes))
		kinds := make([]ptrace.SpanKind, size)
		canParent := make([]bool, size)
		for i := range kinds {
			switch {
			case i == 0:
				kinds[i] = ptrace.SpanKindServer
			case b.rng.IntN(2) == 0:
				kinds[i] = ptrace.SpanKindClient
			default:
				kinds[i] = ptrace.SpanKindInternal
			}
			canParent[i] = kinds[i] != ptrace.SpanKindClient
		}
		nodes := shape(b.rng, canParent, start, int64(5+b.rng.IntN(200))*int64(time.Millisecond))
		ids := make([]int, size) // node -> span index, for parent ids
		for i, nd := range nodes {
			sp := spans.AppendEmpty()
			sp.SetTraceID(traceID)
			sp.SetSpanID(b.newSpan(i == 0))
			ids[i] = b.spans - 1
			if nd.parent >= 0 {
				sp.SetParentSpanID(pcommonSpanID(ids[nd.parent]))
			}
			sp.SetKind(kinds[i])
			sp.SetStartTimestamp(b.timestamp(nd.start))
			sp.SetEndTimestamp(b.timestamp(nd.end))
			var peer string
			switch kinds[i] {
			case ptrace.SpanKindServer:
				sp.SetName(smallMethod[route] + " " + smallRoutes[route])
				peer = "client"
			case ptrace.SpanKindClient:
				sp.SetName(smallClient[b.rng.IntN(len(smallClient))])
				peer = smallPeers[b.rng.IntN(len(smallPeers))]
			default:
				sp.SetName(smallInner[b.rng.IntN(len(smallInner))])
				peer = "local"
			}
			a := sp.Attributes()
			a.EnsureCapacity(10)
			a.PutStr("http.method", smallMethod[route])
			a.PutStr("http.route", smallRoutes[route])
			a.PutInt("http.status_code", 200)
			a.PutStr("net.peer.name", peer+".internal")
			a.PutStr("peer.service", peer)
			a.PutStr("component", "bench")
			a.PutStr("code.function", sp.Name())
			a.PutInt("thread.id", int64(b.rng.IntN(64)))
			a.PutStr("deployment.environment", smallEnv[b.rng.IntN(len(smallEnv))])
			a.PutInt("bench.rand", b.rng.Int64N(1_000_000))
			if b.rng.IntN(50) == 0 {
				sp.Status().SetCode(ptrace.StatusCodeError)
				sp.Status().SetMessage("upstream timeout")
				a.PutInt("http.status_code", 500)
			}
		}
	})
}

// llmProfile: OpenInference-shaped traces: a CHAIN root with nested CHAIN
// spans and LLM leaves carrying prompts, completions and token counts.
type llmProfile struct{}

var (
	llmModels     = []string{"gpt-4o-mini", "gpt-4o-mini", "gpt-4o", "gpt-4.1-mini"}
	llmChainNames = []string{"RunnableSequence", "RetrievalQA", "AgentExecutor", "StuffDocumentsChain", "ConversationChain"}
	llmNames      = []string{"ChatOpenAI", "ChatCompletion"}
	llmParams     = []string{
		`{"temperature":0.2,"max_tokens":1024,"top_p":1}`,
		`{"temperature":0,"max_tokens":512}`,
		`{"temperature":0.7,"max_tokens":2048,"presence_penalty":0.1}`,
	}
)

const llmTracesPerSession = 3

func (llmProfile) build(b *builder, td ptrace.Traces, n, per int) {
	spans := newSpanSlice(b, td, "bench-llm-app", "openinference.instrumentation.langchain")
	spans.EnsureCapacity(n)
	session, user, traces := 0, "", 0
	eachTrace(b, n, per, func(size int, start int64) {
		traceID, _ := b.newTrace()
		if traces%llmTracesPerSession == 0 {
			session = b.newSession()
			user = fmt.Sprintf("user-%04d", b.rng.IntN(500))
		}
		traces++
		canParent := make([]bool, size)
		for i := range canParent {
			canParent[i] = i == 0 || b.rng.IntN(5) < 2 // CHAIN; LLM spans are leaves
		}
		nodes := shape(b.rng, canParent, start, int64(1000+b.rng.IntN(7000))*int64(time.Millisecond))
		ids := make([]int, size)
		for i, nd := range nodes {
			sp := spans.AppendEmpty()
			sp.SetTraceID(traceID)
			sp.SetSpanID(b.newSpan(i == 0))
			ids[i] = b.spans - 1
			if nd.parent >= 0 {
				sp.SetParentSpanID(pcommonSpanID(ids[nd.parent]))
			}
			sp.SetKind(ptrace.SpanKindInternal)
			sp.SetStartTimestamp(b.timestamp(nd.start))
			sp.SetEndTimestamp(b.timestamp(nd.end))
			sp.Status().SetCode(ptrace.StatusCodeOk)
			a := sp.Attributes()
			if canParent[i] {
				sp.SetName(llmChainNames[b.rng.IntN(len(llmChainNames))])
				a.PutStr("openinference.span.kind", "CHAIN")
				a.PutStr("input.value", text(b.rng, 2048))
				a.PutStr("input.mime_type", "text/plain")
				a.PutStr("output.value", text(b.rng, 2048))
				a.PutStr("output.mime_type", "text/plain")
			} else {
				sp.SetName(llmNames[b.rng.IntN(len(llmNames))])
				putLLM(b.rng, a.PutStr, a.PutInt)
			}
			a.PutStr("session.id", b.sessionID(session))
			a.PutStr("user.id", user)
			a.PutStr("metadata", `{"env":"bench","version":"1.0"}`)
		}
	})
}

func putLLM(rng *rand.Rand, putStr func(k, v string), putInt func(k string, v int64)) {
	model := llmModels[rng.IntN(len(llmModels))]
	system := text(rng, 300)
	question := text(rng, 1500)
	answer := text(rng, 1800)
	type msg struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	in, _ := json.Marshal(struct {
		Model    string `json:"model"`
		Messages []msg  `json:"messages"`
	}{model, []msg{{"system", system}, {"user", question}}})
	prompt, completion := int64(len(system)+len(question))/4, int64(len(answer))/4
	out, _ := json.Marshal(struct {
		Model   string `json:"model"`
		Choices []struct {
			Message msg `json:"message"`
		} `json:"choices"`
		Usage map[string]int64 `json:"usage"`
	}{
		Model: model,
		Choices: []struct {
			Message msg `json:"message"`
		}{{msg{"assistant", answer}}},
		Usage: map[string]int64{"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
	})

	putStr("openinference.span.kind", "LLM")
	putStr("llm.model_name", model)
	putStr("llm.provider", "openai")
	putStr("llm.system", "openai")
	putStr("llm.invocation_parameters", llmParams[rng.IntN(len(llmParams))])
	putStr("llm.input_messages.0.message.role", "system")
	putStr("llm.input_messages.0.message.content", system)
	putStr("llm.input_messages.1.message.role", "user")
	putStr("llm.input_messages.1.message.content", question)
	putStr("llm.output_messages.0.message.role", "assistant")
	putStr("llm.output_messages.0.message.content", answer)
	putInt("llm.token_count.prompt", prompt)
	putInt("llm.token_count.completion", completion)
	putInt("llm.token_count.total", prompt+completion)
	putStr("input.value", string(in))
	putStr("input.mime_type", "application/json")
	putStr("output.value", string(out))
	putStr("output.mime_type", "application/json")
}

var words = strings.Fields(`the a of to and in is it that for on with as was by this be are from at or
an have not but what all were when we there can been has more if will one would so no about out up
model answer question context document retrieval vector index query user assistant system prompt
token latency embedding chunk score relevant summary result source policy customer order invoice
account refund shipping product price support ticket error timeout request response database cache
please explain describe compare list step first second finally because however therefore example
data table column value report quarter revenue growth market team project deadline meeting review`)

// text returns roughly n bytes of ASCII prose made of common words.
func text(rng *rand.Rand, n int) string {
	var sb strings.Builder
	sb.Grow(n + 16)
	start := true
	for sb.Len() < n {
		w := words[rng.IntN(len(words))]
		if start {
			sb.WriteString(strings.ToUpper(w[:1]))
			sb.WriteString(w[1:])
			start = false
		} else {
			sb.WriteString(w)
		}
		if rng.IntN(12) == 0 {
			sb.WriteString(". ")
			start = true
		} else {
			sb.WriteByte(' ')
		}
	}
	return strings.TrimSpace(sb.String()) + "."
}
