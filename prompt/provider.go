package prompt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/emberhq/ember/api"
)

// ordered is a JSON object that keeps the order its members were set in.
type ordered struct {
	keys []string
	vals map[string]any
}

func newOrdered() *ordered { return &ordered{vals: map[string]any{}} }

// set adds or replaces a member; a nil value (nil pointers included) is
// skipped.
func (o *ordered) set(key string, v any) {
	switch x := v.(type) {
	case nil:
		return
	case *float64:
		if x == nil {
			return
		}
	case *int64:
		if x == nil {
			return
		}
	case *bool:
		if x == nil {
			return
		}
	case *api.AnthropicThinking:
		if x == nil {
			return
		}
	}
	if _, ok := o.vals[key]; !ok {
		o.keys = append(o.keys, key)
	}
	o.vals[key] = v
}

// merge sets every member of a JSON object, in its order.
func (o *ordered) merge(raw json.RawMessage) error {
	if len(raw) == 0 {
		return nil
	}
	n, err := parseJSON(raw)
	if err != nil {
		return err
	}
	if n.kind != kindObject {
		return errors.New("extra_body is not a JSON object")
	}
	for _, m := range n.obj {
		o.set(m.key, m.val.raw())
	}
	return nil
}

func (o *ordered) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		buf.Write(kb)
		buf.WriteByte(':')
		vb, err := json.Marshal(o.vals[k])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		buf.Write(vb)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// chatMessages returns the messages of a formatted version; a string
// template reads as one user message.
func chatMessages(v *api.PromptVersion) []api.PromptMessage {
	if v.Template.Type == "string" {
		return []api.PromptMessage{api.TextMessage(api.RoleUser, v.Template.Template)}
	}
	return v.Template.Messages
}

// toolResultText is a tool result as the text providers take: a string as
// it is, anything else as JSON.
func toolResultText(raw json.RawMessage) string {
	var s string
	if len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
		return s
	}
	if len(raw) == 0 {
		return "null"
	}
	return string(raw)
}

