package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/emberhq/ember/api"
	"github.com/emberhq/ember/client"
	"github.com/emberhq/ember/experiment"
)

// fakeJudge is an LLM judge that answers from the output's length.
type fakeJudge struct{}

func (fakeJudge) Judge(ctx context.Context, in experiment.Input) (experiment.Result, error) {
	if len(in.Output) > 10 {
		return experiment.Result{Label: "long", Explanation: "many bytes"}, nil
	}
	return experiment.Result{Label: "short"}, nil
}

// TestExperimentRunner runs the Go SDK's experiment runner against a
// running server: concurrency and repetitions, a task that fails once and
// is resumed, a timeout, code and LLM evaluators, task traces in the
// experiment's project linked by trace id, an EVALUATOR trace per
// evaluation, token counts from the run's trace, evaluation resume and
// the summary.
func TestExperimentRunner(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		p := startEmber(t, e.env(t))
		ctx := context.Background()
		c, err := client.New(client.WithBaseURL(p.httpURL), client.WithEnviron(func(string) string { return "" }))
		if err != nil {
			t.Fatal(err)
		}
		up, err := c.Datasets.Upload(ctx, api.UploadDatasetRequest{Action: api.UploadCreate, Name: "arith",
			Inputs:  []json.RawMessage{[]byte(`{"a":1,"b":2}`), []byte(`{"a":2,"b":2}`), []byte(`{"a":5,"b":-1}`), []byte(`{"a":0,"b":0,"slow":true}`)},
			Outputs: []json.RawMessage{[]byte(`{"sum":3}`), []byte(`{"sum":4}`), []byte(`{"sum":5}`), []byte(`{"sum":0}`)}})
		if err != nil {
			t.Fatal(err)
		}
		var calls atomic.Int64
		var failOnce atomic.Bool
		failOnce.Store(true)
		task := func(ctx context.Context, ex *experiment.Example) (any, error) {
			calls.Add(1)
			// A model call below the task span: its tokens are the run's.
			_, llm := trace.SpanFromContext(ctx).TracerProvider().Tracer("test").Start(ctx, "llm", trace.WithAttributes(
				attribute.String("openinference.span.kind", "LLM"), attribute.Int("llm.token_count.prompt", 10), attribute.Int("llm.token_count.completion", 4)))
			llm.End()
			var in struct {
				A, B int
				Slow bool
			}
			json.Unmarshal(ex.Input, &in)
			if in.A == 5 && failOnce.CompareAndSwap(true, false) {
				return nil, errors.New("flaky model")
			}
			if in.Slow {
				select {
				case <-ctx.Done():
					return nil, ctx.Err()
				case <-time.After(50 * time.Millisecond):
				}
			}
			return map[string]int{"sum": in.A + in.B}, nil
		}
		exact := experiment.Code("exact", func(ctx context.Context, in experiment.Input) (experiment.Result, error) {
			var want, got struct{ Sum int }
			json.Unmarshal(in.Example.Output, &want)
			json.Unmarshal(in.Output, &got)
			if want.Sum == got.Sum {
				return experiment.Score(1), nil
			}
			return experiment.Result{Score: new(float64), Label: "wrong"}, nil
		})
		sum, err := experiment.Run(ctx, c, up.DatasetID, task, []experiment.Evaluator{exact}, experiment.Options{
			Name: "first", Repetitions: 2, Concurrency: 3, Timeout: 20 * time.Millisecond, Metadata: map[string]any{"model": "adder"}})
		if err != nil {
			t.Fatal(err)
		}
		x := sum.Experiment
		// 8 runs: one flaky failure and two timeouts.
		if sum.Ran != 8 || sum.Failed != 3 || x.SuccessfulRunCount != 5 || x.FailedRunCount != 3 || x.MissingRunCount != 0 || calls.Load() != 8 {
			t.Fatalf("after run: %+v %+v calls %d", sum, x, calls.Load())
		}
		if len(sum.Evaluators) != 1 || sum.Evaluators[0].Count != 5 || sum.Evaluators[0].Scored != 5 || sum.Evaluators[0].MeanScore != 0.8 {
			t.Fatalf("summary %+v", sum.Evaluators)
		}

		// The task spans are in the experiment's project, one trace per run.
		runs, _, err := c.Experiments.Runs(ctx, x.ID, 0, "")
		if err != nil || len(runs) != 8 {
			t.Fatalf("runs %v %v", runs, err)
		}
		traceIDs := map[string]bool{}
		for _, r := range runs {
			if r.TraceID == nil || len(*r.TraceID) != 32 {
				t.Fatalf("run without trace id: %+v", r)
			}
			traceIDs[*r.TraceID] = true
		}
		// Every evaluation has its own EVALUATOR trace in the project too,
		// and every run the tokens of its model call.
		type record struct {
			TraceID          string `json:"trace_id"`
			PromptTokens     *int64 `json:"prompt_token_count"`
			CompletionTokens *int64 `json:"completion_token_count"`
			Annotations      []struct {
				TraceID *string `json:"trace_id"`
			}
		}
		var records []record
		// Spans are stored in the background: wait for the last run's.
		var buf strings.Builder
		for deadline := time.Now().Add(10 * time.Second); ; {
			buf.Reset()
			if err := c.Experiments.Download(ctx, x.ID, "json", &buf); err != nil {
				t.Fatal(err)
			}
			records = nil
			if err := json.Unmarshal([]byte(buf.String()), &records); err != nil || len(records) != 8 {
				t.Fatalf("json download %v: %s", err, buf.String())
			}
			if !slices.ContainsFunc(records, func(r record) bool { return r.PromptTokens == nil }) || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		evalTraces := map[string]bool{}
		for _, r := range records {
			if r.PromptTokens == nil || *r.PromptTokens != 10 || r.CompletionTokens == nil || *r.CompletionTokens != 4 {
				t.Errorf("run of trace %s: tokens %v/%v, want 10/4 from its trace", r.TraceID, r.PromptTokens, r.CompletionTokens)
			}
			for _, a := range r.Annotations {
				if a.TraceID == nil || len(*a.TraceID) != 32 || traceIDs[*a.TraceID] {
					t.Fatalf("evaluation trace id %v", a.TraceID)
				}
				evalTraces[*a.TraceID] = true
			}
		}
		if len(evalTraces) != 5 {
			t.Fatalf("%d evaluation traces, want one per successful run", len(evalTraces))
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			spans, _, err := c.Spans.List(ctx, *x.ProjectName, client.SpanFilter{Limit: 100})
			kinds := map[string]int{}
			for _, s := range spans {
				kinds[s.SpanKind]++
			}
			if err == nil && kinds["CHAIN"] == 8 && kinds["EVALUATOR"] == 5 {
				for _, s := range spans {
					switch s.SpanKind {
					case "CHAIN", "LLM":
						if !traceIDs[s.Context.TraceID] {
							t.Errorf("span %+v is not a run's", s)
						}
					case "EVALUATOR":
						if !evalTraces[s.Context.TraceID] || s.ParentID != nil || s.Name != "Evaluation: exact" {
							t.Errorf("evaluator span %+v", s)
						}
					default:
						t.Errorf("span %+v", s)
					}
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("spans in %s: %v, %v", *x.ProjectName, kinds, err)
			}
			time.Sleep(50 * time.Millisecond)
		}

		// Resume with a longer timeout runs only the three failures.
		calls.Store(0)
		sum, err = experiment.Resume(ctx, c, x.ID, task, []experiment.Evaluator{exact}, experiment.Options{Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if calls.Load() != 3 || sum.Ran != 3 || sum.Failed != 0 || sum.Experiment.SuccessfulRunCount != 8 || sum.Evaluated != 3 {
			t.Fatalf("resume: %+v calls %d", sum, calls.Load())
		}
		if s := sum.Evaluators[0]; s.Count != 8 || s.MeanScore != 0.75 {
			t.Errorf("summary after resume %+v", s)
		}

		// Evaluate adds an LLM judge and a failing evaluator; evaluating
		// again retries only the failures.
		var brokenCalls atomic.Int64
		broken := experiment.Code("broken", func(ctx context.Context, in experiment.Input) (experiment.Result, error) {
			brokenCalls.Add(1)
			return experiment.Result{}, errors.New("no verdict")
		})
		judge := experiment.LLM("length", fakeJudge{})
		sum, err = experiment.Evaluate(ctx, c, x.ID, []experiment.Evaluator{exact, judge, broken}, experiment.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Evaluated != 16 || len(sum.Evaluators) != 3 {
			t.Fatalf("evaluate: %+v", sum)
		}
		for _, s := range sum.Evaluators {
			switch s.Name {
			case "broken":
				if s.Errors != 8 {
					t.Errorf("broken %+v", s)
				}
			case "length":
				if s.Count != 8 || s.Labels["long"]+s.Labels["short"] != 8 {
					t.Errorf("length %+v", s)
				}
			}
		}
		brokenCalls.Store(0)
		if _, err := experiment.Evaluate(ctx, c, x.ID, []experiment.Evaluator{exact, broken}, experiment.Options{}); err != nil || brokenCalls.Load() != 8 {
			t.Fatalf("re-evaluate: %v, broken called %d times", err, brokenCalls.Load())
		}
		buf.Reset()
		if err := c.Experiments.Download(ctx, x.ID, "csv", &buf); err != nil || !strings.Contains(buf.String(), "annotation_length_label") {
			t.Errorf("csv: %v", err)
		}
		if rows, err := csv.NewReader(strings.NewReader(buf.String())).ReadAll(); err != nil || len(rows) != 9 || rows[0][11] != "prompt_token_count" || rows[1][11] != "10" || rows[8][12] != "4" {
			t.Errorf("csv token counts: %v %q", err, rows)
		}
		if list, _, err := c.Experiments.List(ctx, up.DatasetID, 0, ""); err != nil || len(list) != 1 || list[0].Name != "first" {
			t.Errorf("list %v %v", list, err)
		}
		if err := c.Experiments.Delete(ctx, x.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Experiments.Get(ctx, x.ID); !client.IsNotFound(err) {
			t.Errorf("get after delete: %v", err)
		}
	})
}
