// Package experiment runs experiments against an Ember (or Phoenix) server:
// a task over every example of a dataset, repeated and concurrent, each run
// traced into the experiment's project and recorded, then scored by
// evaluators — plain Go functions, or LLM judges behind an interface.
//
// The server keeps the state, so an interrupted experiment is finished by
// Resume (runs still missing or errored, then evaluations) and new
// evaluators are applied to an existing experiment by Evaluate.
package experiment

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/emberhq/ember/api"
	"github.com/emberhq/ember/client"
	"github.com/emberhq/ember/otelreg"
	"github.com/emberhq/ember/semconv"
)

// Example is a dataset example as the task and evaluators see it.
type Example = api.DatasetExample

// Task computes an output for an example. The output is recorded as JSON
// (a json.RawMessage as it is); an error, or a panic, records a failed run,
// which Resume retries. ctx carries the run's span and the timeout.
type Task func(ctx context.Context, example *Example) (any, error)

// Input is what an evaluator scores: the example and the task's output.
type Input struct {
	Example *Example
	// Output is the task's output as recorded (JSON).
	Output json.RawMessage
	// Run is the recorded run.
	Run *api.ExperimentRun
}

// Result is an evaluator's verdict; set any of the fields.
type Result struct {
	Score       *float64
	Label       string
	Explanation string
	Metadata    map[string]any
}

// Score returns a Result holding only a score.
func Score(s float64) Result { return Result{Score: &s} }

// Evaluator scores runs under one name.
type Evaluator interface {
	// Name names the evaluation; each name is one evaluation per run.
	Name() string
	// Kind is api.AnnotatorCode, api.AnnotatorLLM or api.AnnotatorHuman.
	Kind() string
	// Evaluate scores one run. An error is recorded as a failed
	// evaluation, which Evaluate and Resume retry.
	Evaluate(ctx context.Context, in Input) (Result, error)
}

type funcEvaluator struct {
	name, kind string
	fn         func(ctx context.Context, in Input) (Result, error)
}

func (f funcEvaluator) Name() string { return f.name }
func (f funcEvaluator) Kind() string { return f.kind }
func (f funcEvaluator) Evaluate(ctx context.Context, in Input) (Result, error) {
	return f.fn(ctx, in)
}

// Code makes a code evaluator from a plain Go function.
func Code(name string, fn func(ctx context.Context, in Input) (Result, error)) Evaluator {
	return funcEvaluator{name: name, kind: api.AnnotatorCode, fn: fn}
}

// Judge asks a language model for a verdict. The evals library implements
// it; any model client can.
type Judge interface {
	Judge(ctx context.Context, in Input) (Result, error)
}

// LLM makes an LLM evaluator from a judge.
func LLM(name string, judge Judge) Evaluator {
	return funcEvaluator{name: name, kind: api.AnnotatorLLM, fn: judge.Judge}
}

// Options configures Run, Resume and Evaluate. Zero values take defaults.
type Options struct {
	// Name, Description and Metadata describe a new experiment (Run);
	// an empty name lets the server make one.
	Name        string
	Description string
	Metadata    map[string]any
	// VersionID is the dataset version (Run); "" for the latest.
	VersionID string
	// Splits keeps the examples of these splits (Run).
	Splits []string
	// Repetitions runs each example this many times (Run); default 1.
	Repetitions int
	// Concurrency is how many tasks or evaluations run at once; default 4.
	Concurrency int
	// Timeout bounds each task and each evaluation; 0 for none.
	Timeout time.Duration
	// TracerProvider traces the tasks. Nil exports them over OTLP/HTTP to
	// the client's server, into the experiment's project.
	TracerProvider trace.TracerProvider
	// NoTracing records runs without traces.
	NoTracing bool
}

func (o Options) concurrency() int {
	if o.Concurrency < 1 {
		return 4
	}
	return o.Concurrency
}

