package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/emberhq/ember"
)

// funcs are the template functions.
func (h *Handler) funcs() template.FuncMap {
	return template.FuncMap{
		"asset": func(name string) string { return h.RootPath + h.asset[name] },
		// link is a UI path with the time range and extra key/value
		// pairs as its query ("" values are left out).
		"link": func(tr timeRange, p string, kv ...string) string {
			v := tr.values()
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i+1] != "" {
					v.Set(kv[i], kv[i+1])
				}
			}
			u := h.RootPath + p
			if len(v) > 0 {
				u += "?" + v.Encode()
			}
			return u
		},
		"path":     func(p string) string { return h.RootPath + p },
		"pathEsc":  url.PathEscape,
		"utc":      func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") },
		"iso":      func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) },
		"ms":       formatMS,
		"spanMS":   func(s *ember.Span) string { return formatMS(s.LatencyMS()) },
		"num":      formatInt,
		"cost":     formatCost,
		"kindAbbr": kindAbbr,
		"lower":    strings.ToLower,
		"pct":      func(f float64) string { return strconv.FormatFloat(f, 'f', 3, 64) + "%" },
		"add":      func(a, b int) int { return a + b },
		"add64":    func(a, b int64) int64 { return a + b },
		"ago":      func(t time.Time) string { return ago(h.Now(), t) },
		"pretty":   prettyJSON,
		"markdown": renderMarkdown,
		"jsonTree": jsonTree,
		"rootsToggle": func(roots bool) string {
			if roots {
				return "0"
			}
			return "1"
		},
		"rootsParam": func(roots bool) string {
			if roots {
				return ""
			}
			return "0"
		},
		// configsOn tells whether the annotation configs page is served.
		"configsOn": func() bool { return h.AnnotationConfigs != nil },
		"sorts": func() []preset {
			return []preset{{Key: "time", Label: "Time"}, {Key: "latency", Label: "Latency"}, {Key: "tokens", Label: "Tokens"}, {Key: "cost", Label: "Cost"}}
		},
		// nextDir is the direction a sort link asks for: the other one
		// when the column is already the sort, else largest first.
		"nextDir": func(sort, dir, key string) string {
			if sort == key && dir != "asc" && key != "time" {
				return "asc"
			}
			return ""
		},
		"score": func(f float64) string { return strconv.FormatFloat(f, 'g', 4, 64) },
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[kv[i].(string)] = kv[i+1]
			}
			return m
		},
	}
}

func formatMS(ms float64) string {
	switch {
	case ms < 1:
		return strconv.FormatFloat(ms, 'f', 2, 64) + "ms"
	case ms < 1000:
		return strconv.FormatFloat(ms, 'f', 0, 64) + "ms"
	case ms < 60_000:
		return strconv.FormatFloat(ms/1000, 'f', 2, 64) + "s"
	}
	return strconv.FormatFloat(ms/60_000, 'f', 1, 64) + "m"
}

func formatInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func formatCost(c float64) string {
	switch {
	case c == 0:
		return "–"
	case c < 0.01:
		return "$" + strconv.FormatFloat(c, 'f', 5, 64)
	}
	return "$" + strconv.FormatFloat(c, 'f', 2, 64)
}

func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return fmt.Sprintf("%dd ago", int(d.Hours()/24))
}

// kindAbbr is the letters of a span kind's icon.
func kindAbbr(k ember.SpanKind) string {
	switch k {
	case ember.SpanKindLLM:
		return "LLM"
	case ember.SpanKindChain:
		return "CH"
	case ember.SpanKindRetriever:
		return "RET"
	case ember.SpanKindTool:
		return "TL"
	case ember.SpanKindAgent:
		return "AG"
	case ember.SpanKindEmbedding:
		return "EM"
	case ember.SpanKindReranker:
		return "RR"
	case ember.SpanKindEvaluator:
		return "EV"
	case ember.SpanKindGuardrail:
		return "GR"
	case ember.SpanKindPrompt:
		return "PR"
	}
	return "?"
}

// prettyJSON indents s if it is JSON, and returns it unchanged if not.
func prettyJSON(s string) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(s), "", "  "); err != nil {
		return s
	}
	return buf.String()
}

// jsonNode is one node of an attribute tree, for the recursive template.
type jsonNode struct {
	Key      string
	Scalar   string // the value, for scalars
	Type     string // "object", "array", "string", "number", "bool", "null"
	Children []jsonNode
	Depth    int
}

// jsonTree reads a JSON document into a tree; keys sort as Phoenix's UI
// shows them, alphabetically.
func jsonTree(raw []byte) jsonNode {
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return jsonNode{Type: "string", Scalar: string(raw)}
	}
	return toNode("", v, 0)
}

func toNode(key string, v any, depth int) jsonNode {
	n := jsonNode{Key: key, Depth: depth}
	switch x := v.(type) {
	case map[string]any:
		n.Type = "object"
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			n.Children = append(n.Children, toNode(k, x[k], depth+1))
		}
	case []any:
		n.Type = "array"
		for i, e := range x {
			n.Children = append(n.Children, toNode(strconv.Itoa(i), e, depth+1))
		}
	case string:
		n.Type, n.Scalar = "string", x
	case json.Number:
		n.Type, n.Scalar = "number", x.String()
	case bool:
		n.Type, n.Scalar = "bool", strconv.FormatBool(x)
	default:
		n.Type, n.Scalar = "null", "null"
	}
	return n
}

// attrs is a span's attribute object, read once.
type attrs map[string]any

func parseAttrs(raw []byte) attrs {
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&m); err != nil || m == nil {
		return attrs{}
	}
	return m
}

// get follows a dotted path through objects (and arrays, by index).
func (a attrs) get(p string) any {
	return dig(map[string]any(a), strings.Split(p, "."))
}

func dig(v any, path []string) any {
	for i, k := range path {
		switch x := v.(type) {
		case map[string]any:
			// A flat key (not unflattened) may hold the rest of the path.
			if rest, ok := x[strings.Join(path[i:], ".")]; ok && i < len(path)-1 {
				return rest
			}
			v = x[k]
		case []any:
			n, err := strconv.Atoi(k)
			if err != nil || n < 0 || n >= len(x) {
				return nil
			}
			v = x[n]
		default:
			return nil
		}
	}
	return v
}

// text renders an attribute value as text: strings as they are, anything
// else as JSON.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func (a attrs) str(p string) string { return text(a.get(p)) }

func (a attrs) list(p string) []any {
	l, _ := a.get(p).([]any)
	return l
}

func (a attrs) num(p string) (float64, bool) {
	switch x := a.get(p).(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil && !math.IsNaN(f)
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}

// preview shortens text to one line of at most n runes.
func preview(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
