package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/store"
)

// testPrompts runs the prompt service's conformance tests.
func testPrompts(t *testing.T, open Opener) {
	t.Run("CreateAndRead", func(t *testing.T) { testPromptCreateAndRead(t, open) })
	t.Run("VersionsAndLatest", func(t *testing.T) { testPromptVersions(t, open) })
	t.Run("Tags", func(t *testing.T) { testPromptTags(t, open) })
	t.Run("UpdateAndDelete", func(t *testing.T) { testPromptUpdateAndDelete(t, open) })
	t.Run("ConcurrentCreate", func(t *testing.T) { testPromptConcurrentCreate(t, open) })
}

// promptVersion builds a version whose template says text; the JSON
// members are kept byte for byte, key order included.
func promptVersion(text string) *ember.PromptVersion {
	return &ember.PromptVersion{
		ModelProvider:        "OPENAI",
		ModelName:            "gpt-4o-mini",
		TemplateType:         "CHAT",
		TemplateFormat:       "MUSTACHE",
		Template:             json.RawMessage(fmt.Sprintf(`{"type":"chat","messages":[{"role":"user","content":%s}]}`, quote(text))),
		InvocationParameters: json.RawMessage(`{"type":"openai","openai":{"temperature":1.0}}`),
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func mustCreateVersion(t testing.TB, db *store.DB, name string, v *ember.PromptVersion) *ember.Prompt {
	t.Helper()
	p := &ember.Prompt{Name: name}
	if err := db.CreatePromptVersion(context.Background(), p, v); err != nil {
		t.Fatalf("CreatePromptVersion: %v", err)
	}
	return p
}

func testPromptCreateAndRead(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	v := promptVersion("Hi {{name}} ✓\u0000?")
	v.Description = strp("first")
	v.Tools = json.RawMessage(`{"type":"tools","tools":[{"type":"function","function":{"name":"f","parameters":{"z":1,"a":{"y":2,"b":3}}}}]}`)
	v.ResponseFormat = json.RawMessage(`{"type":"json_schema","json_schema":{"name":"out","schema":{"properties":{"z":{},"a":{}}}}}`)
	p := &ember.Prompt{Name: "greeting", Description: strp("says hi"), Metadata: json.RawMessage(`{"team":"x","a":[1,2]}`)}
	if err := db.CreatePromptVersion(ctx, p, v); err != nil {
		t.Fatal(err)
	}
	if p.ID == 0 || v.ID == 0 || v.PromptID != p.ID || v.CreatedAt.IsZero() {
		t.Fatalf("ids not set: prompt %+v version %+v", p, v)
	}
	if p.Name != "greeting" || *p.Description != "says hi" || string(p.Metadata) != `{"team":"x","a":[1,2]}` || p.SourcePromptID != 0 {
		t.Errorf("prompt %+v", p)
	}
	got, err := db.FindPromptVersionByID(ctx, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	// json columns keep the text as written: key order, escapes, unicode.
	for name, pair := range map[string][2]json.RawMessage{
		"template":              {got.Template, v.Template},
		"invocation_parameters": {got.InvocationParameters, v.InvocationParameters},
		"tools":                 {got.Tools, v.Tools},
		"response_format":       {got.ResponseFormat, v.ResponseFormat},
	} {
		if string(pair[0]) != string(pair[1]) {
			t.Errorf("%s: got %s, want %s", name, pair[0], pair[1])
		}
	}
	if *got.Description != "first" || got.ModelProvider != "OPENAI" || got.ModelName != "gpt-4o-mini" || got.TemplateType != "CHAT" || got.TemplateFormat != "MUSTACHE" {
		t.Errorf("version %+v", got)
	}
	byName, err := db.FindPromptByName(ctx, "greeting")
	if err != nil || byName.ID != p.ID {
		t.Fatalf("by name: %+v %v", byName, err)
	}
	if _, err := db.FindPromptByName(ctx, "nope"); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Errorf("unknown name: %v", err)
	}
	if _, err := db.FindPromptByID(ctx, p.ID+100); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Errorf("unknown id: %v", err)
	}
	if _, err := db.FindPromptVersionByID(ctx, v.ID+100); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Errorf("unknown version: %v", err)
	}

	// A second version of the same name keeps the prompt as it was.
	v2 := promptVersion("second")
	p2 := &ember.Prompt{Name: "greeting", Description: strp("ignored"), Metadata: json.RawMessage(`{"b":1}`)}
	if err := db.CreatePromptVersion(ctx, p2, v2); err != nil {
		t.Fatal(err)
	}
	if p2.ID != p.ID || *p2.Description != "says hi" || string(p2.Metadata) != `{"team":"x","a":[1,2]}` || v2.ID <= v.ID {
		t.Errorf("appended: prompt %+v version %d", p2, v2.ID)
	}
	if got, _ := db.FindPromptVersionByID(ctx, v2.ID); got.Tools != nil || got.ResponseFormat != nil || got.Description != nil {
		t.Errorf("unset members read back as %+v", got)
	}
	if err := db.CreatePromptVersion(ctx, &ember.Prompt{}, promptVersion("x")); ember.ErrorCode(err) != ember.EINVALID {
		t.Errorf("empty name: %v", err)
	}
}