// EvaluatorSummary sums up one evaluation name over the experiment.
type EvaluatorSummary struct {
	Name   string
	Count  int // evaluations recorded without an error
	Errors int
	// Scored counts the evaluations with a score; MeanScore is their mean.
	Scored    int
	MeanScore float64
	// Labels counts evaluations by label.
	Labels map[string]int
}

// Summary is the state of an experiment after Run, Resume or Evaluate.
type Summary struct {
	Experiment *api.Experiment
	// Ran and Failed count the runs made by this call; Evaluated the
	// evaluations it recorded.
	Ran, Failed, Evaluated int
	// Evaluators sums up every evaluation of the experiment, by name.
	Evaluators []EvaluatorSummary
}

// Run creates an experiment over a dataset (a Dataset GlobalID), runs task
// on every example Repetitions times, scores the runs with evaluators and
// returns a summary. A task failing is recorded, not returned; an error
// is returned when the server cannot be reached or refuses a write.
func Run(ctx context.Context, c *client.Client, datasetID string, task Task, evaluators []Evaluator, opts Options) (*Summary, error) {
	req := api.CreateExperimentRequest{Name: opts.Name, VersionID: opts.VersionID, Splits: opts.Splits, Repetitions: opts.Repetitions}
	if opts.Description != "" {
		req.Description = &opts.Description
	}
	if opts.Metadata != nil {
		b, err := json.Marshal(opts.Metadata)
		if err != nil {
			return nil, fmt.Errorf("encode experiment metadata: %w", err)
		}
		req.Metadata = b
	}
	x, err := c.Experiments.Create(ctx, datasetID, req)
	if err != nil {
		return nil, fmt.Errorf("create experiment: %w", err)
	}
	return Resume(ctx, c, x.ID, task, evaluators, opts)
}

// Resume finishes an experiment: it runs task for every example and
// repetition without a successful run, then evaluators on every successful
// run lacking a successful evaluation of theirs. task may be nil to only
// evaluate.
func Resume(ctx context.Context, c *client.Client, experimentID string, task Task, evaluators []Evaluator, opts Options) (*Summary, error) {
	x, err := c.Experiments.Get(ctx, experimentID)
	if err != nil {
		return nil, fmt.Errorf("get experiment: %w", err)
	}
	sum := &Summary{Experiment: x}
	if task == nil && len(evaluators) == 0 {
		return summarize(ctx, c, x.ID, sum)
	}
	tr, stop, err := tracer(ctx, c, x, opts)
	if err != nil {
		return sum, fmt.Errorf("trace experiment: %w", err)
	}
	err = func() error {
		if task != nil {
			if err := runTasks(ctx, c, tr, x, task, opts, sum); err != nil {
				return err
			}
		}
		return evaluate(ctx, c, tr, x.ID, evaluators, opts, sum)
	}()
	// The traces are flushed before the summary so that the download it
	// reads sees their token counts.
	if serr := stop(context.WithoutCancel(ctx)); serr != nil && err == nil {
		err = fmt.Errorf("flush experiment traces: %w", serr)
	}
	if err != nil {
		return sum, err
	}
	return summarize(ctx, c, x.ID, sum)
}

// Evaluate applies evaluators to every successful run of an experiment that
// lacks a successful evaluation of theirs.
func Evaluate(ctx context.Context, c *client.Client, experimentID string, evaluators []Evaluator, opts Options) (*Summary, error) {
	return Resume(ctx, c, experimentID, nil, evaluators, opts)
}

