package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emberhq/ember"
)

// Ensure DB implements the annotation service.
var _ ember.AnnotationService = (*DB)(nil)

// annotationChunk keeps an upsert of annotations under both engines' bounds
// on parameters: 400 rows of at most 14 columns.
const annotationChunk = 400

// annotationTable describes the table of one annotation target.
type annotationTable struct {
	target ember.AnnotationTarget
	table  string // the annotations
	parent string // the column naming the annotated row
	// keyColumns are the upsert key, which a unique index holds.
	keyColumns string
	// parentTable is the annotated rows' table, parentKey its natural key
	// and parentStart its start time.
	parentTable, parentKey, parentStart string
	// plural names the targets in "Spans with IDs a, b do not exist."
	plural string
	// The bulk statements: an upsert that returns the rows it wrote, one
	// that does not, and the lookup of targets by natural key.
	bulkUpsert, bulkApply, bulkLookup string
}

var annotationTables = map[ember.AnnotationTarget]*annotationTable{
	ember.AnnotationTargetSpan: {
		target: ember.AnnotationTargetSpan, table: "span_annotations", parent: "span_rowid",
		keyColumns: "span_rowid, name, identifier", parentTable: "spans", parentKey: "span_id", parentStart: "start_time",
		plural: "Spans", bulkUpsert: "upsert span annotations", bulkApply: "apply span annotations", bulkLookup: "find annotated spans",
	},
	ember.AnnotationTargetDocument: {
		target: ember.AnnotationTargetDocument, table: "document_annotations", parent: "span_rowid",
		keyColumns: "span_rowid, document_position, name, identifier", parentTable: "spans", parentKey: "span_id", parentStart: "start_time",
		plural: "Spans", bulkUpsert: "upsert document annotations", bulkApply: "apply document annotations", bulkLookup: "find annotated documents",
	},
	ember.AnnotationTargetTrace: {
		target: ember.AnnotationTargetTrace, table: "trace_annotations", parent: "trace_rowid",
		keyColumns: "trace_rowid, name, identifier", parentTable: "traces", parentKey: "trace_id", parentStart: "start_time",
		plural: "Traces", bulkUpsert: "upsert trace annotations", bulkApply: "apply trace annotations", bulkLookup: "find annotated traces",
	},
	ember.AnnotationTargetSession: {
		target: ember.AnnotationTargetSession, table: "session_annotations", parent: "session_rowid",
		keyColumns: "session_rowid, name, identifier", parentTable: "project_sessions", parentKey: "session_id", parentStart: "start_time",
		plural: "Sessions", bulkUpsert: "upsert session annotations", bulkApply: "apply session annotations", bulkLookup: "find annotated sessions",
	},
}

func tableOf(target ember.AnnotationTarget) (*annotationTable, error) {
	t, ok := annotationTables[target]
	if !ok {
		return nil, ember.Errorf(ember.EINVALID, "Unknown annotation target %q", string(target))
	}
	return t, nil
}

func (t *annotationTable) documents() bool { return t.target == ember.AnnotationTargetDocument }

// insertColumns are the columns an upsert writes, in order.
func (t *annotationTable) insertColumns() []string {
	cols := []string{t.parent}
	if t.documents() {
		cols = append(cols, "document_position")
	}
	return append(cols, "project_id", "name", "label", "score", "explanation", "metadata", "annotator_kind", "identifier", "source", "user_id", "created_at", "updated_at")
}

// annotationBulkStatements adds the annotation statements to the bulk
// statements every write prepares once.
func (db *DB) annotationBulkStatements(m map[string]struct {
	build   func(rows int) string
	maxRows int
}) {
	for _, t := range annotationTables {
		m[t.bulkUpsert] = struct {
			build   func(rows int) string
			maxRows int
		}{func(rows int) string { return db.upsertAnnotationsSQL(t, rows, true) }, annotationChunk}
		m[t.bulkApply] = struct {
			build   func(rows int) string
			maxRows int
		}{func(rows int) string { return db.upsertAnnotationsSQL(t, rows, false) }, annotationChunk}
		m[t.bulkLookup] = struct {
			build   func(rows int) string
			maxRows int
		}{func(rows int) string { return db.lookupTargetsSQL(t, rows) }, lookupChunk}
	}
}