// OpenAIChatCompletion formats a prompt version with vars and returns the
// body of a request to OpenAI's chat completions API (POST
// /v1/chat/completions), which OpenAI-compatible providers also take:
// model, messages (system and developer messages kept as such, assistant
// tool calls as tool_calls, each tool result as a tool message), the
// invocation parameters (those of another provider mapped where OpenAI has
// an equivalent), tools, tool_choice, parallel_tool_calls and
// response_format. extra_body members are added last, as OpenAI's SDKs
// add them. A missing variable is a *MissingVariablesError.
func OpenAIChatCompletion(v *api.PromptVersion, vars Variables) (json.RawMessage, error) {
	f, err := Format(v, vars)
	if err != nil {
		return nil, err
	}
	body := newOrdered()
	body.set("model", f.ModelName)
	var messages []any
	for i, m := range chatMessages(f) {
		msgs, err := openAIMessages(m)
		if err != nil {
			return nil, fmt.Errorf("message %d: %w", i, err)
		}
		messages = append(messages, msgs...)
	}
	if messages == nil {
		messages = []any{}
	}
	body.set("messages", messages)

	var extra json.RawMessage
	p := f.InvocationParameters
	switch {
	case p.Anthropic != nil:
		a := p.Anthropic
		body.set("temperature", a.Temperature)
		body.set("max_completion_tokens", a.MaxTokens)
		body.set("top_p", a.TopP)
		body.set("stop", nonEmpty(a.StopSequences))
	case p.Google != nil:
		g := p.Google
		body.set("temperature", g.Temperature)
		body.set("max_completion_tokens", g.MaxOutputTokens)
		body.set("frequency_penalty", g.FrequencyPenalty)
		body.set("presence_penalty", g.PresencePenalty)
		body.set("top_p", g.TopP)
		body.set("stop", nonEmpty(g.StopSequences))
	case p.AWS != nil:
		a := p.AWS
		body.set("temperature", a.Temperature)
		body.set("max_tokens", a.MaxTokens)
		body.set("top_p", a.TopP)
		body.set("stop", nonEmpty(a.StopSequences))
	case p.OpenAI != nil:
		o := p.OpenAI
		body.set("temperature", o.Temperature)
		body.set("max_tokens", o.MaxTokens)
		body.set("max_completion_tokens", o.MaxCompletionTokens)
		body.set("frequency_penalty", o.FrequencyPenalty)
		body.set("presence_penalty", o.PresencePenalty)
		body.set("top_p", o.TopP)
		body.set("seed", o.Seed)
		body.set("stop", nonEmpty(o.Stop))
		if o.ReasoningEffort != "" {
			body.set("reasoning_effort", o.ReasoningEffort)
		}
		extra = o.ExtraBody
	}

	if t := f.Tools; t != nil && len(t.Tools) > 0 {
		tools := make([]any, len(t.Tools))
		for i, tool := range t.Tools {
			if tool.Type == "raw" {
				tools[i] = tool.Raw
				continue
			}
			fn := newOrdered()
			fn.set("name", tool.Function.Name)
			if tool.Function.Description != "" {
				fn.set("description", tool.Function.Description)
			}
			if len(tool.Function.Parameters) > 0 {
				fn.set("parameters", tool.Function.Parameters)
			}
			fn.set("strict", tool.Function.Strict)
			def := newOrdered()
			def.set("type", "function")
			def.set("function", fn)
			tools[i] = def
		}
		body.set("tools", tools)
		if c := t.ToolChoice; c != nil {
			switch c.Type {
			case api.ToolChoiceNone:
				body.set("tool_choice", "none")
			case api.ToolChoiceZeroOrMore:
				body.set("tool_choice", "auto")
			case api.ToolChoiceOneOrMore:
				body.set("tool_choice", "required")
			case api.ToolChoiceSpecificFunction:
				body.set("tool_choice", map[string]any{"type": "function", "function": map[string]any{"name": c.FunctionName}})
			}
		}
		if t.DisableParallelToolCalls != nil {
			body.set("parallel_tool_calls", !*t.DisableParallelToolCalls)
		}
	}
	if rf := f.ResponseFormat; rf != nil {
		js := newOrdered()
		js.set("name", rf.JSONSchema.Name)
		if rf.JSONSchema.Description != "" {
			js.set("description", rf.JSONSchema.Description)
		}
		if len(rf.JSONSchema.Schema) > 0 {
			js.set("schema", rf.JSONSchema.Schema)
		}
		js.set("strict", rf.JSONSchema.Strict)
		format := newOrdered()
		format.set("type", "json_schema")
		format.set("json_schema", js)
		body.set("response_format", format)
	}
	if err := body.merge(extra); err != nil {
		return nil, err
	}
	return json.Marshal(body)
}

func nonEmpty(s []string) any {
	if len(s) == 0 {
		return nil
	}
	return s
}

// openAIMessages converts one prompt message; a message with tool results
// becomes one tool message per result.
func openAIMessages(m api.PromptMessage) ([]any, error) {
	role := m.Role
	switch role {
	case api.RoleAI, api.RoleModel:
		role = api.RoleAssistant
	}
	if m.Content.Parts == nil {
		if role == api.RoleTool {
			return nil, errors.New("a tool message needs a tool_result part that names its tool call")
		}
		msg := newOrdered()
		msg.set("role", role)
		msg.set("content", m.Content.Text)
		return []any{msg}, nil
	}
	var texts, calls, results []any
	for _, p := range m.Content.Parts {
		switch p.Type {
		case api.PartText:
			texts = append(texts, map[string]any{"type": "text", "text": p.Text})
		case api.PartToolCall:
			if role != api.RoleAssistant {
				return nil, fmt.Errorf("tool call %q: only assistant messages make tool calls", p.ToolCallID)
			}
			fn := newOrdered()
			fn.set("name", p.ToolCall.Name)
			fn.set("arguments", p.ToolCall.Arguments)
			call := newOrdered()
			call.set("id", p.ToolCallID)
			call.set("type", "function")
			call.set("function", fn)
			calls = append(calls, call)
		case api.PartToolResult:
			msg := newOrdered()
			msg.set("role", api.RoleTool)
			msg.set("tool_call_id", p.ToolCallID)
			msg.set("content", toolResultText(p.ToolResult))
			results = append(results, msg)
		}
	}
	if role == api.RoleTool {
		if len(results) == 0 {
			return nil, errors.New("a tool message needs a tool_result part that names its tool call")
		}
		return results, nil
	}
	var out []any
	if len(texts) > 0 || len(calls) > 0 {
		msg := newOrdered()
		msg.set("role", role)
		if len(texts) > 0 {
			msg.set("content", texts)
		}
		if len(calls) > 0 {
			msg.set("tool_calls", calls)
		}
		out = append(out, msg)
	}
	return append(out, results...), nil
}

