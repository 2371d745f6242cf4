package semconv

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// checkAttrs fails unless got equals want exactly, in order, and every value
// has one of the OTLP attribute types.
func checkAttrs(t *testing.T, got, want []Attr) {
	t.Helper()
	for _, a := range got {
		switch a.Value.(type) {
		case string, bool, int64, float64, []string, []int64, []float64:
		default:
			t.Errorf("%s has a %T value, not an OTLP attribute type", a.Key, a.Value)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("attributes differ\n got: %s\nwant: %s", format(got), format(want))
	}
}

func format(attrs []Attr) string {
	var b strings.Builder
	for _, a := range attrs {
		fmt.Fprintf(&b, "\n  %s = %#v", a.Key, a.Value)
	}
	return b.String()
}

func TestKeys(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{InputMessageKey(0, MessageRoleKey), "llm.input_messages.0.message.role"},
		{OutputMessageKey(3, MessageContentKey), "llm.output_messages.3.message.content"},
		{OutputMessageKey(0, MessageToolCallKey(1, ToolCallFunctionNameKey)), "llm.output_messages.0.message.tool_calls.1.tool_call.function.name"},
		{InputMessageKey(2, MessagePartKey(0, MessageContentTextKey)), "llm.input_messages.2.message.contents.0.message_content.text"},
		{LLMToolKey(1, ToolJSONSchemaKey), "llm.tools.1.tool.json_schema"},
		{RetrievalDocumentKey(4, DocumentContentKey), "retrieval.documents.4.document.content"},
		{RerankerInputDocumentKey(0, DocumentScoreKey), "reranker.input_documents.0.document.score"},
		{RerankerOutputDocumentKey(1, DocumentIDKey), "reranker.output_documents.1.document.id"},
		{EmbeddingKey(0, EmbeddingVectorKey), "embedding.embeddings.0.embedding.vector"},
		{Indexed(LLMPromptsKey, 0, PromptTextKey), "llm.prompts.0.prompt.text"},
		{Indexed(LLMChoicesKey, 1, CompletionTextKey), "llm.choices.1.completion.text"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// TestServerKeys pins the keys Ember's ingestion reads (and Phoenix's):
// a typo here would silently drop data.
func TestServerKeys(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{ProjectNameKey, "openinference.project.name"},
		{SpanKindKey, "openinference.span.kind"},
		{InputValueKey, "input.value"},
		{InputMIMETypeKey, "input.mime_type"},
		{OutputValueKey, "output.value"},
		{OutputMIMETypeKey, "output.mime_type"},
		{SessionIDKey, "session.id"},
		{UserIDKey, "user.id"},
		{MetadataKey, "metadata"},
		{TagTagsKey, "tag.tags"},
		{LLMModelNameKey, "llm.model_name"},
		{LLMProviderKey, "llm.provider"},
		{LLMTokenCountPromptKey, "llm.token_count.prompt"},
		{LLMTokenCountCompletionKey, "llm.token_count.completion"},
		{LLMTokenCountTotalKey, "llm.token_count.total"},
		{LLMTokenCountPromptDetailsCacheReadKey, LLMTokenCountPromptDetailsKey + ".cache_read"},
		{LLMTokenCountCompletionDetailsReasoningKey, LLMTokenCountCompletionDetailsKey + ".reasoning"},
		{LLMPromptTemplateVariablesKey, "llm.prompt_template.variables"},
		{ToolParametersKey, "tool.parameters"},
		{DocumentMetadataKey, "document.metadata"},
		{MIMEText, "text/plain"},
		{MIMEJSON, "application/json"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	if len(SpanKinds) != 11 {
		t.Errorf("%d span kinds, want 11", len(SpanKinds))
	}
	for _, k := range SpanKinds {
		if string(k) != strings.ToUpper(string(k)) {
			t.Errorf("span kind %q is not upper-case", k)
		}
	}
}

func TestEncodeValue(t *testing.T) {
	type req struct {
		Query string `json:"query"`
		K     int    `json:"k"`
	}
	for _, tt := range []struct {
		name      string
		in        any
		val, mime string
	}{
		{"nil", nil, "", ""},
		{"text", "hello", "hello", MIMEText},
		{"JSON object text", ` {"a": 1}`, ` {"a": 1}`, MIMEJSON},
		{"JSON array bytes", []byte(`[1,2]`), `[1,2]`, MIMEJSON},
		{"broken JSON", `{"a":`, `{"a":`, MIMEText},
		{"JSON scalar text", `42`, `42`, MIMEText},
		{"struct", req{"a<b", 3}, `{"query":"a<b","k":3}`, MIMEJSON},
		{"map", map[string]any{"b": 1, "a": true}, `{"a":true,"b":1}`, MIMEJSON},
		{"slice", []string{"x"}, `["x"]`, MIMEJSON},
		{"number", 1.5, `1.5`, MIMEText},
		{"unencodable", make(chan int), "", MIMEText}, // value checked below
	} {
		t.Run(tt.name, func(t *testing.T) {
			val, mime := EncodeValue(tt.in)
			if tt.name == "unencodable" {
				if !strings.HasPrefix(val, "0x") || mime != MIMEText {
					t.Errorf("got %q, %q; want the fmt rendering as text", val, mime)
				}
				return
			}
			if val != tt.val || mime != tt.mime {
				t.Errorf("got %q, %q; want %q, %q", val, mime, tt.val, tt.mime)
			}
		})
	}
}

func TestCommonAttrs(t *testing.T) {
	checkAttrs(t, Input("q", MIMEText), []Attr{{"input.value", "q"}, {"input.mime_type", "text/plain"}})
	checkAttrs(t, Output("{}", ""), []Attr{{"output.value", "{}"}})
	checkAttrs(t, []Attr{
		SessionID("s1"), UserID("u1"), Metadata(map[string]any{"k": "v", "n": 2}), Metadata(nil), Tags("a", "b"), Tags(),
		SpanKindChain.Attr(),
	}, []Attr{
		{"session.id", "s1"}, {"user.id", "u1"}, {"metadata", `{"k":"v","n":2}`}, {"metadata", "{}"},
		{"tag.tags", []string{"a", "b"}}, {"tag.tags", []string{}},
		{"openinference.span.kind", "CHAIN"},
	})
	checkAttrs(t, AgentAttrs("planner"), []Attr{{"openinference.span.kind", "AGENT"}, {"agent.name", "planner"}})
	checkAttrs(t, GraphNode("n2", "search", "n1"), []Attr{
		{"graph.node.id", "n2"}, {"graph.node.name", "search"}, {"graph.node.parent_id", "n1"},
	})
	checkAttrs(t, GraphNode("root", "", ""), []Attr{{"graph.node.id", "root"}})
}

func TestMessages(t *testing.T) {
	msgs := []Message{
		{Role: "system", Content: "Be brief."},
		{Role: "user", Parts: []MessagePart{
			{Text: "What is this?"},
			{ImageURL: "https://example.com/cat.png"},
			{Type: "text", Text: "Answer in French."},
		}},
		{Role: "assistant", ToolCalls: []ToolCall{
			{ID: "call_1", Name: "lookup", Arguments: `{"q":"cat"}`},
			{Name: "noop"},
		}},
		{Role: "tool", Name: "lookup", Content: "a cat", ToolCallID: "call_1"},
	}
	checkAttrs(t, InputMessages(msgs), []Attr{
		{"llm.input_messages.0.message.role", "system"},
		{"llm.input_messages.0.message.content", "Be brief."},
		{"llm.input_messages.1.message.role", "user"},
		{"llm.input_messages.1.message.contents.0.message_content.type", "text"},
		{"llm.input_messages.1.message.contents.0.message_content.text", "What is this?"},
		{"llm.input_messages.1.message.contents.1.message_content.type", "image"},
		{"llm.input_messages.1.message.contents.1.message_content.image.image.url", "https://example.com/cat.png"},
		{"llm.input_messages.1.message.contents.2.message_content.type", "text"},
		{"llm.input_messages.1.message.contents.2.message_content.text", "Answer in French."},
		{"llm.input_messages.2.message.role", "assistant"},
		{"llm.input_messages.2.message.tool_calls.0.tool_call.id", "call_1"},
		{"llm.input_messages.2.message.tool_calls.0.tool_call.function.name", "lookup"},
		{"llm.input_messages.2.message.tool_calls.0.tool_call.function.arguments", `{"q":"cat"}`},
		{"llm.input_messages.2.message.tool_calls.1.tool_call.function.name", "noop"},
		{"llm.input_messages.3.message.role", "tool"},
		{"llm.input_messages.3.message.content", "a cat"},
		{"llm.input_messages.3.message.name", "lookup"},
		{"llm.input_messages.3.message.tool_call_id", "call_1"},
	})
	checkAttrs(t, OutputMessages([]Message{{Role: "assistant", Content: "Un chat."}}), []Attr{
		{"llm.output_messages.0.message.role", "assistant"},
		{"llm.output_messages.0.message.content", "Un chat."},
	})
	if got := InputMessages(nil); len(got) != 0 {
		t.Errorf("InputMessages(nil) = %v, want none", got)
	}
}

func TestDocuments(t *testing.T) {
	docs := []Document{
		{ID: "d1", Content: "Paris is in France.", Score: new(0.92), Metadata: map[string]any{"source": "wiki", "page": 3}},
		{Content: "zero score", Score: new(0.0)},
		{ID: "d3"},
	}
	want := []Attr{
		{"retrieval.documents.0.document.id", "d1"},
		{"retrieval.documents.0.document.content", "Paris is in France."},
		{"retrieval.documents.0.document.score", 0.92},
		{"retrieval.documents.0.document.metadata", `{"page":3,"source":"wiki"}`},
		{"retrieval.documents.1.document.content", "zero score"},
		{"retrieval.documents.1.document.score", 0.0},
		{"retrieval.documents.2.document.id", "d3"},
	}
	checkAttrs(t, RetrievalDocuments(docs), want)
	checkAttrs(t, RetrieverAttrs("capital of France", docs), append([]Attr{
		{"openinference.span.kind", "RETRIEVER"},
		{"input.value", "capital of France"},
		{"input.mime_type", "text/plain"},
	}, want...))
	checkAttrs(t, RerankerInputDocuments(docs[2:]), []Attr{{"reranker.input_documents.0.document.id", "d3"}})
	checkAttrs(t, RerankerOutputDocuments(docs[2:]), []Attr{{"reranker.output_documents.0.document.id", "d3"}})
	checkAttrs(t, Reranker{
		Query: "q", Model: "rerank-v3", TopK: 1,
		InputDocuments:  []Document{{ID: "a"}, {ID: "b"}},
		OutputDocuments: []Document{{ID: "b", Score: new(0.5)}},
	}.Attrs(), []Attr{
		{"openinference.span.kind", "RERANKER"},
		{"reranker.query", "q"},
		{"reranker.model_name", "rerank-v3"},
		{"reranker.top_k", int64(1)},
		{"reranker.input_documents.0.document.id", "a"},
		{"reranker.input_documents.1.document.id", "b"},
		{"reranker.output_documents.0.document.id", "b"},
		{"reranker.output_documents.0.document.score", 0.5},
	})
}

func TestTokenCounts(t *testing.T) {
	checkAttrs(t, TokenCounts{}.Attrs(), nil)
	checkAttrs(t, TokenCounts{Prompt: 10, Completion: 5}.Attrs(), []Attr{
		{"llm.token_count.prompt", int64(10)},
		{"llm.token_count.completion", int64(5)},
		{"llm.token_count.total", int64(15)},
	})
	checkAttrs(t, TokenCounts{
		Prompt: 1000, Completion: 200, Total: 1300, // a provider's own total wins
		PromptCacheRead: 400, PromptCacheWrite: 100, PromptAudio: 7,
		CompletionReasoning: 150, CompletionAudio: 3,
	}.Attrs(), []Attr{
		{"llm.token_count.prompt", int64(1000)},
		{"llm.token_count.completion", int64(200)},
		{"llm.token_count.total", int64(1300)},
		{"llm.token_count.prompt_details.cache_read", int64(400)},
		{"llm.token_count.prompt_details.cache_write", int64(100)},
		{"llm.token_count.prompt_details.audio", int64(7)},
		{"llm.token_count.completion_details.reasoning", int64(150)},
		{"llm.token_count.completion_details.audio", int64(3)},
	})
}

func TestLLMTools(t *testing.T) {
	type params struct {
		Type string `json:"type"`
	}
	checkAttrs(t, LLMTools([]Tool{
		{Name: "get_weather", Description: "Weather <now>", Parameters: map[string]any{
			"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}},
		}},
		{Name: "raw_params", Parameters: `{"type":"object"}`},
		{Name: "struct_params", Parameters: params{"object"}},
		{Name: "no_params"},
		{JSONSchema: `{"name":"anthropic_style","input_schema":{}}`},
	}), []Attr{
		{"llm.tools.0.tool.json_schema", `{"type":"function","function":{"name":"get_weather","description":"Weather <now>","parameters":{"properties":{"city":{"type":"string"}},"type":"object"}}}`},
		{"llm.tools.1.tool.json_schema", `{"type":"function","function":{"name":"raw_params","parameters":{"type":"object"}}}`},
		{"llm.tools.2.tool.json_schema", `{"type":"function","function":{"name":"struct_params","parameters":{"type":"object"}}}`},
		{"llm.tools.3.tool.json_schema", `{"type":"function","function":{"name":"no_params"}}`},
		{"llm.tools.4.tool.json_schema", `{"name":"anthropic_style","input_schema":{}}`},
	})
}

func TestLLM(t *testing.T) {
	checkAttrs(t, LLM{}.Attrs(), []Attr{{"openinference.span.kind", "LLM"}})
	checkAttrs(t, LLM{
		Model: "gpt-4o-mini", Provider: "openai", System: "openai",
		InputMessages:        []Message{{Role: "user", Content: "Hi"}},
		OutputMessages:       []Message{{Role: "assistant", Content: "Hello!"}},
		InvocationParameters: map[string]any{"temperature": 0.2, "max_tokens": 64},
		TokenCounts:          TokenCounts{Prompt: 8, Completion: 2},
		Tools:                []Tool{{Name: "noop"}},
		PromptTemplate: PromptTemplate{
			Template: "Say hi to {name}", Variables: map[string]any{"name": "Ada"}, Version: "v2",
		},
	}.Attrs(), []Attr{
		{"openinference.span.kind", "LLM"},
		{"llm.model_name", "gpt-4o-mini"},
		{"llm.provider", "openai"},
		{"llm.system", "openai"},
		{"llm.invocation_parameters", `{"max_tokens":64,"temperature":0.2}`},
		{"llm.input_messages.0.message.role", "user"},
		{"llm.input_messages.0.message.content", "Hi"},
		{"llm.output_messages.0.message.role", "assistant"},
		{"llm.output_messages.0.message.content", "Hello!"},
		{"llm.tools.0.tool.json_schema", `{"type":"function","function":{"name":"noop"}}`},
		{"llm.token_count.prompt", int64(8)},
		{"llm.token_count.completion", int64(2)},
		{"llm.token_count.total", int64(10)},
		{"llm.prompt_template.template", "Say hi to {name}"},
		{"llm.prompt_template.variables", `{"name":"Ada"}`},
		{"llm.prompt_template.version", "v2"},
	})
}

func TestEmbeddingAttrs(t *testing.T) {
	checkAttrs(t, EmbeddingAttrs("text-embedding-3-small", []Embedding{
		{Text: "hello", Vector: []float64{0.1, -0.2}},
		{Vector: []float64{}},
	}), []Attr{
		{"openinference.span.kind", "EMBEDDING"},
		{"embedding.model_name", "text-embedding-3-small"},
		{"embedding.embeddings.0.embedding.text", "hello"},
		{"embedding.embeddings.0.embedding.vector", []float64{0.1, -0.2}},
		{"embedding.embeddings.1.embedding.vector", []float64{}},
	})
	checkAttrs(t, Embeddings([]Embedding{{Text: "only text"}}), []Attr{
		{"embedding.embeddings.0.embedding.text", "only text"},
	})
}

func TestToolAttrs(t *testing.T) {
	checkAttrs(t, ToolAttrs("get_weather", map[string]any{"city": "Paris"}, "18°C, sunny"), []Attr{
		{"openinference.span.kind", "TOOL"},
		{"tool.name", "get_weather"},
		{"tool.parameters", `{"city":"Paris"}`},
		{"input.value", `{"city":"Paris"}`},
		{"input.mime_type", "application/json"},
		{"output.value", "18°C, sunny"},
		{"output.mime_type", "text/plain"},
	})
	checkAttrs(t, ToolAttrs("now", nil, nil), []Attr{
		{"openinference.span.kind", "TOOL"},
		{"tool.name", "now"},
	})
}
