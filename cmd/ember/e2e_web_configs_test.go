package main

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// postForm posts a form without following the redirect, with optional
// cookies, and answers the status, the Location and the body.
func postForm(t *testing.T, u string, values url.Values, cookies ...*http.Cookie) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// configRowID finds the row id of a config in the configs page by its
// edit link.
func configRowID(t *testing.T, body, name string) string {
	t.Helper()
	re := regexp.MustCompile(`<tr data-config="` + regexp.QuoteMeta(name) + `">(?s:.*?)annotation-configs\?edit=(\d+)`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no edit link for config %q", name)
	}
	return m[1]
}

// TestWebAnnotationConfigs manages annotation configs from a project's
// configs page on each engine: create each type (assigned or not), refuse
// bad forms with the form kept, edit, assign, unassign and delete, with the
// REST API seeing each change and hostile text escaped.
func TestWebAnnotationConfigs(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		p := startWebEmber(t, e.env(t))
		u := p.httpURL
		_, _, hdr := getPage(t, u+"/redirects/projects/"+webProject)
		project := hdr.Get("Location")
		page := project + "/annotation-configs"

		code, body, _ := getPage(t, u+page)
		if code != 200 {
			t.Fatalf("configs page: %d", code)
		}
		mustContain(t, "empty configs page", body, "No annotation configs yet.", `id="config-form"`, `class="on">Annotation configs</a>`, `name="assign" value="1" checked`)
		_, body, _ = getPage(t, u+project)
		mustContain(t, "project tabs", body, `/annotation-configs"`, `>Annotation configs</a>`)

		// Create a categorical config, assigned, with a hostile label.
		code, loc, _ := postForm(t, u+page, url.Values{"name": {"quality"}, "type": {"CATEGORICAL"}, "direction": {"MAXIMIZE"},
			"description": {"Is it <b>good</b>?"}, "values": {"good = 1\nbad = 0\n" + webHostile + "\n\n"}, "assign": {"1"}})
		if code != http.StatusSeeOther || loc != page+"?done=created" {
			t.Fatalf("create: %d %s", code, loc)
		}
		_, body, _ = getPage(t, u+loc)
		mustContain(t, "created", body, "Created the annotation config.", `<tr data-config="quality">`, `<span class="chip">good</span> 1`, "Is it &lt;b&gt;good&lt;/b&gt;?", "✓ Used · remove", "&lt;script&gt;")
		mustNotContain(t, "created", body, webHostile)
		rest := expectCall(t, "GET", u+"/v1/projects/"+webProject+"/annotation_configs", "", 200, `"name":"quality"`)
		mustContain(t, "REST project configs", rest, `"type":"CATEGORICAL"`, `{"label":"good","score":1}`, `{"label":"bad","score":0}`, `"optimization_direction":"MAXIMIZE"`)

		// A freeform one, not assigned.
		if code, _, _ := postForm(t, u+page, url.Values{"name": {"comment"}, "type": {"FREEFORM"}, "direction": {""}, "threshold": {"0.5"}}); code != http.StatusSeeOther {
			t.Fatalf("create freeform: %d", code)
		}
		expectCall(t, "GET", u+"/v1/annotation_configs/comment", "", 200, `"threshold":0.5`)
		if rest := expectCall(t, "GET", u+"/v1/projects/"+webProject+"/annotation_configs", "", 200, ""); strings.Contains(rest, `"comment"`) {
			t.Errorf("comment assigned without asking: %s", rest)
		}

		// Refused forms: shown again as typed, with the reason.
		for _, c := range []struct {
			values url.Values
			status int
			want   string
		}{
			{url.Values{"name": {"quality"}, "type": {"FREEFORM"}}, http.StatusConflict, "already taken"},
			{url.Values{"name": {"note"}, "type": {"FREEFORM"}}, http.StatusConflict, "reserved"},
			{url.Values{"name": {"range"}, "type": {"CONTINUOUS"}, "direction": {"NONE"}, "lower": {"1"}, "upper": {"0"}}, http.StatusUnprocessableEntity, "Lower bound must be strictly less than upper bound"},
			{url.Values{"name": {"range"}, "type": {"CONTINUOUS"}, "direction": {"NONE"}, "lower": {"low<b>"}}, http.StatusUnprocessableEntity, "The lower bound must be a number."},
			{url.Values{"name": {"labels"}, "type": {"CATEGORICAL"}, "direction": {"MAXIMIZE"}, "values": {"a\na"}}, http.StatusUnprocessableEntity, "duplicate label"},
			{url.Values{"name": {"labels"}, "type": {"CATEGORICAL"}, "direction": {"MAXIMIZE"}}, http.StatusUnprocessableEntity, "Values must be non-empty"},
			{url.Values{"name": {"  "}, "type": {"FREEFORM"}}, http.StatusUnprocessableEntity, "Enter a name."},
			{url.Values{"name": {"x"}, "type": {"BOGUS"}}, http.StatusUnprocessableEntity, "Choose a type."},
		} {
			code, _, body := postForm(t, u+page, c.values)
			if code != c.status {
				t.Errorf("%v: %d, want %d", c.values, code, c.status)
			}
			mustContain(t, "refused "+c.values.Encode(), body, c.want, `role="alert"`, `id="config-form"`)
			if n := c.values.Get("lower"); n != "" {
				mustContain(t, "refused form kept", body, `name="lower" value="`+strings.ReplaceAll(strings.ReplaceAll(n, "<", "&lt;"), ">", "&gt;")+`"`)
			}
		}

		// Edit: the form filled in, then a rename and a change of type.
		_, body, _ = getPage(t, u+page)
		id := configRowID(t, body, "quality")
		_, body, _ = getPage(t, u+page+"?edit="+id)
		mustContain(t, "edit form", body, "Edit quality", `name="name" value="quality"`, "good = 1\nbad = 0", `/annotation-configs/`+id+`"`)
		code, loc, _ = postForm(t, u+page+"/"+id, url.Values{"name": {"quality-score"}, "type": {"CONTINUOUS"}, "direction": {"MAXIMIZE"}, "lower": {"0"}, "upper": {"10"}})
		if code != http.StatusSeeOther || loc != page+"?done=saved" {
			t.Fatalf("update: %d %s", code, loc)
		}
		expectCall(t, "GET", u+"/v1/annotation_configs/quality-score", "", 200, `"type":"CONTINUOUS"`)
		expectCall(t, "GET", u+"/v1/annotation_configs/quality", "", 404, "")
		if code, _, body := postForm(t, u+page+"/"+id, url.Values{"name": {"comment"}, "type": {"FREEFORM"}}); code != http.StatusConflict || !strings.Contains(body, "Edit quality-score") {
			t.Errorf("rename onto another config: %d", code)
		}
		// The renamed config is still the project's: its form is in the
		// trace view.
		_, body, _ = getPage(t, u+"/redirects/spans/"+webSpanID(3))
		_, _, hdr = getPage(t, u+"/redirects/spans/"+webSpanID(3))
		_, body, _ = getPage(t, u+hdr.Get("Location"))
		mustContain(t, "trace view", body, `data-config="quality-score"`)

		// Assign and unassign the freeform one.
		_, body, _ = getPage(t, u+page)
		cid := configRowID(t, body, "comment")
		if code, loc, _ := postForm(t, u+page+"/"+cid+"/assign", url.Values{}); code != http.StatusSeeOther || loc != page+"?done=assigned" {
			t.Fatalf("assign: %d %s", code, loc)
		}
		expectCall(t, "GET", u+"/v1/projects/"+webProject+"/annotation_configs", "", 200, `"name":"comment"`)
		if code, loc, _ := postForm(t, u+page+"/"+cid+"/assign", url.Values{"unassign": {"1"}}); code != http.StatusSeeOther || loc != page+"?done=unassigned" {
			t.Fatalf("unassign: %d %s", code, loc)
		}
		if rest := expectCall(t, "GET", u+"/v1/projects/"+webProject+"/annotation_configs", "", 200, ""); strings.Contains(rest, `"comment"`) {
			t.Errorf("comment still assigned: %s", rest)
		}

		// Delete, then the row and the REST config are gone.
		if code, loc, _ := postForm(t, u+page+"/"+cid+"/delete", url.Values{}); code != http.StatusSeeOther || loc != page+"?done=deleted" {
			t.Fatalf("delete: %d %s", code, loc)
		}
		expectCall(t, "GET", u+"/v1/annotation_configs/comment", "", 404, "")
		_, body, _ = getPage(t, u+page)
		mustNotContain(t, "after delete", body, `<tr data-config="comment">`)
		for _, path := range []string{page + "/" + cid + "/delete", page + "/99999/assign", page + "/x"} {
			if code, _, _ := postForm(t, u+path, url.Values{}); code != 404 {
				t.Errorf("%s: %d, want 404", path, code)
			}
		}
		if code, _, _ := getPage(t, u+page+"?edit=99999"); code != 404 {
			t.Errorf("edit of an unknown config: %d", code)
		}
		// A cross-site post is refused.
		req, _ := http.NewRequest(http.MethodPost, u+page, strings.NewReader("name=x&type=FREEFORM"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if resp, err := noRedirect.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site create: %v %v", resp.StatusCode, err)
		}
	})
}
