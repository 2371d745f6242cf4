package upload

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/emberhq/ember"
)

// Content types of the file part of a multipart upload.
const (
	TypeCSV   = "text/csv"
	TypeJSONL = "application/jsonl"
	TypeArrow = "application/x-pandas-pyarrow"
)

// maxFields caps the form fields of a multipart upload.
const maxFields = 10000

// ParseMultipart decodes a multipart/form-data upload. The file part is read
// whole (at most maxBytes once decoded) because the form fields that say how
// to read it may come after it.
func ParseMultipart(mr *multipart.Reader, maxBytes int64) (*ember.DatasetUpload, error) {
	fields := map[string][]string{}
	var file []byte
	var fileType, fileName string
	haveFile := false
	nFields := 0
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, tooLargeOr(err, "The multipart body is malformed: %v", err)
		}
		nFields++
		if nFields > maxFields {
			return nil, invalid("The form has more than %d fields", maxFields)
		}
		name := part.FormName()
		if part.FileName() != "" || name == "file" {
			if haveFile {
				return nil, invalid("The form has more than one file")
			}
			haveFile = true
			fileName = part.FileName()
			fileType, _, _ = mime.ParseMediaType(part.Header.Get("Content-Type"))
			r, err := decoded(part, part.Header.Get("Content-Encoding"))
			if err != nil {
				return nil, err
			}
			if file, err = readCapped(r, maxBytes); err != nil {
				return nil, err
			}
			continue
		}
		v, err := readCapped(part, 1<<20)
		if err != nil {
			return nil, err
		}
		fields[name] = append(fields[name], string(v))
	}
	if !haveFile {
		return nil, invalid("The form has no file part")
	}
	first := func(k string) string {
		if v := fields[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	list := func(k string) []string {
		var out []string
		for _, v := range fields[k] {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
		return out
	}
	up := &ember.DatasetUpload{Name: first("name")}
	var err error
	if up.Action, err = ParseAction(first("action")); err != nil {
		return nil, err
	}
	if strings.TrimSpace(up.Name) == "" {
		return nil, invalid("Dataset name is required")
	}
	description := fileName
	if _, ok := fields["description"]; ok {
		description = first("description")
	}
	up.Description = &description
	keys := Keys{
		Input:     list("input_keys[]"),
		Output:    list("output_keys[]"),
		Metadata:  list("metadata_keys[]"),
		Splits:    list("split_keys[]"),
		SpanID:    strings.TrimSpace(first("span_id_key")),
		ExampleID: strings.TrimSpace(first("example_id_key")),
		Flatten:   list("flatten_keys[]"),
	}
	// The dataset's own metadata, a JSON object, rides in a form field
	// of its own; the examples' metadata comes from metadata_keys[].
	if v := strings.TrimSpace(first("metadata")); v != "" {
		if up.Metadata, err = datasetMetadata(json.RawMessage(v)); err != nil {
			return nil, err
		}
	}
	if key := strings.TrimSpace(first("split_key")); key != "" {
		if len(keys.Splits) > 0 {
			return nil, invalid("split_key and split_keys[] cannot both be given")
		}
		keys.Splits = []string{key}
	}
	var columns []string
	var rows []row
	switch fileType {
	case TypeCSV:
		columns, rows, err = ReadCSV(bytes.NewReader(file))
	case TypeJSONL, "application/x-ndjson", "application/jsonlines":
		columns, rows, err = ReadJSONL(bytes.NewReader(file))
	case TypeArrow:
		columns, rows, err = ReadArrow(file, maxBytes)
	default:
		return nil, invalid("Invalid file Content-Type %q: use %s, %s or %s", fileType, TypeCSV, TypeJSONL, TypeArrow)
	}
	if err != nil {
		return nil, err
	}
	if err := keys.check(columns); err != nil {
		return nil, err
	}
	if up.Examples, err = fromRows(&keys, rows); err != nil {
		return nil, err
	}
	return up, nil
}

// decoded undoes a file part's Content-Encoding.
func decoded(r io.Reader, encoding string) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", "identity":
		return r, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, invalid("The file part is not valid gzip: %v", err)
		}
		return zr, nil
	case "deflate":
		// HTTP's deflate is zlib-wrapped; some senders use raw DEFLATE.
		br := bufio.NewReader(r)
		head, _ := br.Peek(2)
		if len(head) == 2 && head[0]&0x0f == 8 && (uint16(head[0])<<8|uint16(head[1]))%31 == 0 {
			zr, err := zlib.NewReader(br)
			if err != nil {
				return nil, invalid("The file part is not valid deflate: %v", err)
			}
			return zr, nil
		}
		return flate.NewReader(br), nil
	}
	return nil, invalid("Unsupported Content-Encoding of the file part: %s", encoding)
}