func testPromptVersions(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	var ids []int64
	var promptID int64
	for i := range 5 {
		v := promptVersion(fmt.Sprint(i))
		promptID = mustCreateVersion(t, db, "many", v).ID
		ids = append(ids, v.ID)
		mustCreateVersion(t, db, "other", promptVersion("o")) // interleaved
	}
	all, err := db.FindPromptVersions(ctx, ember.PromptVersionFilter{PromptID: promptID})
	if err != nil || len(all) != 5 {
		t.Fatalf("%d versions, %v", len(all), err)
	}
	for i, v := range all {
		if v.ID != ids[4-i] || v.PromptID != promptID {
			t.Errorf("version %d: %d, want %d (newest first)", i, v.ID, ids[4-i])
		}
	}
	page, err := db.FindPromptVersions(ctx, ember.PromptVersionFilter{PromptID: promptID, Cursor: ids[2], Limit: 2})
	if err != nil || len(page) != 2 || page[0].ID != ids[2] || page[1].ID != ids[1] {
		t.Errorf("page from cursor: %v %v", page, err)
	}
	if none, err := db.FindPromptVersions(ctx, ember.PromptVersionFilter{PromptID: 99999}); err != nil || len(none) != 0 {
		t.Errorf("unknown prompt: %v %v", none, err)
	}
	latest, err := db.FindLatestPromptVersion(ctx, promptID)
	if err != nil || latest.ID != ids[4] {
		t.Errorf("latest %v %v", latest, err)
	}
	if _, err := db.FindLatestPromptVersion(ctx, 99999); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Errorf("latest of unknown prompt: %v", err)
	}
	prompts, err := db.FindPrompts(ctx, ember.PromptFilter{})
	if err != nil || len(prompts) != 2 || prompts[0].Name != "other" || prompts[1].Name != "many" {
		t.Errorf("prompts newest first: %v %v", prompts, err)
	}
	if page, _ := db.FindPrompts(ctx, ember.PromptFilter{Cursor: prompts[1].ID, Limit: 1}); len(page) != 1 || page[0].Name != "many" {
		t.Errorf("prompt page: %v", page)
	}
}

func testPromptTags(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	v1, v2, other := promptVersion("1"), promptVersion("2"), promptVersion("x")
	p := mustCreateVersion(t, db, "tagged", v1)
	mustCreateVersion(t, db, "tagged", v2)
	op := mustCreateVersion(t, db, "other", other)

	prod := &ember.PromptVersionTag{PromptVersionID: v1.ID, Name: "production", Description: strp("live")}
	if err := db.SetPromptVersionTag(ctx, prod); err != nil {
		t.Fatal(err)
	}
	if prod.ID == 0 || prod.PromptID != p.ID {
		t.Fatalf("tag %+v", prod)
	}
	// The same name on another prompt is another tag.
	if err := db.SetPromptVersionTag(ctx, &ember.PromptVersionTag{PromptVersionID: other.ID, Name: "production"}); err != nil {
		t.Fatal(err)
	}
	if got, err := db.FindPromptVersionByTag(ctx, p.ID, "production"); err != nil || got.ID != v1.ID {
		t.Fatalf("by tag: %v %v", got, err)
	}
	if got, err := db.FindPromptVersionByTag(ctx, op.ID, "production"); err != nil || got.ID != other.ID {
		t.Fatalf("other prompt's tag: %v %v", got, err)
	}

	// Setting it on v2 moves it, keeping its id.
	moved := &ember.PromptVersionTag{PromptVersionID: v2.ID, Name: "production"}
	if err := db.SetPromptVersionTag(ctx, moved); err != nil {
		t.Fatal(err)
	}
	if moved.ID != prod.ID {
		t.Errorf("moved tag id %d, was %d", moved.ID, prod.ID)
	}
	if got, _ := db.FindPromptVersionByTag(ctx, p.ID, "production"); got.ID != v2.ID {
		t.Errorf("tag did not move: %d", got.ID)
	}
	if tags, err := db.FindPromptVersionTags(ctx, ember.PromptVersionTagFilter{PromptVersionID: v1.ID}); err != nil || len(tags) != 0 {
		t.Errorf("v1 tags after the move: %v %v", tags, err)
	}
	if err := db.SetPromptVersionTag(ctx, &ember.PromptVersionTag{PromptVersionID: v2.ID, Name: "staging"}); err != nil {
		t.Fatal(err)
	}
	tags, err := db.FindPromptVersionTags(ctx, ember.PromptVersionTagFilter{PromptVersionID: v2.ID})
	if err != nil || len(tags) != 2 || tags[0].Name != "staging" || tags[1].Name != "production" || tags[1].Description != nil {
		t.Fatalf("v2 tags newest first, description replaced: %+v %v", tags, err)
	}
	if page, _ := db.FindPromptVersionTags(ctx, ember.PromptVersionTagFilter{PromptVersionID: v2.ID, Cursor: tags[1].ID, Limit: 1}); len(page) != 1 || page[0].Name != "production" {
		t.Errorf("tag page: %v", page)
	}
	if _, err := db.FindPromptVersionTags(ctx, ember.PromptVersionTagFilter{PromptVersionID: 99999}); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Errorf("tags of unknown version: %v", err)
	}
	if err := db.SetPromptVersionTag(ctx, &ember.PromptVersionTag{PromptVersionID: 99999, Name: "x"}); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Errorf("tag unknown version: %v", err)
	}
	if _, err := db.FindPromptVersionByTag(ctx, p.ID, "nope"); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Errorf("unknown tag: %v", err)
	}

	// A tag is deleted through any version of its prompt.
	if err := db.DeletePromptVersionTag(ctx, v1.ID, "production"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindPromptVersionByTag(ctx, p.ID, "production"); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Errorf("deleted tag still found: %v", err)
	}
	if got, err := db.FindPromptVersionByTag(ctx, op.ID, "production"); err != nil || got.ID != other.ID {
		t.Errorf("the other prompt's tag went too: %v", err)
	}
	if err := db.DeletePromptVersionTag(ctx, v1.ID, "production"); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Errorf("second delete: %v", err)
	}
	if err := db.DeletePromptVersionTag(ctx, 99999, "staging"); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Errorf("delete on unknown version: %v", err)
	}
}

