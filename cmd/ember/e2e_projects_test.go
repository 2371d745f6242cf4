package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/emberhq/ember"
)

// call sends a JSON request and returns the status and body.
func call(t *testing.T, method, url, body string) (int, string, http.Header) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = bytes.NewReader([]byte(body))
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// TestProjectsAPI pins the projects routes of Phoenix's REST API on a
// running server.
func TestProjectsAPI(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		p := startEmber(t, e.env(t))
		base := p.httpURL + "/v1/projects"
		expect := func(method, path, body string, status int, want string) string {
			t.Helper()
			got, text, hdr := call(t, method, base+path, body)
			if got != status || (want != "" && !strings.Contains(text, want)) {
				t.Fatalf("%s %s: %d %q, want %d containing %q", method, path, got, text, status, want)
			}
			if status == http.StatusNoContent && text != "" {
				t.Fatalf("%s %s: 204 with a body", method, path)
			}
			if status < 300 && status != 204 && hdr.Get("Content-Type") != "application/json" {
				t.Fatalf("%s %s: content type %q", method, path, hdr.Get("Content-Type"))
			}
			return text
		}
		var created struct {
			Data struct {
				ID, Name    string
				Description *string
			} `json:"data"`
		}
		body := expect("POST", "", `{"name":"my project","description":"demo"}`, 200, `"name":"my project"`)
		json.Unmarshal([]byte(body), &created)
		if _, id, err := ember.ParseGlobalID(created.Data.ID); err != nil || id == 0 || created.Data.Description == nil || *created.Data.Description != "demo" {
			t.Fatalf("created %s", body)
		}
		expect("POST", "", `{"name":"my project"}`, 409, "already exists")
		expect("POST", "", `{"name":""}`, 422, `"string_too_short"`)
		expect("POST", "", `{"description":"x"}`, 422, `"loc":["body","name"]`)
		expect("POST", "", `{"name":`, 422, `"json_invalid"`)
		expect("POST", "", `{"name":5}`, 422, `"string_type"`)
		expect("POST", "", `{"name":"second"}`, 200, `"description":null`)

		// By GlobalID and by name (URL-encoded).
		expect("GET", "/"+created.Data.ID, "", 200, `"name":"my project"`)
		expect("GET", "/"+url.PathEscape("my project"), "", 200, created.Data.ID)
		expect("GET", "/fake-id-x", "", 404, "Project with name fake-id-x not found")
		expect("GET", "/"+ember.GlobalID("Project", 999), "", 404, "Project with ID "+ember.GlobalID("Project", 999)+" not found")

		expect("PUT", "/"+created.Data.ID, `{"description":"changed"}`, 200, `"description":"changed"`)
		expect("PUT", "/fake-id-x", "", 422, `"missing"`)
		expect("PUT", "/fake-id-x", `{"description":"x"}`, 404, "not found")

		// Listing, newest first, in pages whose cursor row opens the next.
		var list struct {
			Data       []struct{ ID, Name string } `json:"data"`
			NextCursor *string                     `json:"next_cursor"`
		}
		json.Unmarshal([]byte(expect("GET", "?limit=2", "", 200, "")), &list)
		if len(list.Data) != 2 || list.Data[0].Name != "second" || list.Data[1].Name != "my project" || list.NextCursor == nil {
			t.Fatalf("first page %+v", list)
		}
		json.Unmarshal([]byte(expect("GET", "?limit=2&cursor="+*list.NextCursor, "", 200, "")), &list)
		if len(list.Data) != 1 || list.Data[0].Name != "default" || list.NextCursor != nil {
			t.Fatalf("second page %+v", list)
		}
		json.Unmarshal([]byte(expect("GET", "?name_contains=PROJ&include_experiment_projects=true", "", 200, "")), &list)
		if len(list.Data) != 1 || list.Data[0].Name != "my project" {
			t.Fatalf("name_contains %+v", list)
		}
		expect("GET", "?limit=0", "", 422, `"greater_than"`)
		expect("GET", "?limit=x", "", 422, `"int_parsing"`)
		expect("GET", "?cursor=not-a-cursor", "", 422, "Invalid cursor format: not-a-cursor")

		expect("DELETE", "/default", "", 403, "The default project cannot be deleted")
		expect("DELETE", "/"+ember.GlobalID("Project", 1), "", 403, "The default project cannot be deleted")
		expect("DELETE", "/"+created.Data.ID, "", 204, "")
		expect("DELETE", "/"+created.Data.ID, "", 404, "not found")
		expect("GET", "/default", "", 200, `"description":"Default project"`)
	})
}

// mustExport sends td to the server over OTLP/HTTP and fails unless it is
// acknowledged.
func mustExport(t *testing.T, p *process, td ptrace.Traces) {
	t.Helper()
	if resp, body := post(t, p.httpURL+"/v1/traces", "application/x-protobuf", protobufBody(t, td)); resp.StatusCode != 200 {
		t.Fatalf("export: %d %s", resp.StatusCode, body)
	}
}

// getJSON fetches url, which must answer 200, into v.
func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	status, body, _ := call(t, "GET", url, "")
	if status != 200 {
		t.Fatalf("GET %s: %d %s", url, status, body)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}
