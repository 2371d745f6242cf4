package httpapi

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/emberhq/ember"
)

// Dataset exports stream a version's examples straight from the database
// cursor to the reply, so memory does not grow with the dataset. The CSV
// export reads the examples twice: once for its columns, once for its rows.

// exportOf resolves the dataset and version of an export route. Exports
// answer 422 for every dataset they cannot find, as Phoenix does.
func (h *Handler) exportOf(w http.ResponseWriter, r *http.Request) (*ember.Dataset, *ember.DatasetVersion, bool) {
	raw := r.PathValue("id")
	id, ok := globalIDOf(w, raw, "Dataset", http.StatusUnprocessableEntity)
	if !ok {
		return nil, nil, false
	}
	d, err := h.Datasets.FindDatasetByID(r.Context(), id)
	if ember.ErrorCode(err) == ember.ENOTFOUND {
		WriteText(w, http.StatusUnprocessableEntity, "Dataset does not exist.")
		return nil, nil, false
	} else if err != nil {
		h.Error(w, r, err)
		return nil, nil, false
	}
	v, ok := h.versionOf(w, r, d, http.StatusUnprocessableEntity)
	return d, v, ok
}

// attachment sets the headers of a download named name.ext.
func attachment(w http.ResponseWriter, contentType, name, ext string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+quoteFilename(name+"."+ext))
}

// quoteFilename percent-encodes every byte but ASCII letters, digits and
// "_.-~/", as RFC 5987 filenames are usually written.
func quoteFilename(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("_.-~/", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// streamExamples writes one output per example with write, aborting the
// reply if the database fails after the status is sent.
func (h *Handler) streamExamples(w http.ResponseWriter, r *http.Request, filter ember.ExampleFilter, write func(bw *bufio.Writer, e *ember.DatasetExample) error) {
	startStream(w)
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := h.Datasets.EachExample(r.Context(), filter, func(e *ember.DatasetExample) error { return write(bw, e) }); err != nil {
		h.logger().Error("stream dataset export", "dataset", filter.DatasetID, "err", err)
		panic(http.ErrAbortHandler)
	}
	_ = bw.Flush()
}

// startStream sends the status and headers of a streamed download at once.
// Sending them before the body also tells a compressing middleware that the
// length is unknown, so downloads are compressed whatever their size.
func startStream(w http.ResponseWriter) {
	w.WriteHeader(http.StatusOK)
	_ = http.NewResponseController(w).Flush()
}

// jsonLine writes v as one line of JSON, without escaping HTML or non-ASCII.
func jsonLine(bw *bufio.Writer, v any) error {
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func (h *Handler) handleDatasetJSONL(w http.ResponseWriter, r *http.Request) {
	d, v, ok := h.exportOf(w, r)
	if !ok {
		return
	}
	attachment(w, "text/plain; charset=utf-8", d.Name, "jsonl")
	type line struct {
		ID       string          `json:"id"`
		NodeID   string          `json:"node_id"`
		Input    json.RawMessage `json:"input"`
		Output   json.RawMessage `json:"output"`
		Metadata json.RawMessage `json:"metadata"`
		Splits   []string        `json:"splits"`
	}
	h.streamExamples(w, r, ember.ExampleFilter{DatasetID: d.ID, VersionID: v.ID, WithSplits: true}, func(bw *bufio.Writer, e *ember.DatasetExample) error {
		ex := toExampleJSON(e)
		splits := e.Splits
		if splits == nil {
			splits = []string{}
		}
		return jsonLine(bw, line{ex.ID, ex.NodeID, ex.Input, ex.Output, ex.Metadata, splits})
	})
}

// messagesOf returns obj[key] when it is a JSON array, else nil.
func messagesOf(obj map[string]json.RawMessage, key string) []json.RawMessage {
	var list []json.RawMessage
	if err := json.Unmarshal(obj[key], &list); err != nil {
		return nil
	}
	return list
}

func jsonObject(raw json.RawMessage) map[string]json.RawMessage {
	var obj map[string]json.RawMessage
	_ = json.Unmarshal(raw, &obj)
	return obj
}

// truthy reports whether a JSON value is truthy as Python sees it.
func truthy(raw json.RawMessage) bool {
	switch s := strings.TrimSpace(string(raw)); s {
	case "", "null", "false", "0", "0.0", `""`, "[]", "{}":
		return false
	default:
		return true
	}
}

func (h *Handler) handleDatasetOpenAIFineTuning(w http.ResponseWriter, r *http.Request) {
	d, v, ok := h.exportOf(w, r)
	if !ok {
		return
	}
	attachment(w, "text/plain; charset=utf-8", d.Name, "jsonl")
	h.streamExamples(w, r, ember.ExampleFilter{DatasetID: d.ID, VersionID: v.ID}, func(bw *bufio.Writer, e *ember.DatasetExample) error {
		return jsonLine(bw, openAIFineTuningLine(e))
	})
}

// openAIFineTuningLine is {"messages": input.messages + output.messages},
// with "tools": input.tools when that is truthy.
func openAIFineTuningLine(e *ember.DatasetExample) any {
	in, out := jsonObject(e.Input), jsonObject(e.Output)
	messages := append(messagesOf(in, "messages"), messagesOf(out, "messages")...)
	if messages == nil {
		messages = []json.RawMessage{}
	}
	if tools := in["tools"]; truthy(tools) {
		return struct {
			Messages []json.RawMessage `json:"messages"`
			Tools    json.RawMessage   `json:"tools"`
		}{messages, tools}
	}
	return struct {
		Messages []json.RawMessage `json:"messages"`
	}{messages}
}

func (h *Handler) handleDatasetOpenAIEvals(w http.ResponseWriter, r *http.Request) {
	d, v, ok := h.exportOf(w, r)
	if !ok {
		return
	}
	attachment(w, "text/plain; charset=utf-8", d.Name, "jsonl")
	h.streamExamples(w, r, ember.ExampleFilter{DatasetID: d.ID, VersionID: v.ID}, func(bw *bufio.Writer, e *ember.DatasetExample) error {
		return jsonLine(bw, openAIEvalsLine(e))
	})
}

// openAIEvalsLine is {"messages": input.messages or [], "ideal": the content
// of the last output message when it is a string, else ""}.
func openAIEvalsLine(e *ember.DatasetExample) any {
	messages := messagesOf(jsonObject(e.Input), "messages")
	if messages == nil {
		messages = []json.RawMessage{}
	}
	ideal := ""
	if out := messagesOf(jsonObject(e.Output), "messages"); len(out) > 0 {
		var content string
		if err := json.Unmarshal(jsonObject(out[len(out)-1])["content"], &content); err == nil {
			ideal = content
		}
	}
	return struct {
		Messages []json.RawMessage `json:"messages"`
		Ideal    string            `json:"ideal"`
	}{messages, ideal}
}

// csvColumns collects, in order of first appearance, the flattened keys of
// one part of the examples.
type csvColumns struct {
	order []string
	seen  map[string]bool
}

func (c *csvColumns) add(key string) {
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	if !c.seen[key] {
		c.seen[key] = true
		c.order = append(c.order, key)
	}
}

// flattenJSON calls fn for each leaf of a JSON object: nested objects are
// walked with dotted keys, anything else (lists included) is a leaf.
func flattenJSON(prefix string, raw json.RawMessage, fn func(key string, value json.RawMessage)) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		if prefix != "" {
			fn(prefix, raw)
		}
		return
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return
		}
		key := k.(string)
		if prefix != "" {
			key = prefix + "." + key
		}
		if t := bytes.TrimSpace(v); len(t) > 0 && t[0] == '{' && len(t) > 2 {
			flattenJSON(key, v, fn)
		} else {
			fn(key, v)
		}
	}
}

