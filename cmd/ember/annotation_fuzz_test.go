package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/httpapi"
	"github.com/emberhq/ember/internal/ingest"
	"github.com/emberhq/ember/internal/store"
	"github.com/emberhq/ember/internal/store/postgres"
	"github.com/emberhq/ember/internal/store/sqlite"
)

// annotationRoutes are the routes FuzzAnnotationRequests sends to.
var annotationRoutes = []struct{ method, path string }{
	{"POST", "/v1/span_annotations?sync=true"},
	{"POST", "/v1/span_annotations"},
	{"POST", "/v1/trace_annotations?sync=true"},
	{"POST", "/v1/session_annotations?sync=true"},
	{"POST", "/v1/document_annotations?sync=true"},
	{"POST", "/v1/span_notes"},
	{"POST", "/v1/trace_notes"},
	{"POST", "/v1/session_notes"},
	{"GET", "/v1/projects/fuzz/span_annotations?"},
	{"GET", "/v1/projects/fuzz/trace_annotations?"},
	{"DELETE", "/v1/projects/fuzz/session_annotations?"},
	{"POST", "/v1/annotation_configs"},
	{"PUT", "/v1/annotation_configs/c"},
	{"PUT", "/v1/projects/fuzz/annotation_configs"},
	{"GET", "/v1/annotation_configs?"},
}

// FuzzAnnotationRequests sends arbitrary bodies and query strings to the
// annotation routes of a real store and fails on any 5xx: bad input must be
// answered with a 4xx. It runs on SQLite, or on PostgreSQL when
// EMBER_FUZZ_POSTGRES is set (with EMBER_TEST_POSTGRES_URL).
//
//	go test ./cmd/ember -run '^$' -fuzz FuzzAnnotationRequests -fuzztime 2m
func FuzzAnnotationRequests(f *testing.F) {
	var db *store.DB
	var err error
	if url := os.Getenv("EMBER_TEST_POSTGRES_URL"); url != "" && os.Getenv("EMBER_FUZZ_POSTGRES") != "" {
		schema := "fuzz_" + strings.ToLower(rand.Text())
		db, err = postgres.Open(context.Background(), url, postgres.Options{Schema: schema})
		f.Cleanup(func() { dropSchema(url, schema) })
	} else {
		db, err = sqlite.Open(context.Background(), filepath.Join(f.TempDir(), "ember.db"), sqlite.Options{})
	}
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := db.InsertSpans(context.Background(), []*ember.Span{{
		ProjectName: "fuzz", TraceID: "t", SpanID: "s", Name: "x", Kind: ember.SpanKindRetriever, StartTime: start, EndTime: start,
		StatusCode: ember.StatusOK, SessionID: "sess", Attributes: []byte(`{"retrieval":{"documents":[{},{}]}}`),
	}}); err != nil {
		f.Fatal(err)
	}
	queue := ingest.NewAnnotationQueue(db, ingest.AnnotationQueueOptions{})
	f.Cleanup(func() { queue.Close(context.Background()) })
	api := &httpapi.Handler{Database: db, Projects: db, Spans: db, Traces: db, Annotations: db, AnnotationQueue: queue, AnnotationConfigs: db}
	mux := http.NewServeMux()
	api.Register(mux)

	f.Add(uint8(0), "", []byte(`{"data":[{"span_id":"s","name":"n","annotator_kind":"LLM","result":{"label":"a\u0000","score":1e308},"metadata":{"k":"\ud800"}}]}`))
	f.Add(uint8(4), "", []byte(`{"data":[{"span_id":"s","document_position":1,"name":"n","annotator_kind":"CODE"}]}`))
	f.Add(uint8(5), "", []byte(`{"data":{"span_id":"s","note":"hi","identifier":"i"}}`))
	f.Add(uint8(8), "span_ids=s&identifier=%00&limit=3&cursor=U3Bhbjox&include_annotation_names=n", []byte(nil))
	f.Add(uint8(10), "delete_all=true&name=n&start_time=2026-01-01&end_time=2027-01-01&annotator_kind=LLM", []byte(nil))
	f.Add(uint8(11), "", []byte(`{"name":"c","type":"CATEGORICAL","optimization_direction":"MAXIMIZE","values":[{"label":"a","score":1}]}`))
	f.Add(uint8(12), "", []byte(`{"name":"c","type":"CONTINUOUS","optimization_direction":"NONE","lower_bound":0,"upper_bound":1}`))
	f.Add(uint8(13), "", []byte(`{"annotation_config_ids":["Q2F0ZWdvcmljYWxBbm5vdGF0aW9uQ29uZmlnOjE="]}`))
	f.Fuzz(func(t *testing.T, route uint8, query string, body []byte) {
		r := annotationRoutes[int(route)%len(annotationRoutes)]
		target := r.path
		if strings.HasSuffix(target, "?") {
			target += query
		}
		req, err := http.NewRequest(r.method, target, bytes.NewReader(body))
		if err != nil {
			return // not a request a client can send
		}
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", r.method, target, body, rec.Code, rec.Body.String())
		}
	})
}
