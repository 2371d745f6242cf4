package ingest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/emberhq/ember"
)

// synthesized returns the attributes synthesizeGenAI adds, as key=JSON.
func synthesized(attrs []attr) []string {
	n := len(attrs)
	var out []string
	for _, a := range synthesizeGenAI(attrs)[n:] {
		out = append(out, a.key+"="+encode(a.v))
	}
	return out
}

func TestSynthesizeGenAI(t *testing.T) {
	for _, tt := range []struct {
		name  string
		attrs []attr
		want  []string
	}{
		{"NoGenAI", flat("http.method", "GET", "genai.foo", "x"), nil},
		{"Chat", flat(
			"gen_ai.operation.name", "chat",
			"gen_ai.provider.name", "openai",
			"gen_ai.request.model", "gpt-4o",
			"gen_ai.response.model", "gpt-4o-2024-08-06",
			"gen_ai.request.temperature", 0.7,
			"gen_ai.request.max_tokens", 100,
			"gen_ai.request.stop_sequences", slice(strV("\n")),
			"gen_ai.request.stream", true,
			"gen_ai.output.type", "json",
			"gen_ai.usage.input_tokens", 10,
			"gen_ai.usage.output_tokens", 5.0,
			"gen_ai.usage.cache_read.input_tokens", "3",
			"gen_ai.usage.cache_creation.input_tokens", true, // booleans are not counts
			"gen_ai.conversation.id", "conv-1",
			"gen_ai.system_instructions", `[{"type":"text","content":"Be brief."}]`,
			"gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"Weather in Paris?"}]},`+
				`{"role":"assistant","parts":[{"type":"tool_call","id":"c1","name":"weather","arguments":{"city":"Paris"}}]},`+
				`{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":"sunny"},{"type":"tool_call_response","id":"c2","response":{"t":20}}]}]`,
			"gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"Sunny."}],"finish_reason":"stop"}]`,
			"gen_ai.tool.definitions", `[{"type":"function","name":"weather","description":"Get weather","parameters":{"type":"object"}},{"name":"bare"},{"nameless":true}]`,
		), []string{
			`openinference.span.kind="LLM"`,
			`llm.provider="openai"`,
			`llm.system="openai"`,
			`session.id="conv-1"`,
			`llm.model_name="gpt-4o"`,
			`llm.invocation_parameters="{\"temperature\": 0.7, \"max_tokens\": 100, \"stream\": true, \"stop\": [\"\\n\"], \"response_format\": {\"type\": \"json_object\"}}"`,
			`llm.token_count.prompt=10`,
			`llm.token_count.completion=5`,
			`llm.token_count.total=15`,
			`llm.token_count.prompt_details.cache_read=3`,
			`llm.input_messages.0.message.role="system"`,
			`llm.input_messages.0.message.content="Be brief."`,
			`llm.input_messages.1.message.role="user"`,
			`llm.input_messages.1.message.content="Weather in Paris?"`,
			`llm.input_messages.2.message.role="assistant"`,
			`llm.input_messages.2.message.tool_calls.0.tool_call.id="c1"`,
			`llm.input_messages.2.message.tool_calls.0.tool_call.function.name="weather"`,
			`llm.input_messages.2.message.tool_calls.0.tool_call.function.arguments="{\"city\": \"Paris\"}"`,
			`llm.input_messages.3.message.role="tool"`,
			`llm.input_messages.3.message.tool_call_id="c1"`,
			`llm.input_messages.3.message.content="sunny"`,
			`llm.input_messages.4.message.role="tool"`,
			`llm.input_messages.4.message.tool_call_id="c2"`,
			`llm.input_messages.4.message.content="{\"t\": 20}"`,
			`llm.output_messages.0.message.role="assistant"`,
			`llm.output_messages.0.message.finish_reason="stop"`,
			`llm.output_messages.0.message.content="Sunny."`,
			`llm.tools.0.tool.json_schema="{\"type\": \"function\", \"function\": {\"name\": \"weather\", \"description\": \"Get weather\", \"parameters\": {\"type\": \"object\"}}}"`,
			`llm.tools.1.tool.json_schema="{\"type\": \"function\", \"function\": {\"name\": \"bare\"}}"`,
			`input.value="[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"Weather in Paris?\"}]},{\"role\":\"assistant\",\"parts\":[{\"type\":\"tool_call\",\"id\":\"c1\",\"name\":\"weather\",\"arguments\":{\"city\":\"Paris\"}}]},{\"role\":\"tool\",\"parts\":[{\"type\":\"tool_call_response\",\"id\":\"c1\",\"response\":\"sunny\"},{\"type\":\"tool_call_response\",\"id\":\"c2\",\"response\":{\"t\":20}}]}]"`,
			`input.mime_type="application/json"`,
			`output.value="[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"Sunny.\"}],\"finish_reason\":\"stop\"}]"`,
			`output.mime_type="application/json"`,
		}},
		{"ExistingKeysWin", flat(
			"gen_ai.operation.name", "chat",
			"gen_ai.request.model", "gpt-4o",
			"gen_ai.usage.input_tokens", 10,
			"gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"hi"}]}]`,
			"gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"yo"}]}]`,
			"openinference.span.kind", "CHAIN",
			"llm.model_name", "mine",
			"llm.token_count.prompt", nil,
			"llm.input_messages.0.message.role", "user",
			"input.value", "given",
		), []string{
			`llm.output_messages.0.message.role="assistant"`,
			`llm.output_messages.0.message.content="yo"`,
			`output.value="[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"yo\"}]}]"`,
			`output.mime_type="application/json"`,
		}},
		{"FlattenedLegacyForm", flat(
			"gen_ai.system", "OpenAI",
			"gen_ai.request.model", "gpt-3.5-turbo",
			"gen_ai.prompt.0.role", "user",
			"gen_ai.prompt.0.content", "hi",
			"gen_ai.completion.0.role", "assistant",
			"gen_ai.completion.0.content", "hello",
			"gen_ai.completion.0.finish_reason", "tool_calls",
			"gen_ai.completion.0.tool_calls.0.id", "t1",
			"gen_ai.completion.0.tool_calls.0.name", "f",
			"gen_ai.completion.0.tool_calls.0.arguments", `{"a":1}`,
			"gen_ai.completion.x.role", "ignored",
			"gen_ai.usage.prompt_tokens", 3,
			"gen_ai.usage.completion_tokens", 4,
		), []string{
			`openinference.span.kind="LLM"`,
			`llm.provider="openai"`,
			`llm.system="openai"`,
			`llm.model_name="gpt-3.5-turbo"`,
			`llm.token_count.prompt=3`,
			`llm.token_count.completion=4`,
			`llm.token_count.total=7`,
			`llm.input_messages.0.message.role="user"`,
			`llm.input_messages.0.message.content="hi"`,
			`llm.output_messages.0.message.role="assistant"`,
			`llm.output_messages.0.message.content="hello"`,
			`llm.output_messages.0.message.finish_reason="tool_calls"`,
			`llm.output_messages.0.message.tool_calls.0.tool_call.id="t1"`,
			`llm.output_messages.0.message.tool_calls.0.tool_call.function.name="f"`,
			`llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments="{\"a\":1}"`,
		}},
		{"DeprecatedPromptStrings", flat(
			"gen_ai.operation.name", "text_completion",
			"gen_ai.prompt", "Once upon",
			"gen_ai.completion", `{"a": 1}`,
		), []string{
			`openinference.span.kind="LLM"`,
			`input.value="Once upon"`,
			`input.mime_type="text/plain"`,
			`output.value="{\"a\": 1}"`,
			`output.mime_type="application/json"`,
		}},
		{"Tool", flat(
			"gen_ai.operation.name", "execute_tool",
			"gen_ai.tool.name", "weather",
			"gen_ai.tool.description", "Gets the weather",
			"gen_ai.tool.call.id", "c1",
			"gen_ai.tool.call.arguments", `{"city":"Paris"}`,
			"gen_ai.tool.call.result", "sunny",
		), []string{
			`openinference.span.kind="TOOL"`,
			`tool.name="weather"`,
			`tool.description="Gets the weather"`,
			`tool.id="c1"`,
			`tool.parameters="{\"city\": \"Paris\"}"`,
			`input.value="{\"city\":\"Paris\"}"`,
			`input.mime_type="application/json"`,
			`output.value="sunny"`,
			`output.mime_type="text/plain"`,
		}},
		{"ToolWithoutOperation", flat("gen_ai.tool.name", "search"), []string{
			`openinference.span.kind="TOOL"`,
			`tool.name="search"`,
		}},
		{"Agent", flat(
			"gen_ai.operation.name", "invoke_agent",
			"gen_ai.agent.name", "planner",
			"gen_ai.provider.name", "anthropic",
		), []string{
			`openinference.span.kind="AGENT"`,
			`llm.provider="anthropic"`,
			`llm.system="anthropic"`,
			`agent.name="planner"`,
		}},
		{"CreateAgentAndProviderTable", flat(
			"gen_ai.operation.name", "create_agent",
			"gen_ai.provider.name", "azure.ai.openai",
		), []string{
			`openinference.span.kind="AGENT"`,
			`llm.provider="azure"`,
			`llm.system="openai"`,
		}},
		{"UnknownProviderAndOperation", flat(
			"gen_ai.operation.name", "dance",
			"gen_ai.provider.name", "ibm.watsonx.ai",
		), []string{
			`llm.system="ibm.watsonx.ai"`,
		}},
		{"Embeddings", flat(
			"gen_ai.operation.name", "embeddings",
			"gen_ai.request.model", "text-embedding-3-small",
			"gen_ai.request.encoding_formats", slice(strV("float")),
			"gen_ai.usage.input_tokens", 8,
		), []string{
			`openinference.span.kind="EMBEDDING"`,
			`embedding.model_name="text-embedding-3-small"`,
			`embedding.invocation_parameters="{\"encoding_format\": \"float\"}"`,
			`llm.token_count.prompt=8`,
		}},
		{"Retrieval", flat(
			"gen_ai.operation.name", "retrieval",
			"gen_ai.retrieval.query.text", "capital of France",
			"gen_ai.retrieval.documents", `[{"id":"d1","score":1,"content":"Paris","metadata":{"src":"wiki"}},{"id":2,"score":0.5}]`,
		), []string{
			`openinference.span.kind="RETRIEVER"`,
			`input.value="capital of France"`,
			`input.mime_type="text/plain"`,
			`retrieval.documents.0.document.id="d1"`,
			`retrieval.documents.0.document.score=1.0`,
			`retrieval.documents.0.document.content="Paris"`,
			`retrieval.documents.0.document.metadata="{\"src\": \"wiki\"}"`,
			`retrieval.documents.1.document.id="2"`,
			`retrieval.documents.1.document.score=0.5`,
		}},
		{"MultimodalInput", flat(
			"gen_ai.operation.name", "chat",
			"gen_ai.input.messages", `[{"role":"user","name":"ann","parts":[{"type":"text","content":"What is"},`+
				`{"type":"uri","modality":"image","uri":"https://x/cat.png"},{"type":"blob","mime_type":"image/png","modality":"image","content":"iVBO"},`+
				`{"type":"reasoning","content":"ignored"}]},{"role":"user","parts":[{"type":"text","content":"a"},{"type":"text","content":"b"}]},"junk",{"parts":[]}]`,
		), []string{
			`openinference.span.kind="LLM"`,
			`llm.input_messages.0.message.role="user"`,
			`llm.input_messages.0.message.name="ann"`,
			`llm.input_messages.0.message.contents.0.message_content.type="text"`,
			`llm.input_messages.0.message.contents.0.message_content.text="What is"`,
			`llm.input_messages.0.message.contents.1.message_content.type="image"`,
			`llm.input_messages.0.message.contents.1.message_content.image.image.url="https://x/cat.png"`,
			`llm.input_messages.0.message.contents.2.message_content.type="image"`,
			`llm.input_messages.0.message.contents.2.message_content.image.image.url="data:image/png;base64,iVBO"`,
			`llm.input_messages.1.message.role="user"`,
			`llm.input_messages.1.message.contents.0.message_content.type="text"`,
			`llm.input_messages.1.message.contents.0.message_content.text="a"`,
			`llm.input_messages.1.message.contents.1.message_content.type="text"`,
			`llm.input_messages.1.message.contents.1.message_content.text="b"`,
			`input.value="[{\"role\":\"user\",\"name\":\"ann\",\"parts\":[{\"type\":\"text\",\"content\":\"What is\"},{\"type\":\"uri\",\"modality\":\"image\",\"uri\":\"https://x/cat.png\"},{\"type\":\"blob\",\"mime_type\":\"image/png\",\"modality\":\"image\",\"content\":\"iVBO\"},{\"type\":\"reasoning\",\"content\":\"ignored\"}]},{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"a\"},{\"type\":\"text\",\"content\":\"b\"}]},\"junk\",{\"parts\":[]}]"`,
			`input.mime_type="application/json"`,
		}},
		{"SystemInstructionsAsPlainText", flat(
			"gen_ai.system_instructions", "Be nice.",
			"gen_ai.input.messages", "not json",
		), []string{
			`openinference.span.kind="LLM"`,
			`llm.input_messages.0.message.role="system"`,
			`llm.input_messages.0.message.content="Be nice."`,
			`input.value="not json"`,
			`input.mime_type="text/plain"`,
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, synthesized(tt.attrs)); diff != "" {
				t.Errorf("-want +got:\n%s", diff)
			}
		})
	}
}

