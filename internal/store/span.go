package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/emberhq/ember"
)

// Ensure DB implements the span service.
var _ ember.SpanService = (*DB)(nil)

// Chunk sizes keep every statement under SQLite's 32,766 and PostgreSQL's
// 65,535 bound parameters.
const (
	spanInsertChunk = 400 // x 17 columns
	lookupChunk     = 500
)

// counts are the three cumulative values a span carries up its ancestry.
type counts struct{ errors, prompt, completion int64 }

func (c counts) zero() bool { return c == counts{} }

func (c counts) add(o counts) counts {
	return counts{c.errors + o.errors, c.prompt + o.prompt, c.completion + o.completion}
}

func ownCounts(s *ember.Span) counts {
	var c counts
	if s.StatusCode == ember.StatusError {
		c.errors = 1
	}
	if s.HasTokenCounts {
		c.prompt, c.completion = s.LLMTokenCountPrompt, s.LLMTokenCountCompletion
	}
	return c
}

// traceAgg is what one batch says about one trace.
type traceAgg struct {
	traceID    string
	projectID  int64 // requested; replaced by the stored trace's project
	start, end int64
	sessionID  string
	userID     string
	// prompt and completion sum the own LLM token counts of the batch's
	// spans of the trace, added to the trace's totals by the upsert.
	prompt, completion int64

	rowID        int64
	sessionRowID sql.NullInt64
}

// InsertSpans stores spans in one transaction and returns once they are
// durable. See ember.SpanWriter.
func (db *DB) InsertSpans(ctx context.Context, spans []*ember.Span) (ember.InsertSpansResult, error) {
	res, err := db.InsertSpansNoSync(ctx, spans)
	if err != nil {
		return res, err
	}
	return res, db.Sync(ctx)
}

// InsertSpansNoSync is InsertSpans without waiting for durability: the
// spans are committed, visible, and survive a crash of the process, but
// only a later Sync makes them survive a crash of the machine. A writer
// that acknowledges after Sync can so begin the next transaction while
// the disk flushes the last one.
func (db *DB) InsertSpansNoSync(ctx context.Context, spans []*ember.Span) (ember.InsertSpansResult, error) {
	var res ember.InsertSpansResult
	unique := make([]*ember.Span, 0, len(spans))
	index := make(map[spanKey]int, len(spans))
	for _, s := range spans {
		k := keyOf(s)
		if _, dup := index[k]; dup {
			res.Duplicates++
			continue
		}
		index[k] = len(unique)
		unique = append(unique, s)
	}
	if len(unique) == 0 {
		return res, nil
	}
	if db.detachIngest {
		ctx = context.WithoutCancel(ctx)
	}
	if err := db.prepareBulk(ctx); err != nil {
		return ember.InsertSpansResult{}, err
	}
	var learned map[string]int64
	var inserted int
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		w := &spanBatch{db: db, tx: tx, spans: unique, index: index}
		var err error
		if learned, err = w.run(ctx); err != nil {
			return err
		}
		inserted = len(w.inserted)
		return nil
	})
	if err != nil {
		db.forgetProjects()
		return ember.InsertSpansResult{}, fmt.Errorf("insert spans: %w", err)
	}
	db.cacheProjects(learned)
	res.Inserted = inserted
	res.Duplicates += len(unique) - inserted
	return res, nil
}

// spanKey names a span: its trace id and span id.
type spanKey struct{ traceID, spanID string }

func keyOf(s *ember.Span) spanKey { return spanKey{s.TraceID, s.SpanID} }

// spanBatch is the state of one InsertSpans transaction.
type spanBatch struct {
	db     *DB
	tx     *sql.Tx
	spans  []*ember.Span // unique span ids
	traces map[string]*traceAgg

	// oldChildren sums the cumulative counts of already stored children,
	// by parent.
	oldChildren map[spanKey]counts
	// cumulative holds the computed cumulative counts, by index in spans.
	cumulative []counts
	// inserted holds the indexes of the spans this batch stored.
	inserted map[int]struct{}
	// index maps a span's trace and span ids to its index in spans.
	index map[spanKey]int
	// traceIDs maps trace row ids to trace ids.
	traceIDs map[int64]string
}

func (w *spanBatch) run(ctx context.Context) (learned map[string]int64, err error) {
	names := make([]string, 0, 1)
	for _, s := range w.spans {
		if !slices.Contains(names, s.ProjectName) {
			names = append(names, s.ProjectName)
		}
	}
	projectIDs, learned, err := w.db.resolveProjects(ctx, w.tx, names)
	if err != nil {
		return nil, err
	}
	if err := w.upsertTraces(ctx, projectIDs); err != nil {
		return nil, err
	}
	if err := w.upsertSessions(ctx); err != nil {
		return nil, err
	}
	if err := w.loadOldChildren(ctx); err != nil {
		return nil, err
	}
	w.cumulative = w.computeCumulative(nil)
	if err := w.insertSpans(ctx); err != nil {
		return nil, err
	}
	if len(w.inserted) < len(w.spans) {
		if err := w.correctForDuplicates(ctx); err != nil {
			return nil, err
		}
	}
	if err := w.propagate(ctx); err != nil {
		return nil, err
	}
	if err := w.insertCosts(ctx); err != nil {
		return nil, err
	}
	return learned, nil
}

