package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/store"
)

// load sends export requests of perRequest spans from several workers until
// stop is closed or the server stops answering, and returns the span ids of
// every request that was acknowledged (200).
func load(t *testing.T, url string, workers, perRequest int, stop <-chan struct{}) (acked []string, sent *atomic.Int64) {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	sent = &atomic.Int64{}
	client := &http.Client{Timeout: 30 * time.Second}
	for w := range workers {
		wg.Go(func() {
			prefix := byte(0x10 + w)
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				first := i * perRequest
				body := protobufBody(t, traces(prefix, first, perRequest, 10))
				req, _ := http.NewRequest(http.MethodPost, url+"/v1/traces", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/x-protobuf")
				sent.Add(1)
				resp, err := client.Do(req)
				if err != nil {
					return // the server is gone
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusServiceUnavailable {
					time.Sleep(10 * time.Millisecond)
					continue
				}
				if resp.StatusCode != http.StatusOK {
					return
				}
				mu.Lock()
				for j := first; j < first+perRequest; j++ {
					id := spanID(prefix, j)
					acked = append(acked, fmt.Sprintf("%x", id[:]))
				}
				mu.Unlock()
			}
		})
	}
	<-stop
	wg.Wait()
	return acked, sent
}

// assertStored fails unless every span id in ids is stored in db.
func assertStored(t *testing.T, db *store.DB, ids []string) {
	t.Helper()
	missing := 0
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		spans, err := db.FindSpans(context.Background(), ember.SpanFilter{SpanIDs: chunk})
		if err != nil {
			t.Fatal(err)
		}
		missing += len(chunk) - len(spans)
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged spans are missing", missing, len(ids))
	}
}

// TestKillDuringLoad kills the server with SIGKILL in the middle of a load
// and proves that every span it acknowledged is there after a restart.
func TestKillDuringLoad(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		env := e.env(t)
		p := startEmber(t, env)
		stop := make(chan struct{})
		var acked []string
		var sent *atomic.Int64
		done := make(chan struct{})
		go func() {
			acked, sent = load(t, p.httpURL, 8, 50, stop)
			close(done)
		}()
		time.Sleep(1500 * time.Millisecond)
		if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-p.exited
		close(stop)
		<-done
		if len(acked) < 1000 {
			t.Fatalf("only %d spans were acknowledged before the kill; the test proves little", len(acked))
		}
		t.Logf("%d requests sent, %d spans acknowledged before SIGKILL", sent.Load(), len(acked))
		// The server starts again on the same database and has every span.
		p2 := startEmber(t, env)
		db := e.open(t, env)
		assertStored(t, db, acked)
		p2.stop(t)
	})
}

// TestSigtermDrains stops the server with SIGTERM under load: it must exit
// cleanly, and every span it acknowledged must be stored.
func TestSigtermDrains(t *testing.T) {
	forEngine(t, func(t *testing.T, e engine) {
		env := e.env(t)
		p := startEmber(t, env)
		stop := make(chan struct{})
		var acked []string
		done := make(chan struct{})
		go func() {
			acked, _ = load(t, p.httpURL, 4, 100, stop)
			close(done)
		}()
		time.Sleep(700 * time.Millisecond)
		p.stop(t)
		close(stop)
		<-done
		if len(acked) == 0 {
			t.Fatal("nothing was acknowledged")
		}
		db := e.open(t, env)
		assertStored(t, db, acked)
		n, err := db.CountSpans(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%d spans acknowledged, %d stored", len(acked), n)
	})
}
