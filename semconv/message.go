package semconv

// Message is one chat message sent to or received from a model.
type Message struct {
	// Role is who wrote the message: "system", "user", "assistant",
	// "tool", …
	Role string
	// Content is the text of the message. Leave it empty and use Parts for
	// multimodal messages.
	Content string
	// Parts are the parts of a multimodal message, in order.
	Parts []MessagePart
	// Name is the optional name of the author (OpenAI's name field).
	Name string
	// ToolCalls are the tool calls an assistant message requests.
	ToolCalls []ToolCall
	// ToolCallID is, on a tool-result message, the id of the call it
	// answers.
	ToolCallID string
}

// MessagePart is one part of a multimodal message.
type MessagePart struct {
	// Type is "text" or "image"; when empty it is inferred from which of
	// Text and ImageURL is set.
	Type string
	// Text is the text of a text part.
	Text string
	// ImageURL is an http(s) URL or a data: URL holding the image of an
	// image part.
	ImageURL string
}

// ToolCall is a tool or function call requested by a model.
type ToolCall struct {
	ID   string
	Name string
	// Arguments are the call's arguments as JSON text, exactly as the model
	// produced them.
	Arguments string
}

// InputMessages returns the llm.input_messages attributes of msgs.
func InputMessages(msgs []Message) []Attr {
	return appendMessages(nil, LLMInputMessagesKey, msgs)
}

// OutputMessages returns the llm.output_messages attributes of msgs.
func OutputMessages(msgs []Message) []Attr {
	return appendMessages(nil, LLMOutputMessagesKey, msgs)
}

func appendMessages(dst []Attr, prefix string, msgs []Message) []Attr {
	for i, m := range msgs {
		dst = m.appendAttrs(dst, Indexed(prefix, i, ""))
	}
	return dst
}

// appendAttrs appends the attributes of m, each key prefixed by base
// (which ends with a dot). Empty fields are left out.
func (m Message) appendAttrs(dst []Attr, base string) []Attr {
	if m.Role != "" {
		dst = append(dst, Attr{base + MessageRoleKey, m.Role})
	}
	if m.Content != "" {
		dst = append(dst, Attr{base + MessageContentKey, m.Content})
	}
	for j, p := range m.Parts {
		dst = p.appendAttrs(dst, base+MessagePartKey(j, ""))
	}
	if m.Name != "" {
		dst = append(dst, Attr{base + MessageNameKey, m.Name})
	}
	for j, c := range m.ToolCalls {
		dst = c.appendAttrs(dst, base+MessageToolCallKey(j, ""))
	}
	if m.ToolCallID != "" {
		dst = append(dst, Attr{base + MessageToolCallIDKey, m.ToolCallID})
	}
	return dst
}

func (p MessagePart) appendAttrs(dst []Attr, base string) []Attr {
	typ := p.Type
	if typ == "" {
		switch {
		case p.ImageURL != "":
			typ = "image"
		case p.Text != "":
			typ = "text"
		}
	}
	if typ != "" {
		dst = append(dst, Attr{base + MessageContentTypeKey, typ})
	}
	if p.Text != "" {
		dst = append(dst, Attr{base + MessageContentTextKey, p.Text})
	}
	if p.ImageURL != "" {
		// The image is an object of its own: message_content.image.image.url.
		dst = append(dst, Attr{base + MessageContentImageKey + "." + ImageURLKey, p.ImageURL})
	}
	return dst
}

func (c ToolCall) appendAttrs(dst []Attr, base string) []Attr {
	if c.ID != "" {
		dst = append(dst, Attr{base + ToolCallIDKey, c.ID})
	}
	if c.Name != "" {
		dst = append(dst, Attr{base + ToolCallFunctionNameKey, c.Name})
	}
	if c.Arguments != "" {
		dst = append(dst, Attr{base + ToolCallFunctionArgumentsKey, c.Arguments})
	}
	return dst
}
