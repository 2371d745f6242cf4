package web

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/emberhq/ember"
)

// maxAnnotationColumns caps the annotation columns of a table.
const maxAnnotationColumns = 6

// annColumn is an annotation name shown as a column of the spans or traces
// table, with its summary over the project and time range.
type annColumn struct {
	Name  string
	Brief string // "correct 3 · incorrect 1", "mean 0.75"
}

// annCell is one row's annotations of one name.
type annCell struct {
	Text, Title string
	Label       bool
}

// annotationColumns reads the annotation summaries of the project's spans
// or traces in the time range (one query) and the annotations of the
// page's rows (one query for the page), and lays them out as columns:
// the names summarised first, then names only the page has, at most
// maxAnnotationColumns.
func (h *Handler) annotationColumns(ctx context.Context, p *ember.Project, target ember.AnnotationTarget, tr timeRange, rowIDs []int64) ([]annColumn, map[int64][]annCell, error) {
	if h.Annotations == nil || len(rowIDs) == 0 {
		return nil, nil, nil
	}
	sums, err := h.Annotations.SummarizeAnnotations(ctx, ember.AnnotationSummaryFilter{Target: target, ProjectID: p.ID, StartTime: tr.Start, EndTime: tr.End})
	if err != nil {
		return nil, nil, err
	}
	anns, err := h.Annotations.FindAnnotations(ctx, ember.AnnotationFilter{Target: target, ProjectID: p.ID, TargetRowIDs: rowIDs, ExcludeNames: []string{ember.NoteAnnotationName}})
	if err != nil {
		return nil, nil, err
	}
	var cols []annColumn
	index := map[string]int{}
	addCol := func(name, brief string) {
		if _, ok := index[name]; !ok && len(cols) < maxAnnotationColumns {
			index[name] = len(cols)
			cols = append(cols, annColumn{Name: name, Brief: brief})
		}
	}
	for _, s := range sums {
		addCol(s.Name, briefOf(s))
	}
	var extra []string
	for _, a := range anns {
		if _, ok := index[a.Name]; !ok && !slices.Contains(extra, a.Name) {
			extra = append(extra, a.Name)
		}
	}
	slices.Sort(extra)
	for _, n := range extra {
		addCol(n, "")
	}
	if len(cols) == 0 {
		return nil, nil, nil
	}
	// Per row and column: the labels, in order, and the scores.
	type acc struct {
		labels []string
		scores []float64
		texts  []string
	}
	byRow := map[int64][]acc{}
	for _, a := range anns {
		i, ok := index[a.Name]
		if !ok {
			continue
		}
		row := byRow[a.TargetRowID]
		if row == nil {
			row = make([]acc, len(cols))
			byRow[a.TargetRowID] = row
		}
		if a.Label != nil {
			row[i].labels = append(row[i].labels, *a.Label)
		}
		if a.Score != nil {
			row[i].scores = append(row[i].scores, *a.Score)
		}
		if a.Label == nil && a.Score == nil && a.Explanation != nil {
			row[i].texts = append(row[i].texts, *a.Explanation)
		}
	}
	cells := make(map[int64][]annCell, len(rowIDs))
	for _, id := range rowIDs {
		row := make([]annCell, len(cols))
		for i, a := range byRow[id] {
			var titles []string
			if len(a.scores) > 0 {
				sum := 0.0
				for _, s := range a.scores {
					sum += s
				}
				mean := strconv.FormatFloat(sum/float64(len(a.scores)), 'g', 3, 64)
				row[i].Text = mean
				titles = append(titles, "score "+mean)
				if len(a.scores) > 1 {
					titles[0] = "mean score " + mean + " of " + strconv.Itoa(len(a.scores))
				}
			}
			if len(a.labels) > 0 {
				slices.Sort(a.labels)
				labels := slices.Compact(slices.Clone(a.labels))
				row[i].Text, row[i].Label = strings.Join(labels, " / "), true
				titles = append([]string{strings.Join(a.labels, ", ")}, titles...)
			}
			if row[i].Text == "" && len(a.texts) > 0 {
				row[i].Text = preview(a.texts[0], 40)
				titles = append(titles, a.texts...)
			}
			if len(titles) > 0 {
				row[i].Title = cols[i].Name + ": " + strings.Join(titles, "; ")
			}
		}
		cells[id] = row
	}
	return cols, cells, nil
}

func briefOf(s ember.AnnotationSummary) string {
	var parts []string
	for i, l := range s.Labels {
		if i == 3 {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, l.Label+" "+strconv.FormatInt(l.Count, 10))
	}
	if s.MeanScore != nil {
		parts = append(parts, "mean "+strconv.FormatFloat(*s.MeanScore, 'g', 3, 64))
	}
	return strings.Join(parts, " · ")
}