func (w *spanBatch) upsertTraces(ctx context.Context, projectIDs map[string]int64) error {
	w.traces = make(map[string]*traceAgg)
	w.traceIDs = make(map[int64]string)
	for _, s := range w.spans {
		start, end := nanos(s.StartTime), nanos(s.EndTime)
		t, ok := w.traces[s.TraceID]
		if !ok {
			t = &traceAgg{traceID: s.TraceID, projectID: projectIDs[s.ProjectName], start: start, end: end}
			w.traces[s.TraceID] = t
		}
		t.start, t.end = min(t.start, start), max(t.end, end)
		if s.HasTokenCounts {
			t.prompt += s.LLMTokenCountPrompt
			t.completion += s.LLMTokenCountCompletion
		}
		if t.sessionID == "" {
			t.sessionID = s.SessionID
		}
		if t.userID == "" {
			t.userID = s.UserID
		}
	}
	ids := make([]string, 0, len(w.traces))
	for id := range w.traces {
		ids = append(ids, id)
	}
	// Sorted, so concurrent writers on PostgreSQL lock rows in one order.
	slices.Sort(ids)
	return chunks(ids, lookupChunk, func(ids []string) error {
		stmt, err := w.db.bulk(ctx, w.tx, bulkUpsertTraces, len(ids))
		if err != nil {
			return err
		}
		args := make([]any, 0, 6*len(ids))
		for _, id := range ids {
			t := w.traces[id]
			args = append(args, t.traceID, t.projectID, t.start, t.end, t.prompt, t.completion)
		}
		rows, err := stmt.QueryContext(ctx, args...)
		if err != nil {
			return fmt.Errorf("upsert traces: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var rowID, projectID int64
			var traceID string
			var session sql.NullInt64
			if err := rows.Scan(&rowID, &traceID, &projectID, &session); err != nil {
				return fmt.Errorf("scan trace: %w", err)
			}
			t := w.traces[traceID]
			t.rowID, t.projectID, t.sessionRowID = rowID, projectID, session
			w.traceIDs[rowID] = traceID
		}
		return rows.Err()
	})
}

// upsertSessions links the batch's traces to their sessions and widens the
// sessions' time bounds. A trace that already belongs to a session keeps it.
func (w *spanBatch) upsertSessions(ctx context.Context) error {
	type sessionAgg struct {
		projectID  int64
		start, end int64
		userID     string
		traces     []*traceAgg
	}
	d := w.db.dialect
	sessions := make(map[string]*sessionAgg)
	for _, t := range w.traces {
		if t.sessionRowID.Valid {
			if _, err := w.tx.ExecContext(ctx, `UPDATE project_sessions SET start_time = `+d.Least()+`(start_time, $1), end_time = `+d.Greatest()+`(end_time, $2) WHERE id = $3`,
				t.start, t.end, t.sessionRowID.Int64); err != nil {
				return fmt.Errorf("widen session: %w", err)
			}
			continue
		}
		if t.sessionID == "" {
			continue
		}
		s, ok := sessions[t.sessionID]
		if !ok {
			s = &sessionAgg{projectID: t.projectID, start: t.start, end: t.end}
			sessions[t.sessionID] = s
		}
		s.start, s.end = min(s.start, t.start), max(s.end, t.end)
		if s.userID == "" {
			s.userID = t.userID
		}
		s.traces = append(s.traces, t)
	}
	ids := make([]string, 0, len(sessions))
	for id := range sessions {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		s := sessions[id]
		var user any
		if s.userID != "" {
			user = s.userID
		}
		var rowID int64
		err := w.tx.QueryRowContext(ctx, `INSERT INTO project_sessions (session_id, project_id, user_id, start_time, end_time) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (session_id) DO UPDATE SET start_time = `+d.Least()+`(project_sessions.start_time, excluded.start_time), end_time = `+d.Greatest()+`(project_sessions.end_time, excluded.end_time), user_id = COALESCE(project_sessions.user_id, excluded.user_id)
RETURNING id`, id, s.projectID, user, s.start, s.end).Scan(&rowID)
		if err != nil {
			return fmt.Errorf("upsert session: %w", err)
		}
		for _, t := range s.traces {
			if _, err := w.tx.ExecContext(ctx, `UPDATE traces SET project_session_id = $1 WHERE id = $2 AND project_session_id IS NULL`, rowID, t.rowID); err != nil {
				return fmt.Errorf("link trace to session: %w", err)
			}
			t.sessionRowID = sql.NullInt64{Int64: rowID, Valid: true}
		}
	}
	return nil
}

// loadOldChildren sums, for every span of the batch, the cumulative counts
// of its children that are already stored (children often arrive first).
// Only children with something to add are read: the counted spans of the
// batch's traces, through a small partial index by trace.
func (w *spanBatch) loadOldChildren(ctx context.Context) error {
	w.oldChildren = make(map[spanKey]counts)
	traceRowIDs := make([]int64, 0, len(w.traces))
	for _, t := range w.traces {
		traceRowIDs = append(traceRowIDs, t.rowID)
	}
	slices.Sort(traceRowIDs)
	return chunks(traceRowIDs, lookupChunk, func(ids []int64) error {
		stmt, err := w.db.bulk(ctx, w.tx, bulkStoredChildren, len(ids))
		if err != nil {
			return err
		}
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id
		}
		rows, err := stmt.QueryContext(ctx, args...)
		if err != nil {
			return fmt.Errorf("find stored children: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var traceRowID int64
			var parentID string
			var c counts
			if err := rows.Scan(&traceRowID, &parentID, &c.errors, &c.prompt, &c.completion); err != nil {
				return fmt.Errorf("scan stored child: %w", err)
			}
			parent := spanKey{w.traceIDs[traceRowID], parentID}
			if _, ok := w.index[parent]; ok {
				w.oldChildren[parent] = w.oldChildren[parent].add(c)
			}
		}
		return rows.Err()
	})
}

// computeCumulative returns the cumulative counts of the batch's spans:
// own counts, plus stored children, plus children in the batch. When only
// is non-nil, spans outside it are left out (they were not stored).
func (w *spanBatch) computeCumulative(only map[int]struct{}) []counts {
	included := func(i int) bool {
		if only == nil {
			return true
		}
		_, ok := only[i]
		return ok
	}
	children := make(map[int][]int)
	for i, s := range w.spans {
		if !included(i) || s.ParentID == "" {
			continue
		}
		if p, ok := w.index[spanKey{s.TraceID, s.ParentID}]; ok && included(p) && p != i {
			children[p] = append(children[p], i)
		}
	}
	const (
		unvisited = iota
		visiting
		done
	)
	state := make([]uint8, len(w.spans))
	cum := make([]counts, len(w.spans))
	var visit func(i int) counts
	visit = func(i int) counts {
		switch state[i] {
		case done:
			return cum[i]
		case visiting:
			// A cycle of parent ids: count each span once.
			return counts{}
		}
		state[i] = visiting
		c := ownCounts(w.spans[i]).add(w.oldChildren[keyOf(w.spans[i])])
		for _, child := range children[i] {
			c = c.add(visit(child))
		}
		cum[i], state[i] = c, done
		return c
	}
	for i := range w.spans {
		if included(i) {
			visit(i)
		}
	}
	return cum
}

func (w *spanBatch) insertSpans(ctx context.Context) error {
	w.inserted = make(map[int]struct{}, len(w.spans))
	index := w.index
	const cols = 17
	return chunks(w.spans, spanInsertChunk, func(spans []*ember.Span) error {
		stmt, err := w.db.bulk(ctx, w.tx, bulkInsertSpans, len(spans))
		if err != nil {
			return err
		}
		args := make([]any, 0, cols*len(spans))
		for _, s := range spans {
			t := w.traces[s.TraceID]
			c := w.cumulative[index[keyOf(s)]]
			var parent, prompt, completion any
			if s.ParentID != "" {
				parent = s.ParentID
			}
			if s.HasTokenCounts {
				prompt, completion = s.LLMTokenCountPrompt, s.LLMTokenCountCompletion
			}
			args = append(args, t.rowID, t.projectID, s.SpanID, parent, s.Name, string(s.Kind),
				nanos(s.StartTime), nanos(s.EndTime), string(s.StatusCode), s.StatusMessage,
				borrowedJSONText(s.Attributes, "{}"), borrowedJSONText(s.Events, "[]"), prompt, completion,
				c.errors, c.prompt, c.completion)
		}
		if w.db.dialect.ConsecutiveRowIDs() {
			return w.insertedByRowID(ctx, stmt, args, spans)
		}
		rows, err := stmt.QueryContext(ctx, args...)
		if err != nil {
			return fmt.Errorf("insert spans: %w", err)
		}
		return w.storedFrom(rows)
	})
}

// insertedByRowID runs the insert without RETURNING (on SQLite, RETURNING
// costs a temporary table per statement) and works out the new row ids:
// when every row went in, they are consecutive and end at the last insert
// id; otherwise the new rows are the chunk's spans with the highest ids,
// since every new id exceeds every stored one.
func (w *spanBatch) insertedByRowID(ctx context.Context, stmt *sql.Stmt, args []any, spans []*ember.Span) error {
	res, err := stmt.ExecContext(ctx, args...)
	if err != nil {
		return fmt.Errorf("insert spans: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("insert spans: %w", err)
	}
	if n == 0 {
		return nil
	}
	if int(n) == len(spans) {
		last, err := res.LastInsertId()
		if err != nil {
			return fmt.Errorf("insert spans: %w", err)
		}
		for j, s := range spans {
			w.stored(w.index[keyOf(s)], last-n+1+int64(j))
		}
		return nil
	}
	q := []byte(`SELECT id, span_id, trace_rowid FROM spans WHERE ` + w.db.spanIDMatch("spans", string(w.db.inList(nil, len(spans)))) + ` ORDER BY id DESC LIMIT `)
	q = strconv.AppendInt(q, n, 10)
	ids := make([]any, len(spans))
	for j, s := range spans {
		ids[j] = s.SpanID
	}
	rows, err := w.tx.QueryContext(ctx, string(q), ids...)
	if err != nil {
		return fmt.Errorf("find inserted spans: %w", err)
	}
	return w.storedFrom(rows)
}

// storedFrom records the (id, span_id, trace_rowid) rows of newly stored
// spans.
func (w *spanBatch) storedFrom(rows *sql.Rows) error {
	defer rows.Close()
	for rows.Next() {
		var id, traceRowID int64
		var spanID string
		if err := rows.Scan(&id, &spanID, &traceRowID); err != nil {
			return fmt.Errorf("scan span id: %w", err)
		}
		w.stored(w.index[spanKey{w.traceIDs[traceRowID], spanID}], id)
	}
	return rows.Err()
}

// stored records that the batch's span i was stored with row id id.
func (w *spanBatch) stored(i int, id int64) {
	s := w.spans[i]
	t := w.traces[s.TraceID]
	s.ID, s.TraceRowID, s.ProjectID = id, t.rowID, t.projectID
	c := w.cumulative[i]
	s.CumulativeErrorCount, s.CumulativeLLMTokenCountPrompt, s.CumulativeLLMTokenCountCompletion = c.errors, c.prompt, c.completion
	w.inserted[i] = struct{}{}
}

// correctForDuplicates recomputes the cumulative counts when some spans of
// the batch were already stored: those must not be counted twice.
func (w *spanBatch) correctForDuplicates(ctx context.Context) error {
	// The trace upsert counted the duplicates' tokens, which their first
	// insert counted already.
	type tokens struct{ prompt, completion int64 }
	extra := map[int64]tokens{}
	for i, s := range w.spans {
		if _, ok := w.inserted[i]; !ok && s.HasTokenCounts {
			t := w.traces[s.TraceID]
			e := extra[t.rowID]
			extra[t.rowID] = tokens{e.prompt + s.LLMTokenCountPrompt, e.completion + s.LLMTokenCountCompletion}
		}
	}
	for rowID, e := range extra {
		if _, err := w.tx.ExecContext(ctx, `UPDATE traces SET llm_token_count_prompt = llm_token_count_prompt - $1, llm_token_count_completion = llm_token_count_completion - $2 WHERE id = $3`,
			e.prompt, e.completion, rowID); err != nil {
			return fmt.Errorf("correct trace token counts: %w", err)
		}
	}
	corrected := w.computeCumulative(w.inserted)
	for i := range w.inserted {
		if corrected[i] == w.cumulative[i] {
			continue
		}
		c := corrected[i]
		s := w.spans[i]
		if _, err := w.tx.ExecContext(ctx, `UPDATE spans SET cumulative_error_count = $1, cumulative_llm_token_count_prompt = $2, cumulative_llm_token_count_completion = $3 WHERE id = $4`,
			c.errors, c.prompt, c.completion, s.ID); err != nil {
			return fmt.Errorf("correct cumulative counts: %w", err)
		}
		s.CumulativeErrorCount, s.CumulativeLLMTokenCountPrompt, s.CumulativeLLMTokenCountCompletion = c.errors, c.prompt, c.completion
	}
	w.cumulative = corrected
	return nil
}

// propagate adds the cumulative counts of every new subtree to its stored
// ancestors.
func (w *spanBatch) propagate(ctx context.Context) error {
	for i := range w.inserted {
		s := w.spans[i]
		if s.ParentID == "" || w.cumulative[i].zero() {
			continue
		}
		if p, ok := w.index[spanKey{s.TraceID, s.ParentID}]; ok && p != i {
			if _, stored := w.inserted[p]; stored {
				continue // counted in the parent, which carries it up
			}
		}
		if err := addToAncestors(ctx, w.tx, s.ParentID, s.TraceRowID, w.cumulative[i]); err != nil {
			return err
		}
	}
	return nil
}

// addToAncestors adds c to the cumulative counts of the span parentID and
// every stored ancestor of it in the same trace. UNION (not UNION ALL) stops
// the recursion on a cycle of parent ids.
func addToAncestors(ctx context.Context, tx *sql.Tx, parentID string, traceRowID int64, c counts) error {
	_, err := tx.ExecContext(ctx, `WITH RECURSIVE ancestors(span_id, parent_id) AS (
	SELECT span_id, parent_id FROM spans WHERE span_id = $1 AND trace_rowid = $2
	UNION
	SELECT s.span_id, s.parent_id FROM spans s JOIN ancestors a ON s.span_id = a.parent_id WHERE s.trace_rowid = $2
)
UPDATE spans SET
	cumulative_error_count = cumulative_error_count + $3,
	cumulative_llm_token_count_prompt = cumulative_llm_token_count_prompt + $4,
	cumulative_llm_token_count_completion = cumulative_llm_token_count_completion + $5
WHERE trace_rowid = $2 AND span_id IN (SELECT span_id FROM ancestors)`, parentID, traceRowID, c.errors, c.prompt, c.completion)
	if err != nil {
		return fmt.Errorf("update ancestors: %w", err)
	}
	return nil
}

func (w *spanBatch) insertCosts(ctx context.Context) error {
	var priced []*ember.Span
	for i := range w.inserted {
		if w.spans[i].Cost != nil {
			priced = append(priced, w.spans[i])
		}
	}
	const cols = 13
	return chunks(priced, spanInsertChunk, func(spans []*ember.Span) error {
		stmt, err := w.db.bulk(ctx, w.tx, bulkInsertCosts, len(spans))
		if err != nil {
			return err
		}
		args := make([]any, 0, cols*len(spans))
		for _, s := range spans {
			c := s.Cost
			args = append(args, s.ID, s.TraceRowID, s.ProjectID, nanos(s.StartTime), c.ModelName, c.Provider,
				c.PromptTokens, c.CompletionTokens, c.TotalTokens, c.PromptCost, c.CompletionCost, c.TotalCost,
				costDetailsJSON(c.Details))
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("insert span costs: %w", err)
		}
		return nil
	})
}

// jsonText passes JSON to the database as text: SQLite keeps JSON as text
// (a blob would read as its binary JSONB form) and PostgreSQL parses text
// into jsonb.
// borrowedJSONText is jsonText without the copy, for the ingest path,
// where a batch of LLM spans would otherwise copy tens of megabytes of
// attributes only to bind them. The string shares b's memory: it is safe
// because ingestion never changes a span's attributes or events once
// converted, and the driver copies bound text before the statement runs.
func borrowedJSONText(b []byte, empty string) string {
	if len(b) == 0 {
		return empty
	}
	return unsafe.String(&b[0], len(b))
}

func jsonText(b []byte, empty string) string {
	if len(b) == 0 {
		return empty
	}
	return string(b)
}

const spanColumns = `s.id, s.trace_rowid, s.project_id, t.trace_id, s.span_id, COALESCE(s.parent_id, ''), s.name, s.span_kind, s.start_time, s.end_time, s.status_code, s.status_message, s.attributes, s.events, s.llm_token_count_prompt, s.llm_token_count_completion, s.cumulative_error_count, s.cumulative_llm_token_count_prompt, s.cumulative_llm_token_count_completion, COALESCE(ps.session_id, '')`

func scanSpan(row rowScanner) (*ember.Span, error) {
	var s ember.Span
	var start, end int64
	var kind, status string
	var attributes, events string
	var prompt, completion sql.NullInt64
	if err := row.Scan(&s.ID, &s.TraceRowID, &s.ProjectID, &s.TraceID, &s.SpanID, &s.ParentID, &s.Name, &kind,
		&start, &end, &status, &s.StatusMessage, &attributes, &events, &prompt, &completion,
		&s.CumulativeErrorCount, &s.CumulativeLLMTokenCountPrompt, &s.CumulativeLLMTokenCountCompletion, &s.SessionID); err != nil {
		return nil, err
	}
	s.Kind, s.StatusCode = ember.SpanKind(kind), ember.StatusCode(status)
	s.StartTime, s.EndTime = fromNanos(start), fromNanos(end)
	s.Attributes, s.Events = []byte(attributes), []byte(events)
	if prompt.Valid || completion.Valid {
		s.HasTokenCounts = true
		s.LLMTokenCountPrompt, s.LLMTokenCountCompletion = prompt.Int64, completion.Int64
	}
	return &s, nil
}

// FindSpans returns the spans that match filter, newest row first.
func (db *DB) FindSpans(ctx context.Context, filter ember.SpanFilter) ([]*ember.Span, error) {
	// Stored text is clean (no NUL, valid UTF-8); filter values that are
	// not can only match their cleaned forms, and PostgreSQL refuses a NUL.
	filter.TraceIDs, filter.SpanIDs = cleanTexts(filter.TraceIDs), cleanTexts(filter.SpanIDs)
	filter.ParentIDs, filter.Names = cleanTexts(filter.ParentIDs), cleanTexts(filter.Names)
	if len(filter.Attributes) > 0 {
		attrs := make([]ember.AttributeMatch, len(filter.Attributes))
		for i, m := range filter.Attributes {
			attrs[i] = ember.AttributeMatch{Path: cleanTexts(m.Path), Value: m.Value}
			if s, ok := m.Value.(string); ok {
				attrs[i].Value = ember.CleanText(s)
			}
		}
		filter.Attributes = attrs
	}
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if filter.ID != 0 {
		where = append(where, "s.id = "+arg(filter.ID))
	}
	if filter.ProjectID != nil {
		column := "s.project_id"
		if len(filter.TraceIDs) > 0 || len(filter.SpanIDs) > 0 {
			// The ids find a few spans; keep the planner from walking the
			// whole project in id order instead.
			column = "+s.project_id"
		}
		where = append(where, column+" = "+arg(*filter.ProjectID))
	}
	in := func(column string, values []string) {
		if len(values) == 0 {
			return
		}
		params := make([]string, len(values))
		for i, v := range values {
			params[i] = arg(v)
		}
		where = append(where, column+" IN ("+strings.Join(params, ",")+")")
	}
	in("t.trace_id", filter.TraceIDs)
	if len(filter.SpanIDs) > 0 {
		params := make([]string, len(filter.SpanIDs))
		for i, v := range filter.SpanIDs {
			params[i] = arg(v)
		}
		where = append(where, db.spanIDMatch("s", strings.Join(params, ",")))
	}
	in("s.parent_id", filter.ParentIDs)
	in("s.name", filter.Names)
	in("s.span_kind", stringsOf(filter.Kinds))
	in("s.status_code", stringsOf(filter.StatusCodes))
	if filter.RootsOnly {
		where = append(where, "s.parent_id IS NULL")
	}
	for _, m := range filter.Attributes {
		where = append(where, "("+db.dialect.AttributeMatch("s.attributes", m.Path, m.Value, arg)+")")
	}
	spans := "spans s"
	byProject := filter.ProjectID != nil && len(filter.TraceIDs) == 0 && len(filter.SpanIDs) == 0
	if byProject && filter.OrderBy != "" {
		// Sorted by a measure, every span of the window is looked at: read
		// them from the project's time index, which holds the end time
		// too, so a latency sort never reads the table (migration 00008).
		index := "ix_spans_project_start"
		if filter.RootsOnly {
			index = "ix_spans_project_root_start"
		}
		spans += db.dialect.IndexedBy(index)
	}
	if filter.StartTime != nil || filter.EndTime != nil {
		column := "s.start_time"
		if byProject && filter.OrderBy == "" {
			narrow, err := db.narrowWindow(ctx, *filter.ProjectID, filter.StartTime, filter.EndTime)
			if err != nil {
				return nil, err
			}
			if narrow {
				spans += db.dialect.IndexedBy("ix_spans_project_start")
			} else {
				// An expression is not indexed: the planner walks the
				// project newest first, which fills a page of a wide window
				// sooner than sorting the window by id.
				column = "+s.start_time"
			}
		}
		if filter.StartTime != nil {
			where = append(where, column+" >= "+arg(nanos(*filter.StartTime)))
		}
		if filter.EndTime != nil {
			where = append(where, column+" < "+arg(nanos(*filter.EndTime)))
		}
	}
	if filter.Cursor > 0 {
		where = append(where, "s.id <= "+arg(filter.Cursor))
	}
	if filter.Condition != nil {
		sql, err := db.compileCondition(filter.Condition, arg)
		if err != nil {
			return nil, err
		}
		where = append(where, sql)
	}
	order := "s.id DESC"
	if filter.OrderBy != "" {
		measure, err := spanMeasure(filter.OrderBy)
		if err != nil {
			return nil, err
		}
		dir, cmp := "DESC", "<"
		if filter.Ascending {
			dir, cmp = "ASC", ">"
		}
		if k := filter.After; k != nil {
			v := any(k.Value)
			if filter.OrderBy != ember.SpanOrderCost {
				v = int64(k.Value) // integer measures compare exactly
			}
			p, q := arg(v), arg(k.ID)
			where = append(where, "("+measure+" "+cmp+" "+p+" OR ("+measure+" = "+p+" AND s.id "+cmp+" "+q+"))")
		}
		order = measure + " " + dir + ", s.id " + dir
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	from := ` FROM spans s JOIN traces t ON t.id = s.trace_rowid LEFT JOIN project_sessions ps ON ps.id = t.project_session_id`
	if filter.OrderBy != "" {
		// Sorted by a measure: the page's row ids first, sorting only ids
		// and measures, then those rows whole. Sorting whole rows, with
		// their attributes, took most of a second on a million spans.
		ids := `SELECT s.id FROM ` + spans
		if len(filter.TraceIDs) > 0 || filter.Condition != nil {
			ids += ` JOIN traces t ON t.id = s.trace_rowid`
		}
		ids += cond + ` ORDER BY ` + order
		if filter.Limit > 0 {
			ids += ` LIMIT ` + arg(filter.Limit)
		}
		q := `SELECT ` + spanColumns + from + ` WHERE s.id IN (` + ids + `) ORDER BY ` + order
		return queryAll(ctx, db.read, "find spans", q, args, scanSpan)
	}
	if filter.Limit <= 0 {
		q := `SELECT ` + spanColumns + from + cond + ` ORDER BY s.id DESC`
		return queryAll(ctx, db.read, "find spans", q, args, scanSpan)
	}
	// A page: find its row ids first, from the indexes alone where the
	// filters allow, then read those rows whole. Sorting whole rows, with
	// their attributes, would cost far more.
	ids := `SELECT s.id FROM ` + spans
	if len(filter.TraceIDs) > 0 || filter.Condition != nil {
		ids += ` JOIN traces t ON t.id = s.trace_rowid`
	}
	ids += cond + ` ORDER BY s.id DESC LIMIT ` + arg(filter.Limit)
	q := `SELECT ` + spanColumns + from + ` WHERE s.id IN (` + ids + `) ORDER BY s.id DESC`
	return queryAll(ctx, db.read, "find spans", q, args, scanSpan)
}

// spanMeasure is the SQL of a span order's measure over spans s.
func spanMeasure(order ember.SpanOrder) (string, error) {
	switch order {
	case ember.SpanOrderLatency:
		return "(s.end_time - s.start_time)", nil
	case ember.SpanOrderTokens:
		return "(s.cumulative_llm_token_count_prompt + s.cumulative_llm_token_count_completion)", nil
	case ember.SpanOrderCost:
		return `(CASE WHEN s.parent_id IS NULL THEN (SELECT COALESCE(SUM(c.total_cost), 0) FROM span_costs c WHERE c.trace_rowid = s.trace_rowid)
	ELSE COALESCE((SELECT c.total_cost FROM span_costs c WHERE c.span_rowid = s.id), 0) END)`, nil
	}
	return "", ember.Errorf(ember.EINVALID, "unknown span order %q", order)
}

// narrowTimeWindow is the share of a project's time span under which the
// span listing reads a time window through the time index. Wider windows
// hold enough spans that walking the project newest first fills a page
// sooner.
const narrowTimeWindow = 0.02

// walkCostRatio is how much more a span costs to visit when walking the
// project in id order (a table lookup to test its time) than when reading
// the time index (an index entry), as measured on SQLite.
const walkCostRatio = 5

// narrowWindow tells whether the time window [start, end) is better read
// through the project's time index than by walking its spans newest first:
// when it holds few of the project's spans, or when the walk would first
// pass too many newer ones. It assumes spans spread evenly over the
// project's time span, which two index lookups give.
func (db *DB) narrowWindow(ctx context.Context, projectID int64, start, end *time.Time) (bool, error) {
	var first, last sql.NullInt64
	byTime := "spans" + db.dialect.IndexedBy("ix_spans_project_start")
	err := db.read.QueryRowContext(ctx, `SELECT (SELECT MIN(start_time) FROM `+byTime+` WHERE project_id = $1), (SELECT MAX(start_time) FROM `+byTime+` WHERE project_id = $2)`, projectID, projectID).Scan(&first, &last)
	if err != nil {
		return false, fmt.Errorf("find project time span: %w", err)
	}
	if !first.Valid || !last.Valid {
		return true, nil
	}
	lo, hi := first.Int64, last.Int64+1
	extent := float64(hi - lo)
	if start != nil {
		lo = max(lo, nanos(*start))
	}
	after := 0.0 // the share of the project after the window
	if end != nil {
		e := nanos(*end)
		after = max(0, float64(hi-max(e, lo))) / extent
		hi = min(hi, e)
	}
	inside := max(0, float64(hi-lo)) / extent
	return inside < narrowTimeWindow || inside < walkCostRatio*after, nil
}

// CountSpans returns the number of stored spans.
func (db *DB) CountSpans(ctx context.Context) (int64, error) {
	var n int64
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM spans`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count spans: %w", err)
	}
	return n, nil
}

// DeleteSpan deletes one span by its OTel span id. See ember.SpanService.
func (db *DB) DeleteSpan(ctx context.Context, spanID string) error {
	spanID = ember.CleanText(spanID)
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var id, traceRowID int64
		var parentID sql.NullString
		var c counts
		var prompt, completion sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT id, trace_rowid, parent_id, cumulative_error_count, cumulative_llm_token_count_prompt, cumulative_llm_token_count_completion, llm_token_count_prompt, llm_token_count_completion FROM spans WHERE `+db.spanIDMatch("spans", "$1")+` ORDER BY id DESC LIMIT 1`, spanID).
			Scan(&id, &traceRowID, &parentID, &c.errors, &c.prompt, &c.completion, &prompt, &completion)
		if errors.Is(err, sql.ErrNoRows) {
			return ember.Errorf(ember.ENOTFOUND, "Span with span_id '%s' not found", spanID)
		} else if err != nil {
			return fmt.Errorf("find span: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM spans WHERE id = $1`, id); err != nil {
			return fmt.Errorf("delete span: %w", err)
		}
		if parentID.Valid && parentID.String != "" && !c.zero() {
			if err := addToAncestors(ctx, tx, parentID.String, traceRowID, counts{-c.errors, -c.prompt, -c.completion}); err != nil {
				return err
			}
		}
		if prompt.Int64 != 0 || completion.Int64 != 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE traces SET llm_token_count_prompt = llm_token_count_prompt - $1, llm_token_count_completion = llm_token_count_completion - $2 WHERE id = $3`,
				prompt.Int64, completion.Int64, traceRowID); err != nil {
				return fmt.Errorf("subtract trace token counts: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM traces WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM spans WHERE trace_rowid = $1)`, traceRowID); err != nil {
			return fmt.Errorf("delete empty trace: %w", err)
		}
		return nil
	})
}