// csvCell renders a JSON leaf: strings as themselves, null as blank,
// anything else as JSON.
func csvCell(v json.RawMessage) string {
	t := bytes.TrimSpace(v)
	if string(t) == "null" {
		return ""
	}
	if len(t) > 0 && t[0] == '"' {
		var s string
		if json.Unmarshal(t, &s) == nil {
			return s
		}
	}
	return string(t)
}

// handleDatasetCSV writes columns id, node_id, input.<k>, output.<k>,
// metadata.<k> (nested objects flattened with dots, lists as JSON), and
// splits (a JSON list of names) when any example is in a split. An empty
// dataset is an empty body.
func (h *Handler) handleDatasetCSV(w http.ResponseWriter, r *http.Request) {
	d, v, ok := h.exportOf(w, r)
	if !ok {
		return
	}
	filter := ember.ExampleFilter{DatasetID: d.ID, VersionID: v.ID, WithSplits: true}
	var cols [3]csvColumns
	anySplits, any := false, false
	parts := func(e *ember.DatasetExample) [3]json.RawMessage {
		return [3]json.RawMessage{e.Input, e.Output, e.Metadata}
	}
	prefixes := [3]string{"input", "output", "metadata"}
	err := h.Datasets.EachExample(r.Context(), filter, func(e *ember.DatasetExample) error {
		any = true
		anySplits = anySplits || len(e.Splits) > 0
		for i, p := range parts(e) {
			flattenJSON(prefixes[i], p, func(key string, _ json.RawMessage) { cols[i].add(key) })
		}
		return nil
	})
	if err != nil {
		h.Error(w, r, err)
		return
	}
	attachment(w, "text/csv", d.Name, "csv")
	if !any {
		startStream(w)
		return
	}
	header := []string{"id", "node_id"}
	index := map[string]int{}
	for _, c := range cols {
		for _, k := range c.order {
			index[k] = len(header)
			header = append(header, k)
		}
	}
	if anySplits {
		header = append(header, "splits")
	}
	record := make([]string, len(header))
	var cw *csv.Writer
	defer func() {
		if cw != nil {
			cw.Flush() // into streamExamples' buffer, flushed after
		}
	}()
	h.streamExamples(w, r, filter, func(bw *bufio.Writer, e *ember.DatasetExample) error {
		if cw == nil {
			cw = csv.NewWriter(bw)
			if err := cw.Write(header); err != nil {
				return err
			}
		}
		clear(record)
		node := ember.GlobalID("DatasetExample", e.ID)
		record[0], record[1] = node, node
		if e.ExternalID != "" {
			record[0] = e.ExternalID
		}
		for i, p := range parts(e) {
			flattenJSON(prefixes[i], p, func(key string, value json.RawMessage) {
				if at, ok := index[key]; ok {
					record[at] = csvCell(value)
				}
			})
		}
		if anySplits {
			splits := e.Splits
			if splits == nil {
				splits = []string{}
			}
			b, _ := json.Marshal(splits)
			record[len(record)-1] = string(b)
		}
		return cw.Write(record)
	})
}