// upsertAnnotationsSQL writes rows annotations, replacing a stored one of
// the same key unless it is newer. With returning it reports each row it
// wrote: id, key and created_at.
func (db *DB) upsertAnnotationsSQL(t *annotationTable, rows int, returning bool) string {
	cols := t.insertColumns()
	q := []byte(`INSERT INTO ` + t.table + ` (` + strings.Join(cols, ", ") + `) VALUES `)
	q = db.placeholders(q, rows, len(cols))
	q = append(q, ` ON CONFLICT (`+t.keyColumns+`) DO UPDATE SET project_id = excluded.project_id, label = excluded.label, score = excluded.score, explanation = excluded.explanation, metadata = excluded.metadata, annotator_kind = excluded.annotator_kind, source = excluded.source, user_id = excluded.user_id, updated_at = excluded.updated_at WHERE `+t.table+`.updated_at <= excluded.updated_at`...)
	if returning {
		q = append(q, ` RETURNING id, `+t.keyColumns+`, created_at`...)
	}
	return string(q)
}

// lookupTargetsSQL finds rows targets by natural key: row id, key and
// project, and for documents the span's kind and attributes, which hold
// its documents.
func (db *DB) lookupTargetsSQL(t *annotationTable, rows int) string {
	cols := `id, ` + t.parentKey + `, project_id`
	if t.documents() {
		cols += `, span_kind, attributes`
	}
	// Oldest first, so that when two traces share a span id the newest
	// span is the one remembered.
	q := `SELECT ` + cols + ` FROM ` + t.parentTable + ` WHERE ` + db.targetKeyMatch(t, t.parentTable, string(db.inList(nil, rows))) + ` ORDER BY id`
	return q
}

// targetKeyMatch is the condition that the natural key of the target row
// alias is one of params.
func (db *DB) targetKeyMatch(t *annotationTable, alias, params string) string {
	if t.parentTable == "spans" {
		return db.spanIDMatch(alias, params)
	}
	return alias + "." + t.parentKey + " IN (" + params + ")"
}

// UpsertAnnotations stores annotations, all or none. See
// ember.AnnotationWriter.
func (db *DB) UpsertAnnotations(ctx context.Context, annotations []*ember.Annotation) error {
	_, err := db.writeAnnotations(ctx, annotations, true)
	return err
}

// ApplyAnnotations stores the annotations whose targets exist. See
// ember.AnnotationWriter.
func (db *DB) ApplyAnnotations(ctx context.Context, annotations []*ember.Annotation) ([]ember.AnnotationOutcome, error) {
	return db.writeAnnotations(ctx, annotations, false)
}

