package api

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Model providers a prompt version names in model_provider.
const (
	ProviderOpenAI      = "OPENAI"
	ProviderAzureOpenAI = "AZURE_OPENAI"
	ProviderAnthropic   = "ANTHROPIC"
	ProviderGoogle      = "GOOGLE"
	ProviderDeepSeek    = "DEEPSEEK"
	ProviderXAI         = "XAI"
	ProviderOllama      = "OLLAMA"
	ProviderAWS         = "AWS"
	ProviderCerebras    = "CEREBRAS"
	ProviderFireworks   = "FIREWORKS"
	ProviderGroq        = "GROQ"
	ProviderMoonshot    = "MOONSHOT"
	ProviderPerplexity  = "PERPLEXITY"
	ProviderTogether    = "TOGETHER"
)

// Template types (template_type) and template formats (template_format).
const (
	TemplateTypeChat   = "CHAT"
	TemplateTypeString = "STR"

	TemplateFormatMustache = "MUSTACHE"
	TemplateFormatFString  = "F_STRING"
	TemplateFormatNone     = "NONE"
)

// Roles of a prompt message. Assistant, AI and Model name the same
// speaker; System and Developer too.
const (
	RoleUser      = "user"
	RoleAssistant = "assistant"
	RoleModel     = "model"
	RoleAI        = "ai"
	RoleTool      = "tool"
	RoleSystem    = "system"
	RoleDeveloper = "developer"
)

// Prompt is a named, versioned prompt as GET /v1/prompts lists it. ID is
// a GlobalID ("Prompt:<n>"); SourcePromptID names the prompt this one was
// cloned from, if any.
type Prompt struct {
	Name           string         `json:"name"`
	Description    *string        `json:"description"`
	SourcePromptID *string        `json:"source_prompt_id"`
	Metadata       map[string]any `json:"metadata"`
	ID             string         `json:"id"`
}

// PromptData describes a prompt in CreatePromptRequest. Name must match
// ^[a-z0-9]([_a-z0-9-]*[a-z0-9])?$. The server ignores Description and
// Metadata when the prompt exists already.
type PromptData struct {
	Name           string         `json:"name"`
	Description    *string        `json:"description,omitempty"`
	SourcePromptID *string        `json:"source_prompt_id,omitempty"`
	Metadata       map[string]any `json:"metadata,omitempty"`
}

// CreatePromptRequest is the body of POST /v1/prompts: it creates the
// prompt with Version as its first version, or appends Version to the
// prompt of that name. The reply is an Envelope[PromptVersion].
type CreatePromptRequest struct {
	Prompt  PromptData        `json:"prompt"`
	Version PromptVersionData `json:"version"`
}

// PromptVersionData is the content of a prompt version: a template with
// its type and format, the model it was written for and how to call it.
// Only chat templates (TemplateTypeChat with a chat template) can be
// created over REST.
type PromptVersionData struct {
	Description          *string              `json:"description,omitempty"`
	ModelProvider        string               `json:"model_provider"`
	ModelName            string               `json:"model_name"`
	Template             PromptTemplate       `json:"template"`
	TemplateType         string               `json:"template_type"`
	TemplateFormat       string               `json:"template_format"`
	InvocationParameters InvocationParameters `json:"invocation_parameters"`
	Tools                *PromptTools         `json:"tools,omitempty"`
	ResponseFormat       *ResponseFormat      `json:"response_format,omitempty"`
}

// PromptVersion is a stored prompt version. ID is a GlobalID
// ("PromptVersion:<n>"). The server always writes Description (as "" when
// there is none) and leaves out Tools and ResponseFormat when unset.
type PromptVersion struct {
	PromptVersionData
	ID string `json:"id"`
}

// PromptTemplate is a chat template (Type "chat", Messages) or a string
// template (Type "string", Template).
type PromptTemplate struct {
	Type     string
	Messages []PromptMessage
	Template string
}

// ChatTemplate returns a chat template of messages.
func ChatTemplate(messages ...PromptMessage) PromptTemplate {
	if messages == nil {
		messages = []PromptMessage{}
	}
	return PromptTemplate{Type: "chat", Messages: messages}
}

// MarshalJSON writes the template in the shape its type has.
func (t PromptTemplate) MarshalJSON() ([]byte, error) {
	switch t.Type {
	case "string":
		return json.Marshal(struct {
			Type     string `json:"type"`
			Template string `json:"template"`
		}{t.Type, t.Template})
	default:
		msgs := t.Messages
		if msgs == nil {
			msgs = []PromptMessage{}
		}
		return json.Marshal(struct {
			Type     string          `json:"type"`
			Messages []PromptMessage `json:"messages"`
		}{t.Type, msgs})
	}
}

