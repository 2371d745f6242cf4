package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/store"
)

// testDatasets pins the dataset semantics: versions written only on change,
// content-hash and external-id matching, examples as of each version,
// splits, labels and cascading deletes.
func testDatasets(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	ex := func(q, a string) ember.NewExample {
		return ember.NewExample{Input: json.RawMessage(fmt.Sprintf(`{"q":%q}`, q)), Output: json.RawMessage(fmt.Sprintf(`{"a":%q}`, a)), Metadata: json.RawMessage(`{}`)}
	}
	upload := func(action ember.UploadAction, examples ...ember.NewExample) *ember.UploadResult {
		t.Helper()
		res, err := db.UploadDataset(ctx, &ember.DatasetUpload{Action: action, Name: "qa", Examples: examples})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	contents := func(version int64) []string {
		t.Helper()
		var out []string
		err := db.EachExample(ctx, ember.ExampleFilter{DatasetID: 1, VersionID: version}, func(e *ember.DatasetExample) error {
			out = append(out, string(e.Input)+string(e.Output))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	counts := func(r *ember.UploadResult) [3]int { return [3]int{r.Created, r.Updated, r.Deleted} }

	v1 := upload(ember.UploadCreate, ex("1", "one"), ex("2", "two"))
	if v1.DatasetID == 0 || v1.VersionID == 0 || counts(v1) != [3]int{2, 0, 0} {
		t.Fatalf("create: %+v", v1)
	}
	if _, err := db.UploadDataset(ctx, &ember.DatasetUpload{Action: ember.UploadCreate, Name: "qa"}); ember.ErrorCode(err) != ember.ECONFLICT || ember.ErrorMessage(err) != `A dataset named "qa" already exists.` {
		t.Fatalf("duplicate create: %v", err)
	}
	same := upload(ember.UploadUpdate, ex("2", "two"), ex("1", "one"))
	if same.VersionID != v1.VersionID || counts(same) != [3]int{} {
		t.Fatalf("identical update: %+v, want version %d and no changes", same, v1.VersionID)
	}
	v2 := upload(ember.UploadUpdate, ex("1", "one"), ex("3", "three"))
	if v2.VersionID == v1.VersionID || counts(v2) != [3]int{1, 0, 1} {
		t.Fatalf("update: %+v", v2)
	}
	v3 := upload(ember.UploadAppend, ex("4", "four"))
	if counts(v3) != [3]int{1, 0, 0} {
		t.Fatalf("append: %+v", v3)
	}
	want := map[int64][]string{
		v1.VersionID: {`{"q":"1"}{"a":"one"}`, `{"q":"2"}{"a":"two"}`},
		v2.VersionID: {`{"q":"1"}{"a":"one"}`, `{"q":"3"}{"a":"three"}`},
		v3.VersionID: {`{"q":"1"}{"a":"one"}`, `{"q":"3"}{"a":"three"}`, `{"q":"4"}{"a":"four"}`},
		0:            {`{"q":"1"}{"a":"one"}`, `{"q":"3"}{"a":"three"}`, `{"q":"4"}{"a":"four"}`},
	}
	for v, w := range want {
		if diff := cmp.Diff(w, contents(v)); diff != "" {
			t.Errorf("examples as of version %d (-want +got):\n%s", v, diff)
		}
	}
	d, err := db.FindDatasetByName(ctx, "qa")
	if err != nil || d.ExampleCount != 3 || string(d.Metadata) != "{}" {
		t.Fatalf("dataset %+v, %v", d, err)
	}
	// The dataset's metadata is kept by uploads without it, replaced by
	// those with it, whether or not the examples change.
	for _, c := range []struct{ set, want string }{{`{"owner":"qa"}`, `{"owner":"qa"}`}, {"", `{"owner":"qa"}`}, {`{"v":2}`, `{"v":2}`}} {
		r, err := db.UploadDataset(ctx, &ember.DatasetUpload{Action: ember.UploadAppend, Name: "qa", Metadata: json.RawMessage(c.set)})
		if err != nil || r.VersionID != v3.VersionID {
			t.Fatalf("metadata-only upload: %+v %v", r, err)
		}
		if d, err := db.FindDatasetByID(ctx, d.ID); err != nil || string(d.Metadata) != c.want {
			t.Fatalf("metadata after setting %q: %s %v", c.set, d.Metadata, err)
		}
	}
	if r, err := db.UploadDataset(ctx, &ember.DatasetUpload{Action: ember.UploadCreate, Name: "with metadata", Metadata: json.RawMessage(`{"k":[1]}`)}); err != nil {
		t.Fatal(err)
	} else if d, err := db.FindDatasetByID(ctx, r.DatasetID); err != nil || string(d.Metadata) != `{"k":[1]}` {
		t.Fatalf("new dataset's metadata: %s %v", d.Metadata, err)
	}
	versions, err := db.FindDatasetVersions(ctx, d.ID, 0, 0)
	if err != nil || len(versions) != 3 || versions[0].ID != v3.VersionID || versions[2].ExampleCount != 2 {
		t.Fatalf("versions %v, %v", versions, err)
	}
	if _, err := db.FindDatasetVersion(ctx, d.ID, 999); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Fatalf("unknown version: %v", err)
	}

	// External ids: a changed example with the same id is a PATCH.
	withID := func(id, q, a string) ember.NewExample {
		e := ex(q, a)
		e.ExampleID = id
		return e
	}
	r, err := db.UploadDataset(ctx, &ember.DatasetUpload{Action: ember.UploadUpdate, Name: "ext", Examples: []ember.NewExample{withID("a", "1", "x"), withID("b", "2", "y")}})
	if err != nil || counts(r) != [3]int{2, 0, 0} {
		t.Fatalf("ext create: %+v, %v", r, err)
	}
	r, err = db.UploadDataset(ctx, &ember.DatasetUpload{Action: ember.UploadAppend, Name: "ext", Examples: []ember.NewExample{withID("a", "1", "changed")}})
	if err != nil || counts(r) != [3]int{0, 1, 0} {
		t.Fatalf("ext patch: %+v, %v", r, err)
	}
	var got []string
	_ = db.EachExample(ctx, ember.ExampleFilter{DatasetID: r.DatasetID}, func(e *ember.DatasetExample) error {
		got = append(got, e.ExternalID+":"+string(e.Output))
		return nil
	})
	if diff := cmp.Diff([]string{`a:{"a":"changed"}`, `b:{"a":"y"}`}, got); diff != "" {
		t.Errorf("external ids (-want +got):\n%s", diff)
	}
	// A GlobalID of another dataset's example is refused.
	foreign := ember.GlobalID("DatasetExample", 1)
	if _, err := db.UploadDataset(ctx, &ember.DatasetUpload{Action: ember.UploadAppend, Name: "ext", Examples: []ember.NewExample{withID(foreign, "1", "z")}}); ember.ErrorCode(err) != ember.EUNPROCESSABLE {
		t.Fatalf("foreign example id: %v", err)
	}
	// A GlobalID of the dataset's own example patches it.
	own := ember.GlobalID("DatasetExample", 1)
	r, err = db.UploadDataset(ctx, &ember.DatasetUpload{Action: ember.UploadAppend, Name: "qa", Examples: []ember.NewExample{withID(own, "1", "uno")}})
	if err != nil || counts(r) != [3]int{0, 1, 0} {
		t.Fatalf("own example id: %+v, %v", r, err)
	}

	// Splits from an upload, and reading by split.
	split := ex("5", "five")
	split.Splits = []string{"train", "test"}
	r = upload(ember.UploadAppend, split)
	train, err := db.FindDatasetSplitByName(ctx, "train")
	if err != nil || train.ExampleCount != 1 {
		t.Fatalf("train split %+v, %v", train, err)
	}
	var inTrain []string
	err = db.EachExample(ctx, ember.ExampleFilter{DatasetID: 1, SplitIDs: []int64{train.ID}, WithSplits: true}, func(e *ember.DatasetExample) error {
		inTrain = append(inTrain, fmt.Sprintf("%s %v", e.Input, e.Splits))
		return nil
	})
	if err != nil || len(inTrain) != 1 || inTrain[0] != `{"q":"5"} [test train]` {
		t.Fatalf("examples in train: %v, %v", inTrain, err)
	}
	s := &ember.DatasetSplit{Name: "train"}
	if err := db.CreateDatasetSplit(ctx, 1, s, nil); ember.ErrorCode(err) != ember.ECONFLICT {
		t.Fatalf("duplicate split: %v", err)
	}
	s = &ember.DatasetSplit{Name: "hard"}
	if err := db.CreateDatasetSplit(ctx, 1, s, []int64{1}); err != nil || s.ExampleCount != 1 {
		t.Fatalf("create split: %+v, %v", s, err)
	}
	if err := db.CreateDatasetSplit(ctx, 2, &ember.DatasetSplit{Name: "x"}, []int64{1}); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Fatalf("split with a foreign example: %v", err)
	}
	newName := "harder"
	s2, err := db.UpdateDatasetSplit(ctx, 1, s.ID, ember.DatasetSplitUpdate{Name: &newName, RemoveExamples: []int64{1}})
	if err != nil || s2.Name != "harder" || s2.ExampleCount != 0 {
		t.Fatalf("update split: %+v, %v", s2, err)
	}
	if err := db.DeleteDatasetSplit(ctx, s.ID); err != nil {
		t.Fatal(err)
	}

	// Labels.
	l := &ember.DatasetLabel{Name: "gold", Color: "#00cc88"}
	if err := db.CreateDatasetLabel(ctx, l); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateDatasetLabel(ctx, &ember.DatasetLabel{Name: "gold", Color: "#000000"}); ember.ErrorCode(err) != ember.ECONFLICT {
		t.Fatalf("duplicate label: %v", err)
	}
	if err := db.SetLabelsOfDataset(ctx, 1, []int64{l.ID}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddLabelToDataset(ctx, 1, 999); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Fatalf("unknown label: %v", err)
	}
	labels, err := db.FindLabelsOfDataset(ctx, 1)
	if err != nil || len(labels) != 1 || labels[0].Name != "gold" {
		t.Fatalf("labels %v, %v", labels, err)
	}

	// Delete cascades.
	if err := db.DeleteDataset(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteDataset(ctx, 1); ember.ErrorCode(err) != ember.ENOTFOUND {
		t.Fatalf("second delete: %v", err)
	}
	var left int
	if err := db.ReadDB().QueryRowContext(ctx, `SELECT COUNT(*) FROM dataset_examples WHERE dataset_id = 1`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("examples left after delete: %d, %v", left, err)
	}
	if labels, _ := db.FindLabelsOfDataset(ctx, 1); len(labels) != 0 {
		t.Fatalf("labels left: %v", labels)
	}
}

// testLargeDatasetUpload crosses the bulk chunk sizes and checks that every
// example reads back in upload order, linked to its span.
func testLargeDatasetUpload(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	insert(t, db, span("t1", "s1", ""))
	const n = 2345
	examples := make([]ember.NewExample, n)
	for i := range examples {
		examples[i] = ember.NewExample{Input: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i)), Output: json.RawMessage(`{}`), Metadata: json.RawMessage(`{}`)}
	}
	examples[7].SpanID = fmt.Sprintf("%016s", "s1")
	examples[8].SpanID = "unknown"
	res, err := db.UploadDataset(ctx, &ember.DatasetUpload{Action: ember.UploadCreate, Name: "big", Examples: examples})
	if err != nil || res.Created != n {
		t.Fatalf("upload: %+v, %v", res, err)
	}
	i := 0
	err = db.EachExample(ctx, ember.ExampleFilter{DatasetID: res.DatasetID}, func(e *ember.DatasetExample) error {
		if want := fmt.Sprintf(`{"i":%d}`, i); string(e.Input) != want {
			return fmt.Errorf("example %d: input %s, want %s", i, e.Input, want)
		}
		if (i == 7) != (e.SpanID == fmt.Sprintf("%016s", "s1")) {
			return fmt.Errorf("example %d: span %q", i, e.SpanID)
		}
		i++
		return nil
	})
	if err != nil || i != n {
		t.Fatalf("read %d examples: %v", i, err)
	}
	if store.ContentHash(json.RawMessage(`{"a":1,"b":2.50}`), nil, nil) != store.ContentHash(json.RawMessage(`{"b":2.50, "a":1}`), nil, nil) {
		t.Error("content hash depends on key order")
	}
}
