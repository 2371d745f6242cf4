package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/emberhq/ember"
)

type configJSON struct {
	ID                    string   `json:"id"`
	Name                  string   `json:"name"`
	Type                  string   `json:"type"`
	Description           *string  `json:"description"`
	OptimizationDirection *string  `json:"optimization_direction"`
	LowerBound            *float64 `json:"lower_bound"`
	UpperBound            *float64 `json:"upper_bound"`
	Threshold             *float64 `json:"threshold"`
	Values                []struct {
		Label string   `json:"label"`
		Score *float64 `json:"score"`
	} `json:"values"`
}

func configNames(configs []configJSON) string {
	var names []string
	for _, c := range configs {
		names = append(names, c.Name)
	}
	return strings.Join(names, ",")
}

// TestAnnotationConfigsAPI pins the annotation config routes on a running
// server, and the check of annotations against the config of their name.
func TestAnnotationConfigsAPI(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		p := startEmber(t, e.env(t))
		u := func(path string) string { return p.httpURL + path }
		create := func(body string) configJSON {
			t.Helper()
			var reply struct{ Data configJSON }
			if err := json.Unmarshal([]byte(expectCall(t, "POST", u("/v1/annotation_configs"), body, 200, "")), &reply); err != nil {
				t.Fatal(err)
			}
			return reply.Data
		}
		cat := create(`{"name":"correctness","type":"CATEGORICAL","description":"Right or wrong?","optimization_direction":"MAXIMIZE","values":[{"label":"correct","score":1},{"label":"incorrect","score":0}]}`)
		cont := create(`{"name":"confidence","type":"CONTINUOUS","optimization_direction":"NONE","lower_bound":0,"upper_bound":1}`)
		free := create(`{"name":"remarks","type":"FREEFORM","threshold":0.5}`)
		if decodeGlobalID(t, cat.ID) != "CategoricalAnnotationConfig:1" || decodeGlobalID(t, cont.ID) != "ContinuousAnnotationConfig:2" || decodeGlobalID(t, free.ID) != "FreeformAnnotationConfig:3" {
			t.Errorf("ids: %s %s %s", cat.ID, cont.ID, free.ID)
		}
		if *cat.Description != "Right or wrong?" || len(cat.Values) != 2 || *cat.Values[1].Score != 0 || *cont.UpperBound != 1 || free.OptimizationDirection != nil || *free.Threshold != 0.5 {
			t.Errorf("created: %+v %+v %+v", cat, cont, free)
		}
		// The replies carry each type's fields, and only those.
		body := expectCall(t, "GET", u("/v1/annotation_configs/remarks"), "", 200, "")
		if want := `{"data":{"name":"remarks","type":"FREEFORM","description":null,"optimization_direction":null,"threshold":0.5,"lower_bound":null,"upper_bound":null,"id":"` + free.ID + `"}}`; body != want {
			t.Errorf("freeform: %s\nwant %s", body, want)
		}
		expectCall(t, "GET", u("/v1/annotation_configs/"+url.PathEscape(cont.ID)), "", 200, `"name":"confidence"`)

		expectText(t, "POST", u("/v1/annotation_configs"), `{"name":"correctness","type":"FREEFORM"}`, 409, "The name of the annotation configuration is already taken")
		expectText(t, "POST", u("/v1/annotation_configs"), `{"name":"note","type":"FREEFORM"}`, 409, "The name 'note' is reserved for trace and span notes and cannot be used for annotation configs.")
		expectText(t, "POST", u("/v1/annotation_configs"), `{"name":"empty","type":"CATEGORICAL","optimization_direction":"NONE","values":[]}`, 400,
			"1 validation error for CategoricalAnnotationConfig\nvalues\n  Value error, Values must be non-empty [type=value_error]")
		expectCall(t, "POST", u("/v1/annotation_configs"), `{"name":"dup","type":"CATEGORICAL","optimization_direction":"NONE","values":[{"label":"a"},{"label":"a"}]}`, 400, `duplicate label: "a"`)
		expectCall(t, "POST", u("/v1/annotation_configs"), `{"name":"blank","type":"CATEGORICAL","optimization_direction":"NONE","values":[{"label":""}]}`, 400, "Label must be non-empty")
		expectCall(t, "POST", u("/v1/annotation_configs"), `{"name":"bounds","type":"CONTINUOUS","optimization_direction":"NONE","lower_bound":2,"upper_bound":1}`, 400, "Lower bound must be strictly less than upper bound")
		expectCall(t, "POST", u("/v1/annotation_configs"), `{"name":"x","type":"SCORE"}`, 422, `"union_tag_invalid"`)
		expectCall(t, "POST", u("/v1/annotation_configs"), `{"name":"x"}`, 422, `"union_tag_not_found"`)
		expectCall(t, "POST", u("/v1/annotation_configs"), `{"type":"CONTINUOUS","name":"x","optimization_direction":"UP"}`, 422, `"loc":["body","CONTINUOUS","optimization_direction"]`)
		expectCall(t, "POST", u("/v1/annotation_configs"), `{"type":"CATEGORICAL","name":"x","optimization_direction":"NONE"}`, 422, `"loc":["body","CATEGORICAL","values"],"msg":"Field required"`)

		var list struct {
			Data       []configJSON
			NextCursor *string `json:"next_cursor"`
		}
		getJSON(t, u("/v1/annotation_configs"), &list)
		if configNames(list.Data) != "remarks,confidence,correctness" || list.NextCursor != nil {
			t.Errorf("list: %s %v", configNames(list.Data), list.NextCursor)
		}
		getJSON(t, u("/v1/annotation_configs?limit=2"), &list)
		if configNames(list.Data) != "remarks,confidence" || list.NextCursor == nil || *list.NextCursor != cat.ID {
			t.Fatalf("page 1: %s %v", configNames(list.Data), list.NextCursor)
		}
		getJSON(t, u("/v1/annotation_configs?limit=2&cursor="+url.QueryEscape(*list.NextCursor)), &list)
		if configNames(list.Data) != "correctness" || list.NextCursor != nil {
			t.Errorf("page 2: %s", configNames(list.Data))
		}
		expectText(t, "GET", u("/v1/annotation_configs?cursor=bad"), "", 400, "Invalid cursor: bad")
		expectText(t, "GET", u("/v1/annotation_configs?cursor="+url.QueryEscape(ember.GlobalID("Project", 1))), "", 400, "Invalid cursor: "+ember.GlobalID("Project", 1))
		expectCall(t, "GET", u("/v1/annotation_configs?limit=0"), "", 422, `"greater_than"`)
		for _, id := range []string{"fake-id-x", ember.GlobalID("CategoricalAnnotationConfig", 99), ember.GlobalID("Project", 1)} {
			expectText(t, "GET", u("/v1/annotation_configs/"+url.PathEscape(id)), "", 404, "Annotation configuration not found")
		}

		// Annotations are checked against the config of their name.
		td, _, rootID, _ := annotationTraces(4, "configs")
		mustExport(t, p, td)
		annotate := func(sync, name, result string, status int, want string) {
			t.Helper()
			body := fmt.Sprintf(`{"data":[{"span_id":%q,"name":%q,"annotator_kind":"HUMAN","result":%s}]}`, rootID, name, result)
			if status == 200 {
				expectCall(t, "POST", u("/v1/span_annotations?sync="+sync), body, 200, "")
			} else {
				expectText(t, "POST", u("/v1/span_annotations?sync="+sync), body, status, want)
			}
		}
		annotate("true", "correctness", `{"label":"correct"}`, 200, "")
		annotate("true", "correctness", `{"label":"maybe"}`, 422, `Annotation "correctness" has label "maybe", which its annotation config does not allow; the labels are "correct", "incorrect"`)
		annotate("false", "correctness", `{"label":"maybe"}`, 422, `Annotation "correctness" has label "maybe", which its annotation config does not allow; the labels are "correct", "incorrect"`)
		annotate("true", "confidence", `{"score":0.9}`, 200, "")
		annotate("true", "confidence", `{"score":1.5}`, 422, `Annotation "confidence" has score 1.5, outside the bounds of its annotation config: 0 to 1`)
		annotate("true", "remarks", `{"score":42,"explanation":"free"}`, 200, "")
		annotate("true", "unconfigured", `{"label":"anything"}`, 200, "")

		// Replacing: by GlobalID or name, type and all.
		expectCall(t, "PUT", u("/v1/annotation_configs/remarks"), `{"name":"remarks v2","type":"CONTINUOUS","optimization_direction":"MINIMIZE","upper_bound":10}`, 200, `"id":"`+ember.GlobalID("ContinuousAnnotationConfig", 3)+`"`)
		expectCall(t, "PUT", u("/v1/annotation_configs/"+url.PathEscape(cat.ID)), `{"name":"correctness","type":"CATEGORICAL","optimization_direction":"MAXIMIZE","values":[{"label":"yes"},{"label":"no"}]}`, 200, `"values":[{"label":"yes","score":null},{"label":"no","score":null}]`)
		expectText(t, "PUT", u("/v1/annotation_configs/"+url.PathEscape(cat.ID)), `{"name":"confidence","type":"FREEFORM"}`, 409, "The name of the annotation configuration is already taken")
		expectText(t, "PUT", u("/v1/annotation_configs/"+url.PathEscape(cat.ID)), `{"name":"note","type":"FREEFORM"}`, 409, "The name 'note' is reserved for trace and span notes and cannot be used for annotation configs.")
		expectText(t, "PUT", u("/v1/annotation_configs/"+url.PathEscape(ember.GlobalID("Project", 1))), `{"name":"x","type":"FREEFORM"}`, 400, "Invalid annotation configuration ID")
		expectText(t, "PUT", u("/v1/annotation_configs/nope"), `{"name":"x","type":"FREEFORM"}`, 404, "Annotation configuration not found")
		expectCall(t, "PUT", u("/v1/annotation_configs/nope"), `{"name":"x","type":"CONTINUOUS","optimization_direction":"NONE","lower_bound":1,"upper_bound":0}`, 400, "Lower bound must be strictly less than upper bound")
		expectCall(t, "PUT", u("/v1/annotation_configs/nope"), ``, 422, `"loc":["body"]`)

		// Assignment to projects.
		pc := func(path string) string { return u("/v1/projects/annotations/annotation_configs" + path) }
		expectCall(t, "PUT", pc("/correctness"), "", 200, `"name":"correctness"`)
		expectCall(t, "PUT", pc("/correctness"), "", 200, `"name":"correctness"`) // again: no change
		expectCall(t, "PUT", pc("/"+url.PathEscape(cont.ID)), "", 200, `"name":"confidence"`)
		getJSON(t, pc(""), &list)
		if configNames(list.Data) != "confidence,correctness" {
			t.Errorf("assigned: %s", configNames(list.Data))
		}
		getJSON(t, pc("?limit=1"), &list)
		if configNames(list.Data) != "confidence" || list.NextCursor == nil || *list.NextCursor != cat.ID {
			t.Errorf("assigned, first page: %s %v", configNames(list.Data), list.NextCursor)
		}
		expectText(t, "GET", pc("?cursor=bad"), "", 400, "Invalid cursor: bad")
		expectCall(t, "DELETE", pc("/correctness"), "", 204, "")
		expectCall(t, "DELETE", pc("/correctness"), "", 204, "") // again: no change
		getJSON(t, pc(""), &list)
		if configNames(list.Data) != "confidence" {
			t.Errorf("after unassigning: %s", configNames(list.Data))
		}
		expectText(t, "PUT", pc("/nope"), "", 404, "Annotation configuration not found")
		expectText(t, "DELETE", pc("/nope"), "", 404, "Annotation configuration not found")
		expectText(t, "PUT", u("/v1/projects/fake-id-x/annotation_configs/correctness"), "", 404, "Project with name fake-id-x not found")
		expectText(t, "GET", u("/v1/projects/fake-id-x/annotation_configs"), "", 404, "Project with name fake-id-x not found")

		set := func(ids string) string {
			return expectCall(t, "PUT", pc(""), `{"annotation_config_ids":[`+ids+`]}`, 200, "")
		}
		if got := set(fmt.Sprintf("%q,%q", cat.ID, free.ID)); !strings.Contains(got, `"next_cursor":null`) || !strings.Contains(got, `"name":"remarks v2"`) {
			t.Errorf("set: %s", got)
		}
		getJSON(t, pc(""), &list)
		if configNames(list.Data) != "remarks v2,correctness" {
			t.Errorf("after set: %s", configNames(list.Data))
		}
		expectText(t, "PUT", pc(""), `{"annotation_config_ids":["bad"]}`, 422, "Invalid annotation configuration ID: bad")
		expectText(t, "PUT", pc(""), fmt.Sprintf(`{"annotation_config_ids":[%q]}`, ember.GlobalID("FreeformAnnotationConfig", 99)), 422, "One or more annotation configurations were not found")
		expectCall(t, "PUT", pc(""), `{}`, 422, `"loc":["body","annotation_config_ids"],"msg":"Field required"`)
		expectText(t, "GET", u("/v1/annotation_configs/a%00b"), "", 404, "Annotation configuration not found")
		tooMany := make([]string, 1001)
		for i := range tooMany {
			tooMany[i] = fmt.Sprintf("%q", ember.GlobalID("FreeformAnnotationConfig", int64(i+1)))
		}
		expectText(t, "PUT", pc(""), `{"annotation_config_ids":[`+strings.Join(tooMany, ",")+`]}`, 422, "Too many annotation configuration IDs supplied: 1001 (max 1000)")
		expectText(t, "PUT", u("/v1/projects/fake-id-x/annotation_configs"), `{"annotation_config_ids":[]}`, 404, "Project with name fake-id-x not found")
		set("")
		getJSON(t, pc(""), &list)
		if len(list.Data) != 0 {
			t.Errorf("after clearing: %s", configNames(list.Data))
		}

		// Deleting answers with the config deleted.
		expectCall(t, "DELETE", u("/v1/annotation_configs/"+url.PathEscape(free.ID)), "", 200, `"name":"remarks v2"`)
		expectText(t, "DELETE", u("/v1/annotation_configs/"+url.PathEscape(free.ID)), "", 404, "Annotation configuration not found")
		expectText(t, "DELETE", u("/v1/annotation_configs/"+url.PathEscape(ember.GlobalID("Trace", 1))), "", 400, "Invalid annotation configuration ID")
		expectCall(t, "DELETE", u("/v1/annotation_configs/confidence"), "", 200, `"type":"CONTINUOUS"`)
		annotate("true", "confidence", `{"score":7}`, 200, "") // no config any more
	})
}
