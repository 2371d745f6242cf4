package ember

import (
	"context"
	"time"
)

// Trace is a tree of spans sharing one OTel trace id. Its start and end
// cover all its spans.
type Trace struct {
	ID           int64
	ProjectID    int64
	TraceID      string // lower-case hex
	SessionRowID int64  // 0 when the trace belongs to no session
	StartTime    time.Time
	EndTime      time.Time

	// LLM token counts summed over the trace's spans; set by FindTraces.
	TokenCountPrompt     int64
	TokenCountCompletion int64
}

// TraceOrder is a measure traces can be sorted by.
type TraceOrder string

// The trace orders: duration (end minus start), LLM tokens summed over the
// trace's spans (TokenCountPrompt + TokenCountCompletion), and the total
// price of its spans.
const (
	TraceOrderLatency TraceOrder = "latency"
	TraceOrderTokens  TraceOrder = "tokens"
	TraceOrderCost    TraceOrder = "cost"
)

// TraceKey is the position of a trace in a sorted listing: its measure and
// row id.
type TraceKey struct {
	Value float64
	ID    int64
}

// SortValue is the trace's measure for order: latency in nanoseconds,
// tokens, or cost, the trace's total price, which the caller knows.
func (t *Trace) SortValue(order TraceOrder, cost float64) float64 {
	switch order {
	case TraceOrderLatency:
		return float64(t.EndTime.Sub(t.StartTime))
	case TraceOrderTokens:
		return float64(t.TokenCountPrompt + t.TokenCountCompletion)
	case TraceOrderCost:
		return cost
	}
	return float64(t.StartTime.UnixNano())
}

// TraceFilter selects traces.
type TraceFilter struct {
	ProjectID int64 // 0 for any project
	// StartTime and EndTime bound the trace's start: StartTime <= start < EndTime.
	StartTime, EndTime *time.Time
	// Sessions, when non-nil, keeps traces of these sessions, given by row
	// id or by session id; an empty non-nil filter keeps nothing.
	Sessions *SessionSet
	// OrderBy sorts by a measure instead of start time; ByLatency is
	// OrderBy TraceOrderLatency. Ascending flips the order. Ties go by row
	// id, in the same direction.
	OrderBy   TraceOrder
	ByLatency bool
	Ascending bool
	// After, with OrderBy, keeps traces past this position: the keyset
	// of the last trace of the previous page.
	After *TraceKey
	// Condition, when non-nil, keeps traces for which it holds: a
	// trace-level condition.
	Condition Expr
	// Cursor, when non-zero, keeps traces whose row id is at most (or, when
	// Ascending, at least) Cursor.
	Cursor int64
	// Limit caps the number of traces returned; 0 means no cap.
	Limit int
}

// SessionFilter selects the sessions of a project.
type SessionFilter struct {
	ProjectID int64
	// StartTime and EndTime, when set, keep the sessions active in
	// [StartTime, EndTime): those that end at or after StartTime and start
	// before EndTime, so a conversation that runs into the window is in it.
	StartTime, EndTime *time.Time
	Ascending          bool
	// Condition, when non-nil, keeps sessions for which it holds: a
	// session-level condition.
	Condition Expr
	// Cursor, when non-zero, keeps sessions whose row id is at least (or,
	// descending, at most) Cursor.
	Cursor int64
	Limit  int
}

// SessionSet names sessions by row id or by session id.
type SessionSet struct {
	RowIDs     []int64
	SessionIDs []string
}

// Session is a conversation: the traces whose spans carry one session.id.
// Session ids are unique across projects; the session lives in the project
// of its first trace.
type Session struct {
	ID        int64
	SessionID string
	ProjectID int64
	UserID    string // user.id of the first span that named one
	StartTime time.Time
	EndTime   time.Time
}

// TraceService reads traces and sessions.
type TraceService interface {
	// FindTraces returns the traces that match filter, with their token
	// counts.
	FindTraces(ctx context.Context, filter TraceFilter) ([]*Trace, error)
	// FindTraceByID returns ENOTFOUND if no trace has that row id.
	FindTraceByID(ctx context.Context, id int64) (*Trace, error)
	// DeleteTrace deletes a trace with its spans; ENOTFOUND if it does not
	// exist.
	DeleteTrace(ctx context.Context, id int64) error
	// FindTraceByTraceID returns ENOTFOUND if no trace has that OTel id.
	FindTraceByTraceID(ctx context.Context, traceID string) (*Trace, error)
	// FindSessionBySessionID returns ENOTFOUND if no session has that id.
	FindSessionBySessionID(ctx context.Context, sessionID string) (*Session, error)
	// FindSessionByID returns ENOTFOUND if no session has that row id.
	FindSessionByID(ctx context.Context, id int64) (*Session, error)
	// FindSessions returns a project's sessions by row id, descending
	// unless filter.Ascending.
	FindSessions(ctx context.Context, filter SessionFilter) ([]*Session, error)
	// DeleteSessions deletes the sessions named by set with their traces
	// and spans; names that match nothing are skipped.
	DeleteSessions(ctx context.Context, set SessionSet) error
	// TransferTraces moves traces, given by row id, with their spans into
	// another project and returns how many moved. They must all exist
	// (else ENOTFOUND) and share one project (else EUNPROCESSABLE). A
	// session whose first trace moved moves with it.
	TransferTraces(ctx context.Context, ids []int64, projectID int64) (int, error)
}