// UnmarshalJSON reads either shape.
func (t *PromptTemplate) UnmarshalJSON(b []byte) error {
	var raw struct {
		Type     string          `json:"type"`
		Messages []PromptMessage `json:"messages"`
		Template string          `json:"template"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*t = PromptTemplate{Type: raw.Type, Messages: raw.Messages, Template: raw.Template}
	return nil
}

// PromptMessage is one message of a chat template.
type PromptMessage struct {
	Role    string         `json:"role"`
	Content MessageContent `json:"content"`
}

// TextMessage returns a message whose content is a plain string.
func TextMessage(role, text string) PromptMessage {
	return PromptMessage{Role: role, Content: MessageContent{Text: text}}
}

// MessageContent is a message's content: a plain string (Text), or, when
// Parts is non-nil, a list of parts.
type MessageContent struct {
	Text  string
	Parts []ContentPart
}

// MarshalJSON writes a string or a list.
func (c MessageContent) MarshalJSON() ([]byte, error) {
	if c.Parts != nil {
		return json.Marshal(c.Parts)
	}
	return json.Marshal(c.Text)
}

// UnmarshalJSON reads a string or a list.
func (c *MessageContent) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var parts []ContentPart
		if err := json.Unmarshal(b, &parts); err != nil {
			return err
		}
		if parts == nil {
			parts = []ContentPart{}
		}
		*c = MessageContent{Parts: parts}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*c = MessageContent{Text: s}
	return nil
}

// Content part types.
const (
	PartText       = "text"
	PartToolCall   = "tool_call"
	PartToolResult = "tool_result"
)

// ContentPart is one part of a message: text (Text), a tool call the
// model made (ToolCallID, ToolCall) or the result of one (ToolCallID,
// ToolResult: any JSON value, null included).
type ContentPart struct {
	Type       string
	Text       string
	ToolCallID string
	ToolCall   ToolCallFunction
	ToolResult json.RawMessage
}

// TextPart returns a text part.
func TextPart(text string) ContentPart { return ContentPart{Type: PartText, Text: text} }

// ToolCallFunction is the function a tool call invokes, with its
// arguments as a JSON text.
type ToolCallFunction struct {
	Type      string `json:"type"`
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// MarshalJSON writes the fields of the part's type.
func (p ContentPart) MarshalJSON() ([]byte, error) {
	switch p.Type {
	case PartToolCall:
		call := p.ToolCall
		if call.Type == "" {
			call.Type = "function"
		}
		return json.Marshal(struct {
			Type       string           `json:"type"`
			ToolCallID string           `json:"tool_call_id"`
			ToolCall   ToolCallFunction `json:"tool_call"`
		}{p.Type, p.ToolCallID, call})
	case PartToolResult:
		result := p.ToolResult
		if len(result) == 0 {
			result = json.RawMessage("null")
		}
		return json.Marshal(struct {
			Type       string          `json:"type"`
			ToolCallID string          `json:"tool_call_id"`
			ToolResult json.RawMessage `json:"tool_result"`
		}{p.Type, p.ToolCallID, result})
	default:
		return json.Marshal(struct {
			Type string `json:"type"`
			Text string `json:"text"`
		}{p.Type, p.Text})
	}
}

// UnmarshalJSON reads any part type.
func (p *ContentPart) UnmarshalJSON(b []byte) error {
	var raw struct {
		Type       string           `json:"type"`
		Text       string           `json:"text"`
		ToolCallID string           `json:"tool_call_id"`
		ToolCall   ToolCallFunction `json:"tool_call"`
		ToolResult json.RawMessage  `json:"tool_result"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*p = ContentPart{Type: raw.Type, Text: raw.Text, ToolCallID: raw.ToolCallID, ToolCall: raw.ToolCall, ToolResult: raw.ToolResult}
	return nil
}

// InvocationParameters are the model settings of a prompt version. Type
// names the provider family and selects the field that holds them:
// "openai" (and the OpenAI-compatible "azure_openai", "deepseek", "xai",
// "ollama", "cerebras", "fireworks", "groq", "moonshot", "perplexity",
// "together", which the server stores as "openai") uses OpenAI;
// "anthropic" Anthropic; "google" Google; "aws" AWS.
type InvocationParameters struct {
	Type      string
	OpenAI    *OpenAIInvocationParameters
	Anthropic *AnthropicInvocationParameters
	Google    *GoogleInvocationParameters
	AWS       *AWSInvocationParameters
}

// OpenAIParameters returns invocation parameters of type "openai".
func OpenAIParameters(p OpenAIInvocationParameters) InvocationParameters {
	return InvocationParameters{Type: "openai", OpenAI: &p}
}

// AnthropicParameters returns invocation parameters of type "anthropic".
func AnthropicParameters(p AnthropicInvocationParameters) InvocationParameters {
	return InvocationParameters{Type: "anthropic", Anthropic: &p}
}

// MarshalJSON writes {"type": T, T: {...}}.
func (p InvocationParameters) MarshalJSON() ([]byte, error) {
	var content any
	switch p.Type {
	case "anthropic":
		content = p.Anthropic
		if p.Anthropic == nil {
			content = struct{}{}
		}
	case "google":
		content = p.Google
		if p.Google == nil {
			content = struct{}{}
		}
	case "aws":
		content = p.AWS
		if p.AWS == nil {
			content = struct{}{}
		}
	default:
		content = p.OpenAI
		if p.OpenAI == nil {
			content = struct{}{}
		}
	}
	c, err := json.Marshal(content)
	if err != nil {
		return nil, err
	}
	typ, _ := json.Marshal(p.Type)
	return []byte(fmt.Sprintf(`{"type":%s,%s:%s}`, typ, typ, c)), nil
}

// UnmarshalJSON reads the parameters of any provider family.
func (p *InvocationParameters) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	var typ string
	if t, ok := raw["type"]; ok {
		if err := json.Unmarshal(t, &typ); err != nil {
			return fmt.Errorf("invocation_parameters.type: %w", err)
		}
	}
	*p = InvocationParameters{Type: typ}
	content := raw[typ]
	if len(content) == 0 || string(content) == "null" {
		content = []byte("{}")
	}
	var target any
	switch typ {
	case "anthropic":
		p.Anthropic = &AnthropicInvocationParameters{}
		target = p.Anthropic
	case "google":
		p.Google = &GoogleInvocationParameters{}
		target = p.Google
	case "aws":
		p.AWS = &AWSInvocationParameters{}
		target = p.AWS
	default:
		p.OpenAI = &OpenAIInvocationParameters{}
		target = p.OpenAI
	}
	return json.Unmarshal(content, target)
}