// The bulk statements, by row count. They are prepared once (see bulk).

// upsertTracesSQL is the statement that does "upsert traces" for rows rows.
func (db *DB) upsertTracesSQL(rows int) string {
	d := db.dialect
	q := []byte(`INSERT INTO traces (trace_id, project_id, start_time, end_time, llm_token_count_prompt, llm_token_count_completion) VALUES `)
	q = db.placeholders(q, rows, 6)
	q = append(q, ` ON CONFLICT (trace_id) DO UPDATE SET start_time = `+d.Least()+`(traces.start_time, excluded.start_time), end_time = `+d.Greatest()+`(traces.end_time, excluded.end_time),
	llm_token_count_prompt = traces.llm_token_count_prompt + excluded.llm_token_count_prompt, llm_token_count_completion = traces.llm_token_count_completion + excluded.llm_token_count_completion
RETURNING id, trace_id, project_id, project_session_id`...)
	return string(q)
}

// storedChildrenSQL is the statement that does "find stored children" for rows rows.
func (db *DB) storedChildrenSQL(rows int) string {
	q := []byte(`SELECT trace_rowid, parent_id, cumulative_error_count, cumulative_llm_token_count_prompt, cumulative_llm_token_count_completion FROM spans WHERE trace_rowid IN (`)
	q = db.inList(q, rows)
	// The condition repeats ix_spans_trace_parent_counted's, so the
	// planner can use that small partial index.
	q = append(q, `) AND parent_id IS NOT NULL AND (cumulative_error_count <> 0 OR cumulative_llm_token_count_prompt <> 0 OR cumulative_llm_token_count_completion <> 0)`...)
	return string(q)
}

