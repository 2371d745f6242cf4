package web

import (
	"net/http"
	"net/url"
	"time"
)

// timeRange is the global time range, carried in every link as ?range=
// (a preset) or ?from=&to= (custom, RFC 3339 or the browser's
// datetime-local form, read as UTC).
type timeRange struct {
	Preset     string // one of presets' keys, or "custom"
	Start, End *time.Time
	Label      string
	FromText   string // the custom bounds as the form shows them
	ToText     string
	// Keep is the request's other query parameters, which the range form
	// carries over (all but the range and the page cursor).
	Keep map[string]string
}

// Params is the range as query parameters, for forms that must keep it.
func (tr timeRange) Params() map[string]string {
	m := map[string]string{}
	for k, v := range tr.values() {
		m[k] = v[0]
	}
	return m
}

type preset struct {
	Key, Label string
	Span       time.Duration // 0 for all time
}

// presets are the time ranges offered, in menu order.
var presets = []preset{
	{"15m", "Last 15 minutes", 15 * time.Minute},
	{"1h", "Last hour", time.Hour},
	{"12h", "Last 12 hours", 12 * time.Hour},
	{"24h", "Last day", 24 * time.Hour},
	{"7d", "Last 7 days", 7 * 24 * time.Hour},
	{"30d", "Last 30 days", 30 * 24 * time.Hour},
	{"all", "All time", 0},
}

const defaultPreset = "7d"

const formTime = "2006-01-02T15:04"

func parseFormTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, formTime, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// timeRange reads the request's time range; an unknown one is the default.
func (h *Handler) timeRange(r *http.Request) timeRange {
	tr := h.rangeOnly(r)
	tr.Keep = map[string]string{}
	for k, v := range r.URL.Query() {
		switch k {
		case "range", "from", "to", "cursor":
		default:
			tr.Keep[k] = v[0]
		}
	}
	return tr
}

func (h *Handler) rangeOnly(r *http.Request) timeRange {
	q := r.URL.Query()
	if q.Get("range") != "" && q.Get("range") != "custom" {
		q.Del("from")
		q.Del("to")
	}
	from, okFrom := parseFormTime(q.Get("from"))
	to, okTo := parseFormTime(q.Get("to"))
	if okFrom || okTo {
		tr := timeRange{Preset: "custom", Label: "Custom range"}
		if okFrom {
			tr.Start, tr.FromText = &from, from.Format(formTime)
		}
		if okTo {
			tr.End, tr.ToText = &to, to.Format(formTime)
		}
		return tr
	}
	key := q.Get("range")
	for _, p := range presets {
		if p.Key == key {
			return rangeOf(p, h.Now())
		}
	}
	for _, p := range presets {
		if p.Key == defaultPreset {
			return rangeOf(p, h.Now())
		}
	}
	panic("no default preset")
}

func rangeOf(p preset, now time.Time) timeRange {
	tr := timeRange{Preset: p.Key, Label: p.Label}
	if p.Span > 0 {
		start := now.Add(-p.Span).UTC()
		tr.Start = &start
	}
	return tr
}

// values are the query parameters that carry the range.
func (tr timeRange) values() url.Values {
	v := url.Values{}
	if tr.Preset == "custom" {
		if tr.FromText != "" {
			v.Set("from", tr.FromText)
		}
		if tr.ToText != "" {
			v.Set("to", tr.ToText)
		}
	} else if tr.Preset != defaultPreset {
		v.Set("range", tr.Preset)
	}
	return v
}

// Presets lists the presets for the range menu.
func (tr timeRange) Presets() []preset { return presets }
