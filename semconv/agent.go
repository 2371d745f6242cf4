package semconv

// AgentAttrs returns the attributes of an AGENT span: its kind and
// agent.name.
func AgentAttrs(name string) []Attr {
	return []Attr{SpanKindAgent.Attr(), {AgentNameKey, name}}
}

// GraphNode returns the graph.node.* attributes that place a span in an
// agent's execution graph. Empty name and parentID are left out; an empty
// parentID marks the root node.
func GraphNode(id, name, parentID string) []Attr {
	attrs := []Attr{{GraphNodeIDKey, id}}
	if name != "" {
		attrs = append(attrs, Attr{GraphNodeNameKey, name})
	}
	if parentID != "" {
		attrs = append(attrs, Attr{GraphNodeParentIDKey, parentID})
	}
	return attrs
}
