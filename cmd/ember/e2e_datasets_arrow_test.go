package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// pandasArrow writes rows (a JSON array) as pyarrow writes a DataFrame: an
// IPC stream whose schema carries pandas metadata naming the index column.
func pandasArrow(t *testing.T, fields []arrow.Field, rows ...string) []byte {
	t.Helper()
	fields = append(fields, arrow.Field{Name: "__index_level_0__", Type: arrow.PrimitiveTypes.Int64})
	md := arrow.NewMetadata([]string{"pandas"}, []string{`{"index_columns":["__index_level_0__"],"column_indexes":[],"columns":[],"creator":{"library":"pyarrow","version":"21.0.0"},"pandas_version":"2.3.1"}`})
	schema := arrow.NewSchema(fields, &md)
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(schema))
	for _, batch := range rows {
		rec, _, err := array.RecordFromJSON(memory.DefaultAllocator, schema, strings.NewReader(batch))
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDatasetArrowUploads posts DataFrames as Arrow streams through the real
// server, with the keys applied as for CSV, and reads the examples back.
func TestDatasetArrowUploads(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		p := startEmber(t, e.env(t))
		url := p.httpURL + "/v1/datasets/upload?sync=true"
		fields := []arrow.Field{
			{Name: "question", Type: arrow.BinaryTypes.String, Nullable: true},
			{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
			{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
			{Name: "ok", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
			{Name: "nothing", Type: arrow.Null, Nullable: true},
			{Name: "answer", Type: arrow.StructOf(
				arrow.Field{Name: "text", Type: arrow.BinaryTypes.String, Nullable: true},
				arrow.Field{Name: "sources", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true}), Nullable: true},
			{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
			{Name: "topic", Type: arrow.BinaryTypes.String, Nullable: true},
			{Name: "split", Type: arrow.BinaryTypes.String, Nullable: true},
		}
		table := pandasArrow(t, fields,
			`[{"question":"What is 2+2?","n":4,"score":0.75,"ok":true,"nothing":null,"answer":{"text":"4","sources":["math"]},"tags":["a","b"],"topic":"math","split":"train","__index_level_0__":0}]`,
			`[{"question":"Capital of France?","n":null,"score":null,"ok":false,"nothing":null,"answer":null,"tags":[],"topic":null,"split":null,"__index_level_0__":1}]`)
		form := [][2]string{{"action", "create"}, {"name", "frame"},
			{"input_keys[]", "question"}, {"input_keys[]", "n"}, {"input_keys[]", "score"}, {"input_keys[]", "ok"}, {"input_keys[]", "nothing"},
			{"output_keys[]", "answer"}, {"metadata_keys[]", "tags"}, {"metadata_keys[]", "topic"}, {"split_key", "split"}}
		for _, enc := range []string{"", "gzip"} {
			name := "frame" + enc
			form[1][1] = name
			ct, body := multipartBody(t, form, formFile{"application/x-pandas-pyarrow", enc, table})
			resp, b := post(t, url, ct, body)
			if resp.StatusCode != 200 {
				t.Fatalf("arrow upload %q: %d %s", enc, resp.StatusCode, b)
			}
			var r uploadReply
			json.Unmarshal(b, &r)
			if r.Data.Created != 2 {
				t.Fatalf("arrow upload %q: %s", enc, b)
			}
			_, text, _ := call(t, "GET", p.httpURL+"/v1/datasets/"+r.Data.DatasetID+"/examples", "")
			var ex struct {
				Data struct {
					Examples []struct {
						Input, Output, Metadata json.RawMessage
					} `json:"examples"`
				} `json:"data"`
			}
			if err := json.Unmarshal([]byte(text), &ex); err != nil || len(ex.Data.Examples) != 2 {
				t.Fatalf("examples: %s", text)
			}
			got := map[string]bool{}
			for _, x := range ex.Data.Examples {
				got[compactJSON(t, x.Input)+" "+compactJSON(t, x.Output)+" "+compactJSON(t, x.Metadata)] = true
			}
			for _, want := range []string{
				`{"n":4,"nothing":null,"ok":true,"question":"What is 2+2?","score":0.75} {"answer":{"sources":["math"],"text":"4"}} {"tags":["a","b"],"topic":"math"}`,
				`{"n":null,"nothing":null,"ok":false,"question":"Capital of France?","score":null} {"answer":null} {"tags":[],"topic":null}`,
			} {
				if !got[want] {
					t.Errorf("arrow upload %q: no example %s in %v", enc, want, got)
				}
			}
			_, text, _ = call(t, "GET", p.httpURL+"/v1/datasets/"+r.Data.DatasetID+"/examples?split=train", "")
			if strings.Count(text, `"question"`) != 1 {
				t.Errorf("train split: %s", text)
			}
		}
		// With no input keys, every column not used otherwise is input, and
		// the index is not among them.
		ct, body := multipartBody(t, [][2]string{{"name", "all-in"}}, formFile{"application/x-pandas-pyarrow", "", table})
		resp, b := post(t, url, ct, body)
		if resp.StatusCode != 200 {
			t.Fatalf("all columns: %d %s", resp.StatusCode, b)
		}
		var r uploadReply
		json.Unmarshal(b, &r)
		_, text, _ := call(t, "GET", p.httpURL+"/v1/datasets/"+r.Data.DatasetID+"/examples", "")
		if strings.Contains(text, "__index_level_0__") || !strings.Contains(text, `"topic":"math"`) {
			t.Errorf("all columns as input: %s", text)
		}
		// Refusals.
		for _, c := range []struct {
			form [][2]string
			file []byte
			want string
		}{
			{[][2]string{{"name", "x"}, {"input_keys[]", "missing"}}, table, "Keys not found in the table's columns: missing"},
			{[][2]string{{"name", "x"}, {"input_keys[]", "__index_level_0__"}}, table, "Keys not found"},
			{[][2]string{{"name", "x"}}, table[:len(table)/2], "malformed"},
			{[][2]string{{"name", "x"}}, []byte("question\nq\n"), "not an Arrow IPC stream"},
		} {
			ct, body := multipartBody(t, c.form, formFile{"application/x-pandas-pyarrow", "", c.file})
			resp, b := post(t, url, ct, body)
			if resp.StatusCode != 422 || !strings.Contains(string(b), c.want) {
				t.Errorf("%v: %d %s, want 422 containing %q", c.form, resp.StatusCode, b, c.want)
			}
		}
	})
}

func compactJSON(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
