package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/upload"
)

// gatedDatasets applies uploads only as values arrive on gate, so that a
// test can hold the background queue full.
type gatedDatasets struct {
	ember.DatasetService
	gate chan struct{}

	mu      sync.Mutex
	applied []string
}

func (g *gatedDatasets) FindDatasetByName(ctx context.Context, name string) (*ember.Dataset, error) {
	if name == "taken" {
		return &ember.Dataset{ID: 1, Name: name}, nil
	}
	return nil, ember.Errorf(ember.ENOTFOUND, "no dataset")
}

func (g *gatedDatasets) UploadDataset(ctx context.Context, up *ember.DatasetUpload) (*ember.UploadResult, error) {
	select {
	case <-g.gate:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.applied = append(g.applied, up.Name)
	return &ember.UploadResult{DatasetID: 1, VersionID: 1}, nil
}

// TestDatasetUploadQueued pins uploads without sync=true: answered null at
// once, before they are applied; a taken name still 409 up front; a full
// queue 429 with Retry-After; a sync upload unaffected; and Close applies
// what was queued.
func TestDatasetUploadQueued(t *testing.T) {
	ds := &gatedDatasets{gate: make(chan struct{})}
	q := upload.NewQueue(ds, upload.QueueOptions{MaxQueued: 2})
	mux := http.NewServeMux()
	h := &Handler{Datasets: ds, UploadQueue: q}
	h.registerDatasetRoutes(mux)
	post := func(query, name string) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest("POST", "/v1/datasets/upload"+query, strings.NewReader(`{"action":"create","name":"`+name+`","inputs":[{"q":1}]}`))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		return rec
	}
	for _, name := range []string{"one", "two"} {
		if rec := post("?sync=false", name); rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != "null" {
			t.Fatalf("queued upload %s: %d %q", name, rec.Code, rec.Body)
		}
	}
	rec := post("", "three")
	if rec.Code != http.StatusTooManyRequests || !strings.Contains(rec.Body.String(), "Too many requests") || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("upload to a full queue: %d %q %v", rec.Code, rec.Body, rec.Header())
	}
	if rec := post("", "taken"); rec.Code != http.StatusConflict || rec.Body.String() != `A dataset named "taken" already exists.` {
		t.Errorf("create of a taken name: %d %q", rec.Code, rec.Body)
	}
	if rec := post("?sync=false", `"`); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("malformed upload: %d %q", rec.Code, rec.Body)
	}
	close(ds.gate)
	if rec := post("?sync=true", "four"); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"dataset_id"`) {
		t.Errorf("sync upload: %d %q", rec.Code, rec.Body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := q.Close(ctx); err != nil {
		t.Fatal(err)
	}
	ds.mu.Lock()
	defer ds.mu.Unlock()
	// "four" may land before the queued two: it does not wait for them.
	if len(ds.applied) != 3 || !strings.Contains(strings.Join(ds.applied, ","), "one,two") {
		t.Errorf("applied %v", ds.applied)
	}
}