// insertSpansSQL is the statement that does "insert spans" for rows rows.
func (db *DB) insertSpansSQL(rows int) string {
	const cols = 17
	q := make([]byte, 0, 256+rows*cols*5)
	q = append(q, `INSERT INTO spans (trace_rowid, project_id, span_id, parent_id, name, span_kind, start_time, end_time, status_code, status_message, attributes, events, llm_token_count_prompt, llm_token_count_completion, cumulative_error_count, cumulative_llm_token_count_prompt, cumulative_llm_token_count_completion) VALUES `...)
	q = db.placeholders(q, rows, cols)
	q = append(q, ` ON CONFLICT (trace_rowid, span_id) DO NOTHING`...)
	if !db.dialect.ConsecutiveRowIDs() {
		q = append(q, ` RETURNING id, span_id, trace_rowid`...)
	}
	return string(q)
}

// insertCostsSQL is the statement that does "insert span costs" for rows rows.
func (db *DB) insertCostsSQL(rows int) string {
	const cols = 13
	q := []byte(`INSERT INTO span_costs (span_rowid, trace_rowid, project_id, span_start_time, model_name, provider, prompt_tokens, completion_tokens, total_tokens, prompt_cost, completion_cost, total_cost, details) VALUES `)
	return string(db.placeholders(q, rows, cols))
}

// spanIDMatch is the condition that alias.span_id is one of params (a
// comma-separated placeholder list), written so that the engine finds the
// rows through its span id index.
func (db *DB) spanIDMatch(alias, params string) string {
	return withSpanIDLookup(db.dialect, alias, alias+".span_id IN ("+params+")")
}

// withSpanIDLookup adds to cond, which pins alias.span_id, the dialect's
// condition for finding spans by span id through an index.
func withSpanIDLookup(d Dialect, alias, cond string) string {
	if extra := d.SpanIDLookup(alias); extra != "" {
		return "(" + cond + " AND " + extra + ")"
	}
	return cond
}

func stringsOf[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}
