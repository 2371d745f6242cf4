package semconv

// ToolAttrs returns the attributes of a TOOL span executing the tool name
// with arguments and producing output: its kind, tool.name,
// tool.parameters (the arguments as JSON text), and the arguments and output
// as the span's input and output (see EncodeValue). A nil arguments or
// output leaves the corresponding attributes out.
func ToolAttrs(name string, arguments, output any) []Attr {
	attrs := []Attr{SpanKindTool.Attr(), {ToolNameKey, name}}
	if arguments != nil {
		attrs = append(attrs, Attr{ToolParametersKey, JSONText(arguments)})
		attrs = append(attrs, Input(EncodeValue(arguments))...)
	}
	if output != nil {
		attrs = append(attrs, Output(EncodeValue(output))...)
	}
	return attrs
}
