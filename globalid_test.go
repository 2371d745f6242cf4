package ember_test

import (
	"testing"

	"github.com/emberhq/ember"
)

func TestGlobalID(t *testing.T) {
	if got := ember.GlobalID("Project", 1); got != "UHJvamVjdDox" {
		t.Fatalf("GlobalID = %q", got)
	}
	f := func(s, wantType string, wantID int64) {
		t.Helper()
		typ, id, err := ember.ParseGlobalID(s)
		if err != nil || typ != wantType || id != wantID {
			t.Errorf("ParseGlobalID(%q) = %q, %d, %v; want %q, %d", s, typ, id, err, wantType, wantID)
		}
	}
	f("UHJvamVjdDox", "Project", 1)
	f(ember.GlobalID("DatasetExample", 1234567890123), "DatasetExample", 1234567890123)
	f("UHJvamVj\ndDox", "Project", 1)    // characters outside the alphabet are ignored
	f("U3BhbjogNDIg", "Span", 42)        // "Span: 42 ": spaces around the id, as Python's int() allows
	f("VHJhY2U6MV8wMDA=", "Trace", 1000) // "Trace:1_000"
}

func TestParseGlobalIDInvalid(t *testing.T) {
	for _, s := range []string{
		"",
		"default",          // a project name
		"UHJvamVjdDo",      // bad padding
		"UHJvamVjdA==",     // "Project": no colon
		"UHJvamVjdDp4",     // "Project:x"
		"QTpCOjU=",         // "A:B:5": split at the first colon
		"VHJhY2U6MV9fMA==", // "Trace:1__0"
		"/w==",             // not UTF-8
	} {
		if _, _, err := ember.ParseGlobalID(s); ember.ErrorCode(err) != ember.EINVALID {
			t.Errorf("ParseGlobalID(%q): err = %v, want EINVALID", s, err)
		}
	}
}

func FuzzParseGlobalID(f *testing.F) {
	f.Add("UHJvamVjdDox")
	f.Add("U3BhbjotMQ==")
	f.Add("not an id")
	f.Fuzz(func(t *testing.T, s string) {
		typ, id, err := ember.ParseGlobalID(s)
		if err != nil {
			return
		}
		// What parses re-encodes to an id that parses the same.
		typ2, id2, err := ember.ParseGlobalID(ember.GlobalID(typ, id))
		if err != nil || typ2 != typ || id2 != id {
			t.Fatalf("round trip of %q: %q %d -> %q %d %v", s, typ, id, typ2, id2, err)
		}
	})
}