// tracer returns the tracer for an experiment's tasks and evaluators and a
// function that flushes and stops what it started.
func tracer(ctx context.Context, c *client.Client, x *api.Experiment, opts Options) (trace.Tracer, func(context.Context) error, error) {
	if opts.NoTracing {
		return noop.NewTracerProvider().Tracer(""), func(context.Context) error { return nil }, nil
	}
	if opts.TracerProvider != nil {
		return opts.TracerProvider.Tracer("github.com/emberhq/ember/experiment"), func(context.Context) error { return nil }, nil
	}
	project := ""
	if x.ProjectName != nil {
		project = *x.ProjectName
	}
	headers := map[string]string{}
	for k, v := range c.Header() {
		if len(v) > 0 {
			headers[k] = v[0]
		}
	}
	tp, err := otelreg.Register(ctx, otelreg.WithEndpoint(c.BaseURL()), otelreg.WithProtocol(otelreg.HTTPProtobuf),
		otelreg.WithProjectName(project), otelreg.WithHeaders(headers))
	if err != nil {
		return nil, nil, err
	}
	return tp.Tracer("github.com/emberhq/ember/experiment"), tp.Shutdown, nil
}

type job struct {
	example    Example
	repetition int
}

func runTasks(ctx context.Context, c *client.Client, tr trace.Tracer, x *api.Experiment, task Task, opts Options, sum *Summary) error {
	// The pages are read first: recording runs changes what the
	// incomplete listing returns.
	var jobs []job
	cursor := ""
	for {
		page, next, err := c.Experiments.IncompleteRuns(ctx, x.ID, 0, cursor)
		if err != nil {
			return fmt.Errorf("list incomplete runs: %w", err)
		}
		for _, ir := range page {
			for _, rep := range ir.RepetitionNumbers {
				jobs = append(jobs, job{ir.DatasetExample, rep})
			}
		}
		if next == "" || next == cursor {
			break
		}
		cursor = next
	}
	var mu sync.Mutex
	var firstErr error
	pool(ctx, opts.concurrency(), len(jobs), func(i int) {
		j := &jobs[i]
		failed, err := runOne(ctx, c, tr, x, task, j, opts)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			return
		}
		sum.Ran++
		if failed {
			sum.Failed++
		}
	})
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return firstErr
}

// runOne runs the task once and records the run; failed reports a task
// error. A 409 means another process recorded the run first.
func runOne(ctx context.Context, c *client.Client, tr trace.Tracer, x *api.Experiment, task Task, j *job, opts Options) (failed bool, err error) {
	tctx, cancel := withTimeout(ctx, opts.Timeout)
	defer cancel()
	tctx, span := tr.Start(tctx, "Task: experiment", trace.WithAttributes(
		attribute.String(semconv.SpanKindKey, string(semconv.SpanKindChain)),
		attribute.String(semconv.InputValueKey, string(j.example.Input)),
		attribute.String(semconv.InputMIMETypeKey, semconv.MIMEJSON),
		attribute.String("metadata", fmt.Sprintf(`{"experiment_id":%q,"dataset_example_id":%q,"repetition_number":%d}`, x.ID, j.example.NodeID, j.repetition)),
	))
	start := time.Now()
	out, taskErr := safeTask(tctx, task, &j.example)
	end := time.Now()
	var output json.RawMessage
	if taskErr == nil {
		output, taskErr = encodeOutput(out)
	}
	req := api.CreateExperimentRunRequest{DatasetExampleID: j.example.NodeID, RepetitionNumber: j.repetition,
		StartTime: api.Time{Time: start}, EndTime: api.Time{Time: end}, Output: output}
	if taskErr != nil {
		msg := taskErr.Error()
		req.Error = &msg
		span.RecordError(taskErr)
		span.SetStatus(codes.Error, msg)
	} else {
		span.SetAttributes(attribute.String(semconv.OutputValueKey, string(output)), attribute.String(semconv.OutputMIMETypeKey, semconv.MIMEJSON))
		span.SetStatus(codes.Ok, "")
	}
	if sc := span.SpanContext(); sc.HasTraceID() {
		id := sc.TraceID().String()
		req.TraceID = &id
	}
	span.End()
	if _, err := c.Experiments.CreateRun(ctx, x.ID, req); err != nil && !client.IsConflict(err) {
		return false, fmt.Errorf("record run of %s (repetition %d): %w", j.example.NodeID, j.repetition, err)
	}
	return taskErr != nil, nil
}

