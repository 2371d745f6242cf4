package client

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"

	"github.com/emberhq/ember/api"
)

// DatasetService calls the /v1/datasets routes. Dataset ids are Dataset
// GlobalIDs.
type DatasetService struct {
	client *Client
}

// DatasetFilter selects datasets, newest first.
type DatasetFilter struct {
	Name   string // exact name; "" for any
	Limit  int    // page size; 0 leaves the server's default (10)
	Cursor string
}

// List returns one page of datasets and the next cursor, "" on the last.
func (s *DatasetService) List(ctx context.Context, filter DatasetFilter) ([]api.Dataset, string, error) {
	q := url.Values{}
	setPage(q, filter.Limit, filter.Cursor)
	if filter.Name != "" {
		q.Set("name", filter.Name)
	}
	return listPage[api.Dataset](ctx, s.client, "/v1/datasets", q)
}

// All yields every dataset that filter selects.
func (s *DatasetService) All(ctx context.Context, filter DatasetFilter) iter.Seq2[api.Dataset, error] {
	return walk(ctx, filter.Cursor, func(ctx context.Context, cursor string) ([]api.Dataset, string, error) {
		filter.Cursor = cursor
		return s.List(ctx, filter)
	})
}

// Get returns a dataset by GlobalID; IsNotFound when there is none.
func (s *DatasetService) Get(ctx context.Context, id string) (*api.Dataset, error) {
	path, err := endpoint("/v1/datasets/%s", id)
	if err != nil {
		return nil, err
	}
	var reply api.Envelope[api.Dataset]
	if err := s.client.do(ctx, "GET", path, nil, nil, &reply); err != nil {
		return nil, err
	}
	return &reply.Data, nil
}

