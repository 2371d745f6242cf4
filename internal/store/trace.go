package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/emberhq/ember"
)

// Ensure DB implements the trace service.
var _ ember.TraceService = (*DB)(nil)

func (db *DB) findTrace(ctx context.Context, column string, value any) (*ember.Trace, error) {
	var t ember.Trace
	var session sql.NullInt64
	var start, end int64
	err := db.read.QueryRowContext(ctx, `SELECT id, project_id, trace_id, project_session_id, start_time, end_time FROM traces WHERE `+column+` = $1`, value).
		Scan(&t.ID, &t.ProjectID, &t.TraceID, &session, &start, &end)
	if err != nil {
		return nil, err
	}
	t.SessionRowID = session.Int64
	t.StartTime, t.EndTime = fromNanos(start), fromNanos(end)
	return &t, nil
}

// FindTraceByTraceID returns ENOTFOUND if no trace has that OTel id.
func (db *DB) FindTraceByTraceID(ctx context.Context, traceID string) (*ember.Trace, error) {
	t, err := db.findTrace(ctx, "trace_id", ember.CleanText(traceID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ember.Errorf(ember.ENOTFOUND, "Trace with trace_id '%s' not found", traceID)
	} else if err != nil {
		return nil, fmt.Errorf("find trace: %w", err)
	}
	return t, nil
}

// FindTraceByID returns ENOTFOUND if no trace has that row id.
func (db *DB) FindTraceByID(ctx context.Context, id int64) (*ember.Trace, error) {
	t, err := db.findTrace(ctx, "id", id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ember.Errorf(ember.ENOTFOUND, "Trace with ID %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("find trace: %w", err)
	}
	return t, nil
}

// DeleteTrace deletes a trace with its spans. See ember.TraceService.
func (db *DB) DeleteTrace(ctx context.Context, id int64) error {
	var deleted int64
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM spans WHERE trace_rowid = $1`, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM traces WHERE id = $1`, id)
		if err != nil {
			return err
		}
		deleted, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("delete trace: %w", err)
	}
	if deleted == 0 {
		return ember.Errorf(ember.ENOTFOUND, "Trace with ID %d not found", id)
	}
	return nil
}

const sessionColumns = `id, session_id, project_id, user_id, start_time, end_time`

func scanSession(row rowScanner) (*ember.Session, error) {
	var s ember.Session
	var user sql.NullString
	var start, end int64
	if err := row.Scan(&s.ID, &s.SessionID, &s.ProjectID, &user, &start, &end); err != nil {
		return nil, err
	}
	s.UserID = user.String
	s.StartTime, s.EndTime = fromNanos(start), fromNanos(end)
	return &s, nil
}

