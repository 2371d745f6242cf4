package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/emberhq/ember"
)

// testExperiments pins the experiment semantics: a generated name and its
// own project, the examples fixed at creation, the counts, runs replaced
// only after an error, incomplete runs and evaluations, evaluation
// upserts, records, tags and the cascades from experiment and dataset.
func testExperiments(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	ex := func(q string, splits ...string) ember.NewExample {
		return ember.NewExample{Input: json.RawMessage(fmt.Sprintf(`{"q":%q}`, q)), Output: json.RawMessage(`{"a":"x"}`), Metadata: json.RawMessage(`{}`), Splits: splits}
	}
	up, err := db.UploadDataset(ctx, &ember.DatasetUpload{Action: ember.UploadCreate, Name: "my dataset", Examples: []ember.NewExample{ex("1", "test"), ex("2"), ex("3", "test")}})
	if err != nil {
		t.Fatal(err)
	}
	var exampleIDs []int64
	if err := db.EachExample(ctx, ember.ExampleFilter{DatasetID: up.DatasetID}, func(e *ember.DatasetExample) error {
		exampleIDs = append(exampleIDs, e.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	x, err := db.CreateExperiment(ctx, &ember.NewExperiment{DatasetID: up.DatasetID, Repetitions: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(x.Name, "my-datas-") || len(x.Name) != len("my-datas-")+8 {
		t.Errorf("generated name %q", x.Name)
	}
	if !strings.HasPrefix(x.ProjectName, "Experiment-") || len(x.ProjectName) != len("Experiment-")+24 {
		t.Errorf("project name %q", x.ProjectName)
	}
	p, err := db.FindProjectByName(ctx, x.ProjectName)
	if err != nil {
		t.Fatalf("experiment project: %v", err)
	}
	if want := fmt.Sprintf("dataset_id: %s\ndataset_version_id: %s", ember.GlobalID("Dataset", up.DatasetID), ember.GlobalID("DatasetVersion", up.VersionID)); p.Description == nil || *p.Description != want {
		t.Errorf("project description %v, want %q", p.Description, want)
	}
	if got := [4]int64{x.ExampleCount, x.SuccessfulRunCount, x.FailedRunCount, x.MissingRunCount()}; got != [4]int64{3, 0, 0, 6} {
		t.Errorf("counts %v", got)
	}
	if string(x.Metadata) != "{}" || x.VersionID != up.VersionID {
		t.Errorf("metadata %s version %d", x.Metadata, x.VersionID)
	}
	// Experiment projects are hidden from listings that ask.
	projects, err := db.FindProjects(ctx, ember.ProjectFilter{ExcludeExperimentProjects: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range projects {
		if p.Name == x.ProjectName {
			t.Error("experiment project listed")
		}
	}

	// Splits narrow the examples.
	split, err := db.FindDatasetSplitByName(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	xs, err := db.CreateExperiment(ctx, &ember.NewExperiment{DatasetID: up.DatasetID, Name: "split run", Repetitions: 1, SplitIDs: []int64{split.ID}, Metadata: json.RawMessage(`{"k":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	if xs.Name != "split run" || xs.ExampleCount != 2 || string(xs.Metadata) != `{"k":1}` {
		t.Errorf("split experiment %+v", xs)
	}
	if _, err := db.CreateExperiment(ctx, &ember.NewExperiment{DatasetID: up.DatasetID, VersionID: 9999, Repetitions: 1}); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Errorf("unknown version: %v", err)
	}
	list, err := db.FindExperiments(ctx, up.DatasetID, 0, 0)
	if err != nil || len(list) != 2 || list[0].ID != xs.ID {
		t.Fatalf("list: %v %v", list, err)
	}

	t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	// The first example's runs are traced: a root with two LLM calls below
	// it, one nested; the second's name a trace that was never stored.
	traced, unstored := fmt.Sprintf("%032s", "e1"), fmt.Sprintf("%032s", "e2")
	insert(t, db, span("e1", "r1", "", inProject(x.ProjectName)), span("e1", "c1", "r1", llm(10, 5), inProject(x.ProjectName)),
		span("e1", "c2", "r1", inProject(x.ProjectName)), span("e1", "g1", "c2", llm(20, 7), inProject(x.ProjectName)))
	run := func(example int64, rep int, errText string) (*ember.ExperimentRun, error) {
		r := &ember.ExperimentRun{ExperimentID: x.ID, ExampleID: example, RepetitionNumber: rep, Output: json.RawMessage(`{"answer":"x"}`), StartTime: t0, EndTime: t0.Add(time.Second)}
		switch example {
		case exampleIDs[0]:
			r.TraceID = &traced
		case exampleIDs[1]:
			r.TraceID = &unstored
		}
		if errText != "" {
			r.Error = &errText
		}
		return r, db.RecordExperimentRun(ctx, r)
	}
	ok1, err := run(exampleIDs[0], 1, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run(exampleIDs[0], 1, ""); ember.ErrorCode(err) != ember.ECONFLICT ||
		ember.ErrorMessage(err) != fmt.Sprintf("Experiment run %s already exists with a successful result and cannot be updated", ember.GlobalID("ExperimentRun", ok1.ID)) {
		t.Errorf("second successful run: %v", err)
	}
	failed, err := run(exampleIDs[1], 1, "boom")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run(exampleIDs[2], 1, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := run(999999, 1, ""); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Errorf("foreign example: %v", err)
	}
	x, _ = db.FindExperimentByID(ctx, x.ID)
	if got := [4]int64{x.ExampleCount, x.SuccessfulRunCount, x.FailedRunCount, x.MissingRunCount()}; got != [4]int64{3, 2, 1, 3} {
		t.Errorf("counts after runs %v", got)
	}

	incomplete, err := db.FindIncompleteRuns(ctx, x.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64][]int{}
	for _, ir := range incomplete {
		got[ir.Example.ID] = ir.Repetitions
	}
	if diff := cmp.Diff(map[int64][]int{exampleIDs[0]: {2}, exampleIDs[1]: {1, 2}, exampleIDs[2]: {2}}, got); diff != "" {
		t.Errorf("incomplete runs (-want +got):\n%s", diff)
	}
	if page, _ := db.FindIncompleteRuns(ctx, x.ID, exampleIDs[1], 1); len(page) != 1 || page[0].Example.ID != exampleIDs[1] || string(page[0].Example.Input) != `{"q":"2"}` {
		t.Errorf("incomplete page from cursor: %+v", page)
	}

	// The errored run is replaced by a success, keeping its id.
	retried, err := run(exampleIDs[1], 1, "")
	if err != nil || retried.ID != failed.ID {
		t.Fatalf("retry: id %d (was %d), %v", retried.ID, failed.ID, err)
	}
	x, _ = db.FindExperimentByID(ctx, x.ID)
	if x.SuccessfulRunCount != 3 || x.FailedRunCount != 0 {
		t.Errorf("counts after retry %+v", x)
	}

	// Evaluations: upsert by name; an errored one counts as missing.
	eval := func(runID int64, name string, score float64, errText string) *ember.ExperimentEvaluation {
		t.Helper()
		ev := &ember.ExperimentEvaluation{RunID: runID, Name: name, AnnotatorKind: "CODE", Score: &score, StartTime: t0, EndTime: t0}
		if errText != "" {
			ev.Error = &errText
		}
		if err := db.UpsertExperimentEvaluation(ctx, ev); err != nil {
			t.Fatal(err)
		}
		return ev
	}
	e1 := eval(ok1.ID, "exact", 1, "")
	e2 := eval(ok1.ID, "exact", 0.5, "")
	if e1.ID != e2.ID {
		t.Errorf("upsert made a second evaluation: %d, %d", e1.ID, e2.ID)
	}
	eval(ok1.ID, "length", 0, "bad")
	eval(failed.ID, "exact", 1, "")
	if err := db.UpsertExperimentEvaluation(ctx, &ember.ExperimentEvaluation{RunID: 999999, Name: "x", AnnotatorKind: "CODE"}); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Errorf("evaluation of unknown run: %v", err)
	}
	ies, err := db.FindIncompleteEvaluations(ctx, x.ID, []string{"exact", "length"}, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	gotNames := map[int64][]string{}
	for _, ie := range ies {
		gotNames[ie.Run.ID] = ie.Names
	}
	if len(ies) != 3 || cmp.Diff([]string{"length"}, gotNames[ok1.ID]) != "" || cmp.Diff([]string{"length"}, gotNames[failed.ID]) != "" {
		t.Errorf("incomplete evaluations %v", gotNames)
	}
	if ies[0].Example.ID != ok1.ExampleID || string(ies[0].Run.Output) != `{"answer":"x"}` {
		t.Errorf("incomplete evaluation shape %+v", ies[0])
	}

	records, err := db.FindExperimentRecords(ctx, x.ID)
	if err != nil || len(records) != 3 {
		t.Fatalf("records: %v %v", records, err)
	}
	if r := records[0]; r.Run.ID != ok1.ID || len(r.Evaluations) != 2 || r.Evaluations[0].Name != "exact" || *r.Evaluations[0].Score != 0.5 || string(r.Example.Output) != `{"a":"x"}` {
		t.Errorf("first record %+v", r)
	}
	// Token counts come from the run's trace; none without a stored trace.
	tokens := func(r *ember.ExperimentRecord) string {
		f := func(n *int64) string {
			if n == nil {
				return "nil"
			}
			return fmt.Sprint(*n)
		}
		return f(r.PromptTokens) + "/" + f(r.CompletionTokens)
	}
	if got := []string{tokens(records[0]), tokens(records[1]), tokens(records[2])}; cmp.Diff([]string{"30/12", "nil/nil", "nil/nil"}, got) != "" {
		t.Errorf("record token counts %v, want 30/12 from the trace and none without one", got)
	}
	runs, err := db.FindExperimentRuns(ctx, x.ID, 0, 0)
	if err != nil || len(runs) != 3 || runs[0].ID < runs[2].ID {
		t.Errorf("runs, newest first: %v %v", runs, err)
	}

	// Update.
	name, desc := "renamed", "about"
	ux, err := db.UpdateExperiment(ctx, x.ID, ember.ExperimentUpdate{Name: &name, Description: &desc, Metadata: json.RawMessage(`{"v":2}`)})
	if err != nil || ux.Name != "renamed" || *ux.Description != "about" || string(ux.Metadata) != `{"v":2}` {
		t.Fatalf("update: %+v %v", ux, err)
	}
	if ux, _ = db.UpdateExperiment(ctx, x.ID, ember.ExperimentUpdate{ClearDescription: true}); ux.Description != nil || ux.Name != "renamed" {
		t.Errorf("clear description: %+v", ux)
	}

	// Tags move within the dataset.
	if _, err := db.SetExperimentTag(ctx, x.ID, "baseline", nil); err != nil {
		t.Fatal(err)
	}
	d := "the best"
	moved, err := db.SetExperimentTag(ctx, xs.ID, "baseline", &d)
	if err != nil || moved.ExperimentID != xs.ID {
		t.Fatalf("move tag: %+v %v", moved, err)
	}
	if tags, _ := db.FindExperimentTags(ctx, x.ID); len(tags) != 0 {
		t.Errorf("tag stayed: %v", tags)
	}
	if tags, _ := db.FindExperimentTags(ctx, xs.ID); len(tags) != 1 || *tags[0].Description != "the best" {
		t.Errorf("tags %v", tags)
	}
	if err := db.DeleteExperimentTag(ctx, xs.ID, "nope", 0, false); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Errorf("delete unknown tag: %v", err)
	}
	if err := db.DeleteExperimentTag(ctx, xs.ID, "", moved.ID, true); err != nil {
		t.Errorf("delete tag by id: %v", err)
	}

	// Delete keeps the project unless asked.
	if err := db.DeleteExperiment(ctx, x.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindProjectByName(ctx, x.ProjectName); err != nil {
		t.Errorf("project went with the experiment: %v", err)
	}
	if err := db.DeleteExperiment(ctx, x.ID, false); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Errorf("second delete: %v", err)
	}
	x3, err := db.CreateExperiment(ctx, &ember.NewExperiment{DatasetID: up.DatasetID, Repetitions: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteExperiment(ctx, x3.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindProjectByName(ctx, x3.ProjectName); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Errorf("project kept after delete_project: %v", err)
	}

	// Deleting the dataset deletes its experiments and their projects.
	if err := db.DeleteDataset(ctx, up.DatasetID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindExperimentByID(ctx, xs.ID); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Errorf("experiment survived its dataset: %v", err)
	}
	if _, err := db.FindProjectByName(ctx, xs.ProjectName); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Errorf("experiment project survived its dataset: %v", err)
	}
}