// writeAnnotations is UpsertAnnotations when strict, else ApplyAnnotations.
func (db *DB) writeAnnotations(ctx context.Context, annotations []*ember.Annotation, strict bool) ([]ember.AnnotationOutcome, error) {
	outcomes := make([]ember.AnnotationOutcome, len(annotations))
	if len(annotations) == 0 {
		return outcomes, nil
	}
	now := db.Now()
	groups := map[*annotationTable][]int{}
	for i, a := range annotations {
		t, err := tableOf(a.Target)
		if err != nil {
			return nil, err
		}
		if err := cleanAnnotation(a); err != nil {
			return nil, err
		}
		if a.UpdatedAt.IsZero() {
			a.UpdatedAt = now
		}
		groups[t] = append(groups[t], i)
	}
	if err := db.prepareBulk(ctx); err != nil {
		return nil, err
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		for _, target := range ember.AnnotationTargets {
			t := annotationTables[target]
			if len(groups[t]) == 0 {
				continue
			}
			w := &annotationBatch{db: db, tx: tx, t: t, all: annotations, indexes: groups[t], outcomes: outcomes, strict: strict}
			if err := w.run(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if ember.ErrorCode(err) != ember.EINTERNAL {
			return nil, err
		}
		return nil, fmt.Errorf("write annotations: %w", err)
	}
	return outcomes, db.Sync(ctx)
}

// cleanAnnotation refuses what the tables' constraints would, and cleans
// text and metadata into what both engines store.
func cleanAnnotation(a *ember.Annotation) error {
	if !slices.Contains(ember.AnnotatorKinds, a.AnnotatorKind) {
		return ember.Errorf(ember.EINVALID, "Unknown annotator kind %q", string(a.AnnotatorKind))
	}
	switch a.Source {
	case "", ember.AnnotationSourceAPI, ember.AnnotationSourceApp:
	default:
		return ember.Errorf(ember.EINVALID, "Unknown annotation source %q", string(a.Source))
	}
	metadata, err := ember.CleanMetadata(a.Metadata)
	if err != nil {
		return err
	}
	a.Metadata = metadata
	for _, s := range []*string{&a.SpanID, &a.TraceID, &a.SessionID, &a.Name, &a.Identifier, a.Label, a.Explanation} {
		if s != nil {
			*s = ember.CleanText(*s)
		}
	}
	return nil
}

// annotationKey is the upsert key of a stored annotation.
type annotationKey struct {
	parent     int64
	position   int64
	name       string
	identifier string
}

func compareKeys(a, b annotationKey) int {
	return cmp.Or(cmp.Compare(a.parent, b.parent), cmp.Compare(a.position, b.position), strings.Compare(a.name, b.name), strings.Compare(a.identifier, b.identifier))
}

// annotatedTarget is a stored span, trace or session.
type annotatedTarget struct {
	rowID, projectID int64
	documents        int // retrieved documents; spans of document annotations only
}

// annotationBatch writes the annotations of one target type in one
// transaction.
type annotationBatch struct {
	db       *DB
	tx       *sql.Tx
	t        *annotationTable
	all      []*ember.Annotation
	indexes  []int // into all
	outcomes []ember.AnnotationOutcome
	strict   bool
}

func (w *annotationBatch) run(ctx context.Context) error {
	targets, err := w.lookup(ctx)
	if err != nil {
		return err
	}
	var missing []string
	seenMissing := map[string]bool{}
	keys := map[int]annotationKey{}
	winners := map[annotationKey]int{}
	for _, i := range w.indexes {
		a := w.all[i]
		target, ok := targets[a.TargetKey()]
		if !ok {
			w.outcomes[i] = ember.AnnotationTargetMissing
			if !seenMissing[a.TargetKey()] {
				seenMissing[a.TargetKey()] = true
				missing = append(missing, a.TargetKey())
			}
			continue
		}
		if w.t.documents() && (a.DocumentPosition < 0 || a.DocumentPosition >= int64(target.documents)) {
			if w.strict {
				return ember.Errorf(ember.EUNPROCESSABLE, "Document position %d is out of bounds for span %s (max: %d)", a.DocumentPosition, a.SpanID, target.documents-1)
			}
			w.outcomes[i] = ember.AnnotationTargetInvalid
			continue
		}
		a.TargetRowID, a.ProjectID = target.rowID, target.projectID
		k := annotationKey{parent: target.rowID, name: a.Name, identifier: a.Identifier}
		if w.t.documents() {
			k.position = a.DocumentPosition
		}
		keys[i] = k
		// Of several annotations with one key the newest wins; on a tie,
		// the later one.
		if j, ok := winners[k]; !ok || !w.all[j].UpdatedAt.After(a.UpdatedAt) {
			winners[k] = i
		}
	}
	if w.strict && len(missing) > 0 {
		return ember.Errorf(ember.ENOTFOUND, "%s with IDs %s do not exist.", w.t.plural, strings.Join(missing, ", "))
	}
	rows := make([]annotationKey, 0, len(winners))
	for k := range winners {
		rows = append(rows, k)
	}
	// Sorted, so concurrent writers on PostgreSQL lock rows in one order.
	slices.SortFunc(rows, compareKeys)
	stored := map[annotationKey]storedAnnotation{}
	err = chunks(rows, annotationChunk, func(chunk []annotationKey) error {
		name := w.t.bulkApply
		if w.strict {
			name = w.t.bulkUpsert
		}
		stmt, err := w.db.bulk(ctx, w.tx, name, len(chunk))
		if err != nil {
			return err
		}
		args := make([]any, 0, len(chunk)*14)
		for _, k := range chunk {
			args = w.appendRow(args, w.all[winners[k]])
		}
		if !w.strict {
			if _, err := stmt.ExecContext(ctx, args...); err != nil {
				return fmt.Errorf("apply annotations: %w", err)
			}
			return nil
		}
		res, err := stmt.QueryContext(ctx, args...)
		if err != nil {
			return fmt.Errorf("upsert annotations: %w", err)
		}
		return w.scanStored(res, stored)
	})
	if err != nil || !w.strict {
		return err
	}
	// A key the upsert did not return kept a newer stored version: read
	// its id.
	for _, k := range rows {
		if _, ok := stored[k]; !ok {
			s, err := w.findStored(ctx, k)
			if err != nil {
				return err
			}
			stored[k] = s
		}
	}
	for i, k := range keys {
		s := stored[k]
		w.all[i].ID, w.all[i].CreatedAt = s.id, s.createdAt
	}
	return nil
}

// storedAnnotation is what an upsert reports of a row.
type storedAnnotation struct {
	id        int64
	createdAt time.Time
}

func (w *annotationBatch) scanStored(rows *sql.Rows, into map[annotationKey]storedAnnotation) error {
	defer rows.Close()
	for rows.Next() {
		var k annotationKey
		var s storedAnnotation
		var created int64
		dest := []any{&s.id, &k.parent}
		if w.t.documents() {
			dest = append(dest, &k.position)
		}
		dest = append(dest, &k.name, &k.identifier, &created)
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("scan annotation: %w", err)
		}
		s.createdAt = fromNanos(created)
		into[k] = s
	}
	return rows.Err()
}

func (w *annotationBatch) findStored(ctx context.Context, k annotationKey) (storedAnnotation, error) {
	q := `SELECT id, created_at FROM ` + w.t.table + ` WHERE ` + w.t.parent + ` = $1 AND name = $2 AND identifier = $3`
	args := []any{k.parent, k.name, k.identifier}
	if w.t.documents() {
		q += ` AND document_position = $4`
		args = append(args, k.position)
	}
	var s storedAnnotation
	var created int64
	if err := w.tx.QueryRowContext(ctx, q, args...).Scan(&s.id, &created); err != nil {
		return s, fmt.Errorf("find stored annotation: %w", err)
	}
	s.createdAt = fromNanos(created)
	return s, nil
}

// appendRow appends the insert columns of a.
func (w *annotationBatch) appendRow(args []any, a *ember.Annotation) []any {
	args = append(args, a.TargetRowID)
	if w.t.documents() {
		args = append(args, a.DocumentPosition)
	}
	source := a.Source
	if source == "" {
		source = ember.AnnotationSourceAPI
	}
	var label, score, explanation, user any
	if a.Label != nil {
		label = *a.Label
	}
	if a.Score != nil {
		score = *a.Score
	}
	if a.Explanation != nil {
		explanation = *a.Explanation
	}
	if a.UserID != 0 {
		user = a.UserID
	}
	metadata := a.Metadata
	if len(metadata) == 0 {
		metadata = []byte("{}")
	}
	// A new row was created when this version was made.
	updated := nanos(a.UpdatedAt)
	return append(args, a.ProjectID, a.Name, label, score, explanation, string(metadata), string(a.AnnotatorKind), a.Identifier, string(source), user, updated, updated)
}

// lookup finds the batch's targets by natural key.
func (w *annotationBatch) lookup(ctx context.Context) (map[string]annotatedTarget, error) {
	var ids []string
	seen := map[string]bool{}
	for _, i := range w.indexes {
		if k := w.all[i].TargetKey(); !seen[k] {
			seen[k] = true
			ids = append(ids, k)
		}
	}
	found := make(map[string]annotatedTarget, len(ids))
	err := chunks(ids, lookupChunk, func(chunk []string) error {
		stmt, err := w.db.bulk(ctx, w.tx, w.t.bulkLookup, len(chunk))
		if err != nil {
			return err
		}
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := stmt.QueryContext(ctx, args...)
		if err != nil {
			return fmt.Errorf("find annotated %s: %w", w.t.parentTable, err)
		}
		defer rows.Close()
		for rows.Next() {
			var key string
			var t annotatedTarget
			dest := []any{&t.rowID, &key, &t.projectID}
			var kind, attributes string
			if w.t.documents() {
				dest = append(dest, &kind, &attributes)
			}
			if err := rows.Scan(dest...); err != nil {
				return fmt.Errorf("scan annotated %s: %w", w.t.parentTable, err)
			}
			if w.t.documents() {
				t.documents = documentCount(ember.SpanKind(kind), attributes)
			}
			found[key] = t
		}
		return rows.Err()
	})
	return found, err
}

// documentCount is how many documents a span retrieved: the length of its
// retrieval.documents, or of reranker.output_documents for a reranker; 0
// when that is not a list.
func documentCount(kind ember.SpanKind, attributes string) int {
	var attrs struct {
		Retrieval struct {
			Documents json.RawMessage `json:"documents"`
		} `json:"retrieval"`
		Reranker struct {
			OutputDocuments json.RawMessage `json:"output_documents"`
		} `json:"reranker"`
	}
	if json.Unmarshal([]byte(attributes), &attrs) != nil {
		return 0
	}
	list := attrs.Retrieval.Documents
	if kind == ember.SpanKindReranker {
		list = attrs.Reranker.OutputDocuments
	}
	var docs []json.RawMessage
	if json.Unmarshal(list, &docs) != nil {
		return 0
	}
	return len(docs)
}

// annotationColumns are the columns scanAnnotation reads, for table t
// aliased a and its targets aliased x.
func annotationColumns(t *annotationTable) string {
	cols := `a.id, a.` + t.parent + `, a.project_id, x.` + t.parentKey
	if t.documents() {
		cols += `, a.document_position`
	}
	return cols + `, a.name, a.label, a.score, a.explanation, a.metadata, a.annotator_kind, a.identifier, a.source, a.user_id, a.created_at, a.updated_at`
}

func scanAnnotation(t *annotationTable) func(rowScanner) (*ember.Annotation, error) {
	return func(row rowScanner) (*ember.Annotation, error) {
		a := &ember.Annotation{Target: t.target}
		var key, metadata, kind, source string
		var label, explanation sql.NullString
		var score sql.NullFloat64
		var user sql.NullInt64
		var created, updated int64
		dest := []any{&a.ID, &a.TargetRowID, &a.ProjectID, &key}
		if t.documents() {
			dest = append(dest, &a.DocumentPosition)
		}
		dest = append(dest, &a.Name, &label, &score, &explanation, &metadata, &kind, &a.Identifier, &source, &user, &created, &updated)
		if err := row.Scan(dest...); err != nil {
			return nil, err
		}
		switch t.target {
		case ember.AnnotationTargetTrace:
			a.TraceID = key
		case ember.AnnotationTargetSession:
			a.SessionID = key
		default:
			a.SpanID = key
		}
		if label.Valid {
			a.Label = &label.String
		}
		if score.Valid {
			a.Score = &score.Float64
		}
		if explanation.Valid {
			a.Explanation = &explanation.String
		}
		a.Metadata = json.RawMessage(metadata)
		a.AnnotatorKind, a.Source = ember.AnnotatorKind(kind), ember.AnnotationSource(source)
		a.UserID = user.Int64
		a.CreatedAt, a.UpdatedAt = fromNanos(created), fromNanos(updated)
		return a, nil
	}
}

// FindAnnotations returns the annotations that match filter, newest row
// first. See ember.AnnotationService.
func (db *DB) FindAnnotations(ctx context.Context, filter ember.AnnotationFilter) ([]*ember.Annotation, error) {
	t, err := tableOf(filter.Target)
	if err != nil {
		return nil, err
	}
	// Stored text is clean; so must the values be that are to match it
	// (PostgreSQL refuses NUL and invalid UTF-8 in parameters).
	filter.TargetIDs, filter.Identifiers = cleanTexts(filter.TargetIDs), cleanTexts(filter.Identifiers)
	filter.IncludeNames, filter.ExcludeNames = cleanTexts(filter.IncludeNames), cleanTexts(filter.ExcludeNames)
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	in := func(column string, values []string, negate bool) {
		if len(values) == 0 {
			return
		}
		params := make([]string, len(values))
		for i, v := range values {
			params[i] = arg(v)
		}
		op := " IN ("
		if negate {
			op = " NOT IN ("
		}
		where = append(where, column+op+strings.Join(params, ",")+")")
	}
	selective := len(filter.TargetIDs) > 0 || len(filter.TargetRowIDs) > 0 || len(filter.Identifiers) > 0
	if filter.ProjectID != 0 {
		column := "a.project_id"
		if selective {
			// The ids find a few rows; keep the planner from walking the
			// whole project instead.
			column = "+a.project_id"
		}
		where = append(where, column+" = "+arg(filter.ProjectID))
	}
	if len(filter.TargetIDs) > 0 {
		params := make([]string, len(filter.TargetIDs))
		for i, v := range filter.TargetIDs {
			params[i] = arg(v)
		}
		where = append(where, db.targetKeyMatch(t, "x", strings.Join(params, ",")))
	}
	if len(filter.TargetRowIDs) > 0 {
		params := make([]string, len(filter.TargetRowIDs))
		for i, id := range filter.TargetRowIDs {
			params[i] = arg(id)
		}
		where = append(where, "a."+t.parent+" IN ("+strings.Join(params, ",")+")")
	}
	in("a.identifier", filter.Identifiers, false)
	if len(filter.Identifiers) > 0 && !slices.Contains(filter.Identifiers, "") {
		// Implies the condition of the partial identifier index, so the
		// planner may use it.
		where = append(where, "a.identifier <> ''")
	}
	in("a.name", filter.IncludeNames, false)
	in("a.name", filter.ExcludeNames, true)
	in("a.annotator_kind", stringsOf(filter.AnnotatorKinds), false)
	if filter.Cursor > 0 {
		where = append(where, "a.id <= "+arg(filter.Cursor))
	}
	q := `SELECT ` + annotationColumns(t) + ` FROM ` + t.table + ` a JOIN ` + t.parentTable + ` x ON x.id = a.` + t.parent
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY a.id DESC`
	if filter.Limit > 0 {
		q += ` LIMIT ` + arg(filter.Limit)
	}
	return queryAll(ctx, db.read, "find annotations", q, args, scanAnnotation(t))
}

// AnnotationTargetsExist reports whether any of the named targets is stored
// in the project. See ember.AnnotationService.
func (db *DB) AnnotationTargetsExist(ctx context.Context, target ember.AnnotationTarget, projectID int64, ids []string) (bool, error) {
	t, err := tableOf(target)
	if err != nil {
		return false, err
	}
	if len(ids) == 0 {
		return false, nil
	}
	ids = cleanTexts(ids)
	args := []any{projectID}
	params := make([]string, len(ids))
	for i, id := range ids {
		args = append(args, id)
		params[i] = "$" + strconv.Itoa(i+2)
	}
	q := `SELECT 1 FROM ` + t.parentTable + ` WHERE ` + db.targetKeyMatch(t, t.parentTable, strings.Join(params, ",")) + ` AND +project_id = $1 LIMIT 1`
	var one int
	err = db.read.QueryRowContext(ctx, q, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("find annotation targets: %w", err)
	}
	return true, nil
}

// DeleteAnnotations deletes the annotations that d selects. See
// ember.AnnotationService.
func (db *DB) DeleteAnnotations(ctx context.Context, d ember.AnnotationDeletion) (int64, error) {
	t, err := tableOf(d.Target)
	if err != nil {
		return 0, err
	}
	where := []string{"project_id = $1"}
	args := []any{d.ProjectID}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, cond+" $"+strconv.Itoa(len(args)))
	}
	if d.StartTime != nil {
		add("created_at >=", nanos(*d.StartTime))
	}
	if d.EndTime != nil {
		add("created_at <", nanos(*d.EndTime))
	}
	if d.Name != "" {
		add("name =", ember.CleanText(d.Name))
	}
	if d.Identifier != "" {
		add("identifier =", ember.CleanText(d.Identifier))
	}
	if d.AnnotatorKind != "" {
		add("annotator_kind =", string(d.AnnotatorKind))
	}
	if d.UserID != 0 {
		add("user_id =", d.UserID)
	}
	if len(d.IDs) > 0 {
		marks := make([]string, len(d.IDs))
		for i, id := range d.IDs {
			args = append(args, id)
			marks[i] = "$" + strconv.Itoa(len(args))
		}
		where = append(where, "id IN ("+strings.Join(marks, ", ")+")")
	}
	var n int64
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM `+t.table+` WHERE `+strings.Join(where, " AND "), args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete annotations: %w", err)
	}
	return n, nil
}

