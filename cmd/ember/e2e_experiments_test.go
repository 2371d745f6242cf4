package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/emberhq/ember"
)

// TestExperimentsAPI pins the experiment routes on a running server: the
// counts across repetitions, 409 for a second successful run and resume
// after an errored one, incomplete runs and evaluations, downloads before
// and after runs, patch, tags, the bogus-id matrix and the deletes.
func TestExperimentsAPI(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		p := startEmber(t, e.env(t))
		v1 := p.httpURL + "/v1"
		send := func(method, path, body string, status int, want string) string {
			t.Helper()
			got, text, _ := call(t, method, v1+path, body)
			if got != status || !strings.Contains(text, want) {
				t.Fatalf("%s %s: %d %q, want %d containing %q", method, path, got, text, status, want)
			}
			return text
		}
		var up uploadReply
		json.Unmarshal([]byte(send("POST", "/datasets/upload?sync=true", `{"action":"create","name":"qa set","inputs":[{"q":"1"},{"q":"2"}],"outputs":[{"a":"one"},{"a":"two"}],"metadata":[{"m":1},{}]}`, 200, "")), &up)
		ds := up.Data.DatasetID
		send("POST", "/datasets/upload?sync=true", `{"action":"create","name":"empty","inputs":[]}`, 200, "")
		emptyDS := ember.GlobalID("Dataset", 2)
		send("GET", "/datasets/"+emptyDS+"/experiments", "", 200, `{"data":[],"next_cursor":null}`)

		type experiment struct {
			ID                 string
			Name               string
			Description        *string
			Metadata           map[string]any
			DatasetVersionID   string `json:"dataset_version_id"`
			ProjectNameJSON    string `json:"project_name"`
			ExampleCount       int    `json:"example_count"`
			SuccessfulRunCount int    `json:"successful_run_count"`
			FailedRunCount     int    `json:"failed_run_count"`
			MissingRunCount    int    `json:"missing_run_count"`
		}
		read := func(text string) experiment {
			t.Helper()
			var reply struct{ Data experiment }
			if err := json.Unmarshal([]byte(text), &reply); err != nil {
				t.Fatal(err)
			}
			return reply.Data
		}
		x := read(send("POST", "/datasets/"+ds+"/experiments", `{"repetitions":2,"metadata":{"model":"m1"}}`, 200, `"dataset_version_id":"`+up.Data.VersionID+`"`))
		if !strings.HasPrefix(x.Name, "qa-set-") || !strings.HasPrefix(x.ProjectNameJSON, "Experiment-") || x.ExampleCount != 2 || x.MissingRunCount != 4 {
			t.Fatalf("created %+v", x)
		}
		send("GET", "/projects/"+x.ProjectNameJSON, "", 200, `dataset_id: `+ds)
		if _, text, _ := call(t, "GET", v1+"/projects", ""); strings.Contains(text, x.ProjectNameJSON) {
			t.Errorf("experiment project listed by default: %s", text)
		}
		send("GET", "/projects?include_experiment_projects=true", "", 200, x.ProjectNameJSON)
		send("POST", "/datasets/"+ds+"/experiments", `{"version_id":"`+ember.GlobalID("DatasetVersion", 99)+`"}`, 404, "")
		send("POST", "/datasets/"+ds+"/experiments", `{"version_id":"`+ds+`"}`, 404, "")
		send("POST", "/datasets/"+ds+"/experiments", `{"repetitions":0}`, 422, "")
		send("POST", "/datasets/"+ds+"/experiments", `{"splits":["no-such-split"]}`, 404, "Dataset split not found: no-such-split")
		send("POST", "/datasets/"+ember.GlobalID("Dataset", 99)+"/experiments", `{}`, 404, "")
		send("POST", "/datasets/fake-id-x/experiments", `{}`, 422, "")

		// 11: downloads before any run.
		send("GET", "/experiments/"+x.ID+"/json", "", 404, "has no runs")
		send("GET", "/experiments/"+x.ID+"/csv", "", 404, "has no runs")

		ex1, ex2 := ember.GlobalID("DatasetExample", 1), ember.GlobalID("DatasetExample", 2)
		runBody := func(example string, rep int, errText string) string {
			e := "null"
			if errText != "" {
				e = fmt.Sprintf("%q", errText)
			}
			return fmt.Sprintf(`{"dataset_example_id":%q,"output":{"text":"out"},"repetition_number":%d,"start_time":"2025-01-01T00:00:00Z","end_time":"2025-01-01T00:00:01.5Z","trace_id":"0123456789abcdef0123456789abcdef","error":%s}`, example, rep, e)
		}
		runID := func(text string) string {
			var reply struct{ Data struct{ ID string } }
			json.Unmarshal([]byte(text), &reply)
			return reply.Data.ID
		}
		r1 := runID(send("POST", "/experiments/"+x.ID+"/runs", runBody(ex1, 1, ""), 200, ""))
		// 12: a second success is 409, an errored run is replaced.
		send("POST", "/experiments/"+x.ID+"/runs", runBody(ex1, 1, ""), 409, "already exists with a successful result")
		failed := runID(send("POST", "/experiments/"+x.ID+"/runs", runBody(ex2, 1, "boom"), 200, ""))
		send("POST", "/experiments/"+x.ID+"/runs", runBody(ember.GlobalID("Dataset", 1), 1, ""), 404, "")
		send("POST", "/experiments/"+x.ID+"/runs", runBody(ex1, 0, ""), 422, "")
		send("POST", "/experiments/"+x.ID+"/runs", `{"dataset_example_id":"`+ex1+`"}`, 422, "missing")

		// 13: missing_run_count across repetitions.
		x = read(send("GET", "/experiments/"+x.ID, "", 200, ""))
		if x.SuccessfulRunCount != 1 || x.FailedRunCount != 1 || x.MissingRunCount != 2 {
			t.Fatalf("counts %+v", x)
		}
		var incomplete struct {
			Data []struct {
				DatasetExample struct {
					NodeID string `json:"node_id"`
				} `json:"dataset_example"`
				RepetitionNumbers []int `json:"repetition_numbers"`
			}
			NextCursor *string `json:"next_cursor"`
		}
		json.Unmarshal([]byte(send("GET", "/experiments/"+x.ID+"/incomplete-runs?limit=1", "", 200, "")), &incomplete)
		if len(incomplete.Data) != 1 || incomplete.Data[0].DatasetExample.NodeID != ex1 || !slices.Equal(incomplete.Data[0].RepetitionNumbers, []int{2}) || incomplete.NextCursor == nil || *incomplete.NextCursor != ex2 {
			t.Fatalf("incomplete runs page 1: %+v", incomplete)
		}
		json.Unmarshal([]byte(send("GET", "/experiments/"+x.ID+"/incomplete-runs?cursor="+ex2, "", 200, "")), &incomplete)
		if len(incomplete.Data) != 1 || !slices.Equal(incomplete.Data[0].RepetitionNumbers, []int{1, 2}) {
			t.Fatalf("incomplete runs page 2: %+v", incomplete)
		}
		// Resume: the errored run is replaced by a success, same id.
		if again := runID(send("POST", "/experiments/"+x.ID+"/runs", runBody(ex2, 1, ""), 200, "")); again != failed {
			t.Errorf("resumed run id %s, want %s", again, failed)
		}
		send("GET", "/experiments/"+x.ID+"/runs", "", 200, `"dataset_example_id":"`+ex2+`"`)
		send("GET", "/experiments/"+x.ID+"/runs?limit=1", "", 200, `"next_cursor":"`+r1+`"`)

		// Evaluations.
		evalBody := func(run, name string, score float64) string {
			return fmt.Sprintf(`{"experiment_run_id":%q,"name":%q,"annotator_kind":"CODE","start_time":"2025-01-01T00:00:02Z","end_time":"2025-01-01T00:00:02Z","result":{"score":%v,"label":"ok","explanation":null},"metadata":{"k":"v"}}`, run, name, score)
		}
		first := send("POST", "/experiment_evaluations", evalBody(r1, "exact", 0), 200, `"id":"`)
		second := send("POST", "/experiment_evaluations", evalBody(r1, "exact", 1), 200, "")
		if first != second {
			t.Errorf("upsert changed id: %s %s", first, second)
		}
		send("POST", "/experiment_evaluations", `{"experiment_run_id":"`+r1+`","name":"x","annotator_kind":"CODE","start_time":"2025-01-01T00:00:02Z","end_time":"2025-01-01T00:00:02Z"}`, 422, "result or error")
		send("POST", "/experiment_evaluations", evalBody(ex1, "exact", 1), 404, "")
		send("POST", "/experiment_evaluations", evalBody(ember.GlobalID("ExperimentRun", 999), "exact", 1), 404, "")
		send("GET", "/experiments/"+x.ID+"/incomplete-evaluations", "", 400, "At least one evaluation_name must be provided")
		send("GET", "/experiments/"+x.ID+"/incomplete-evaluations?evaluation_name=%20", "", 400, "At least one evaluation_name must be provided")
		ie := send("GET", "/experiments/"+x.ID+"/incomplete-evaluations?evaluation_name=exact&evaluation_name=len", "", 200, "")
		var ies struct {
			Data []struct {
				ExperimentRun struct {
					ID string
				} `json:"experiment_run"`
				EvaluationNames []string `json:"evaluation_names"`
			}
		}
		json.Unmarshal([]byte(ie), &ies)
		if len(ies.Data) != 2 || ies.Data[0].ExperimentRun.ID != r1 || !slices.Equal(ies.Data[0].EvaluationNames, []string{"len"}) || !slices.Equal(ies.Data[1].EvaluationNames, []string{"exact", "len"}) {
			t.Fatalf("incomplete evaluations %s", ie)
		}

		// 11: the JSON record has exactly the documented keys.
		_, text, hdr := call(t, "GET", v1+"/experiments/"+x.ID+"/json", "")
		if hdr.Get("Content-Disposition") != `attachment; filename="`+x.Name+`.json"` {
			t.Errorf("json disposition %q", hdr.Get("Content-Disposition"))
		}
		var records []map[string]any
		if err := json.Unmarshal([]byte(text), &records); err != nil || len(records) != 2 {
			t.Fatalf("json download: %v %s", err, text)
		}
		var keys []string
		for k := range records[1] {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if want := []string{"annotations", "completion_token_count", "end_time", "error", "example_id", "input", "latency_ms", "output", "prompt_token_count", "reference_output", "repetition_number", "start_time", "trace_id"}; !slices.Equal(keys, want) {
			t.Errorf("json keys %v", keys)
		}
		if records[1]["prompt_token_count"] != nil || len(records[1]["annotations"].([]any)) != 0 || records[0]["latency_ms"] != 1500.0 {
			t.Errorf("json record %v", records)
		}
		if a := records[0]["annotations"].([]any)[0].(map[string]any); a["score"] != 1.0 || a["name"] != "exact" {
			t.Errorf("annotation %v", a)
		}
		_, text, _ = call(t, "GET", v1+"/experiments/"+x.ID+"/csv", "")
		rows, err := csv.NewReader(strings.NewReader(text)).ReadAll()
		if err != nil || len(rows) != 3 || rows[0][0] != "example_id" || rows[0][13] != "annotation_exact_label" || rows[1][2] != `{"q":"1"}` || rows[1][4] != `{"text":"out"}` || rows[1][14] != "1" {
			t.Fatalf("csv download %q (%v)", rows, err)
		}

		// Patch.
		send("PATCH", "/experiments/"+x.ID, `{}`, 422, "No fields to update")
		send("PATCH", "/experiments/"+x.ID, `{"name":null}`, 422, "")
		send("PATCH", "/experiments/"+x.ID, `{"metadata":null}`, 422, "")
		px := read(send("PATCH", "/experiments/"+x.ID, `{"name":"renamed","description":"d","metadata":{"v":2}}`, 200, ""))
		if px.Name != "renamed" || *px.Description != "d" || px.Metadata["v"] != 2.0 {
			t.Errorf("patched %+v", px)
		}
		if px = read(send("PATCH", "/experiments/"+x.ID, `{"description":null}`, 200, "")); px.Description != nil || px.Name != "renamed" {
			t.Errorf("cleared %+v", px)
		}

		// Tags.
		y := read(send("POST", "/datasets/"+ds+"/experiments", `{"name":"second"}`, 200, `"name":"second"`))
		send("POST", "/experiments/"+x.ID+"/tags", `{"name":"baseline"}`, 200, `"name":"baseline"`)
		send("POST", "/experiments/"+y.ID+"/tags", `{"name":"baseline","description":"moved"}`, 200, "")
		send("GET", "/experiments/"+x.ID+"/tags", "", 200, `{"data":[]}`)
		send("GET", "/experiments/"+y.ID+"/tags", "", 200, `"description":"moved"`)
		send("POST", "/experiments/"+y.ID+"/tags", `{"name":"Not Valid"}`, 422, "")
		send("DELETE", "/experiments/"+y.ID+"/tags/nope", "", 404, "")
		send("DELETE", "/experiments/"+y.ID+"/tags/baseline", "", 204, "")

		// The bogus-id matrix.
		for _, path := range []string{"", "/runs", "/incomplete-runs", "/incomplete-evaluations", "/json", "/csv", "/tags"} {
			send("GET", "/experiments/fake-id-x"+path, "", 422, "")
		}
		send("DELETE", "/experiments/fake-id-x", "", 422, "")
		send("GET", "/experiments/"+ds, "", 404, "")
		send("GET", "/experiments/"+ember.GlobalID("Experiment", 99), "", 404, "")
		send("GET", "/datasets/"+ds+"/experiments?limit=1", "", 200, `"next_cursor":"`+x.ID+`"`)

		// 14: delete keeps the project unless asked.
		send("DELETE", "/experiments/"+x.ID, "", 204, "")
		send("DELETE", "/experiments/"+x.ID, "", 404, "")
		send("GET", "/projects/"+x.ProjectNameJSON, "", 200, "")
		send("DELETE", "/experiments/"+y.ID+"?delete_project=true", "", 204, "")
		send("GET", "/projects/"+y.ProjectNameJSON, "", 404, "")

		// 13: deleting a dataset deletes its experiments.
		z := read(send("POST", "/datasets/"+ds+"/experiments", `{}`, 200, ""))
		send("DELETE", "/datasets/"+ds, "", 204, "")
		send("GET", "/experiments/"+z.ID, "", 404, "")
		send("GET", "/projects/"+z.ProjectNameJSON, "", 404, "")
	})
}
