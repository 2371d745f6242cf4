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
	// FindTraceByTraceID returns ENOTFOUND if no trace has that OTel id.
	FindTraceByTraceID(ctx context.Context, traceID string) (*Trace, error)
	// FindSessionBySessionID returns ENOTFOUND if no session has that id.
	FindSessionBySessionID(ctx context.Context, sessionID string) (*Session, error)
}