func testPromptUpdateAndDelete(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	v := promptVersion("x")
	p := mustCreateVersion(t, db, "editable", v)
	if err := db.SetPromptVersionTag(ctx, &ember.PromptVersionTag{PromptVersionID: v.ID, Name: "prod"}); err != nil {
		t.Fatal(err)
	}
	db.Now = func() time.Time { return base }
	got, err := db.UpdatePrompt(ctx, p.ID, ember.PromptUpdate{SetDescription: true, Description: strp("new")})
	if err != nil || *got.Description != "new" || string(got.Metadata) != "{}" || !got.UpdatedAt.Equal(base) {
		t.Fatalf("description: %+v %v", got, err)
	}
	got, err = db.UpdatePrompt(ctx, p.ID, ember.PromptUpdate{Metadata: json.RawMessage(`{"z":1,"a":2}`)})
	if err != nil || *got.Description != "new" || string(got.Metadata) != `{"z":1,"a":2}` {
		t.Fatalf("metadata: %+v %v", got, err)
	}
	got, err = db.UpdatePrompt(ctx, p.ID, ember.PromptUpdate{SetDescription: true})
	if err != nil || got.Description != nil {
		t.Fatalf("clear description: %+v %v", got, err)
	}
	if _, err := db.UpdatePrompt(ctx, 99999, ember.PromptUpdate{SetDescription: true}); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Errorf("update unknown: %v", err)
	}
	if err := db.DeletePrompt(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindPromptVersionByID(ctx, v.ID); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Errorf("version outlived its prompt: %v", err)
	}
	var tags int
	if err := db.ReadDB().QueryRowContext(ctx, `SELECT count(*) FROM prompt_version_tags`).Scan(&tags); err != nil || tags != 0 {
		t.Errorf("%d tags outlived their prompt: %v", tags, err)
	}
	if err := db.DeletePrompt(ctx, p.ID); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Errorf("second delete: %v", err)
	}
	// Ids are not reused.
	again := mustCreateVersion(t, db, "editable", promptVersion("y"))
	if again.ID <= p.ID {
		t.Errorf("prompt id %d reused after %d", again.ID, p.ID)
	}
}

func testPromptConcurrentCreate(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			errs <- db.CreatePromptVersion(ctx, &ember.Prompt{Name: "race"}, promptVersion(fmt.Sprint(i)))
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	p, err := db.FindPromptByName(ctx, "race")
	if err != nil {
		t.Fatal(err)
	}
	versions, err := db.FindPromptVersions(ctx, ember.PromptVersionFilter{PromptID: p.ID})
	if err != nil || len(versions) != 8 {
		t.Errorf("%d versions of one prompt, %v", len(versions), err)
	}
}
