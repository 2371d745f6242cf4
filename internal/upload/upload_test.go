package upload

import (
	"bytes"
	"compress/gzip"
	"mime/multipart"
	"net/textproto"
	"strings"
	"testing"

	"github.com/emberhq/ember"
)

func TestParseJSON(t *testing.T) {
	up, err := ParseJSON([]byte(`{"action":"update","name":"n","inputs":[{"b":1, "a":2}],"outputs":[null],"splits":[["x"," ",""]],"span_ids":[" abc "],"example_ids":[null]}`))
	if err != nil {
		t.Fatal(err)
	}
	ex := up.Examples[0]
	if up.Action != ember.UploadUpdate || string(ex.Input) != `{"b":1,"a":2}` || string(ex.Output) != "{}" || string(ex.Metadata) != "{}" ||
		len(ex.Splits) != 1 || ex.SpanID != "abc" || ex.ExampleID != "" {
		t.Fatalf("parsed %+v %+v", up, ex)
	}
	f := func(body, want string) {
		t.Helper()
		_, err := ParseJSON([]byte(body))
		if ember.ErrorCode(err) != ember.EUNPROCESSABLE || !strings.Contains(ember.ErrorMessage(err), want) {
			t.Errorf("%s: %v, want 422 containing %q", body, err, want)
		}
	}
	f(``, "empty")
	f(`[]`, "not a JSON object")
	f(`{"name":"n","action":"upsert","inputs":[]}`, "Invalid dateset action: upsert")
	f(`{"name":"n","action":5,"inputs":[]}`, "action has the wrong type")
	f(`{"name":" ","inputs":[]}`, "name is required")
	f(`{"name":"n","inputs":[[]]}`, "inputs[0] must be a JSON object")
	f(`{"name":"n","inputs":[{}],"outputs":["x"]}`, "outputs[0] must be a JSON object")
	f(`{"name":"n","inputs":[{}],"splits":[5]}`, "splits[0] must be")
	f(`{"name":"n","inputs":[{}],"splits":[[null]]}`, "splits[0] must be")
	f(`{"name":"n","inputs":[{}],"span_ids":[1]}`, "span_ids[0] must be a string")
}