// FindSessionBySessionID returns ENOTFOUND if no session has that id.
func (db *DB) FindSessionBySessionID(ctx context.Context, sessionID string) (*ember.Session, error) {
	s, err := scanSession(db.read.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM project_sessions WHERE session_id = $1`, ember.CleanText(sessionID)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ember.Errorf(ember.ENOTFOUND, "Session with session_id %s not found", sessionID)
	} else if err != nil {
		return nil, fmt.Errorf("find session: %w", err)
	}
	return s, nil
}

// FindSessionByID returns ENOTFOUND if no session has that row id.
func (db *DB) FindSessionByID(ctx context.Context, id int64) (*ember.Session, error) {
	s, err := scanSession(db.read.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM project_sessions WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ember.Errorf(ember.ENOTFOUND, "Session with ID %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("find session: %w", err)
	}
	return s, nil
}

// FindSessions returns a project's sessions. See ember.TraceService.
func (db *DB) FindSessions(ctx context.Context, filter ember.SessionFilter) ([]*ember.Session, error) {
	dir, cmp := "DESC", "<="
	if filter.Ascending {
		dir, cmp = "ASC", ">="
	}
	q := `SELECT ` + sessionColumns + ` FROM project_sessions ps WHERE ps.project_id = $1`
	args := []any{filter.ProjectID}
	if filter.Cursor > 0 {
		args = append(args, filter.Cursor)
		q += fmt.Sprintf(` AND ps.id %s $%d`, cmp, len(args))
	}
	if filter.StartTime != nil {
		args = append(args, nanos(*filter.StartTime))
		q += fmt.Sprintf(` AND ps.end_time >= $%d`, len(args))
	}
	if filter.EndTime != nil {
		args = append(args, nanos(*filter.EndTime))
		q += fmt.Sprintf(` AND ps.start_time < $%d`, len(args))
	}
	if filter.Condition != nil {
		sql, err := db.compileSessionCondition(filter.Condition, func(v any) string {
			args = append(args, v)
			return fmt.Sprintf("$%d", len(args))
		})
		if err != nil {
			return nil, err
		}
		q += " AND " + sql
	}
	q += ` ORDER BY ps.id ` + dir
	if filter.Limit > 0 {
		args = append(args, filter.Limit)
		q += fmt.Sprintf(` LIMIT $%d`, len(args))
	}
	return queryAll(ctx, db.read, "find sessions", q, args, scanSession)
}

// DeleteSessions deletes sessions with their traces and spans. See
// ember.TraceService.
func (db *DB) DeleteSessions(ctx context.Context, set ember.SessionSet) error {
	set.SessionIDs = cleanTexts(set.SessionIDs)
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var args []any
		var alts []string
		params := func(n int) string {
			ps := make([]string, n)
			for i := range ps {
				ps[i] = fmt.Sprintf("$%d", len(args)-n+i+1)
			}
			return strings.Join(ps, ",")
		}
		if len(set.RowIDs) > 0 {
			for _, id := range set.RowIDs {
				args = append(args, id)
			}
			alts = append(alts, "id IN ("+params(len(set.RowIDs))+")")
		}
		if len(set.SessionIDs) > 0 {
			for _, id := range set.SessionIDs {
				args = append(args, id)
			}
			alts = append(alts, "session_id IN ("+params(len(set.SessionIDs))+")")
		}
		if len(alts) == 0 {
			return nil
		}
		sessions := `SELECT id FROM project_sessions WHERE ` + strings.Join(alts, " OR ")
		// Spans first, by their traces: the cascade from sessions through
		// traces would otherwise visit them one trace at a time.
		if _, err := tx.ExecContext(ctx, `DELETE FROM spans WHERE trace_rowid IN (SELECT id FROM traces WHERE project_session_id IN (`+sessions+`))`, args...); err != nil {
			return fmt.Errorf("delete session spans: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM project_sessions WHERE id IN (`+sessions+`)`, args...); err != nil {
			return fmt.Errorf("delete sessions: %w", err)
		}
		return nil
	})
}

func costDetailsJSON(details []ember.SpanCostDetail) string {
	if len(details) == 0 {
		return "[]"
	}
	b, err := json.Marshal(details)
	if err != nil {
		return "[]"
	}
	return string(b)
}

// FindSpanCost returns the stored price of the span with row id spanRowID;
// ENOTFOUND if it has none.
func (db *DB) FindSpanCost(ctx context.Context, spanRowID int64) (*ember.SpanCost, error) {
	var c ember.SpanCost
	var details string
	err := db.read.QueryRowContext(ctx, `SELECT model_name, provider, prompt_tokens, completion_tokens, total_tokens, prompt_cost, completion_cost, total_cost, details FROM span_costs WHERE span_rowid = $1`, spanRowID).
		Scan(&c.ModelName, &c.Provider, &c.PromptTokens, &c.CompletionTokens, &c.TotalTokens, &c.PromptCost, &c.CompletionCost, &c.TotalCost, &details)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ember.Errorf(ember.ENOTFOUND, "Span cost for span %d not found", spanRowID)
	} else if err != nil {
		return nil, fmt.Errorf("find span cost: %w", err)
	}
	if err := json.Unmarshal([]byte(details), &c.Details); err != nil {
		return nil, fmt.Errorf("decode span cost details: %w", err)
	}
	return &c, nil
}

