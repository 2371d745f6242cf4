package main

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/api"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// uploadReply is the sync reply of POST /v1/datasets/upload.
type uploadReply struct {
	Data struct {
		DatasetID string `json:"dataset_id"`
		VersionID string `json:"version_id"`
		Created   int    `json:"num_created_examples"`
		Updated   int    `json:"num_updated_examples"`
		Deleted   int    `json:"num_deleted_examples"`
	} `json:"data"`
}

// formFile is the file part of a multipart upload.
type formFile struct {
	contentType, encoding string
	body                  []byte
}

// multipartBody builds a form as Phoenix's Python client sends it: fields
// first, then the file part with its own Content-Type and, when
// compressed, Content-Encoding.
func multipartBody(t *testing.T, fields [][2]string, file formFile) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="table"`)
	h.Set("Content-Type", file.contentType)
	if file.encoding != "" {
		h.Set("Content-Encoding", strings.TrimSuffix(file.encoding, "-raw"))
	}
	part, err := mw.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	body := file.body
	switch file.encoding {
	case "gzip":
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(body)
		zw.Close()
		body = z.Bytes()
	case "deflate":
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		zw.Write(body)
		zw.Close()
		body = z.Bytes()
	}
	part.Write(body)
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "datasets", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

// TestDatasetUploads pins the upload matrix: every content type, every
// action and every refusal, on each engine.
func TestDatasetUploads(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		p := startEmber(t, e.env(t))
		url := p.httpURL + "/v1/datasets/upload?sync=true"
		upload := func(contentType string, body []byte, status int, want string) uploadReply {
			t.Helper()
			resp, b := post(t, url, contentType, body)
			if resp.StatusCode != status || !strings.Contains(string(b), want) {
				t.Fatalf("upload: %d %s, want %d containing %q", resp.StatusCode, b, status, want)
			}
			var r uploadReply
			if status == 200 {
				if err := json.Unmarshal(b, &r); err != nil {
					t.Fatalf("reply %s: %v", b, err)
				}
			}
			return r
		}
		counts := func(r uploadReply) [3]int { return [3]int{r.Data.Created, r.Data.Updated, r.Data.Deleted} }
		jsonUpload := func(action, name, rest string, status int, want string) uploadReply {
			t.Helper()
			body := fmt.Sprintf(`{"action":%q,"name":%q,%s}`, action, name, rest)
			return upload("application/json", []byte(body), status, want)
		}

		// JSON, each action.
		two := `"inputs":[{"q":"1"},{"q":"2"}],"outputs":[{"a":"one"},{"a":"two"}]`
		created := jsonUpload("create", "qa", two, 200, "")
		if counts(created) != [3]int{2, 0, 0} || created.Data.DatasetID != ember.GlobalID("Dataset", 1) {
			t.Fatalf("create: %+v", created)
		}
		jsonUpload("create", "qa", two, 409, `A dataset named "qa" already exists.`)
		same := jsonUpload("update", "qa", two, 200, "")
		if counts(same) != [3]int{} || same.Data.VersionID != created.Data.VersionID {
			t.Fatalf("identical update: %+v", same)
		}
		changed := jsonUpload("update", "qa", `"inputs":[{"q":"1"},{"q":"3"}],"outputs":[{"a":"one"},{"a":"three"}]`, 200, "")
		if counts(changed) != [3]int{1, 0, 1} || changed.Data.VersionID == created.Data.VersionID {
			t.Fatalf("update: %+v", changed)
		}
		appended := jsonUpload("append", "qa", `"inputs":[{"q":"4"}]`, 200, "")
		if counts(appended) != [3]int{1, 0, 0} {
			t.Fatalf("append: %+v", appended)
		}
		withIDs := jsonUpload("update", "ids", `"inputs":[{"q":"1"},{"q":"2"}],"example_ids":["a","b"],"splits":["train",["train","test"]],"metadata":[{"m":1},null]`, 200, "")
		if counts(withIDs) != [3]int{2, 0, 0} {
			t.Fatalf("update of a new dataset: %+v", withIDs)
		}
		patched := jsonUpload("append", "ids", `"inputs":[{"q":"1 changed"}],"example_ids":["a"]`, 200, "")
		if counts(patched) != [3]int{0, 1, 0} {
			t.Fatalf("patch by id: %+v", patched)
		}
		if resp, b := post(t, p.httpURL+"/v1/datasets/upload", "application/json", []byte(`{"action":"append","name":"qa","inputs":[{"q":"5"}]}`)); resp.StatusCode != 200 || string(b) != "null" {
			t.Fatalf("upload without sync: %d %s", resp.StatusCode, b)
		}

		// JSON refusals.
		for _, c := range []struct{ body, want string }{
			{`{"action":"merge","name":"x","inputs":[{}]}`, "Invalid dateset action: merge"},
			{`{"name":"x"}`, "inputs is required"},
			{`{"name":"x","inputs":[1]}`, "inputs[0] must be a JSON object"},
			{`{"name":"x","inputs":{}}`, "inputs has the wrong type"},
			{`{"name":"x","inputs":[{}],"outputs":[]}`, "outputs must have the same length"},
			{`{"name":"x","inputs":[{}],"metadata":[{},{}]}`, "metadata must have the same length"},
			{`{"name":"x","inputs":[{}],"splits":[]}`, "splits must have the same length"},
			{`{"name":"x","inputs":[{}],"span_ids":[]}`, "span_ids must have the same length"},
			{`{"name":"x","inputs":[{},{}],"example_ids":["a","a"]}`, "example_ids must be unique"},
			{`{"inputs":[{}]}`, "Dataset name is required"},
			{`not json`, "not a JSON object"},
			{`{"action":"append","name":"qa","inputs":[{}],"example_ids":["` + ember.GlobalID("DatasetExample", 999) + `"]}`, "do not name examples"},
		} {
			upload("application/json", []byte(c.body), 422, c.want)
		}
		if resp, b := post(t, url, "", []byte(`{}`)); resp.StatusCode != 400 || string(b) != "Missing content-type header" {
			t.Fatalf("no content type: %d %s", resp.StatusCode, b)
		}
		upload("text/plain", []byte("x"), 422, "Invalid request Content-Type")

		// Multipart tables.
		csvBody := []byte("question,answer,topic\nWhat is 2+2?,4,math\nCapital of France?,Paris,\n")
		fields := func(action, name string) [][2]string {
			return [][2]string{{"action", action}, {"name", name}, {"input_keys[]", "question"}, {"output_keys[]", "answer"}, {"metadata_keys[]", "topic"}}
		}
		for _, enc := range []string{"", "gzip", "deflate"} {
			ct, body := multipartBody(t, fields("create", "csv-"+enc), formFile{"text/csv", enc, csvBody})
			if r := upload(ct, body, 200, ""); r.Data.Created != 2 {
				t.Fatalf("csv %q: %+v", enc, r)
			}
		}
		ct, body := multipartBody(t, fields("update", "csv-"), formFile{"text/csv", "", csvBody})
		if r := upload(ct, body, 200, ""); counts(r) != [3]int{} {
			t.Fatalf("csv re-upload: %+v", r)
		}
		jsonl := []byte(`{"question":"q1","answer":{"text":"a1"},"topic":"t"}` + "\n\n" + `{"question":"q2","answer":{"text":"a2"}}` + "\n")
		ct, body = multipartBody(t, fields("create", "jsonl"), formFile{"application/jsonl", "", jsonl})
		if r := upload(ct, body, 200, ""); r.Data.Created != 2 {
			t.Fatalf("jsonl: %+v", r)
		}

		// The dataset's own metadata, from JSON and from a form, shows in
		// both dataset reads.
		meta := jsonUpload("create", "with metadata", `"inputs":[{"q":"1"}],"metadata":{"owner":"qa","tags":["a"]}`, 200, "")
		for _, path := range []string{"/v1/datasets/" + meta.Data.DatasetID, "/v1/datasets?name=with%20metadata"} {
			if _, text, _ := call(t, "GET", p.httpURL+path, ""); !strings.Contains(text, `"metadata":{"owner":"qa","tags":["a"]}`) {
				t.Errorf("GET %s: %s", path, text)
			}
		}
		// Flattened and dotted columns, CSV and JSON Lines alike.
		extras := [][2]string{{"action", "create"}, {"metadata", `{"source":"form"}`}, {"input_keys[]", "input.q"}, {"input_keys[]", "input.ctx.doc"},
			{"output_keys[]", "answer"}, {"flatten_keys[]", "answer"}}
		for _, f := range []formFile{
			{"text/csv", "", []byte("input.q,input.ctx.doc,answer\nwhy,d1,\"{\"\"text\"\": \"\"because\"\"}\"\n")},
			{"application/jsonl", "", []byte(`{"input.q":"why","input.ctx.doc":"d1","answer":{"text":"because"}}` + "\n")},
		} {
			ct, body := multipartBody(t, append([][2]string{{"name", "extras " + f.contentType}}, extras...), f)
			r := upload(ct, body, 200, "")
			_, text, _ := call(t, "GET", p.httpURL+"/v1/datasets/"+r.Data.DatasetID+"/examples", "")
			if !strings.Contains(text, `"input":{"q":"why","ctx":{"doc":"d1"}},"output":{"text":"because"}`) {
				t.Errorf("%s extras: %s", f.contentType, text)
			}
			if _, text, _ := call(t, "GET", p.httpURL+"/v1/datasets/"+r.Data.DatasetID, ""); !strings.Contains(text, `"metadata":{"source":"form"}`) {
				t.Errorf("%s dataset metadata: %s", f.contentType, text)
			}
		}
		// A CSV download uploads back to the same examples: nothing changes.
		round := jsonUpload("create", "round trip", `"inputs":[{"q":"why","ctx":{"doc":"d1","page":"3"}},{"q":"how"}],"outputs":[{"a":"because"},{"a":"so"}],"metadata":[{"m":"x"},{}]`, 200, "")
		_, exported, _ := call(t, "GET", p.httpURL+"/v1/datasets/"+round.Data.DatasetID+"/csv", "")
		if !strings.HasPrefix(exported, "id,node_id,input.q,input.ctx.doc,input.ctx.page,output.a,metadata.m\n") {
			t.Fatalf("csv download: %s", exported)
		}
		ct, body = multipartBody(t, [][2]string{{"action", "update"}, {"name", "round trip"},
			{"input_keys[]", "input.q"}, {"input_keys[]", "input.ctx.doc"}, {"input_keys[]", "input.ctx.page"}, {"output_keys[]", "output.a"}, {"metadata_keys[]", "metadata.m"}},
			formFile{"text/csv", "", []byte(exported)})
		if r := upload(ct, body, 200, ""); counts(r) != [3]int{} || r.Data.VersionID != round.Data.VersionID {
			t.Errorf("csv download uploaded back: %+v", r)
		}

		for _, c := range []struct {
			fields [][2]string
			file   formFile
			want   string
		}{
			{fields("create", "bad"), formFile{"text/csv", "", []byte("question,question\n1,2\n")}, "Duplicate column names"},
			{fields("create", "bad"), formFile{"text/csv", "", []byte("question,answer\n1,2\n")}, "Keys not found in the table's columns: topic"},
			{fields("create", "bad"), formFile{"text/csv", "", []byte("")}, "header row is required"},
			{fields("create", "bad"), formFile{"text/csv", "gzip", nil}, "header row is required"},
			{fields("create", "bad"), formFile{"application/jsonl", "", []byte("[1]\n")}, "JSONL line 1 is not a JSON object"},
			{fields("create", "bad"), formFile{"application/x-pandas-pyarrow", "", []byte("arrow")}, "not an Arrow IPC stream"},
			{fields("create", "bad"), formFile{"application/pdf", "", []byte("x")}, "Invalid file Content-Type"},
			{fields("create", "bad"), formFile{"text/csv", "br", []byte("x")}, "Unsupported Content-Encoding"},
			{fields("create", "bad"), formFile{"text/csv", "gzip-raw", csvBody}, "not valid gzip"},
			{fields("sideways", "bad"), formFile{"text/csv", "", csvBody}, "Invalid dateset action: sideways"},
			{fields("create", "csv-"), formFile{"text/csv", "", csvBody}, "already exists"},
			{append(fields("create", "bad"), [2]string{"flatten_keys[]", "nope"}), formFile{"text/csv", "", csvBody}, "Flatten keys must be input, output or metadata keys: nope"},
			{append(fields("create", "bad"), [2]string{"metadata", "[1]"}), formFile{"text/csv", "", csvBody}, "The dataset's metadata must be a JSON object"},
		} {
			ct, body := multipartBody(t, c.fields, c.file)
			status := 422
			if c.want == "already exists" {
				status = 409
			}
			upload(ct, body, status, c.want)
		}
	})
}

// TestDatasetUploadsInBackground pins uploads without sync=true on a
// running server: answered null at once, visible once applied, a taken
// name refused up front, and every upload acknowledged before SIGTERM
// stored before the server exits.
func TestDatasetUploadsInBackground(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		env := e.env(t)
		p := startEmber(t, env)
		url := p.httpURL + "/v1/datasets/upload"
		rows := func(n int) string {
			var b strings.Builder
			for i := range n {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, `{"q":%d}`, i)
			}
			return b.String()
		}
		if resp, b := post(t, url+"?sync=false", "application/json", []byte(`{"action":"create","name":"bg","inputs":[`+rows(3)+`]}`)); resp.StatusCode != 200 || string(b) != "null" {
			t.Fatalf("upload without sync: %d %s", resp.StatusCode, b)
		}
		ct, body := multipartBody(t, [][2]string{{"name", "bg-csv"}, {"input_keys[]", "q"}}, formFile{"text/csv", "gzip", []byte("q\n1\n2\n")})
		if resp, b := post(t, url, ct, body); resp.StatusCode != 200 || string(b) != "null" {
			t.Fatalf("multipart upload without sync: %d %s", resp.StatusCode, b)
		}
		for _, c := range [][2]string{{"bg", "3"}, {"bg-csv", "2"}} {
			deadline := time.Now().Add(10 * time.Second)
			for {
				_, text, _ := call(t, "GET", p.httpURL+"/v1/datasets?name="+c[0], "")
				if strings.Contains(text, `"example_count":`+c[1]) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("dataset %s never showed %s examples: %s", c[0], c[1], text)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		if resp, b := post(t, url, "application/json", []byte(`{"action":"create","name":"bg","inputs":[{}]}`)); resp.StatusCode != 409 || string(b) != `A dataset named "bg" already exists.` {
			t.Fatalf("create of a taken name without sync: %d %s", resp.StatusCode, b)
		}

		// A burst of uploads, then SIGTERM at once: all are stored.
		const burst = 20
		for i := range burst {
			body := fmt.Sprintf(`{"action":"create","name":"burst-%d","inputs":[%s]}`, i, rows(300))
			if resp, b := post(t, url, "application/json", []byte(body)); resp.StatusCode != 200 {
				t.Fatalf("burst upload %d: %d %s", i, resp.StatusCode, b)
			}
		}
		p.stop(t)
		db := e.open(t, env)
		for i := range burst {
			d, err := db.FindDatasetByName(context.Background(), fmt.Sprintf("burst-%d", i))
			if err != nil || d.ExampleCount != 300 {
				t.Fatalf("burst-%d after SIGTERM: %+v %v", i, d, err)
			}
		}
	})
}

// TestDatasetReadsAndExports pins the read routes and the export formats.
func TestDatasetReadsAndExports(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		p := startEmber(t, e.env(t))
		v1 := p.httpURL + "/v1"
		send := func(method, path, body string, status int, want string) string {
			t.Helper()
			got, text, _ := call(t, method, v1+path, body)
			if got != status || !strings.Contains(text, want) {
				t.Fatalf("%s %s: %d %q, want %d containing %q", method, path, got, text, status, want)
			}
			return text
		}
		first := send("POST", "/datasets/upload?sync=true", `{"action":"create","name":"chat set","inputs":[
 {"messages":[{"role":"user","content":"Hi <b>there</b> ünïcode"}],"tools":[{"type":"function","function":{"name":"f"}}],"ctx":{"lang":"en","tags":["a","b"]}},
 {"messages":"not a list","n":3}],
 "outputs":[{"messages":[{"role":"assistant","content":"Hello"}]},{"messages":[{"role":"assistant","content":[{"type":"text"}]}]}],
 "metadata":[{"source":"web"},{}],
 "example_ids":["ex-1",null],
 "splits":["train",null]}`, 200, "")
		var up uploadReply
		json.Unmarshal([]byte(first), &up)
		ds := up.Data.DatasetID
		second := send("POST", "/datasets/upload?sync=true", `{"action":"update","name":"chat set","inputs":[{"messages":"not a list","n":3}],"outputs":[{"messages":[{"role":"assistant","content":[{"type":"text"}]}]}]}`, 200, `"num_deleted_examples":1`)
		var up2 uploadReply
		json.Unmarshal([]byte(second), &up2)

		// Examples at each version.
		var ex struct {
			Data struct {
				VersionID string            `json:"version_id"`
				Filtered  []string          `json:"filtered_splits"`
				Examples  []json.RawMessage `json:"examples"`
			} `json:"data"`
		}
		json.Unmarshal([]byte(send("GET", "/datasets/"+ds+"/examples?version_id="+up.Data.VersionID, "", 200, `"id":"ex-1"`)), &ex)
		if len(ex.Data.Examples) != 2 || !strings.Contains(string(ex.Data.Examples[0]), `"node_id":"`+ember.GlobalID("DatasetExample", 1)+`"`) {
			t.Fatalf("examples at version 1: %s", ex.Data.Examples)
		}
		json.Unmarshal([]byte(send("GET", "/datasets/"+ds+"/examples", "", 200, "")), &ex)
		if len(ex.Data.Examples) != 1 || ex.Data.VersionID != up2.Data.VersionID {
			t.Fatalf("latest examples: %+v", ex.Data)
		}
		json.Unmarshal([]byte(send("GET", "/datasets/"+ds+"/examples?split=train&version_id="+up.Data.VersionID, "", 200, "")), &ex)
		if len(ex.Data.Examples) != 1 || len(ex.Data.Filtered) != 1 || ex.Data.Filtered[0] != "train" {
			t.Fatalf("train examples: %+v", ex.Data)
		}
		send("GET", "/datasets/"+ds+"/examples?split=nope", "", 404, "Dataset split not found: nope")
		send("GET", "/datasets/fake-id-x/examples", "", 422, "")
		send("GET", "/datasets/"+ember.GlobalID("DatasetVersion", 1)+"/examples", "", 404, "")
		send("GET", "/datasets/"+ds+"/examples?version_id="+ember.GlobalID("DatasetVersion", 99), "", 404, "")
		send("GET", "/datasets/"+ds+"/examples?version_id="+ds, "", 404, "")

		// Listing, get, versions.
		send("GET", "/datasets?name=chat%20set", "", 200, `"example_count":1`)
		send("GET", "/datasets?limit=0", "", 422, "")
		send("GET", "/datasets/"+ds, "", 200, `"name":"chat set"`)
		for _, path := range []string{"", "/versions", "/examples", "/csv", "/jsonl", "/jsonl/openai_ft", "/jsonl/openai_evals"} {
			send("GET", "/datasets/fake-id-x"+path, "", 422, "")
		}
		send("GET", "/datasets/fake-id-x/labels", "", 404, "")
		versions := send("GET", "/datasets/"+ds+"/versions?limit=1", "", 200, `"next_cursor":"`+up.Data.VersionID+`"`)
		_ = versions
		send("POST", "/datasets/upload?sync=true", `{"name":"other","inputs":[{}]}`, 200, "")
		send("GET", "/datasets/"+ember.GlobalID("Dataset", 2)+"/versions?cursor="+up.Data.VersionID, "", 200, `{"data":[],"next_cursor":null}`)
		send("GET", "/datasets/"+ds+"/versions?cursor=bogus", "", 422, "")

		// Exports: golden files of the first version.
		for _, f := range []struct{ path, file, contentType, ext string }{
			{"/csv", "export.csv", "text/csv", "csv"},
			{"/jsonl", "export.jsonl", "text/plain; charset=utf-8", "jsonl"},
			{"/jsonl/openai_ft", "export_openai_ft.jsonl", "text/plain; charset=utf-8", "jsonl"},
			{"/jsonl/openai_evals", "export_openai_evals.jsonl", "text/plain; charset=utf-8", "jsonl"},
		} {
			resp, err := http.Get(v1 + "/datasets/" + ds + f.path + "?version_id=" + up.Data.VersionID)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != f.contentType || !resp.Uncompressed {
				t.Fatalf("%s: %d %q (gzip %v)", f.path, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Uncompressed)
			}
			if cd := resp.Header.Get("Content-Disposition"); cd != "attachment; filename*=UTF-8''chat%20set."+f.ext {
				t.Errorf("%s: content-disposition %q", f.path, cd)
			}
			golden(t, f.file, b)
		}
		send("GET", "/datasets/"+ember.GlobalID("Dataset", 99)+"/csv", "", 422, "Dataset does not exist.")

		// An empty dataset exports an empty CSV.
		send("POST", "/datasets/upload?sync=true", `{"name":"empty dataset","inputs":[]}`, 200, "")
		resp, err := http.Get(v1 + "/datasets/" + ember.GlobalID("Dataset", 3) + "/csv")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || len(b) != 0 || resp.Header.Get("Content-Disposition") != "attachment; filename*=UTF-8''empty%20dataset.csv" {
			t.Fatalf("empty csv: %d %q %q", resp.StatusCode, b, resp.Header.Get("Content-Disposition"))
		}

		// Splits and labels.
		split := send("POST", "/datasets/chat%20set/splits", `{"name":"hard","example_ids":["`+ember.GlobalID("DatasetExample", 2)+`"]}`, 201, `"example_count":1`)
		var s struct{ Data struct{ ID string } }
		json.Unmarshal([]byte(split), &s)
		send("POST", "/datasets/chat%20set/splits", `{"name":"hard"}`, 409, "")
		send("POST", "/datasets/chat%20set/splits", `{"name":"x","example_ids":["`+ember.GlobalID("DatasetExample", 99)+`"]}`, 404, "")
		send("PATCH", "/datasets/"+ds+"/splits/"+s.Data.ID, `{"description":"tough","remove_example_ids":["`+ember.GlobalID("DatasetExample", 2)+`"]}`, 200, `"example_count":0`)
		send("DELETE", "/datasets/"+ds+"/splits/"+s.Data.ID, "", 204, "")
		label := send("POST", "/dataset_labels", `{"name":"gold","color":"#00cc88"}`, 201, `"name":"gold"`)
		var l struct{ Data struct{ ID string } }
		json.Unmarshal([]byte(label), &l)
		send("POST", "/dataset_labels", `{"name":"gold","color":"#00cc88"}`, 409, "")
		send("POST", "/dataset_labels", `{"name":"red","color":"#FF0000"}`, 422, "")
		send("PUT", "/datasets/chat%20set/labels/"+l.Data.ID, "", 200, `"gold"`)
		send("GET", "/datasets/"+ds+"/labels", "", 200, `"gold"`)
		send("PUT", "/datasets/"+ds+"/labels", `{"dataset_label_ids":["`+ember.GlobalID("DatasetLabel", 99)+`"]}`, 404, "")
		send("PATCH", "/dataset_labels/"+l.Data.ID, `{"description":"best"}`, 200, `"best"`)
		send("DELETE", "/datasets/"+ds+"/labels/"+l.Data.ID, "", 204, "")
		send("DELETE", "/dataset_labels/"+l.Data.ID, "", 204, "")
		send("GET", "/dataset_labels/"+l.Data.ID, "", 404, "")

		// Delete.
		send("DELETE", "/datasets/fake-id-x", "", 422, "")
		send("DELETE", "/datasets/"+ds, "", 204, "")
		send("DELETE", "/datasets/"+ds, "", 404, "Dataset does not exist")
		send("GET", "/datasets/"+ds, "", 404, "")
	})
}

// TestDatasetCLIAndSDK uploads a CSV file with ember dataset upload, reads
// it back with the Go SDK, and downloads it with ember dataset download.
func TestDatasetCLIAndSDK(t *testing.T) {
	p := startEmber(t, engines(t)[0].env(t))
	dir := t.TempDir()
	file := filepath.Join(dir, "qa.csv")
	if err := os.WriteFile(file, []byte("q,a,src,extra\nwho?,me,web,\"{\"\"lang\"\":\"\"en\"\"}\"\nwhy?,because,,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	ctx := t.Context()
	if err := run(ctx, []string{"dataset", "upload", file, "--metadata", "{bad", "--name", "x", "--url", p.httpURL}, nil, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "--metadata") {
		t.Fatalf("upload with bad --metadata: %v", err)
	}
	if err := run(ctx, []string{"dataset", "upload", file, "--name", "cli set", "--input-keys", "q", "--output-keys", "a", "--metadata-keys", "src,extra",
		"--flatten-keys", "extra", "--metadata", `{"owner":"qa"}`, "--url", p.httpURL}, nil, &stdout, &stderr); err != nil {
		t.Fatalf("upload: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "2 created") {
		t.Fatalf("upload said %q", stdout.String())
	}
	c, err := newCLIClient(p.httpURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.Datasets.GetByName(ctx, "cli set")
	if err != nil || d.ExampleCount != 2 || *d.Description != "qa.csv" || string(d.Metadata) != `{"owner":"qa"}` {
		t.Fatalf("dataset %+v, %v", d, err)
	}
	ex, err := c.Datasets.Examples(ctx, d.ID, "")
	if err != nil || len(ex.Examples) != 2 || string(ex.Examples[0].Input) != `{"q":"who?"}` {
		t.Fatalf("examples %+v, %v", ex, err)
	}
	// Empty cells are left out; the flattened column's members stand alone.
	var meta0, meta1 map[string]any
	if json.Unmarshal(ex.Examples[0].Metadata, &meta0) != nil || json.Unmarshal(ex.Examples[1].Metadata, &meta1) != nil ||
		meta0["src"] != "web" || meta0["lang"] != "en" || meta0["extra"] != nil || len(meta1) != 0 {
		t.Fatalf("example metadata %s, %s", ex.Examples[0].Metadata, ex.Examples[1].Metadata)
	}
	out := filepath.Join(dir, "out.jsonl")
	stdout.Reset()
	if err := run(ctx, []string{"dataset", "download", d.ID, "--format", "openai-evals", "--output", out, "--url", p.httpURL}, nil, &stdout, &stderr); err != nil {
		t.Fatalf("download: %v\n%s", err, stderr.String())
	}
	if b, _ := os.ReadFile(out); strings.Count(string(b), "\n") != 2 {
		t.Fatalf("downloaded %q", b)
	}
	if err := run(ctx, []string{"dataset", "download", d.ID, "--format", "xml"}, nil, &stdout, &stderr); err != errUsage {
		t.Fatalf("bad format: %v", err)
	}

	// A dataset from spans, linked to them.
	spans := []api.Span{{Name: "llm", Context: api.SpanContext{TraceID: strings.Repeat("a", 32), SpanID: strings.Repeat("b", 16)}, SpanKind: "LLM",
		StartTime: api.Time{Time: time.Unix(1700000000, 0)}, EndTime: api.Time{Time: time.Unix(1700000001, 0)}, StatusCode: "OK",
		Attributes: map[string]any{"input.value": "hi", "output.value": "hello"}}}
	if _, err := c.Spans.Create(ctx, "default", spans); err != nil {
		t.Fatal(err)
	}
	var res *api.UploadDatasetResult
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if res, err = c.Datasets.CreateFromSpans(ctx, "from spans", api.UploadUpdate, spans); err != nil {
			t.Fatal(err)
		}
		ex, err = c.Datasets.Examples(ctx, res.DatasetID, "")
		if err != nil {
			t.Fatal(err)
		}
		if ex.Examples[0].Source != nil || time.Now().After(deadline) {
			break
		}
	}
	if src := ex.Examples[0].Source; src == nil || src.SpanID != strings.Repeat("b", 16) || string(ex.Examples[0].Input) != `{"input":"hi"}` {
		t.Fatalf("example from a span: %+v", ex.Examples[0])
	}
}