func TestReadCSV(t *testing.T) {
	cols, rows, err := ReadCSV(strings.NewReader("\ufeffa,b\n1,\n\"x,y\",\"q\"\"\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(cols, "|") != "a|b" || len(rows) != 2 || string(rows[0]["a"]) != `"1"` || rows[0]["b"] != nil || string(rows[1]["b"]) != `"q\""` {
		t.Fatalf("cols %v rows %v", cols, rows)
	}
	for _, bad := range []string{"", "a,a\n", "a\n1,2\n", "a\n\"unterminated\n"} {
		if _, _, err := ReadCSV(strings.NewReader(bad)); ember.ErrorCode(err) != ember.EUNPROCESSABLE {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestReadJSONL(t *testing.T) {
	cols, rows, err := ReadJSONL(strings.NewReader("{\"a\":1,\"b\":null}\n\n{\"c\":[1], \"a\":{\"x\": 2}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(cols, "|") != "a|c" || len(rows) != 2 || string(rows[1]["a"]) != `{"x":2}` {
		t.Fatalf("cols %v rows %v", cols, rows)
	}
	for _, bad := range []string{"[1]\n", "{\"a\":}\n", "{} {}\n", "{\"a\":1\n"} {
		if _, _, err := ReadJSONL(strings.NewReader(bad)); ember.ErrorCode(err) != ember.EUNPROCESSABLE {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// form builds a multipart upload with a file part.
func form(fields [][2]string, contentType, encoding string, file []byte) (*multipart.Reader, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		mw.WriteField(f[0], f[1])
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="data.csv"`)
	h.Set("Content-Type", contentType)
	if encoding != "" {
		h.Set("Content-Encoding", encoding)
	}
	p, _ := mw.CreatePart(h)
	p.Write(file)
	mw.Close()
	return multipart.NewReader(&buf, mw.Boundary()), nil
}

func TestParseMultipart(t *testing.T) {
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write([]byte("q,a,split,id\nhi,there,train,x1\n"))
	zw.Close()
	mr, _ := form([][2]string{{"name", "n"}, {"output_keys[]", "a"}, {"output_keys[]", " "}, {"split_key", "split"}, {"example_id_key", "id"}}, "text/csv", "gzip", z.Bytes())
	up, err := ParseMultipart(mr, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	ex := up.Examples[0]
	if up.Action != ember.UploadCreate || *up.Description != "data.csv" || string(ex.Input) != `{"q":"hi"}` || string(ex.Output) != `{"a":"there"}` ||
		len(ex.Splits) != 1 || ex.Splits[0] != "train" || ex.ExampleID != "x1" {
		t.Fatalf("parsed %+v %+v", up, ex)
	}
	f := func(fields [][2]string, ct, enc, file string, max int64, code, want string) {
		t.Helper()
		mr, _ := form(fields, ct, enc, []byte(file))
		_, err := ParseMultipart(mr, max)
		if ember.ErrorCode(err) != code || !strings.Contains(ember.ErrorMessage(err), want) {
			t.Errorf("%v %s: %v, want %s containing %q", fields, file, err, code, want)
		}
	}
	name := [][2]string{{"name", "n"}}
	f(name, "text/csv", "", "a\n1\n", 2, ember.ETOOLARGE, "larger than")
	f(nil, "text/csv", "", "a\n1\n", 100, ember.EUNPROCESSABLE, "name is required")
	f(append(name, [2]string{"input_keys[]", "a"}, [2]string{"output_keys[]", "a"}), "text/csv", "", "a\n1\n", 100, ember.EUNPROCESSABLE, "cannot be both")
	f(append(name, [2]string{"split_key", "a"}, [2]string{"split_keys[]", "a"}), "text/csv", "", "a\n1\n", 100, ember.EUNPROCESSABLE, "cannot both")
	f(name, "text/csv", "deflate", "garbage", 100, ember.EUNPROCESSABLE, "cannot be read")
	f(name, "application/x-pandas-pyarrow", "", "x", 100, ember.EUNPROCESSABLE, "not an Arrow IPC stream")
}

func FuzzParseJSON(f *testing.F) {
	f.Add([]byte(`{"action":"update","name":"n","inputs":[{"a":1}],"outputs":[{}],"splits":["s"],"span_ids":[null],"example_ids":["x"]}`))
	f.Add([]byte(`{"name":"n","inputs":[{}],"splits":[["a",null]]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		up, err := ParseJSON(body)
		if err != nil {
			if c := ember.ErrorCode(err); c != ember.EUNPROCESSABLE {
				t.Fatalf("error code %s: %v", c, err)
			}
			return
		}
		for _, ex := range up.Examples {
			if len(ex.Input) == 0 || ex.Input[0] != '{' {
				t.Fatalf("input %q", ex.Input)
			}
		}
	})
}

func FuzzReadCSV(f *testing.F) {
	f.Add("a,b\n1,2\n")
	f.Add("\"a\"\"\",b\n\"x\ny\",\n")
	f.Fuzz(func(t *testing.T, text string) {
		cols, rows, err := ReadCSV(strings.NewReader(text))
		if err != nil {
			if ember.ErrorCode(err) != ember.EUNPROCESSABLE {
				t.Fatal(err)
			}
			return
		}
		keys := Keys{}
		if err := keys.check(cols); err == nil {
			if _, err := fromRows(&keys, rows); err != nil && ember.ErrorCode(err) != ember.EUNPROCESSABLE {
				t.Fatal(err)
			}
		}
	})
}

func FuzzReadJSONL(f *testing.F) {
	f.Add("{\"a\":1}\n{\"b\":[1,{\"c\":null}]}\n")
	f.Add("\n\n{}\n")
	f.Fuzz(func(t *testing.T, text string) {
		cols, rows, err := ReadJSONL(strings.NewReader(text))
		if err != nil {
			if ember.ErrorCode(err) != ember.EUNPROCESSABLE {
				t.Fatal(err)
			}
			return
		}
		keys := Keys{}
		if err := keys.check(cols); err == nil {
			if _, err := fromRows(&keys, rows); err != nil && ember.ErrorCode(err) != ember.EUNPROCESSABLE {
				t.Fatal(err)
			}
		}
	})
}

func FuzzParseMultipart(f *testing.F) {
	f.Add("name=n&input_keys[]=a", "text/csv", "", []byte("a,b\n1,2\n"))
	f.Add("name=n&split_key=s", "application/jsonl", "", []byte("{\"s\":[\"x\"]}\n"))
	f.Add("name=n", "text/csv", "gzip", []byte("\x1f\x8b\x08\x00"))
	f.Fuzz(func(t *testing.T, fields, contentType, encoding string, file []byte) {
		var pairs [][2]string
		for _, kv := range strings.Split(fields, "&") {
			k, v, _ := strings.Cut(kv, "=")
			pairs = append(pairs, [2]string{k, v})
		}
		mr, _ := form(pairs, contentType, encoding, file)
		_, err := ParseMultipart(mr, 1<<16)
		if err != nil {
			if c := ember.ErrorCode(err); c != ember.EUNPROCESSABLE && c != ember.ETOOLARGE {
				t.Fatalf("error code %s: %v", c, err)
			}
		}
	})
}

// TestTableExtras pins the table upload extras on CSV and JSON Lines
// alike: bucket-prefixed dotted columns nest (a dataset CSV download
// uploads back to its examples), other dotted names stay whole, flattened
// columns spread their object members (JSON objects, or CSV cells holding
// one), colliding keys are refused, and the dataset's metadata field.
func TestTableExtras(t *testing.T) {
	fields := [][2]string{{"name", "n"}, {"metadata", ` {"owner": "qa", "v": 2} `},
		{"input_keys[]", "input.q"}, {"input_keys[]", "input.ctx.doc"}, {"input_keys[]", "input.ctx.page"}, {"input_keys[]", "llm.model"},
		{"output_keys[]", "answer"}, {"metadata_keys[]", "meta"}, {"flatten_keys[]", "answer"}, {"flatten_keys[]", "meta"}}
	csvFile := "input.q,input.ctx.doc,input.ctx.page,llm.model,answer,meta\n" +
		`why,d1,3,gpt,"{""text"": ""because"", ""score"": 1}",plain` + "\n"
	jsonlFile := `{"input.q":"why","input.ctx.doc":"d1","input.ctx.page":3,"llm.model":"gpt","answer":{"text":"because","score":1},"meta":"plain"}` + "\n"
	for _, c := range []struct{ ct, file, input string }{
		{TypeCSV, csvFile, `{"q":"why","ctx":{"doc":"d1","page":"3"},"llm.model":"gpt"}`},
		{TypeJSONL, jsonlFile, `{"q":"why","ctx":{"doc":"d1","page":3},"llm.model":"gpt"}`},
	} {
		mr, _ := form(fields, c.ct, "", []byte(c.file))
		up, err := ParseMultipart(mr, 1<<20)
		if err != nil {
			t.Fatalf("%s: %v", c.ct, err)
		}
		ex := up.Examples[0]
		if string(up.Metadata) != `{"owner":"qa","v":2}` || string(ex.Input) != c.input || string(ex.Output) != `{"text":"because","score":1}` || string(ex.Metadata) != `{"meta":"plain"}` {
			t.Errorf("%s: dataset metadata %s, example %s %s %s", c.ct, up.Metadata, ex.Input, ex.Output, ex.Metadata)
		}
	}

	f := func(fields [][2]string, file, want string) {
		t.Helper()
		mr, _ := form(append([][2]string{{"name", "n"}}, fields...), TypeJSONL, "", []byte(file))
		_, err := ParseMultipart(mr, 1<<20)
		if ember.ErrorCode(err) != ember.EUNPROCESSABLE || !strings.Contains(ember.ErrorMessage(err), want) {
			t.Errorf("%v %s: %v, want 422 containing %q", fields, file, err, want)
		}
	}
	f([][2]string{{"input_keys[]", "a"}, {"input_keys[]", "b"}, {"flatten_keys[]", "a"}}, `{"a":{"b":1},"b":2}`, `Row 1: column "b" gives input key "b", which another column gives too`)
	f([][2]string{{"input_keys[]", "b"}, {"input_keys[]", "a"}, {"flatten_keys[]", "a"}}, `{"a":{"b":1},"b":2}`, `Row 1: flattening column "a" gives input key "b"`)
	f([][2]string{{"input_keys[]", "input.a"}, {"input_keys[]", "input.a.b"}}, `{"input.a":1,"input.a.b":2}`, `column "input.a.b" gives input key "a.b"`)
	f([][2]string{{"input_keys[]", "a"}, {"split_key", "s"}, {"flatten_keys[]", "s"}}, `{"a":1,"s":"x"}`, "Flatten keys must be input, output or metadata keys: s")
	f([][2]string{{"input_keys[]", "a"}, {"flatten_keys[]", "zz"}}, `{"a":1}`, "Flatten keys must be input, output or metadata keys: zz")
	f([][2]string{{"input_keys[]", "a"}, {"metadata", `[1]`}}, `{"a":1}`, "The dataset's metadata must be a JSON object")
	f([][2]string{{"input_keys[]", "a"}, {"metadata", `{"a":`}}, `{"a":1}`, "The dataset's metadata must be a JSON object")

	// With no input keys, every other column is input and can be
	// flattened; a value that is no object stays under its column.
	mr, _ := form([][2]string{{"name", "n"}, {"flatten_keys[]", "input"}}, TypeJSONL, "", []byte(`{"input":{"x":1,"y":[2]}}`+"\n"+`{"input":"text"}`+"\n"))
	up, err := ParseMultipart(mr, 1<<20)
	if err != nil || string(up.Examples[0].Input) != `{"x":1,"y":[2]}` || string(up.Examples[1].Input) != `{"input":"text"}` || up.Metadata != nil {
		t.Fatalf("default input keys flattened: %v %+v", err, up)
	}
}

// TestParseJSONDatasetMetadata pins metadata in a JSON upload: a list is
// the examples', an object the dataset's.
func TestParseJSONDatasetMetadata(t *testing.T) {
	up, err := ParseJSON([]byte(`{"name":"n","inputs":[{"q":1}],"metadata":{"owner": "qa"}}`))
	if err != nil || string(up.Metadata) != `{"owner":"qa"}` || string(up.Examples[0].Metadata) != "{}" {
		t.Fatalf("object metadata: %v %+v", err, up)
	}
	up, err = ParseJSON([]byte(`{"name":"n","inputs":[{"q":1}],"metadata":[{"m":1}]}`))
	if err != nil || up.Metadata != nil || string(up.Examples[0].Metadata) != `{"m":1}` {
		t.Fatalf("list metadata: %v %+v", err, up)
	}
	if _, err := ParseJSON([]byte(`{"name":"n","inputs":[{"q":1}],"metadata":{"a":}}`)); ember.ErrorCode(err) != ember.EUNPROCESSABLE {
		t.Fatalf("bad object metadata: %v", err)
	}
}