// SummarizeAnnotations counts labels and averages scores per annotation
// name. See ember.AnnotationService.
func (db *DB) SummarizeAnnotations(ctx context.Context, filter ember.AnnotationSummaryFilter) ([]ember.AnnotationSummary, error) {
	t, err := tableOf(filter.Target)
	if err != nil {
		return nil, err
	}
	q := `SELECT a.name, a.label, COUNT(*), COUNT(a.score), SUM(a.score) FROM ` + t.table + ` a`
	where := []string{"a.project_id = $1", "a.name <> $2"}
	args := []any{filter.ProjectID, ember.NoteAnnotationName}
	if filter.StartTime != nil || filter.EndTime != nil {
		q += ` JOIN ` + t.parentTable + ` x ON x.id = a.` + t.parent
		if filter.StartTime != nil {
			args = append(args, nanos(*filter.StartTime))
			where = append(where, "x."+t.parentStart+" >= $"+strconv.Itoa(len(args)))
		}
		if filter.EndTime != nil {
			args = append(args, nanos(*filter.EndTime))
			where = append(where, "x."+t.parentStart+" < $"+strconv.Itoa(len(args)))
		}
	}
	q += ` WHERE ` + strings.Join(where, " AND ") + ` GROUP BY a.name, a.label`
	type group struct {
		name       string
		label      sql.NullString
		count      int64
		scoreCount int64
		scoreSum   sql.NullFloat64
	}
	groups, err := queryAll(ctx, db.read, "summarize annotations", q, args, func(row rowScanner) (group, error) {
		var g group
		err := row.Scan(&g.name, &g.label, &g.count, &g.scoreCount, &g.scoreSum)
		return g, err
	})
	if err != nil {
		return nil, err
	}
	byName := map[string]*ember.AnnotationSummary{}
	sums := map[string]float64{}
	var names []string
	for _, g := range groups {
		s, ok := byName[g.name]
		if !ok {
			s = &ember.AnnotationSummary{Name: g.name}
			byName[g.name] = s
			names = append(names, g.name)
		}
		s.Count += g.count
		s.ScoreCount += g.scoreCount
		sums[g.name] += g.scoreSum.Float64
		if g.label.Valid {
			s.Labels = append(s.Labels, ember.LabelCount{Label: g.label.String, Count: g.count})
		}
	}
	slices.Sort(names)
	out := make([]ember.AnnotationSummary, len(names))
	for i, name := range names {
		s := byName[name]
		if s.ScoreCount > 0 {
			mean := sums[name] / float64(s.ScoreCount)
			s.MeanScore = &mean
		}
		slices.SortFunc(s.Labels, func(a, b ember.LabelCount) int {
			return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Label, b.Label))
		})
		out[i] = *s
	}
	return out, nil
}