func safeTask(ctx context.Context, task Task, ex *Example) (out any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("task panicked: %v", r)
		}
	}()
	return task(ctx, ex)
}

func encodeOutput(out any) (json.RawMessage, error) {
	if raw, ok := out.(json.RawMessage); ok && json.Valid(raw) {
		return raw, nil
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encode task output: %w", err)
	}
	return b, nil
}

func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}

// pool calls fn(i) for i in [0, n) on workers goroutines, stopping early
// when ctx ends.
func pool(ctx context.Context, workers, n int, fn func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for i := range next {
				fn(i)
			}
		})
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		select {
		case next <- i:
		case <-ctx.Done():
		}
	}
	close(next)
	wg.Wait()
}

type evalJob struct {
	run     api.ExperimentRun
	example Example
	eval    Evaluator
}

func evaluate(ctx context.Context, c *client.Client, tr trace.Tracer, experimentID string, evaluators []Evaluator, opts Options, sum *Summary) error {
	if len(evaluators) == 0 {
		return nil
	}
	byName := map[string]Evaluator{}
	var names []string
	for _, e := range evaluators {
		if _, dup := byName[e.Name()]; dup {
			return fmt.Errorf("two evaluators are named %q", e.Name())
		}
		byName[e.Name()] = e
		names = append(names, e.Name())
	}
	var jobs []evalJob
	cursor := ""
	for {
		page, next, err := c.Experiments.IncompleteEvaluations(ctx, experimentID, names, 0, cursor)
		if err != nil {
			return fmt.Errorf("list incomplete evaluations: %w", err)
		}
		for _, ie := range page {
			for _, n := range ie.EvaluationNames {
				if e := byName[n]; e != nil {
					jobs = append(jobs, evalJob{ie.ExperimentRun, ie.DatasetExample, e})
				}
			}
		}
		if next == "" || next == cursor {
			break
		}
		cursor = next
	}
	var mu sync.Mutex
	var firstErr error
	pool(ctx, opts.concurrency(), len(jobs), func(i int) {
		err := evaluateOne(ctx, c, tr, &jobs[i], opts)
		mu.Lock()
		defer mu.Unlock()
		if err != nil && firstErr == nil {
			firstErr = err
		} else if err == nil {
			sum.Evaluated++
		}
	})
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return firstErr
}

// evaluateOne runs an evaluator on a run and records the evaluation. Each
// evaluation is traced on its own, as a root EVALUATOR span in the
// experiment's project, and the evaluation names that trace, so that what
// a judge did can be read back next to the task's trace.
func evaluateOne(ctx context.Context, c *client.Client, tr trace.Tracer, j *evalJob, opts Options) error {
	ectx, cancel := withTimeout(ctx, opts.Timeout)
	defer cancel()
	input, err := json.Marshal(map[string]json.RawMessage{
		"input": objectOr(j.example.Input), "output": jsonOr(j.run.Output), "expected": objectOr(j.example.Output), "metadata": objectOr(j.example.Metadata)})
	if err != nil {
		return fmt.Errorf("encode evaluator input: %w", err)
	}
	ectx, span := tr.Start(ectx, "Evaluation: "+j.eval.Name(), trace.WithNewRoot(), trace.WithAttributes(
		attribute.String(semconv.SpanKindKey, string(semconv.SpanKindEvaluator)),
		attribute.String(semconv.InputValueKey, string(input)),
		attribute.String(semconv.InputMIMETypeKey, semconv.MIMEJSON),
		attribute.String("metadata", fmt.Sprintf(`{"experiment_run_id":%q,"evaluator_name":%q,"annotator_kind":%q}`, j.run.ID, j.eval.Name(), j.eval.Kind())),
	))
	start := time.Now()
	res, evalErr := safeEvaluate(ectx, j.eval, Input{Example: &j.example, Output: j.run.Output, Run: &j.run})
	end := time.Now()
	req := api.UpsertExperimentEvaluationRequest{ExperimentRunID: j.run.ID, Name: j.eval.Name(), AnnotatorKind: j.eval.Kind(),
		StartTime: api.Time{Time: start}, EndTime: api.Time{Time: end}}
	if evalErr != nil {
		msg := evalErr.Error()
		req.Error = &msg
		span.RecordError(evalErr)
		span.SetStatus(codes.Error, msg)
	} else {
		req.Result = &api.EvaluationResult{Score: res.Score}
		if res.Label != "" {
			req.Result.Label = &res.Label
		}
		if res.Explanation != "" {
			req.Result.Explanation = &res.Explanation
		}
		if res.Metadata != nil {
			b, err := json.Marshal(res.Metadata)
			if err != nil {
				span.End()
				return fmt.Errorf("encode evaluation metadata: %w", err)
			}
			req.Metadata = b
		}
		if out, err := json.Marshal(req.Result); err == nil {
			span.SetAttributes(attribute.String(semconv.OutputValueKey, string(out)), attribute.String(semconv.OutputMIMETypeKey, semconv.MIMEJSON))
		}
		span.SetStatus(codes.Ok, "")
	}
	if sc := span.SpanContext(); sc.HasTraceID() {
		id := sc.TraceID().String()
		req.TraceID = &id
	}
	span.End()
	if _, err := c.Experiments.UpsertEvaluation(ctx, req); err != nil {
		return fmt.Errorf("record evaluation %q of %s: %w", j.eval.Name(), j.run.ID, err)
	}
	return nil
}

