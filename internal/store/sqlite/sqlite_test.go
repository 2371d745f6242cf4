package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/emberhq/ember"

	"github.com/emberhq/ember/internal/store"
	"github.com/emberhq/ember/internal/store/sqlite"
	"github.com/emberhq/ember/internal/store/storetest"
)

func open(t testing.TB) *store.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "ember.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) { storetest.RunAll(t, open) }

func TestUserConformance(t *testing.T) { storetest.RunUsers(t, open) }

func TestMemory(t *testing.T) {
	db, err := sqlite.Open(context.Background(), ":memory:", sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.FindProjectByName(context.Background(), "default"); err != nil {
		t.Fatal(err)
	}
}

func TestReopen(t *testing.T) {
	// Migrations are idempotent: a second open of the same file works and
	// keeps the data.
	path := filepath.Join(t.TempDir(), "nested", "dir", "ember.db")
	for range 2 {
		db, err := sqlite.Open(context.Background(), path, sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func BenchmarkInsertSpans(b *testing.B) {
	storetest.BenchmarkInsertSpans(b, func(b *testing.B) *store.DB { return open(b) })
}

func BenchmarkUpsertAnnotations(b *testing.B) {
	storetest.BenchmarkUpsertAnnotations(b, func(b *testing.B) *store.DB { return open(b) })
}

func TestSyncAfterCommit(t *testing.T) {
	// InsertSpans flushes the log itself; InsertSpansNoSync leaves that
	// to Sync, which must find the log and flush it.
	db := open(t)
	ctx := context.Background()
	if err := db.Sync(ctx); err != nil {
		t.Fatalf("sync before any write: %v", err)
	}
	s := &ember.Span{ProjectName: "p", TraceID: "t1", SpanID: "s1", Name: "x", Kind: ember.SpanKindChain, StatusCode: ember.StatusOK}
	if _, err := db.InsertSpansNoSync(ctx, []*ember.Span{s}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := db.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
