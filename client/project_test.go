package client

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"testing"

	"github.com/emberhq/ember/api"
)

func ptr[T any](v T) *T { return &v }

func TestProjectsList(t *testing.T) {
	c, fake := newFake(t, jsonReply(200, `{"data":[{"id":"UHJvamVjdDoy","name":"chat bot","description":"the bot"},{"id":"UHJvamVjdDox","name":"default","description":null}],"next_cursor":"UHJvamVjdDow"}`))
	projects, next, err := c.Projects.List(context.Background(), ProjectFilter{
		NameContains:                    "Bo",
		IncludeExperimentProjects:       true,
		IncludeDatasetEvaluatorProjects: true,
		Limit:                           2,
		Cursor:                          "UHJvamVjdDoz",
	})
	if err != nil {
		t.Fatal(err)
	}
	checkRequest(t, fake.only(t), "GET", "/v1/projects", url.Values{
		"name_contains":                      {"Bo"},
		"include_experiment_projects":        {"true"},
		"include_dataset_evaluator_projects": {"true"},
		"limit":                              {"2"},
		"cursor":                             {"UHJvamVjdDoz"},
	})
	want := []api.Project{
		{ID: "UHJvamVjdDoy", Name: "chat bot", Description: ptr("the bot")},
		{ID: "UHJvamVjdDox", Name: "default"},
	}
	if !reflect.DeepEqual(projects, want) || next != "UHJvamVjdDow" {
		t.Errorf("List = %+v, %q; want %+v, %q", projects, next, want, "UHJvamVjdDow")
	}
}

func TestProjectsListDefaultsSendNothing(t *testing.T) {
	c, fake := newFake(t, jsonReply(200, `{"data":[],"next_cursor":null}`))
	projects, next, err := c.Projects.List(context.Background(), ProjectFilter{})
	if err != nil {
		t.Fatal(err)
	}
	checkRequest(t, fake.only(t), "GET", "/v1/projects", nil)
	if len(projects) != 0 || next != "" {
		t.Errorf("List = %v, %q; want nothing", projects, next)
	}
}

func TestProjectsGetEscapesTheIdentifier(t *testing.T) {
	c, fake := newFake(t, jsonReply(200, `{"data":{"id":"UHJvamVjdDoy","name":"team a/chat bot?","description":null}}`))
	p, err := c.Projects.Get(context.Background(), "team a/chat bot?")
	if err != nil {
		t.Fatal(err)
	}
	checkRequest(t, fake.only(t), "GET", "/v1/projects/team%20a%2Fchat%20bot%3F", nil)
	if p.Name != "team a/chat bot?" || p.ID != "UHJvamVjdDoy" {
		t.Errorf("Get = %+v", p)
	}
}

func TestProjectsCreate(t *testing.T) {
	c, fake := newFake(t, jsonReply(200, `{"data":{"id":"UHJvamVjdDoz","name":"evals","description":"LLM judges"}}`))
	p, err := c.Projects.Create(context.Background(), api.CreateProjectRequest{Name: "evals", Description: ptr("LLM judges")})
	if err != nil {
		t.Fatal(err)
	}
	got := fake.only(t)
	checkRequest(t, got, "POST", "/v1/projects", nil)
	checkJSONBody(t, got, `{"name":"evals","description":"LLM judges"}`)
	if want := (api.Project{ID: "UHJvamVjdDoz", Name: "evals", Description: ptr("LLM judges")}); !reflect.DeepEqual(*p, want) {
		t.Errorf("Create = %+v, want %+v", *p, want)
	}

	// Without a description the field is left out, as Phoenix's clients do.
	c, fake = newFake(t, jsonReply(200, `{"data":{"id":"UHJvamVjdDoz","name":"evals","description":null}}`))
	if _, err := c.Projects.Create(context.Background(), api.CreateProjectRequest{Name: "evals"}); err != nil {
		t.Fatal(err)
	}
	checkJSONBody(t, fake.only(t), `{"name":"evals"}`)
}

func TestProjectsUpdate(t *testing.T) {
	c, fake := newFake(t, jsonReply(200, `{"data":{"id":"UHJvamVjdDox","name":"default","description":"new"}}`))
	p, err := c.Projects.Update(context.Background(), "UHJvamVjdDox", api.UpdateProjectRequest{Description: ptr("new")})
	if err != nil {
		t.Fatal(err)
	}
	got := fake.only(t)
	checkRequest(t, got, "PUT", "/v1/projects/UHJvamVjdDox", nil)
	checkJSONBody(t, got, `{"description":"new"}`)
	if p.Description == nil || *p.Description != "new" {
		t.Errorf("Update = %+v", p)
	}
}

func TestProjectsDelete(t *testing.T) {
	c, fake := newFake(t, noContent)
	if err := c.Projects.Delete(context.Background(), "chat bot"); err != nil {
		t.Fatal(err)
	}
	checkRequest(t, fake.only(t), "DELETE", "/v1/projects/chat%20bot", nil)

	c, _ = newFake(t, textReply(403, "The default project cannot be deleted"))
	if err := c.Projects.Delete(context.Background(), "default"); !IsForbidden(err) {
		t.Errorf("Delete(default) = %v, want a 403", err)
	}
}

func TestProjectsAll(t *testing.T) {
	pages := map[string]string{
		"":             `{"data":[{"id":"UHJvamVjdDoz","name":"c","description":null},{"id":"UHJvamVjdDoy","name":"b","description":null}],"next_cursor":"UHJvamVjdDox"}`,
		"UHJvamVjdDox": `{"data":[{"id":"UHJvamVjdDox","name":"a","description":null}],"next_cursor":null}`,
	}
	c, fake := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		jsonReply(200, pages[r.URL.Query().Get("cursor")])(w, r)
	})
	var names []string
	for p, err := range c.Projects.All(context.Background(), ProjectFilter{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, p.Name)
	}
	if want := []string{"c", "b", "a"}; !reflect.DeepEqual(names, want) {
		t.Errorf("All = %v, want %v", names, want)
	}
	if n := len(fake.seen()); n != 2 {
		t.Errorf("server saw %d requests, want 2", n)
	}
}
