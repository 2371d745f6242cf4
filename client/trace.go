package client

import (
	"context"
	"iter"
	"net/url"
	"time"

	"github.com/emberhq/ember/api"
)

// TraceService calls the trace routes.
type TraceService struct {
	client *Client
}

// TraceSort is the key a trace listing is ordered by.
type TraceSort string

// Keys a trace listing can be ordered by.
const (
	SortByStartTime TraceSort = "start_time"
	SortByLatency   TraceSort = "latency_ms"
)

// TraceFilter selects a project's traces; the zero value lists them all,
// latest start first.
type TraceFilter struct {
	// StartTime and EndTime bound the trace's start time: at or after
	// StartTime, before EndTime. Zero means unbounded.
	StartTime, EndTime time.Time
	// Sort defaults to SortByStartTime, Order to Descending. The server,
	// like Phoenix, bounds pages by row id whatever the sort, so when the
	// sort disagrees with the order traces were stored in, later pages can
	// miss or repeat traces; a single page (Limit up to 1000) is exact.
	Sort  TraceSort
	Order Order
	// IncludeSpans fills each trace's Spans, at a cost in reply size.
	IncludeSpans bool
	// SessionIdentifiers keeps the traces of these sessions, each a
	// session GlobalID or session id.
	SessionIdentifiers []string
	// Limit is the page size, up to 1000; 0 leaves the server's default
	// (100).
	Limit int
	// Cursor starts the listing at a next cursor from an earlier page.
	Cursor string
}

func (f TraceFilter) query() url.Values {
	q := url.Values{}
	setPage(q, f.Limit, f.Cursor)
	setTimeRange(q, f.StartTime, f.EndTime)
	if f.Sort != "" {
		q.Set("sort", string(f.Sort))
	}
	if f.Order != "" {
		q.Set("order", string(f.Order))
	}
	if f.IncludeSpans {
		q.Set("include_spans", "true")
	}
	setAll(q, "session_identifier", f.SessionIdentifiers)
	return q
}

// List returns one page of a project's traces and the cursor of the next
// page, "" on the last one. project is a GlobalID or a name.
func (s *TraceService) List(ctx context.Context, project string, filter TraceFilter) ([]api.Trace, string, error) {
	path, err := endpoint("/v1/projects/%s/traces", project)
	if err != nil {
		return nil, "", err
	}
	return listPage[api.Trace](ctx, s.client, path, filter.query())
}

// All yields every trace of a project that filter selects, fetching pages
// as the loop goes.
func (s *TraceService) All(ctx context.Context, project string, filter TraceFilter) iter.Seq2[api.Trace, error] {
	return walk(ctx, filter.Cursor, func(ctx context.Context, cursor string) ([]api.Trace, string, error) {
		filter.Cursor = cursor
		return s.List(ctx, project, filter)
	})
}

// Delete deletes a trace and its spans, by GlobalID or OpenTelemetry trace
// id.
func (s *TraceService) Delete(ctx context.Context, identifier string) error {
	path, err := endpoint("/v1/traces/%s", identifier)
	if err != nil {
		return err
	}
	return s.client.do(ctx, "DELETE", path, nil, nil, nil)
}

// Transfer moves traces, named by GlobalID or OpenTelemetry trace id and
// all from one project, to the destination project, named by GlobalID or
// name. If any trace is unknown nothing moves (IsNotFound).
func (s *TraceService) Transfer(ctx context.Context, destinationProject string, traceIdentifiers []string) (*api.TransferTracesResult, error) {
	if traceIdentifiers == nil {
		traceIdentifiers = []string{} // let the server say the list is empty
	}
	req := api.TransferTracesRequest{TraceIdentifiers: traceIdentifiers, DestinationProjectIdentifier: destinationProject}
	var reply api.Envelope[api.TransferTracesResult]
	if err := s.client.do(ctx, "POST", "/v1/traces/transfer", nil, req, &reply); err != nil {
		return nil, err
	}
	return &reply.Data, nil
}
