package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

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
// experiment's project linked by trace id, evaluation resume and the
// summary.
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
		deadline := time.Now().Add(10 * time.Second)
		for {
			spans, _, err := c.Spans.List(ctx, *x.ProjectName, client.SpanFilter{Limit: 100})
			if err == nil && len(spans) == 8 {
				for _, s := range spans {
					if !traceIDs[s.Context.TraceID] || s.SpanKind != "CHAIN" {
						t.Errorf("span %+v is not a run's", s)
					}
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("spans in %s: %d, %v", *x.ProjectName, len(spans), err)
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
		var buf strings.Builder
		if err := c.Experiments.Download(ctx, x.ID, "csv", &buf); err != nil || !strings.Contains(buf.String(), "annotation_length_label") {
			t.Errorf("csv: %v", err)
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