// TestConvertGenAI checks a GenAI span end to end: kind, tokens, session and
// the nested attributes, with tool.parameters parsed as a JSON string
// attribute.
func TestConvertGenAI(t *testing.T) {
	td := newSpan(func(sp ptrace.Span) {
		a := sp.Attributes()
		a.PutStr("gen_ai.operation.name", "chat")
		a.PutStr("gen_ai.request.model", "claude-sonnet-4")
		a.PutStr("gen_ai.provider.name", "anthropic")
		a.PutInt("gen_ai.usage.input_tokens", 100)
		a.PutInt("gen_ai.usage.output_tokens", 20)
		a.PutStr("gen_ai.conversation.id", " thread-9 ")
	})
	s := convertOne(t, &Converter{}, td)
	got := view(s)
	want := baseView()
	want.Kind = ember.SpanKindLLM
	want.HasTokenCounts, want.Prompt, want.Completion = true, 100, 20
	want.SessionID = "thread-9"
	want.Attributes = `{"gen_ai":{"conversation":{"id":" thread-9 "},"operation":{"name":"chat"},"provider":{"name":"anthropic"},` +
		`"request":{"model":"claude-sonnet-4"},"usage":{"input_tokens":100,"output_tokens":20}},` +
		`"llm":{"model_name":"claude-sonnet-4","provider":"anthropic","system":"anthropic","token_count":{"completion":20,"prompt":100,"total":120}},` +
		`"openinference":{"span":{"kind":"LLM"}},"session":{"id":" thread-9 "}}`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("-want +got:\n%s", diff)
	}

	td = newSpan(func(sp ptrace.Span) {
		a := sp.Attributes()
		a.PutStr("gen_ai.operation.name", "execute_tool")
		a.PutStr("gen_ai.tool.call.arguments", `{"q": "x"}`)
		a.PutEmptyMap("gen_ai.tool.call.result").PutInt("n", 1)
	})
	s = convertOne(t, &Converter{}, td)
	if s.Kind != ember.SpanKindTool {
		t.Errorf("kind %s", s.Kind)
	}
	wantAttrs := `{"gen_ai":{"operation":{"name":"execute_tool"},"tool":{"call":{"arguments":"{\"q\": \"x\"}","result":{"n":1}}}},` +
		`"input":{"mime_type":"application/json","value":"{\"q\": \"x\"}"},"openinference":{"span":{"kind":"TOOL"}},` +
		`"output":{"mime_type":"application/json","value":"{\"n\": 1}"},"tool":{"parameters":{"q":"x"}}}`
	if got := string(s.Attributes); got != wantAttrs {
		t.Errorf("got  %s\nwant %s", got, wantAttrs)
	}
}