// FindTraces returns the traces that match filter. See ember.TraceService.
func (db *DB) FindTraces(ctx context.Context, filter ember.TraceFilter) ([]*ember.Trace, error) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	where := []string{"1 = 1"}
	if filter.ProjectID != 0 {
		where = append(where, "t.project_id = "+arg(filter.ProjectID))
	}
	if filter.StartTime != nil {
		where = append(where, "t.start_time >= "+arg(nanos(*filter.StartTime)))
	}
	if filter.EndTime != nil {
		where = append(where, "t.start_time < "+arg(nanos(*filter.EndTime)))
	}
	if filter.Sessions != nil {
		set := *filter.Sessions
		set.SessionIDs = cleanTexts(set.SessionIDs)
		var alts []string
		if len(set.RowIDs) > 0 {
			ids := make([]string, len(set.RowIDs))
			for i, id := range set.RowIDs {
				ids[i] = arg(id)
			}
			alts = append(alts, "t.project_session_id IN ("+strings.Join(ids, ",")+")")
		}
		if len(set.SessionIDs) > 0 {
			ids := make([]string, len(set.SessionIDs))
			for i, id := range set.SessionIDs {
				ids[i] = arg(id)
			}
			scope := ""
			if filter.ProjectID != 0 {
				scope = "project_id = " + arg(filter.ProjectID) + " AND "
			}
			alts = append(alts, "t.project_session_id IN (SELECT id FROM project_sessions WHERE "+scope+"session_id IN ("+strings.Join(ids, ",")+"))")
		}
		if len(alts) == 0 {
			return nil, nil
		}
		where = append(where, "("+strings.Join(alts, " OR ")+")")
	}
	if filter.Condition != nil {
		sql, err := db.compileTraceCondition(filter.Condition, arg)
		if err != nil {
			return nil, err
		}
		where = append(where, sql)
	}
	dir, cmp := "DESC", "<="
	if filter.Ascending {
		dir, cmp = "ASC", ">="
	}
	if filter.Cursor > 0 {
		where = append(where, "t.id "+cmp+" "+arg(filter.Cursor))
	}
	order := filter.OrderBy
	if filter.ByLatency {
		order = ember.TraceOrderLatency
	}
	const columns = `t.id, t.project_id, t.trace_id, t.project_session_id, t.start_time, t.end_time, t.llm_token_count_prompt, t.llm_token_count_completion`
	if order == "" {
		// Newest first: the project's time index gives the order, so only
		// the page's rows are read.
		q := `SELECT ` + columns + ` FROM traces t WHERE ` + strings.Join(where, " AND ") + ` ORDER BY t.start_time ` + dir + `, t.id ` + dir
		if filter.Limit > 0 {
			q += " LIMIT " + arg(filter.Limit)
		}
		return queryAll(ctx, db.read, "find traces", q, args, scanTraceSummary)
	}
	measure, err := traceMeasure(order)
	if err != nil {
		return nil, err
	}
	if k := filter.After; k != nil {
		v := any(k.Value)
		if order != ember.TraceOrderCost {
			v = int64(k.Value) // integer measures compare exactly
		}
		strict := strings.TrimSuffix(cmp, "=")
		p, q := arg(v), arg(k.ID)
		where = append(where, "("+measure+" "+strict+" "+p+" OR ("+measure+" = "+p+" AND t.id "+strict+" "+q+"))")
	}
	// Sorted by a measure: the page's row ids first, computing only the
	// measure for each trace of the window, then the page's rows.
	orderBy := ` ORDER BY ` + measure + ` ` + dir + `, t.id ` + dir
	ids := `SELECT t.id FROM traces t WHERE ` + strings.Join(where, " AND ") + orderBy
	if filter.Limit > 0 {
		ids += " LIMIT " + arg(filter.Limit)
	}
	q := `SELECT ` + columns + ` FROM traces t WHERE t.id IN (` + ids + `)` + orderBy
	return queryAll(ctx, db.read, "find traces", q, args, scanTraceSummary)
}