// readCapped reads r whole, failing with ETOOLARGE past max bytes.
func readCapped(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, tooLargeOr(err, "The file part cannot be read: %v", err)
	}
	if int64(len(b)) > max {
		return nil, ember.Errorf(ember.ETOOLARGE, "The upload is larger than the limit of %d bytes", max)
	}
	return b, nil
}

// tooLargeOr maps a body that hit its cap to ETOOLARGE, anything else to
// EUNPROCESSABLE.
func tooLargeOr(err error, format string, args ...any) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return ember.Errorf(ember.ETOOLARGE, "The upload is larger than the server accepts")
	}
	return invalid(format, args...)
}

// ReadCSV reads a CSV table with a header row. Each cell becomes a JSON
// string; blank cells are left out of their row.
func ReadCSV(r io.Reader) (columns []string, rows []row, err error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, nil, invalid("The CSV file is empty: a header row is required")
	} else if err != nil {
		return nil, nil, invalid("The CSV file is malformed: %v", err)
	}
	seen := map[string]bool{}
	var dups []string
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		if !utf8.ValidString(h) {
			return nil, nil, invalid("The CSV header is not UTF-8")
		}
		if seen[h] {
			dups = append(dups, h)
		}
		seen[h] = true
		columns = append(columns, h)
	}
	if len(dups) > 0 {
		return nil, nil, invalid("Duplicate column names in the CSV header: %s", strings.Join(dups, ", "))
	}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, nil, invalid("The CSV file is malformed: %v", err)
		}
		if len(rec) > len(columns) {
			return nil, nil, invalid("CSV record %d has %s but the header names %s", line, describe(len(rec), "field"), describe(len(columns), "column"))
		}
		rw := make(row, len(rec))
		for i, cell := range rec {
			if strings.TrimSpace(cell) == "" {
				continue
			}
			if !utf8.ValidString(cell) {
				return nil, nil, invalid("CSV record %d is not UTF-8", line)
			}
			v, _ := json.Marshal(cell)
			rw[columns[i]] = v
		}
		rows = append(rows, rw)
	}
	return columns, rows, nil
}

// ReadJSONL reads JSON Lines: one object per line, blank lines skipped.
// Columns are the keys in order of first appearance; values keep their JSON
// types.
func ReadJSONL(r io.Reader) (columns []string, rows []row, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<30)
	seen := map[string]bool{}
	for line := 1; sc.Scan(); line++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		if text[0] != '{' {
			return nil, nil, invalid("JSONL line %d is not a JSON object", line)
		}
		dec := json.NewDecoder(bytes.NewReader(text))
		tok, err := dec.Token()
		if err != nil || tok != json.Delim('{') {
			return nil, nil, invalid("JSONL line %d is not a JSON object", line)
		}
		rw := row{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, nil, invalid("JSONL line %d is not valid JSON: %v", line, err)
			}
			key := k.(string)
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return nil, nil, invalid("JSONL line %d is not valid JSON: %v", line, err)
			}
			if string(v) == "null" {
				continue
			}
			var buf bytes.Buffer
			_ = json.Compact(&buf, v)
			rw[key] = buf.Bytes()
			if !seen[key] {
				seen[key] = true
				columns = append(columns, key)
			}
		}
		if _, err := dec.Token(); err != nil {
			return nil, nil, invalid("JSONL line %d is not valid JSON: %v", line, err)
		}
		if dec.More() {
			return nil, nil, invalid("JSONL line %d holds more than one value", line)
		}
		rows = append(rows, rw)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, invalid("The JSONL file cannot be read: %v", err)
	}
	return columns, rows, nil
}
