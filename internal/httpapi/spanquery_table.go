package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// frame is the result of one span query: a table whose first columns form
// its index, as a pandas DataFrame would hold it. A cell is nil (missing),
// a string, bool, int64, float64, json.Number, time.Time, or a decoded
// JSON object ([]any, map[string]any).
type frame struct {
	index   []string
	columns []string
	rows    [][]any // each row holds len(index)+len(columns) cells
}

// tablePandasVersion is the table-schema version that pandas writes and
// Phoenix's clients read.
const tablePandasVersion = "1.4.0"

// encodeTable writes f as a pandas "table"-orient JSON document, the way
// Phoenix's span query route answers with JSON and the way Phoenix's
// Python clients decode it: index columns are renamed "<i>_<name>" and
// data columns "<n+j>_<name>" (n index columns), so that duplicate names
// survive; the schema names the pandas dtype family of each column.
// Datetimes are ISO 8601 in UTC with nanoseconds, NaN is null, and "/" is
// escaped as pandas' encoder does.
func encodeTable(f *frame) []byte {
	n := len(f.index)
	names := make([]string, 0, n+len(f.columns))
	for i, name := range f.index {
		names = append(names, strconv.Itoa(i)+"_"+name)
	}
	for j, name := range f.columns {
		names = append(names, strconv.Itoa(n+j)+"_"+name)
	}
	types := make([]string, len(names))
	for c := range names {
		types[c] = columnType(f.rows, c)
	}
	var b bytes.Buffer
	b.WriteString(`{"schema":{"fields":[`)
	for c, name := range names {
		if c > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"name":`)
		writeTableString(&b, name)
		b.WriteString(`,"type":"` + types[c] + `"`)
		if types[c] == "datetime" {
			b.WriteString(`,"tz":"UTC"`)
		}
		b.WriteByte('}')
	}
	b.WriteString(`],"primaryKey":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		writeTableString(&b, names[i])
	}
	b.WriteString(`],"pandas_version":"` + tablePandasVersion + `"},"data":[`)
	for r, row := range f.rows {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('{')
		for c, name := range names {
			if c > 0 {
				b.WriteByte(',')
			}
			writeTableString(&b, name)
			b.WriteByte(':')
			var v any
			if c < len(row) {
				v = row[c]
			}
			writeTableValue(&b, v, types[c] == "number")
		}
		b.WriteByte('}')
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// columnType infers the table-schema type pandas would give column c:
// integers and booleans only when no cell is missing (pandas turns a
// missing integer into a float, and a missing boolean into an object),
// datetimes, numbers, and "string" for everything else, objects included.
func columnType(rows [][]any, c int) string {
	present, missing := 0, 0
	ints, floats, bools, times := 0, 0, 0, 0
	for _, row := range rows {
		var v any
		if c < len(row) {
			v = row[c]
		}
		switch x := v.(type) {
		case nil:
			missing++
			continue
		case int64:
			ints++
		case float64:
			if math.IsNaN(x) {
				missing++
				continue
			}
			floats++
		case json.Number:
			if isIntegerText(string(x)) {
				ints++
			} else {
				floats++
			}
		case bool:
			bools++
		case time.Time:
			times++
		}
		present++
	}
	switch {
	case present == 0:
		return "string"
	case times == present:
		return "datetime"
	case bools == present && missing == 0:
		return "boolean"
	case ints == present && missing == 0:
		return "integer"
	case ints+floats == present:
		return "number"
	}
	return "string"
}

// writeTableValue writes one cell; asFloat writes integers as floats, as
// they are in a pandas float column.
func writeTableValue(b *bytes.Buffer, v any, asFloat bool) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		writeTableString(b, x)
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int64:
		if asFloat {
			writeTableFloat(b, float64(x))
		} else {
			b.WriteString(strconv.FormatInt(x, 10))
		}
	case int:
		writeTableValue(b, int64(x), asFloat)
	case float64:
		writeTableFloat(b, x)
	case json.Number:
		if f, err := x.Float64(); err == nil && (asFloat || !isIntegerText(string(x))) {
			writeTableFloat(b, f)
		} else {
			b.WriteString(string(x))
		}
	case time.Time:
		b.WriteString(`"` + x.UTC().Format("2006-01-02T15:04:05.000000000") + `Z"`)
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeTableValue(b, e, false)
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeTableString(b, k)
			b.WriteByte(':')
			writeTableValue(b, x[k], false)
		}
		b.WriteByte('}')
	default:
		writeTableString(b, fmt.Sprint(x))
	}
}

// writeTableFloat writes a float as pandas' encoder does: at most ten
// decimals, a ".0" on whole numbers, null for NaN and infinities.
func writeTableFloat(b *bytes.Buffer, f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		b.WriteString("null")
		return
	}
	var s string
	if a := math.Abs(f); a != 0 && (a >= 1e16 || a < 1e-10) {
		s = strconv.FormatFloat(f, 'e', -1, 64)
	} else {
		s = strconv.FormatFloat(f, 'f', 10, 64)
		s = strings.TrimRight(s, "0")
		if strings.HasSuffix(s, ".") {
			s += "0"
		}
		if s == "-0.0" {
			s = "0.0"
		}
	}
	b.WriteString(s)
}

// writeTableString writes s as a JSON string, UTF-8 left as it is and "/"
// escaped.
func writeTableString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch c {
			case '"':
				b.WriteString(`\"`)
			case '\\':
				b.WriteString(`\\`)
			case '/':
				b.WriteString(`\/`)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			case '\t':
				b.WriteString(`\t`)
			case '\b':
				b.WriteString(`\b`)
			case '\f':
				b.WriteString(`\f`)
			default:
				if c < 0x20 || c == 0x7f {
					fmt.Fprintf(b, `\u%04x`, c)
				} else {
					b.WriteByte(c)
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString(`\ufffd`)
		} else if r == '\u2028' || r == '\u2029' {
			fmt.Fprintf(b, `\u%04x`, r)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
}