// traceMeasure is the SQL of a trace order's measure over traces t; each
// matches what the UI shows for a trace, so a page's last row gives the
// next page's keyset.
func traceMeasure(order ember.TraceOrder) (string, error) {
	switch order {
	case ember.TraceOrderLatency:
		return "(t.end_time - t.start_time)", nil
	case ember.TraceOrderTokens:
		return "(t.llm_token_count_prompt + t.llm_token_count_completion)", nil
	case ember.TraceOrderCost:
		return "(SELECT COALESCE(SUM(c.total_cost), 0) FROM span_costs c WHERE c.trace_rowid = t.id)", nil
	}
	return "", ember.Errorf(ember.EINVALID, "unknown trace order %q", order)
}

// scanTraceSummary reads a trace with its token counts.
func scanTraceSummary(row rowScanner) (*ember.Trace, error) {
	var t ember.Trace
	var session sql.NullInt64
	var start, end int64
	if err := row.Scan(&t.ID, &t.ProjectID, &t.TraceID, &session, &start, &end, &t.TokenCountPrompt, &t.TokenCountCompletion); err != nil {
		return nil, err
	}
	t.SessionRowID = session.Int64
	t.StartTime, t.EndTime = fromNanos(start), fromNanos(end)
	return &t, nil
}

// TransferTraces moves traces to another project. See ember.TraceService.
func (db *DB) TransferTraces(ctx context.Context, ids []int64, projectID int64) (int, error) {
	ids = uniqueIDs(ids)
	if len(ids) == 0 {
		return 0, nil
	}
	// The updates take the destination as $1 and the ids after it; the
	// queries take the ids alone.
	idArgs := make([]any, len(ids))
	for i, id := range ids {
		idArgs[i] = id
	}
	args := append([]any{projectID}, idArgs...)
	in := string(db.inList(nil, len(ids)))
	var after1 []byte
	for i := range ids {
		if i > 0 {
			after1 = append(after1, ',')
		}
		after1 = db.param(after1, i+2)
	}
	inAfter1 := string(after1)
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var project sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT id FROM projects WHERE id = $1`, projectID).Scan(&project); errors.Is(err, sql.ErrNoRows) {
			return ember.Errorf(ember.ENOTFOUND, "Project with ID %d not found", projectID)
		} else if err != nil {
			return fmt.Errorf("find project: %w", err)
		}
		var found, sources int
		q := `SELECT COUNT(*), COUNT(DISTINCT project_id) FROM traces WHERE id IN (` + in + `)`
		if err := tx.QueryRowContext(ctx, q, idArgs...).Scan(&found, &sources); err != nil {
			return fmt.Errorf("find traces: %w", err)
		}
		if found < len(ids) {
			return ember.Errorf(ember.ENOTFOUND, "One or more traces not found")
		}
		if sources > 1 {
			return ember.Errorf(ember.EUNPROCESSABLE, "Cannot transfer traces from multiple projects")
		}
		for _, stmt := range []string{
			`UPDATE traces SET project_id = $1 WHERE id IN (` + inAfter1 + `)`,
			`UPDATE spans SET project_id = $1 WHERE trace_rowid IN (` + inAfter1 + `)`,
			`UPDATE span_costs SET project_id = $1 WHERE trace_rowid IN (` + inAfter1 + `)`,
		} {
			if _, err := tx.ExecContext(ctx, stmt, args...); err != nil {
				return fmt.Errorf("move traces: %w", err)
			}
		}
		// A session lives in the project of its first trace; the move may
		// have changed which project that is.
		_, err := tx.ExecContext(ctx, `UPDATE project_sessions SET project_id = (
				SELECT t.project_id FROM traces t WHERE t.project_session_id = project_sessions.id
				ORDER BY t.start_time, t.id LIMIT 1)
			WHERE id IN (SELECT project_session_id FROM traces WHERE id IN (`+in+`))`, idArgs...)
		if err != nil {
			return fmt.Errorf("move sessions: %w", err)
		}
		for _, stmt := range moveAnnotationsSQL(inAfter1) {
			if _, err := tx.ExecContext(ctx, stmt, args...); err != nil {
				return fmt.Errorf("move annotations: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, moveSessionAnnotationsSQL(in), idArgs...); err != nil {
			return fmt.Errorf("move session annotations: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("transfer traces: %w", err)
	}
	return len(ids), nil
}

func uniqueIDs(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
