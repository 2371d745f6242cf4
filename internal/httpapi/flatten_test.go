package httpapi

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFlattenAttributes(t *testing.T) {
	got, err := flattenAttributes([]byte(`{"llm":{"model_name":"gpt-4o","token_count":{"prompt":12,"total":1.0},"input_messages":[{"message":{"role":"user"}},{"message":{"role":"assistant"}}]},"tag":{"tags":["a","b"]},"metadata":{},"a.b":1}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(got)
	want := `{"a.b":1,"llm.input_messages.0.message.role":"user","llm.input_messages.1.message.role":"assistant","llm.model_name":"gpt-4o","llm.token_count.prompt":12,"llm.token_count.total":1.0,"metadata":{},"tag.tags":["a","b"]}`
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Fatalf("(-want +got)\n%s", diff)
	}
	if _, err := flattenAttributes([]byte(`{`)); err == nil {
		t.Fatal("bad JSON flattened")
	}
}

func TestISOTime(t *testing.T) {
	f := func(in time.Time, want string) {
		t.Helper()
		if got := isoTime(in); got != want {
			t.Errorf("isoTime(%v) = %q, want %q", in, got, want)
		}
	}
	f(time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC), "2024-01-01T12:00:00+00:00")
	f(time.Date(2024, 1, 1, 12, 0, 0, 123456789, time.UTC), "2024-01-01T12:00:00.123456+00:00")
	f(time.Date(2024, 1, 1, 12, 0, 0, 500, time.UTC), "2024-01-01T12:00:00+00:00")
	f(time.Date(2024, 1, 1, 14, 0, 0, 1000, time.FixedZone("x", 7200)), "2024-01-01T12:00:00.000001+00:00")
	for _, s := range []string{"2024-01-01T12:00:00Z", "2024-01-01T12:00:00", "2024-01-01T14:00:00+02:00", "2024-01-01 12:00:00"} {
		tm, ok := parseISOTime(s)
		if !ok || !tm.Equal(time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)) {
			t.Errorf("parseISOTime(%q) = %v %v", s, tm, ok)
		}
	}
}

func FuzzParseAttributeFilter(f *testing.F) {
	for _, s := range []string{"user.id:12345", `user.id:"12345"`, "k:1.5e3", "k:true", "nocolon", ":v", "k:", "k:null", "a.0.b:x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		m, err := parseAttributeFilter(raw)
		if err != nil {
			return
		}
		switch m.Value.(type) {
		case string, bool, int64, float64:
		default:
			t.Fatalf("%q gave a %T", raw, m.Value)
		}
		if len(m.Path) == 0 {
			t.Fatalf("%q gave no path", raw)
		}
	})
}
