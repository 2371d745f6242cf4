package upload

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/emberhq/ember"
)

// errArrowTooLarge is what the capped allocator panics with.
var errArrowTooLarge = errors.New("arrow allocation over the cap")

// cappedAllocator hands out Go memory until a total is reached, then
// panics with errArrowTooLarge; ReadArrow turns the panic into an error. A
// stream can declare buffer and decompressed lengths far beyond its own
// size, so the cap is what keeps a small body from claiming gigabytes.
type cappedAllocator struct {
	mem       memory.Allocator
	used, max int64
	cells     int64 // cells decoded
	over      bool  // the cap was hit, whether or not the panic surfaced
}

func (a *cappedAllocator) grow(n int) {
	a.used += int64(n)
	if n < 0 || a.used > a.max {
		a.over = true
		panic(errArrowTooLarge)
	}
}

// rowCost is what a decoded cell is counted as against the cap: a row of
// an all-null table takes no Arrow buffers but does take memory here.
const rowCost = 64

// takeRows counts n rows of cols cells against the cap.
func (a *cappedAllocator) takeRows(n, cols int) error {
	a.cells += int64(n) * int64(max(cols, 1))
	if n < 0 || a.cells > a.max/rowCost {
		a.over = true
		return ember.Errorf(ember.ETOOLARGE, "The Arrow stream decodes to more than the limit of %d bytes", a.max)
	}
	return nil
}

func (a *cappedAllocator) Allocate(size int) []byte {
	a.grow(size)
	return a.mem.Allocate(size)
}

func (a *cappedAllocator) Reallocate(size int, b []byte) []byte {
	a.grow(size - len(b))
	return a.mem.Reallocate(size, b)
}

func (a *cappedAllocator) Free(b []byte) {
	a.used -= int64(len(b))
	a.mem.Free(b)
}

// indexColumn matches the names pandas gives index levels it stores as
// columns.
var indexColumn = regexp.MustCompile(`^__index_level_\d+__$`)

// ReadArrow reads an Arrow IPC stream, as pyarrow writes a pandas DataFrame
// (pyarrow.Table.from_pandas, then an ipc stream writer). Each cell becomes
// a JSON value: nulls, NaN and infinities become null, timestamps ISO 8601
// strings, structs and maps objects, lists arrays, dictionary-encoded
// (categorical) columns their values. The DataFrame's index, stored as
// columns named by the schema's pandas metadata or "__index_level_N__", is
// left out. maxBytes caps the memory the decoded batches may take.
func ReadArrow(data []byte, maxBytes int64) (columns []string, rows []row, err error) {
	alloc := &cappedAllocator{mem: memory.NewGoAllocator(), max: maxBytes}
	defer func() {
		p := recover()
		if p != nil {
			columns, rows = nil, nil
			err = invalid("The Arrow stream is malformed: %v", p)
		}
		// arrow-go recovers some panics itself and returns them as errors.
		if alloc.over && (p != nil || err != nil) {
			err = ember.Errorf(ember.ETOOLARGE, "The Arrow stream decodes to more than the limit of %d bytes", maxBytes)
		}
	}()
	if err := checkArrowStream(data); err != nil {
		return nil, nil, invalid("The file part is not an Arrow IPC stream: %v", err)
	}
	rd, err := ipc.NewReader(bytes.NewReader(data), ipc.WithAllocator(alloc),
		ipc.WithMetadataSizeLimit(int64(len(data))), ipc.WithBodySizeLimit(int64(len(data))))
	if err != nil {
		return nil, nil, invalid("The file part is not an Arrow IPC stream: %v", err)
	}
	defer rd.Release()
	schema := rd.Schema()
	skip := pandasIndex(schema)
	seen := map[string]bool{}
	var keep []int
	var dups []string
	for i, f := range schema.Fields() {
		if skip[f.Name] || indexColumn.MatchString(f.Name) {
			continue
		}
		if !utf8.ValidString(f.Name) {
			return nil, nil, invalid("An Arrow column name is not UTF-8")
		}
		if seen[f.Name] {
			dups = append(dups, f.Name)
		}
		seen[f.Name] = true
		columns = append(columns, f.Name)
		keep = append(keep, i)
	}
	if len(dups) > 0 {
		return nil, nil, invalid("Duplicate column names in the Arrow schema: %v", dups)
	}
	for rd.Next() {
		rec := rd.RecordBatch()
		n := int(rec.NumRows())
		if err := alloc.takeRows(n, len(keep)); err != nil {
			return nil, nil, err
		}
		for _, c := range keep {
			col := rec.Column(c)
			if v, ok := col.(interface{ ValidateFull() error }); ok {
				if err := v.ValidateFull(); err != nil {
					return nil, nil, invalid("The Arrow stream is malformed: column %q: %v", schema.Field(c).Name, err)
				}
			}
			if col.Len() != n {
				return nil, nil, invalid("The Arrow stream is malformed: column %q has %d values in a batch of %d rows", schema.Field(c).Name, col.Len(), n)
			}
		}
		for i := 0; i < n; i++ {
			rw := make(row, len(keep))
			for _, c := range keep {
				rw[schema.Field(c).Name] = cellJSON(rec.Column(c), i)
			}
			rows = append(rows, rw)
		}
	}
	if err := rd.Err(); err != nil {
		return nil, nil, invalid("The Arrow stream is malformed: %v", err)
	}
	return columns, rows, nil
}