// defaultAnthropicMaxTokens is max_tokens, which Anthropic requires, when
// the prompt's parameters set no limit.
const defaultAnthropicMaxTokens = 1024

// AnthropicMessages formats a prompt version with vars and returns the
// body of a request to Anthropic's messages API (POST /v1/messages):
// model, max_tokens (1024 when the parameters set no limit), system (the
// system and developer messages' text), messages (tool calls as tool_use
// blocks with their arguments as an object, tool results as tool_result
// blocks in a user turn), the invocation parameters (those of another
// provider mapped where Anthropic has an equivalent), tools, tool_choice
// and, for a response format, output_config.format. extra_body members
// are added last. A missing variable is a *MissingVariablesError.
func AnthropicMessages(v *api.PromptVersion, vars Variables) (json.RawMessage, error) {
	f, err := Format(v, vars)
	if err != nil {
		return nil, err
	}
	body := newOrdered()
	body.set("model", f.ModelName)

	var (
		maxTokens   *int64
		temperature *float64
		topP        *float64
		stop        []string
		thinking    *api.AnthropicThinking
		effort      string
		extra       json.RawMessage
	)
	p := f.InvocationParameters
	switch {
	case p.Anthropic != nil:
		a := p.Anthropic
		mt := a.MaxTokens
		maxTokens, temperature, topP, stop, thinking, extra = &mt, a.Temperature, a.TopP, a.StopSequences, a.Thinking, a.ExtraBody
		if a.OutputConfig != nil {
			effort = a.OutputConfig.Effort
		}
	case p.Google != nil:
		g := p.Google
		maxTokens, temperature, topP, stop = g.MaxOutputTokens, g.Temperature, g.TopP, g.StopSequences
	case p.AWS != nil:
		a := p.AWS
		maxTokens, temperature, topP, stop = a.MaxTokens, a.Temperature, a.TopP, a.StopSequences
	case p.OpenAI != nil:
		o := p.OpenAI
		maxTokens, temperature, topP, stop = o.MaxCompletionTokens, o.Temperature, o.TopP, o.Stop
		if maxTokens == nil {
			maxTokens = o.MaxTokens
		}
	}
	if maxTokens == nil {
		d := int64(defaultAnthropicMaxTokens)
		maxTokens = &d
	}
	body.set("max_tokens", maxTokens)

	var system []string
	var messages []any
	for i, m := range chatMessages(f) {
		if m.Role == api.RoleSystem || m.Role == api.RoleDeveloper {
			if m.Content.Parts == nil {
				system = append(system, m.Content.Text)
			}
			for _, part := range m.Content.Parts {
				if part.Type == api.PartText {
					system = append(system, part.Text)
				}
			}
			continue
		}
		msg, err := anthropicMessage(m)
		if err != nil {
			return nil, fmt.Errorf("message %d: %w", i, err)
		}
		messages = append(messages, msg)
	}
	switch len(system) {
	case 0:
	case 1:
		body.set("system", system[0])
	default:
		blocks := make([]any, len(system))
		for i, s := range system {
			blocks[i] = map[string]any{"type": "text", "text": s}
		}
		body.set("system", blocks)
	}
	if messages == nil {
		messages = []any{}
	}
	body.set("messages", messages)
	body.set("temperature", temperature)
	body.set("top_p", topP)
	body.set("stop_sequences", nonEmpty(stop))
	body.set("thinking", thinking)

	output := newOrdered()
	if effort != "" {
		output.set("effort", effort)
	}
	if rf := f.ResponseFormat; rf != nil {
		format := newOrdered()
		format.set("type", "json_schema")
		schema := rf.JSONSchema.Schema
		if len(schema) == 0 {
			schema = json.RawMessage(`{"type":"object"}`)
		}
		format.set("schema", schema)
		output.set("format", format)
	}
	if len(output.keys) > 0 {
		body.set("output_config", output)
	}

	if t := f.Tools; t != nil && len(t.Tools) > 0 {
		tools := make([]any, len(t.Tools))
		for i, tool := range t.Tools {
			if tool.Type == "raw" {
				tools[i] = tool.Raw
				continue
			}
			def := newOrdered()
			def.set("name", tool.Function.Name)
			if tool.Function.Description != "" {
				def.set("description", tool.Function.Description)
			}
			schema := tool.Function.Parameters
			if len(schema) == 0 {
				schema = json.RawMessage(`{"type":"object","properties":{}}`)
			}
			def.set("input_schema", schema)
			def.set("strict", tool.Function.Strict)
			tools[i] = def
		}
		body.set("tools", tools)
		choice := newOrdered()
		if c := t.ToolChoice; c != nil {
			switch c.Type {
			case api.ToolChoiceNone:
				choice.set("type", "none")
			case api.ToolChoiceZeroOrMore:
				choice.set("type", "auto")
			case api.ToolChoiceOneOrMore:
				choice.set("type", "any")
			case api.ToolChoiceSpecificFunction:
				choice.set("type", "tool")
				choice.set("name", c.FunctionName)
			}
		}
		if d := t.DisableParallelToolCalls; d != nil && (t.ToolChoice == nil || t.ToolChoice.Type != api.ToolChoiceNone) {
			if len(choice.keys) == 0 {
				choice.set("type", "auto")
			}
			choice.set("disable_parallel_tool_use", *d)
		}
		if len(choice.keys) > 0 {
			body.set("tool_choice", choice)
		}
	}
	if err := body.merge(extra); err != nil {
		return nil, err
	}
	return json.Marshal(body)
}