// OpenAIInvocationParameters are the settings of the OpenAI family. Nil
// fields are unset. ExtraBody holds further request fields, sent as they
// are.
type OpenAIInvocationParameters struct {
	Temperature         *float64        `json:"temperature,omitempty"`
	MaxTokens           *int64          `json:"max_tokens,omitempty"`
	MaxCompletionTokens *int64          `json:"max_completion_tokens,omitempty"`
	FrequencyPenalty    *float64        `json:"frequency_penalty,omitempty"`
	PresencePenalty     *float64        `json:"presence_penalty,omitempty"`
	TopP                *float64        `json:"top_p,omitempty"`
	Seed                *int64          `json:"seed,omitempty"`
	Stop                []string        `json:"stop,omitempty"`
	ReasoningEffort     string          `json:"reasoning_effort,omitempty"`
	ExtraBody           json.RawMessage `json:"extra_body,omitempty"`
}

// AnthropicInvocationParameters are Anthropic's settings; MaxTokens is
// required.
type AnthropicInvocationParameters struct {
	MaxTokens     int64                  `json:"max_tokens"`
	Temperature   *float64               `json:"temperature,omitempty"`
	TopP          *float64               `json:"top_p,omitempty"`
	StopSequences []string               `json:"stop_sequences,omitempty"`
	OutputConfig  *AnthropicOutputConfig `json:"output_config,omitempty"`
	Thinking      *AnthropicThinking     `json:"thinking,omitempty"`
	ExtraBody     json.RawMessage        `json:"extra_body,omitempty"`
}

// AnthropicOutputConfig sets the effort Anthropic's models spend.
type AnthropicOutputConfig struct {
	Effort string `json:"effort,omitempty"`
}

// AnthropicThinking configures extended thinking: Type "disabled",
// "enabled" (with BudgetTokens, at least 1024 and below max_tokens) or
// "adaptive".
type AnthropicThinking struct {
	Type         string `json:"type"`
	BudgetTokens *int64 `json:"budget_tokens,omitempty"`
	Display      string `json:"display,omitempty"`
}

// GoogleInvocationParameters are Google's settings.
type GoogleInvocationParameters struct {
	Temperature      *float64              `json:"temperature,omitempty"`
	MaxOutputTokens  *int64                `json:"max_output_tokens,omitempty"`
	StopSequences    []string              `json:"stop_sequences,omitempty"`
	PresencePenalty  *float64              `json:"presence_penalty,omitempty"`
	FrequencyPenalty *float64              `json:"frequency_penalty,omitempty"`
	TopP             *float64              `json:"top_p,omitempty"`
	TopK             *int64                `json:"top_k,omitempty"`
	ThinkingConfig   *GoogleThinkingConfig `json:"thinking_config,omitempty"`
}

// GoogleThinkingConfig configures Gemini's thinking.
type GoogleThinkingConfig struct {
	ThinkingBudget  *int64 `json:"thinking_budget,omitempty"`
	ThinkingLevel   string `json:"thinking_level,omitempty"`
	IncludeThoughts *bool  `json:"include_thoughts,omitempty"`
}

