package semconv

import "encoding/json"

// LLM describes a call to a language model: an LLM span.
type LLM struct {
	Model    string // llm.model_name, e.g. "gpt-4o-mini"
	Provider string // llm.provider, e.g. "openai", "azure", "anthropic"
	System   string // llm.system, e.g. "openai"

	InputMessages  []Message
	OutputMessages []Message

	// InvocationParameters are the request parameters (temperature,
	// max_tokens, …), recorded as a JSON object string.
	InvocationParameters map[string]any
	TokenCounts          TokenCounts
	// Tools are the tools offered to the model.
	Tools          []Tool
	PromptTemplate PromptTemplate
}

// Attrs returns the attributes of an LLM span, including its kind. Empty
// fields are left out. input.value and output.value are not derived from
// the messages: set them with Input and Output if the span should show a
// summary.
func (l LLM) Attrs() []Attr {
	attrs := []Attr{SpanKindLLM.Attr()}
	if l.Model != "" {
		attrs = append(attrs, Attr{LLMModelNameKey, l.Model})
	}
	if l.Provider != "" {
		attrs = append(attrs, Attr{LLMProviderKey, l.Provider})
	}
	if l.System != "" {
		attrs = append(attrs, Attr{LLMSystemKey, l.System})
	}
	if l.InvocationParameters != nil {
		attrs = append(attrs, Attr{LLMInvocationParametersKey, JSONText(l.InvocationParameters)})
	}
	attrs = appendMessages(attrs, LLMInputMessagesKey, l.InputMessages)
	attrs = appendMessages(attrs, LLMOutputMessagesKey, l.OutputMessages)
	attrs = appendTools(attrs, l.Tools)
	attrs = append(attrs, l.TokenCounts.Attrs()...)
	return append(attrs, l.PromptTemplate.Attrs()...)
}

// TokenCounts are the tokens an LLM call used. Zero counts are left out.
type TokenCounts struct {
	Prompt     int64
	Completion int64
	// Total defaults to Prompt + Completion when zero.
	Total int64

	// Breakdowns of Prompt and Completion, which Ember prices at their own
	// rates where the model has them.
	PromptCacheRead     int64 // prompt tokens served from the provider's cache
	PromptCacheWrite    int64 // prompt tokens written to the provider's cache
	PromptAudio         int64
	CompletionReasoning int64
	CompletionAudio     int64
}

// Attrs returns the llm.token_count.* attributes of tc.
func (tc TokenCounts) Attrs() []Attr {
	total := tc.Total
	if total == 0 {
		total = tc.Prompt + tc.Completion
	}
	var attrs []Attr
	for _, c := range [...]struct {
		key string
		n   int64
	}{
		{LLMTokenCountPromptKey, tc.Prompt},
		{LLMTokenCountCompletionKey, tc.Completion},
		{LLMTokenCountTotalKey, total},
		{LLMTokenCountPromptDetailsCacheReadKey, tc.PromptCacheRead},
		{LLMTokenCountPromptDetailsCacheWriteKey, tc.PromptCacheWrite},
		{LLMTokenCountPromptDetailsAudioKey, tc.PromptAudio},
		{LLMTokenCountCompletionDetailsReasoningKey, tc.CompletionReasoning},
		{LLMTokenCountCompletionDetailsAudioKey, tc.CompletionAudio},
	} {
		if c.n != 0 {
			attrs = append(attrs, Attr{c.key, c.n})
		}
	}
	return attrs
}

// Tool is a tool (function) offered to a model.
type Tool struct {
	Name        string
	Description string
	// Parameters is the JSON schema of the arguments: a value to encode,
	// or JSON text as a string, []byte or json.RawMessage.
	Parameters any
	// JSONSchema, when set, is recorded verbatim instead of the definition
	// built from the fields above; use it to pass a provider's own tool
	// JSON through.
	JSONSchema string
}

// LLMTools returns the llm.tools attributes of tools. Each tool is recorded
// in OpenAI's shape, {"type":"function","function":{"name",
// "description","parameters"}}, which is what the UI renders.
func LLMTools(tools []Tool) []Attr {
	return appendTools(nil, tools)
}

func appendTools(dst []Attr, tools []Tool) []Attr {
	for i, t := range tools {
		dst = append(dst, Attr{LLMToolKey(i, ToolJSONSchemaKey), t.jsonSchema()})
	}
	return dst
}

func (t Tool) jsonSchema() string {
	if t.JSONSchema != "" {
		return t.JSONSchema
	}
	// Struct fields keep OpenAI's key order, which a map would not.
	type function struct {
		Name        string `json:"name"`
		Description string `json:"description,omitempty"`
		Parameters  any    `json:"parameters,omitempty"`
	}
	def := struct {
		Type     string   `json:"type"`
		Function function `json:"function"`
	}{"function", function{t.Name, t.Description, rawJSON(t.Parameters)}}
	return JSONText(def)
}

// rawJSON lets JSON text given as a string or bytes be embedded as JSON
// rather than as a quoted string.
func rawJSON(v any) any {
	var b []byte
	switch v := v.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	case json.RawMessage:
		b = v
	default:
		return v
	}
	if json.Valid(b) {
		return json.RawMessage(b)
	}
	return string(b)
}

// PromptTemplate is the template an LLM call's prompt was rendered from.
type PromptTemplate struct {
	Template  string
	Variables map[string]any // recorded as a JSON object string
	Version   string
}

// Attrs returns the llm.prompt_template.* attributes of pt; empty fields
// are left out.
func (pt PromptTemplate) Attrs() []Attr {
	var attrs []Attr
	if pt.Template != "" {
		attrs = append(attrs, Attr{LLMPromptTemplateKey, pt.Template})
	}
	if pt.Variables != nil {
		attrs = append(attrs, Attr{LLMPromptTemplateVariablesKey, JSONText(pt.Variables)})
	}
	if pt.Version != "" {
		attrs = append(attrs, Attr{LLMPromptTemplateVersionKey, pt.Version})
	}
	return attrs
}
