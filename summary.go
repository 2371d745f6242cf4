package ember

import (
	"context"
	"time"
)

// ProjectSummary is what the projects list shows of one project over a
// time range: its traffic, latency, tokens, cost and last activity.
type ProjectSummary struct {
	ProjectID    int64
	TraceCount   int64
	SessionCount int64
	// LatencyP50MS is the median trace latency; 0 without traces.
	LatencyP50MS float64
	// Token counts summed over the root spans' cumulative counts.
	TokenCountPrompt     int64
	TokenCountCompletion int64
	// TotalCost sums the prices of the project's LLM spans, in US dollars.
	TotalCost float64
	// LastActivity is the start of the latest trace; zero without traces.
	LastActivity time.Time
}

// SummaryFilter bounds a summary to traces, sessions and spans that start
// in [StartTime, EndTime); nil bounds are open.
type SummaryFilter struct {
	StartTime, EndTime *time.Time
}

// SessionSummary totals the traces of one session.
type SessionSummary struct {
	SessionRowID         int64
	TraceCount           int64
	ErrorTraceCount      int64 // traces with at least one failed span
	TokenCountPrompt     int64
	TokenCountCompletion int64
	TotalCost            float64
	// FirstTraceID and LastTraceID are the OTel ids of the session's
	// earliest and latest traces, whose root spans hold its first input
	// and last output.
	FirstTraceID string
	LastTraceID  string
}

// SummaryService computes the aggregates that the web UI's tables show
// beside the entities the other services return.
type SummaryService interface {
	// SummarizeProjects summarises the projects with these row ids;
	// projects without data in the range get a zero summary.
	SummarizeProjects(ctx context.Context, projectIDs []int64, filter SummaryFilter) (map[int64]*ProjectSummary, error)
	// SummarizeSessions totals the sessions with these row ids; unknown
	// ids are skipped.
	SummarizeSessions(ctx context.Context, sessionRowIDs []int64) (map[int64]*SessionSummary, error)
	// FindSpanCosts returns the prices of the spans with these row ids;
	// unpriced spans are absent from the map.
	FindSpanCosts(ctx context.Context, spanRowIDs []int64) (map[int64]*SpanCost, error)
	// TraceCosts returns the total price of each trace with these row ids;
	// traces without priced spans are absent from the map.
	TraceCosts(ctx context.Context, traceRowIDs []int64) (map[int64]float64, error)
	// ClearProject deletes every trace, span and session of a project and
	// keeps the project; ENOTFOUND if it does not exist.
	ClearProject(ctx context.Context, projectID int64) error
}