// AWSInvocationParameters are the settings of models on AWS Bedrock.
type AWSInvocationParameters struct {
	MaxTokens     *int64   `json:"max_tokens,omitempty"`
	Temperature   *float64 `json:"temperature,omitempty"`
	TopP          *float64 `json:"top_p,omitempty"`
	StopSequences []string `json:"stop_sequences,omitempty"`
}

// PromptTools are the tools a prompt offers the model, and how it may
// choose among them.
type PromptTools struct {
	Type                     string      `json:"type"` // "tools"
	Tools                    []Tool      `json:"tools"`
	ToolChoice               *ToolChoice `json:"tool_choice,omitempty"`
	DisableParallelToolCalls *bool       `json:"disable_parallel_tool_calls,omitempty"`
}

// Tool is a function the model may call (Type "function", Function), or a
// provider's own tool definition passed through as it is (Type "raw",
// Raw).
type Tool struct {
	Type     string
	Function FunctionDefinition
	Raw      json.RawMessage
}

// FunctionTool returns a tool of type "function".
func FunctionTool(f FunctionDefinition) Tool { return Tool{Type: "function", Function: f} }

// FunctionDefinition describes a function tool. Parameters is a JSON
// Schema object; its key order is kept.
type FunctionDefinition struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
	Strict      *bool           `json:"strict,omitempty"`
}

// MarshalJSON writes the fields of the tool's type.
func (t Tool) MarshalJSON() ([]byte, error) {
	if t.Type == "raw" {
		raw := t.Raw
		if len(raw) == 0 {
			raw = json.RawMessage("{}")
		}
		return json.Marshal(struct {
			Type string          `json:"type"`
			Raw  json.RawMessage `json:"raw"`
		}{t.Type, raw})
	}
	return json.Marshal(struct {
		Type     string             `json:"type"`
		Function FunctionDefinition `json:"function"`
	}{t.Type, t.Function})
}

// UnmarshalJSON reads either tool type.
func (t *Tool) UnmarshalJSON(b []byte) error {
	var raw struct {
		Type     string             `json:"type"`
		Function FunctionDefinition `json:"function"`
		Raw      json.RawMessage    `json:"raw"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*t = Tool{Type: raw.Type, Function: raw.Function, Raw: raw.Raw}
	return nil
}

// Tool choices: the model may call no tool, any number, at least one, or
// exactly the named function.
const (
	ToolChoiceNone             = "none"
	ToolChoiceZeroOrMore       = "zero_or_more"
	ToolChoiceOneOrMore        = "one_or_more"
	ToolChoiceSpecificFunction = "specific_function"
)

// ToolChoice says which tools the model may call; FunctionName is set for
// ToolChoiceSpecificFunction only.
type ToolChoice struct {
	Type         string `json:"type"`
	FunctionName string `json:"function_name,omitempty"`
}

// ResponseFormat asks for output matching a JSON Schema; Type is
// "json_schema".
type ResponseFormat struct {
	Type       string                   `json:"type"`
	JSONSchema ResponseFormatJSONSchema `json:"json_schema"`
}

// ResponseFormatJSONSchema names the schema of a ResponseFormat. Schema's
// key order is kept.
type ResponseFormatJSONSchema struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Schema      json.RawMessage `json:"schema,omitempty"`
	Strict      *bool           `json:"strict,omitempty"`
}

// PromptVersionTag names one version of a prompt; a tag name is unique
// within its prompt.
type PromptVersionTag struct {
	Name        string  `json:"name"`
	Description *string `json:"description,omitempty"`
	ID          string  `json:"id"`
}

// PromptVersionTagData is the body of POST
// /v1/prompt_versions/{prompt_version_id}/tags. The name must match
// ^[a-z0-9]([_a-z0-9-]*[a-z0-9])?$; a tag of that name on another version
// of the prompt moves to this one.
type PromptVersionTagData struct {
	Name        string  `json:"name"`
	Description *string `json:"description,omitempty"`
}

// PatchPromptRequest is the body of PATCH /v1/prompts/{prompt_identifier};
// the reply is an Envelope[Prompt]. A nil Description and a nil Metadata
// leave them as they are; ClearDescription sends a null description,
// which removes it. At least one change must be asked for.
type PatchPromptRequest struct {
	Description      *string
	ClearDescription bool
	Metadata         map[string]any
}

// MarshalJSON writes only the fields that change.
func (r PatchPromptRequest) MarshalJSON() ([]byte, error) {
	body := map[string]any{}
	if r.ClearDescription {
		body["description"] = nil
	} else if r.Description != nil {
		body["description"] = *r.Description
	}
	if r.Metadata != nil {
		body["metadata"] = r.Metadata
	}
	return json.Marshal(body)
}
