package postgres_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/emberhq/ember/internal/store"
	"github.com/emberhq/ember/internal/store/postgres"
	"github.com/emberhq/ember/internal/store/storetest"
)

// testURL names the PostgreSQL server the tests use; without it they skip.
func testURL(t testing.TB) string {
	url := os.Getenv("EMBER_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("EMBER_TEST_POSTGRES_URL is not set")
	}
	return url
}

// open gives each test a schema of its own in the shared server.
func open(t testing.TB) *store.DB {
	t.Helper()
	url := testURL(t)
	schema := "test_" + strings.ToLower(rand.Text())
	db, err := postgres.Open(context.Background(), url, postgres.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		dropSchema(t, url, schema)
	})
	return db
}

func dropSchema(t testing.TB, url, schema string) {
	raw, err := sql.Open("pgx", url)
	if err != nil {
		t.Error(err)
		return
	}
	defer raw.Close()
	if _, err := raw.Exec(`DROP SCHEMA "` + schema + `" CASCADE`); err != nil {
		t.Error(err)
	}
}

func TestConformance(t *testing.T) { storetest.RunAll(t, open) }

func TestUserConformance(t *testing.T) { storetest.RunUsers(t, open) }

func TestConcurrentStartup(t *testing.T) {
	// Several servers starting at once against one empty database: the
	// migration lock lets exactly one migrate, the others wait and find the
	// schema ready.
	url := testURL(t)
	schema := "test_" + strings.ToLower(rand.Text())
	t.Cleanup(func() { dropSchema(t, url, schema) })
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for range 6 {
		wg.Go(func() {
			db, err := postgres.Open(context.Background(), url, postgres.Options{Schema: schema})
			if err != nil {
				errs <- err
				return
			}
			_, err = db.FindProjectByName(context.Background(), "default")
			db.Close()
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
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

// TestAttributesCompressLZ4: where the server supports lz4, migration 00011
// makes it the compression of large span attributes.
func TestAttributesCompressLZ4(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	conn, err := db.ReadDB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SET default_toast_compression = lz4`); err != nil {
		t.Skipf("this server has no lz4: %v", err)
	}
	var method string
	if err := conn.QueryRowContext(ctx, `SELECT attcompression::text FROM pg_attribute WHERE attrelid = 'spans'::regclass AND attname = 'attributes'`).Scan(&method); err != nil {
		t.Fatal(err)
	}
	if method != "l" {
		t.Fatalf("spans.attributes compression = %q, want l (lz4)", method)
	}
}
