package upload

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/emberhq/ember"
)

// arrowStream writes the JSON rows as an Arrow IPC stream of one batch per
// element of batches, the way pyarrow writes a DataFrame.
func arrowStream(t testing.TB, schema *arrow.Schema, batches ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(schema))
	for _, rows := range batches {
		rec, _, err := array.RecordFromJSON(memory.DefaultAllocator, schema, strings.NewReader(rows))
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

// pandasSchema is a schema with the metadata pyarrow.Table.from_pandas adds.
func pandasSchema(fields []arrow.Field, index ...string) *arrow.Schema {
	idx := "[]"
	if len(index) > 0 {
		idx = `["` + strings.Join(index, `","`) + `"]`
	}
	md := arrow.NewMetadata([]string{"pandas"}, []string{`{"index_columns":` + idx + `,"column_indexes":[],"columns":[],"creator":{"library":"pyarrow"},"pandas_version":"2.2.0"}`})
	return arrow.NewSchema(fields, &md)
}

func TestReadArrow(t *testing.T) {
	schema := pandasSchema([]arrow.Field{
		{Name: "question", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "ok", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "nothing", Type: arrow.Null, Nullable: true},
		{Name: "ctx", Type: arrow.StructOf(arrow.Field{Name: "lang", Type: arrow.BinaryTypes.String, Nullable: true}, arrow.Field{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true}), Nullable: true},
		{Name: "ids", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true},
		{Name: "when", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "__index_level_0__", Type: arrow.PrimitiveTypes.Int64},
	}, "__index_level_0__")
	data := arrowStream(t, schema,
		`[{"question":"What is 2+2?","n":4,"score":0.5,"ok":true,"nothing":null,"ctx":{"lang":"en","tags":["a","b"]},"ids":[1,2],"when":"2024-05-01T10:00:00.5Z","__index_level_0__":7}]`,
		`[{"question":null,"n":null,"score":null,"ok":false,"nothing":null,"ctx":null,"ids":[],"when":null,"__index_level_0__":8}]`)
	cols, rows, err := ReadArrow(data, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(cols, ",") != "question,n,score,ok,nothing,ctx,ids,when" {
		t.Fatalf("columns %v", cols)
	}
	if len(rows) != 2 {
		t.Fatalf("rows %v", rows)
	}
	keys := Keys{}
	if err := keys.check(cols); err != nil {
		t.Fatal(err)
	}
	exs, err := fromRows(&keys, rows)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"question":"What is 2+2?","n":4,"score":0.5,"ok":true,"nothing":null,"ctx":{"lang":"en","tags":["a","b"]},"ids":[1,2],"when":"2024-05-01T10:00:00.5Z"}`,
		`{"question":null,"n":null,"score":null,"ok":false,"nothing":null,"ctx":null,"ids":[],"when":null}`,
	}
	for i, ex := range exs {
		if string(ex.Input) != want[i] {
			t.Errorf("row %d:\n got %s\nwant %s", i, ex.Input, want[i])
		}
	}
}

func TestReadArrowTypes(t *testing.T) {
	dict := array.NewDictionaryBuilder(memory.DefaultAllocator, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}).(*array.BinaryDictionaryBuilder)
	dict.AppendString("red")
	dict.AppendString("blue")
	dict.AppendString("red")
	cat := dict.NewArray()
	fb := array.NewFloat64Builder(memory.DefaultAllocator)
	fb.AppendValues([]float64{1.25, nan(), 3}, nil)
	floats := fb.NewArray()
	mb := array.NewMapBuilder(memory.DefaultAllocator, arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int32, false)
	for i := 0; i < 3; i++ {
		mb.Append(true)
		mb.KeyBuilder().(*array.StringBuilder).Append("k")
		mb.ItemBuilder().(*array.Int32Builder).Append(int32(i))
	}
	maps := mb.NewArray()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "color", Type: cat.DataType()}, {Name: "x", Type: floats.DataType()}, {Name: "m", Type: maps.DataType()},
	}, nil)
	rec := array.NewRecordBatch(schema, []arrow.Array{cat, floats, maps}, 3)
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(schema))
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	w.Close()
	_, rows, err := ReadArrow(buf.Bytes(), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	var keys Keys
	for i, r := range rows {
		obj, err := keys.pick(r, i, "input", []string{"color", "x", "m"})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(obj))
	}
	want := `{"color":"red","x":1.25,"m":{"k":0}} {"color":"blue","x":null,"m":{"k":1}} {"color":"red","x":3,"m":{"k":2}}`
	if strings.Join(got, " ") != want {
		t.Fatalf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
}

func nan() float64 { var z float64; return z / z }

func TestReadArrowRefusals(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.BinaryTypes.String}, {Name: "a", Type: arrow.BinaryTypes.String}}, nil)
	good := arrowStream(t, arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.BinaryTypes.String}}, nil), `[{"a":"`+strings.Repeat("x", 4000)+`"}]`)
	for _, c := range []struct {
		name string
		data []byte
		max  int64
		code string
		want string
	}{
		{"empty", nil, 1 << 20, ember.EUNPROCESSABLE, "not an Arrow IPC stream"},
		{"text", []byte("question,answer\n"), 1 << 20, ember.EUNPROCESSABLE, "not an Arrow IPC stream"},
		{"duplicate", arrowStream(t, schema), 1 << 20, ember.EUNPROCESSABLE, "Duplicate column names"},
		{"truncated", good[:len(good)-100], 1 << 20, ember.EUNPROCESSABLE, "malformed"},
		{"capped", good, 1000, ember.ETOOLARGE, "limit"},
	} {
		_, _, err := ReadArrow(c.data, c.max)
		if ember.ErrorCode(err) != c.code || !strings.Contains(ember.ErrorMessage(err), c.want) {
			t.Errorf("%s: %v, want %s containing %q", c.name, err, c.code, c.want)
		}
	}
}

func TestParseMultipartArrow(t *testing.T) {
	schema := pandasSchema([]arrow.Field{
		{Name: "question", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "answer", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "topic", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "__index_level_0__", Type: arrow.PrimitiveTypes.Int64},
	}, "__index_level_0__")
	data := arrowStream(t, schema, `[{"question":"q","answer":"a","topic":"t","__index_level_0__":0}]`)
	mr, _ := form([][2]string{{"name", "n"}, {"input_keys[]", "question"}, {"output_keys[]", "answer"}, {"metadata_keys[]", "topic"}}, TypeArrow, "", data)
	up, err := ParseMultipart(mr, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	ex := up.Examples[0]
	if string(ex.Input) != `{"question":"q"}` || string(ex.Output) != `{"answer":"a"}` || string(ex.Metadata) != `{"topic":"t"}` {
		t.Fatalf("parsed %+v", ex)
	}
	// A struct column flattens; a bucket-prefixed dotted column nests.
	schema = pandasSchema([]arrow.Field{
		{Name: "input.ctx.q", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "answer", Type: arrow.StructOf(arrow.Field{Name: "text", Type: arrow.BinaryTypes.String, Nullable: true}), Nullable: true},
		{Name: "__index_level_0__", Type: arrow.PrimitiveTypes.Int64},
	}, "__index_level_0__")
	nested := arrowStream(t, schema, `[{"input.ctx.q":"q","answer":{"text":"a"},"__index_level_0__":0}]`)
	mr, _ = form([][2]string{{"name", "n"}, {"input_keys[]", "input.ctx.q"}, {"output_keys[]", "answer"}, {"flatten_keys[]", "answer"}}, TypeArrow, "", nested)
	if up, err = ParseMultipart(mr, 1<<20); err != nil || string(up.Examples[0].Input) != `{"ctx":{"q":"q"}}` || string(up.Examples[0].Output) != `{"text":"a"}` {
		t.Fatalf("flattened arrow: %v %+v", err, up)
	}
	mr, _ = form([][2]string{{"name", "n"}, {"input_keys[]", "__index_level_0__"}}, TypeArrow, "", data)
	if _, err := ParseMultipart(mr, 1<<20); !strings.Contains(ember.ErrorMessage(err), "Keys not found") {
		t.Fatalf("index column as a key: %v", err)
	}
}

func FuzzReadArrow(f *testing.F) {
	schema := pandasSchema([]arrow.Field{
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "i", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "st", Type: arrow.StructOf(arrow.Field{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Float64), Nullable: true}), Nullable: true},
		{Name: "__index_level_0__", Type: arrow.PrimitiveTypes.Int64},
	}, "__index_level_0__")
	f.Add(arrowStream(f, schema, `[{"s":"x","i":1,"st":{"l":[1.5,null]},"__index_level_0__":0},{"s":null,"i":null,"st":null,"__index_level_0__":1}]`))
	f.Add(arrowStream(f, schema))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x10, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		cols, rows, err := ReadArrow(data, 1<<22)
		if err != nil {
			if c := ember.ErrorCode(err); c != ember.EUNPROCESSABLE && c != ember.ETOOLARGE {
				t.Fatalf("error code %s: %v", c, err)
			}
			return
		}
		keys := Keys{}
		if err := keys.check(cols); err == nil {
			exs, err := fromRows(&keys, rows)
			if err != nil && ember.ErrorCode(err) != ember.EUNPROCESSABLE {
				t.Fatal(err)
			}
			for _, ex := range exs {
				if !jsonValid(ex.Input) {
					t.Fatalf("input %q", ex.Input)
				}
			}
		}
	})
}

func jsonValid(b []byte) bool { return json.Valid(b) }
