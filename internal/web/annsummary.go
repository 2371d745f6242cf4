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
// table, with its summary over the page's rows.
type annColumn struct {
	Name  string
	Brief string // "correct 3 · incorrect 1 · mean 0.75", over the page
}

// annCell is one row's annotations of one name.
type annCell struct {
	Text, Title string
	Label       bool
}

// annotationColumns reads the annotations of the page's rows (one query)
// and the project's annotation configs (one query), and lays them out as
// columns: the configs' names first, then other names the page has, at
// most maxAnnotationColumns. The header summaries cover the page's rows
// only: summing a whole time range joined every annotation in it to its
// span and grew with the project (92 % of an 89 ms page at 20,000
// annotations), while a page costs the same at any size.
func (h *Handler) annotationColumns(ctx context.Context, p *ember.Project, target ember.AnnotationTarget, rowIDs []int64) ([]annColumn, map[int64][]annCell, error) {
	if h.Annotations == nil || len(rowIDs) == 0 {
		return nil, nil, nil
	}
	anns, err := h.Annotations.FindAnnotations(ctx, ember.AnnotationFilter{Target: target, ProjectID: p.ID, TargetRowIDs: rowIDs, ExcludeNames: []string{ember.NoteAnnotationName}})
	if err != nil {
		return nil, nil, err
	}
	var names []string
	if h.AnnotationConfigs != nil {
		configs, err := h.AnnotationConfigs.FindAnnotationConfigs(ctx, ember.AnnotationConfigFilter{ProjectID: p.ID})
		if err != nil {
			return nil, nil, err
		}
		for _, c := range configs {
			names = append(names, c.Name)
		}
		slices.Sort(names)
	}
	var extra []string
	for _, a := range anns {
		if !slices.Contains(names, a.Name) && !slices.Contains(extra, a.Name) {
			extra = append(extra, a.Name)
		}
	}
	slices.Sort(extra)
	names = append(names, extra...)
	if len(names) > maxAnnotationColumns {
		names = names[:maxAnnotationColumns]
	}
	if len(names) == 0 {
		return nil, nil, nil
	}
	cols := make([]annColumn, len(names))
	index := make(map[string]int, len(names))
	for i, n := range names {
		cols[i].Name, index[n] = n, i
	}
	// The header summaries: label counts and mean score per column.
	labels := make([]map[string]int64, len(cols))
	scores := make([][2]float64, len(cols)) // sum, count
	for _, a := range anns {
		i, ok := index[a.Name]
		if !ok {
			continue
		}
		if a.Label != nil {
			if labels[i] == nil {
				labels[i] = map[string]int64{}
			}
			labels[i][*a.Label]++
		}
		if a.Score != nil {
			scores[i][0] += *a.Score
			scores[i][1]++
		}
	}
	for i := range cols {
		sum := ember.AnnotationSummary{Name: cols[i].Name}
		for l, n := range labels[i] {
			sum.Labels = append(sum.Labels, ember.LabelCount{Label: l, Count: n})
		}
		slices.SortFunc(sum.Labels, func(a, b ember.LabelCount) int {
			if a.Count != b.Count {
				return int(b.Count - a.Count)
			}
			return strings.Compare(a.Label, b.Label)
		})
		if scores[i][1] > 0 {
			mean := scores[i][0] / scores[i][1]
			sum.MeanScore = &mean
		}
		cols[i].Brief = briefOf(sum)
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