// pandasIndex returns the columns the schema's pandas metadata names as the
// DataFrame's index. A RangeIndex is stored as metadata only and names none.
func pandasIndex(schema *arrow.Schema) map[string]bool {
	md := schema.Metadata()
	i := md.FindKey("pandas")
	if i < 0 {
		return nil
	}
	var meta struct {
		IndexColumns []json.RawMessage `json:"index_columns"`
	}
	if json.Unmarshal([]byte(md.Values()[i]), &meta) != nil {
		return nil
	}
	out := map[string]bool{}
	for _, c := range meta.IndexColumns {
		var name string
		if json.Unmarshal(c, &name) == nil {
			out[name] = true
		}
	}
	return out
}

// cellJSON is the JSON of one cell.
func cellJSON(a arrow.Array, i int) json.RawMessage {
	b, err := json.Marshal(cell(a, i, 0))
	if err != nil {
		return json.RawMessage("null")
	}
	return b
}

// maxDepth bounds how deep nested values are followed.
const maxDepth = 64

// cell converts one value of an array to something encoding/json writes as
// the value's JSON.
func cell(a arrow.Array, i, depth int) any {
	if a.IsNull(i) || depth > maxDepth {
		return nil
	}
	switch a := a.(type) {
	case *array.Null:
		return nil
	case *array.Boolean:
		return a.Value(i)
	case *array.Int8:
		return a.Value(i)
	case *array.Int16:
		return a.Value(i)
	case *array.Int32:
		return a.Value(i)
	case *array.Int64:
		return a.Value(i)
	case *array.Uint8:
		return a.Value(i)
	case *array.Uint16:
		return a.Value(i)
	case *array.Uint32:
		return a.Value(i)
	case *array.Uint64:
		return a.Value(i)
	case *array.Float16:
		return finite(float64(a.Value(i).Float32()))
	case *array.Float32:
		return finite(float64(a.Value(i)))
	case *array.Float64:
		return finite(a.Value(i))
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	case *array.StringView:
		return a.Value(i)
	case *array.Binary:
		return bytesValue(a.Value(i))
	case *array.LargeBinary:
		return bytesValue(a.Value(i))
	case *array.BinaryView:
		return bytesValue(a.Value(i))
	case *array.FixedSizeBinary:
		return bytesValue(a.Value(i))
	case *array.Timestamp:
		typ := a.DataType().(*arrow.TimestampType)
		t := a.Value(i).ToTime(typ.Unit)
		if typ.TimeZone == "" {
			return t.Format("2006-01-02T15:04:05.999999999")
		}
		return t.UTC().Format(time.RFC3339Nano)
	case *array.Date32:
		return a.Value(i).ToTime().Format(time.DateOnly)
	case *array.Date64:
		return a.Value(i).ToTime().UTC().Format(time.DateOnly)
	case *array.Decimal128:
		scale := a.DataType().(*arrow.Decimal128Type).Scale
		return json.Number(a.Value(i).ToString(scale))
	case *array.Decimal256:
		scale := a.DataType().(*arrow.Decimal256Type).Scale
		return json.Number(a.Value(i).ToString(scale))
	case *array.Struct:
		typ := a.DataType().(*arrow.StructType)
		obj := make(orderedObject, 0, a.NumField())
		for f := 0; f < a.NumField(); f++ {
			obj = append(obj, member{typ.Field(f).Name, cell(a.Field(f), i, depth+1)})
		}
		return obj
	case *array.Map:
		start, end := a.ValueOffsets(i)
		keys, items := a.Keys(), a.Items()
		obj := make(orderedObject, 0, end-start)
		for j := int(start); j < int(end); j++ {
			k := cell(keys, j, depth+1)
			name, ok := k.(string)
			if !ok {
				b, _ := json.Marshal(k)
				name = string(b)
			}
			obj = append(obj, member{name, cell(items, j, depth+1)})
		}
		return obj
	case array.ListLike:
		start, end := a.ValueOffsets(i)
		values := a.ListValues()
		list := make([]any, 0, end-start)
		for j := int(start); j < int(end); j++ {
			list = append(list, cell(values, j, depth+1))
		}
		return list
	case *array.Dictionary:
		return cell(a.Dictionary(), a.GetValueIndex(i), depth+1)
	}
	if m, ok := a.(interface{ GetOneForMarshal(int) any }); ok {
		return m.GetOneForMarshal(i)
	}
	return a.ValueStr(i)
}

// finite maps NaN and the infinities, which JSON cannot hold and pandas
// uses for missing numbers, to null.
func finite(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return f
}

// bytesValue is a binary value as a string when it is UTF-8, else base64.
func bytesValue(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// orderedObject is a JSON object that keeps its members' order.
type orderedObject []member

type member struct {
	name  string
	value any
}

func (o orderedObject) MarshalJSON() ([]byte, error) {
	buf := []byte{'{'}
	for i, m := range o {
		if i > 0 {
			buf = append(buf, ',')
		}
		name, _ := json.Marshal(m.name)
		buf = append(buf, name...)
		buf = append(buf, ':')
		v, err := json.Marshal(m.value)
		if err != nil {
			return nil, fmt.Errorf("member %q: %w", m.name, err)
		}
		buf = append(buf, v...)
	}
	return append(buf, '}'), nil
}