// anthropicMessage converts a user, assistant or tool message.
func anthropicMessage(m api.PromptMessage) (any, error) {
	role := api.RoleUser
	switch m.Role {
	case api.RoleAssistant, api.RoleAI, api.RoleModel:
		role = api.RoleAssistant
	}
	msg := newOrdered()
	msg.set("role", role)
	if m.Content.Parts == nil {
		if m.Role == api.RoleTool {
			return nil, errors.New("a tool message needs a tool_result part that names its tool call")
		}
		msg.set("content", m.Content.Text)
		return msg, nil
	}
	blocks := make([]any, 0, len(m.Content.Parts))
	for _, p := range m.Content.Parts {
		block := newOrdered()
		switch p.Type {
		case api.PartText:
			block.set("type", "text")
			block.set("text", p.Text)
		case api.PartToolCall:
			if role != api.RoleAssistant {
				return nil, fmt.Errorf("tool call %q: only assistant messages make tool calls", p.ToolCallID)
			}
			input := json.RawMessage(p.ToolCall.Arguments)
			if len(bytes.TrimSpace(input)) == 0 {
				input = json.RawMessage("{}")
			}
			if n, err := parseJSON(input); err != nil || n.kind != kindObject {
				return nil, fmt.Errorf("tool call %q: its arguments are not a JSON object, which Anthropic's tool_use input must be", p.ToolCallID)
			} else {
				input = n.raw()
			}
			block.set("type", "tool_use")
			block.set("id", p.ToolCallID)
			block.set("name", p.ToolCall.Name)
			block.set("input", input)
		case api.PartToolResult:
			if role == api.RoleAssistant {
				return nil, fmt.Errorf("tool result %q: tool results go in a tool or user message", p.ToolCallID)
			}
			block.set("type", "tool_result")
			block.set("tool_use_id", p.ToolCallID)
			block.set("content", toolResultText(p.ToolResult))
		default:
			continue
		}
		blocks = append(blocks, block)
	}
	if m.Role == api.RoleTool {
		hasResult := false
		for _, p := range m.Content.Parts {
			hasResult = hasResult || p.Type == api.PartToolResult
		}
		if !hasResult {
			return nil, errors.New("a tool message needs a tool_result part that names its tool call")
		}
	}
	msg.set("content", blocks)
	return msg, nil
}