// objectOr returns raw, or {} when it is empty.
func objectOr(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("{}")
	}
	return raw
}

// jsonOr returns raw, or null when it is empty.
func jsonOr(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("null")
	}
	return raw
}

func safeEvaluate(ctx context.Context, e Evaluator, in Input) (res Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("evaluator panicked: %v", r)
		}
	}()
	return e.Evaluate(ctx, in)
}

// record is the part of the JSON download a summary needs.
type record struct {
	Annotations []struct {
		Name  string   `json:"name"`
		Label *string  `json:"label"`
		Score *float64 `json:"score"`
		Error *string  `json:"error"`
	} `json:"annotations"`
}

// summarize reads the experiment's counts and every evaluation back.
func summarize(ctx context.Context, c *client.Client, experimentID string, sum *Summary) (*Summary, error) {
	x, err := c.Experiments.Get(ctx, experimentID)
	if err != nil {
		return sum, fmt.Errorf("get experiment: %w", err)
	}
	sum.Experiment = x
	var buf jsonBuffer
	if err := c.Experiments.Download(ctx, experimentID, "json", &buf); client.IsNotFound(err) {
		return sum, nil // no runs yet
	} else if err != nil {
		return sum, fmt.Errorf("download experiment: %w", err)
	}
	var records []record
	if err := json.Unmarshal(buf, &records); err != nil {
		return sum, fmt.Errorf("read experiment download: %w", err)
	}
	byName := map[string]*EvaluatorSummary{}
	for _, r := range records {
		for _, a := range r.Annotations {
			s := byName[a.Name]
			if s == nil {
				s = &EvaluatorSummary{Name: a.Name, Labels: map[string]int{}}
				byName[a.Name] = s
			}
			if a.Error != nil {
				s.Errors++
				continue
			}
			s.Count++
			if a.Score != nil {
				s.Scored++
				s.MeanScore += (*a.Score - s.MeanScore) / float64(s.Scored)
			}
			if a.Label != nil {
				s.Labels[*a.Label]++
			}
		}
	}
	sum.Evaluators = sum.Evaluators[:0]
	for _, s := range byName {
		sum.Evaluators = append(sum.Evaluators, *s)
	}
	sort.Slice(sum.Evaluators, func(i, j int) bool { return sum.Evaluators[i].Name < sum.Evaluators[j].Name })
	return sum, nil
}

type jsonBuffer []byte

func (b *jsonBuffer) Write(p []byte) (int, error) {
	*b = append(*b, p...)
	return len(p), nil
}