// GetByName returns the dataset with that name; an *Error with status 404
// when there is none.
func (s *DatasetService) GetByName(ctx context.Context, name string) (*api.Dataset, error) {
	page, _, err := s.List(ctx, DatasetFilter{Name: name, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(page) == 0 {
		return nil, &Error{Method: "GET", Path: "/v1/datasets", StatusCode: http.StatusNotFound, Message: fmt.Sprintf("no dataset named %q", name)}
	}
	return &page[0], nil
}

// Delete deletes a dataset with its versions and examples.
func (s *DatasetService) Delete(ctx context.Context, id string) error {
	path, err := endpoint("/v1/datasets/%s", id)
	if err != nil {
		return err
	}
	return s.client.do(ctx, "DELETE", path, nil, nil, nil)
}

// Versions returns one page of a dataset's versions, newest first.
func (s *DatasetService) Versions(ctx context.Context, id string, limit int, cursor string) ([]api.DatasetVersion, string, error) {
	path, err := endpoint("/v1/datasets/%s/versions", id)
	if err != nil {
		return nil, "", err
	}
	q := url.Values{}
	setPage(q, limit, cursor)
	return listPage[api.DatasetVersion](ctx, s.client, path, q)
}

// Examples returns a dataset's examples as of versionID ("" for the
// latest), kept to the named splits when any are given.
func (s *DatasetService) Examples(ctx context.Context, id, versionID string, splits ...string) (*api.DatasetExamples, error) {
	path, err := endpoint("/v1/datasets/%s/examples", id)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	if versionID != "" {
		q.Set("version_id", versionID)
	}
	setAll(q, "split", splits)
	var reply api.Envelope[api.DatasetExamples]
	if err := s.client.do(ctx, "GET", path, q, nil, &reply); err != nil {
		return nil, err
	}
	return &reply.Data, nil
}

// Upload sends a JSON upload and waits for its result.
func (s *DatasetService) Upload(ctx context.Context, req api.UploadDatasetRequest) (*api.UploadDatasetResult, error) {
	var reply api.Envelope[api.UploadDatasetResult]
	if err := s.client.do(ctx, "POST", "/v1/datasets/upload", url.Values{"sync": {"true"}}, req, &reply); err != nil {
		return nil, err
	}
	return &reply.Data, nil
}

// Table formats of UploadFile.
const (
	TableCSV   = "text/csv"
	TableJSONL = "application/jsonl"
)

// UploadFileRequest describes a table upload. The table is streamed from
// File, gzip-compressed on the way when Gzip is set.
type UploadFileRequest struct {
	Action      string // api.UploadCreate (default), UploadAppend or UploadUpdate
	Name        string
	Description string // the server uses FileName when empty
	FileName    string
	Format      string // TableCSV or TableJSONL
	File        io.Reader
	Gzip        bool
	// Compressed says File is already gzip-compressed: it is sent as is,
	// marked Content-Encoding: gzip.
	Compressed bool
	// InputKeys, OutputKeys and MetadataKeys name the columns of each
	// part; with no InputKeys, every other column is input.
	InputKeys, OutputKeys, MetadataKeys []string
	// FlattenKeys names columns holding JSON objects whose members become
	// keys of their part (input, output or metadata) of their own.
	FlattenKeys                       []string
	SplitKey, SpanIDKey, ExampleIDKey string
	// DatasetMetadata, a JSON object, becomes the dataset's own metadata
	// (not an example's).
	DatasetMetadata json.RawMessage
}

// UploadFile sends a table as a multipart form, as Phoenix's Python client
// does, and waits for the result.
func (s *DatasetService) UploadFile(ctx context.Context, req UploadFileRequest) (*api.UploadDatasetResult, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		pw.CloseWithError(writeUploadForm(mw, req))
	}()
	httpReq, err := http.NewRequestWithContext(ctx, "POST", s.client.baseURL+"/v1/datasets/upload?sync=true", pr)
	if err != nil {
		pr.Close()
		return nil, err
	}
	httpReq.Header = s.client.header.Clone()
	httpReq.Header.Set("Content-Type", mw.FormDataContentType())
	httpReq.Header.Set("Accept", "application/json")
	resp, err := s.client.httpClient.Do(httpReq)
	if err != nil {
		pr.Close()
		return nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, newError("POST", "/v1/datasets/upload", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	var reply api.Envelope[api.UploadDatasetResult]
	if err := json.Unmarshal(b, &reply); err != nil {
		return nil, fmt.Errorf("decode POST /v1/datasets/upload reply: %w", err)
	}
	return &reply.Data, nil
}

func writeUploadForm(mw *multipart.Writer, req UploadFileRequest) error {
	action := req.Action
	if action == "" {
		action = api.UploadCreate
	}
	fields := [][2]string{{"action", action}, {"name", req.Name}}
	if req.Description != "" {
		fields = append(fields, [2]string{"description", req.Description})
	}
	for _, k := range req.InputKeys {
		fields = append(fields, [2]string{"input_keys[]", k})
	}
	for _, k := range req.OutputKeys {
		fields = append(fields, [2]string{"output_keys[]", k})
	}
	for _, k := range req.MetadataKeys {
		fields = append(fields, [2]string{"metadata_keys[]", k})
	}
	for _, k := range req.FlattenKeys {
		fields = append(fields, [2]string{"flatten_keys[]", k})
	}
	if len(req.DatasetMetadata) > 0 {
		fields = append(fields, [2]string{"metadata", string(req.DatasetMetadata)})
	}
	for _, f := range [][2]string{{"split_key", req.SplitKey}, {"span_id_key", req.SpanIDKey}, {"example_id_key", req.ExampleIDKey}} {
		if f[1] != "" {
			fields = append(fields, f)
		}
	}
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			return err
		}
	}
	format := req.Format
	if format == "" {
		format = TableCSV
	}
	name := req.FileName
	if name == "" {
		name = "upload"
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%s`, strconv.Quote(name)))
	h.Set("Content-Type", format)
	if req.Gzip || req.Compressed {
		h.Set("Content-Encoding", "gzip")
	}
	part, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	if req.Gzip && !req.Compressed {
		zw := gzip.NewWriter(part)
		if _, err := io.Copy(zw, req.File); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
	} else if _, err := io.Copy(part, req.File); err != nil {
		return err
	}
	return mw.Close()
}

// Export formats of Download.
const (
	ExportCSV         = "csv"
	ExportJSONL       = "jsonl"
	ExportOpenAIFT    = "jsonl/openai_ft"
	ExportOpenAIEvals = "jsonl/openai_evals"
)

// Download streams a dataset export (ExportCSV, ExportJSONL,
// ExportOpenAIFT or ExportOpenAIEvals) of versionID ("" for the latest) to
// w and returns the bytes written.
func (s *DatasetService) Download(ctx context.Context, id, format, versionID string, w io.Writer) (int64, error) {
	switch format {
	case ExportCSV, ExportJSONL, ExportOpenAIFT, ExportOpenAIEvals:
	default:
		return 0, fmt.Errorf("unknown export format %q", format)
	}
	path, err := endpoint("/v1/datasets/%s/"+format, id)
	if err != nil {
		return 0, err
	}
	target := s.client.baseURL + path
	if versionID != "" {
		target += "?" + url.Values{"version_id": {versionID}}.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, "GET", target, nil)
	if err != nil {
		return 0, err
	}
	req.Header = s.client.header.Clone()
	resp, err := s.client.httpClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return 0, newError("GET", path, resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	return io.Copy(w, resp.Body)
}

// CreateFromSpans makes (or, with action api.UploadUpdate or
// api.UploadAppend, changes) a dataset whose examples are spans: input is
// {"input": the span's input.value}, output {"output": its output.value},
// metadata holds the span's name and kind, and each example is linked to
// its span.
func (s *DatasetService) CreateFromSpans(ctx context.Context, name, action string, spans []api.Span) (*api.UploadDatasetResult, error) {
	req := api.UploadDatasetRequest{Action: action, Name: name}
	for _, sp := range spans {
		input, err := json.Marshal(map[string]any{"input": sp.Attributes["input.value"]})
		if err != nil {
			return nil, fmt.Errorf("span %s: %w", sp.Context.SpanID, err)
		}
		output, err := json.Marshal(map[string]any{"output": sp.Attributes["output.value"]})
		if err != nil {
			return nil, fmt.Errorf("span %s: %w", sp.Context.SpanID, err)
		}
		metadata, _ := json.Marshal(map[string]any{"span_name": sp.Name, "span_kind": sp.SpanKind})
		spanID := sp.Context.SpanID
		req.Inputs = append(req.Inputs, input)
		req.Outputs = append(req.Outputs, output)
		req.Metadata = append(req.Metadata, metadata)
		req.SpanIDs = append(req.SpanIDs, &spanID)
	}
	if req.Inputs == nil {
		req.Inputs = []json.RawMessage{}
	}
	return s.Upload(ctx, req)
}
