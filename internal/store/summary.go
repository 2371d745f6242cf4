package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/emberhq/ember"
)

var _ ember.SummaryService = (*DB)(nil)

// params appends values to args and returns their placeholders, joined
// with commas.
func params[T any](args *[]any, values []T) string {
	ps := make([]string, len(values))
	for i, v := range values {
		*args = append(*args, v)
		ps[i] = fmt.Sprintf("$%d", len(*args))
	}
	return strings.Join(ps, ",")
}

// SummarizeProjects summarises projects over a time range. See
// ember.SummaryService.
func (db *DB) SummarizeProjects(ctx context.Context, projectIDs []int64, filter ember.SummaryFilter) (map[int64]*ember.ProjectSummary, error) {
	out := make(map[int64]*ember.ProjectSummary, len(projectIDs))
	for _, id := range projectIDs {
		s, err := db.summarizeProject(ctx, id, filter)
		if err != nil {
			return nil, err
		}
		out[id] = s
	}
	return out, nil
}

func (db *DB) summarizeProject(ctx context.Context, id int64, filter ember.SummaryFilter) (*ember.ProjectSummary, error) {
	s := &ember.ProjectSummary{ProjectID: id}
	// within is the condition "column starts in the range", with the
	// project id as $1.
	args := []any{id}
	within := func(column string) string {
		c := ""
		if filter.StartTime != nil {
			c += fmt.Sprintf(" AND %s >= $%d", column, len(args)+1)
			args = append(args, nanos(*filter.StartTime))
		}
		if filter.EndTime != nil {
			c += fmt.Sprintf(" AND %s < $%d", column, len(args)+1)
			args = append(args, nanos(*filter.EndTime))
		}
		return c
	}
	traces := `FROM traces WHERE project_id = $1` + within("start_time")
	var last sql.NullInt64
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*), MAX(start_time) `+traces, args...).Scan(&s.TraceCount, &last); err != nil {
		return nil, fmt.Errorf("count traces: %w", err)
	}
	if s.TraceCount == 0 {
		return s, nil
	}
	s.LastActivity = fromNanos(last.Int64)
	// The median: the middle row of the traces sorted by latency (the
	// lower middle for an even count), which both engines can find.
	var p50 int64
	q := `SELECT end_time - start_time ` + traces + fmt.Sprintf(` ORDER BY 1 LIMIT 1 OFFSET $%d`, len(args)+1)
	if err := db.read.QueryRowContext(ctx, q, append(args, (s.TraceCount-1)/2)...).Scan(&p50); err != nil {
		return nil, fmt.Errorf("find median latency: %w", err)
	}
	s.LatencyP50MS = float64(p50) / 1e6

	args = args[:1]
	sessions := `SELECT COUNT(*) FROM project_sessions WHERE project_id = $1` + within("start_time")
	if err := db.read.QueryRowContext(ctx, sessions, args...).Scan(&s.SessionCount); err != nil {
		return nil, fmt.Errorf("count sessions: %w", err)
	}
	args = args[:1]
	tokens := `SELECT COALESCE(SUM(cumulative_llm_token_count_prompt), 0), COALESCE(SUM(cumulative_llm_token_count_completion), 0) FROM spans WHERE project_id = $1 AND parent_id IS NULL` + within("start_time")
	if err := db.read.QueryRowContext(ctx, tokens, args...).Scan(&s.TokenCountPrompt, &s.TokenCountCompletion); err != nil {
		return nil, fmt.Errorf("sum tokens: %w", err)
	}
	args = args[:1]
	cost := `SELECT COALESCE(SUM(total_cost), 0) FROM span_costs WHERE project_id = $1` + within("span_start_time")
	if err := db.read.QueryRowContext(ctx, cost, args...).Scan(&s.TotalCost); err != nil {
		return nil, fmt.Errorf("sum costs: %w", err)
	}
	return s, nil
}

// SummarizeSessions totals sessions. See ember.SummaryService.
func (db *DB) SummarizeSessions(ctx context.Context, sessionRowIDs []int64) (map[int64]*ember.SessionSummary, error) {
	out := map[int64]*ember.SessionSummary{}
	if len(sessionRowIDs) == 0 {
		return out, nil
	}
	var args []any
	in := params(&args, sessionRowIDs)
	rows, err := db.read.QueryContext(ctx, `SELECT t.project_session_id, t.trace_id FROM traces t WHERE t.project_session_id IN (`+in+`) ORDER BY t.start_time, t.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("find session traces: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var traceID string
		if err := rows.Scan(&id, &traceID); err != nil {
			return nil, fmt.Errorf("find session traces: %w", err)
		}
		s := out[id]
		if s == nil {
			s = &ember.SessionSummary{SessionRowID: id, FirstTraceID: traceID}
			out[id] = s
		}
		s.TraceCount++
		s.LastTraceID = traceID
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find session traces: %w", err)
	}
	rows.Close()
	rows, err = db.read.QueryContext(ctx, `SELECT t.project_session_id, COUNT(DISTINCT CASE WHEN s.status_code = 'ERROR' THEN t.id END),
	COALESCE(SUM(s.llm_token_count_prompt), 0), COALESCE(SUM(s.llm_token_count_completion), 0)
FROM traces t JOIN spans s ON s.trace_rowid = t.id WHERE t.project_session_id IN (`+in+`) GROUP BY t.project_session_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("sum session spans: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, errs, prompt, completion int64
		if err := rows.Scan(&id, &errs, &prompt, &completion); err != nil {
			return nil, fmt.Errorf("sum session spans: %w", err)
		}
		if s := out[id]; s != nil {
			s.ErrorTraceCount, s.TokenCountPrompt, s.TokenCountCompletion = errs, prompt, completion
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sum session spans: %w", err)
	}
	rows.Close()
	costs, err := queryAll(ctx, db.read, "sum session costs", `SELECT t.project_session_id, SUM(c.total_cost) FROM traces t JOIN span_costs c ON c.trace_rowid = t.id WHERE t.project_session_id IN (`+in+`) GROUP BY t.project_session_id`, args, scanIDCost)
	if err != nil {
		return nil, err
	}
	for _, c := range costs {
		if s := out[c.id]; s != nil {
			s.TotalCost = c.cost
		}
	}
	return out, nil
}

type idCost struct {
	id   int64
	cost float64
}

func scanIDCost(row rowScanner) (idCost, error) {
	var c idCost
	err := row.Scan(&c.id, &c.cost)
	return c, err
}

// FindSpanCosts returns the prices of spans. See ember.SummaryService.
func (db *DB) FindSpanCosts(ctx context.Context, spanRowIDs []int64) (map[int64]*ember.SpanCost, error) {
	out := map[int64]*ember.SpanCost{}
	if len(spanRowIDs) == 0 {
		return out, nil
	}
	var args []any
	rows, err := db.read.QueryContext(ctx, `SELECT span_rowid, model_name, provider, prompt_tokens, completion_tokens, total_tokens, prompt_cost, completion_cost, total_cost, details FROM span_costs WHERE span_rowid IN (`+params(&args, spanRowIDs)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("find span costs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var c ember.SpanCost
		var details string
		if err := rows.Scan(&id, &c.ModelName, &c.Provider, &c.PromptTokens, &c.CompletionTokens, &c.TotalTokens, &c.PromptCost, &c.CompletionCost, &c.TotalCost, &details); err != nil {
			return nil, fmt.Errorf("find span costs: %w", err)
		}
		if err := json.Unmarshal([]byte(details), &c.Details); err != nil {
			return nil, fmt.Errorf("decode span cost details: %w", err)
		}
		out[id] = &c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find span costs: %w", err)
	}
	return out, nil
}

// TraceCosts returns the total price of traces. See ember.SummaryService.
func (db *DB) TraceCosts(ctx context.Context, traceRowIDs []int64) (map[int64]float64, error) {
	out := map[int64]float64{}
	if len(traceRowIDs) == 0 {
		return out, nil
	}
	var args []any
	costs, err := queryAll(ctx, db.read, "sum trace costs", `SELECT trace_rowid, SUM(total_cost) FROM span_costs WHERE trace_rowid IN (`+params(&args, traceRowIDs)+`) GROUP BY trace_rowid`, args, scanIDCost)
	if err != nil {
		return nil, err
	}
	for _, c := range costs {
		out[c.id] = c.cost
	}
	return out, nil
}

// ClearProject deletes a project's data and keeps the project. See
// ember.SummaryService.
func (db *DB) ClearProject(ctx context.Context, projectID int64) error {
	if _, err := db.FindProjectByID(ctx, projectID); err != nil {
		return err
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`DELETE FROM spans WHERE project_id = $1`,
			`DELETE FROM traces WHERE project_id = $1`,
			// A session whose traces all went goes too; one with traces
			// that joined from another project stays with them.
			`DELETE FROM project_sessions WHERE project_id = $1 AND NOT EXISTS (SELECT 1 FROM traces t WHERE t.project_session_id = project_sessions.id)`,
		} {
			if _, err := tx.ExecContext(ctx, q, projectID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("clear project: %w", err)
	}
	return nil
}