// moveAnnotationsSQL are the statements that move the annotations of
// traces transferred to another project (their row ids in inList, the
// destination as $1) after their spans and sessions have moved.
func moveAnnotationsSQL(inList string) []string {
	return []string{
		`UPDATE span_annotations SET project_id = $1 WHERE span_rowid IN (SELECT id FROM spans WHERE trace_rowid IN (` + inList + `))`,
		`UPDATE document_annotations SET project_id = $1 WHERE span_rowid IN (SELECT id FROM spans WHERE trace_rowid IN (` + inList + `))`,
		`UPDATE trace_annotations SET project_id = $1 WHERE trace_rowid IN (` + inList + `)`,
	}
}

// moveSessionAnnotationsSQL is the statement that brings the annotations
// of the sessions of transferred traces (their row ids in inList) into
// their sessions' projects.
func moveSessionAnnotationsSQL(inList string) string {
	return `UPDATE session_annotations SET project_id = (SELECT ps.project_id FROM project_sessions ps WHERE ps.id = session_annotations.session_rowid)
	WHERE session_rowid IN (SELECT project_session_id FROM traces WHERE id IN (` + inList + `))`
}

// cleanTexts returns values cleaned as stored text is (see ember.CleanText),
// copying only when one changes.
func cleanTexts(values []string) []string {
	for i, v := range values {
		if c := ember.CleanText(v); c != v {
			out := slices.Clone(values)
			for j := i; j < len(out); j++ {
				out[j] = ember.CleanText(out[j])
			}
			return out
		}
	}
	return values
}
