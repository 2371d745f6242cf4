package main

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// counters are shared by all workers: a few atomic adds per request.
type counters struct {
	ackedRequests atomic.Int64
	ackedSpans    atomic.Int64
	ackedRawBytes atomic.Int64 // uncompressed bodies of acked requests
	wireBytes     atomic.Int64 // every attempt, body after gzip; used when the client does not count
	rejections    atomic.Int64 // 429/503/RESOURCE_EXHAUSTED/UNAVAILABLE replies
	retries       atomic.Int64 // re-sends after a rejection
	errors        atomic.Int64 // failed requests
	rejectedSpans atomic.Int64 // partial_success.rejected_spans
	abandoned     atomic.Int64 // requests given up when the run stopped mid-backoff
	abandonedSp   atomic.Int64

	mu     sync.Mutex
	errMsg map[string]int64 // distinct error messages, bounded
}

func (c *counters) fail(err error) {
	c.errors.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.errMsg == nil {
		c.errMsg = map[string]int64{}
	}
	msg := err.Error()
	if _, ok := c.errMsg[msg]; ok || len(c.errMsg) < 10 {
		c.errMsg[msg]++
	}
}

// load is one run: the request templates, the work plan, and the workers.
type load struct {
	cfg       *config
	client    client
	templates []*template
	remainder *template // last request of a -total-spans run, if it is partial
	ids       *ids
	c         counters

	fullRequests int64        // -total-spans runs: requests of a full template
	next         atomic.Int64 // -total-spans runs: next request number

	// stop ends the run: no new requests, no more backoff waits. Requests in
	// flight still finish under their own per-attempt timeout, unless abort
	// fires too.
	stop, abort context.Context
}

func newLoad(cfg *config, cl client, abort context.Context, stderr io.Writer) (*load, error) {
	p := profiles[cfg.profile]
	seed := rand.Uint64()
	l := &load{cfg: cfg, client: cl, abort: abort, ids: newIDs(rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)))}
	for i := range cfg.templates {
		t, err := buildTemplate(p, rand.New(rand.NewPCG(1, uint64(i))), cfg.project, cfg.spansPerRequest, cfg.spansPerTrace)
		if err != nil {
			return nil, err
		}
		l.templates = append(l.templates, t)
	}
	if cfg.totalSpans > 0 {
		l.fullRequests = cfg.totalSpans / int64(cfg.spansPerRequest)
		if rem := int(cfg.totalSpans % int64(cfg.spansPerRequest)); rem > 0 {
			t, err := buildTemplate(p, rand.New(rand.NewPCG(2, 0)), cfg.project, rem, min(rem, cfg.spansPerTrace))
			if err != nil {
				return nil, err
			}
			l.remainder = t
		}
	}
	if cfg.gzip && !cfg.gzipPerRequest {
		for i, t := range append(slices.Clip(l.templates), l.remainder) {
			if t == nil {
				continue
			}
			var err error
			t.gz, err = newGzTemplate(t, cfg.gzipLevel)
			if errors.Is(err, errNotIndependent) {
				fmt.Fprintf(stderr, "otlpload: template %d: %v; gzipping its requests one by one\n", i, err)
			} else if err != nil {
				return nil, err
			}
		}
	}
	return l, nil
}

// claim returns the template of the worker's next request, or nil when the
// run is over.
func (l *load) claim(rot int) *template {
	if l.stop.Err() != nil {
		return nil
	}
	if l.cfg.totalSpans == 0 {
		return l.templates[rot%len(l.templates)]
	}
	switch i := l.next.Add(1) - 1; {
	case i < l.fullRequests:
		return l.templates[rot%len(l.templates)]
	case i == l.fullRequests && l.remainder != nil:
		return l.remainder
	}
	return nil
}

// run sends until the plan is done or stop fires and returns the latencies
// of acked requests in microseconds.
func (l *load) run(stop context.Context) []int64 {
	l.stop = stop
	var wg sync.WaitGroup
	lat := make([][]int64, l.cfg.workers)
	for w := range l.cfg.workers {
		wg.Go(func() { lat[w] = l.worker(w) })
	}
	wg.Wait()
	return slices.Concat(lat...)
}

func (l *load) worker(w int) []int64 {
	var (
		lat []int64
		zw  *gzip.Writer
		raw []byte
		rng = rand.New(rand.NewPCG(uint64(w), rand.Uint64()))
	)
	if l.cfg.gzip && l.cfg.protocol == "http" {
		zw, _ = gzip.NewWriterLevel(nil, l.cfg.gzipLevel) // level validated in parseFlags
	}
	for rot := w; ; rot++ {
		t := l.claim(rot)
		if t == nil {
			return lat
		}
		// The raw bytes of a gzipped request never leave the worker, so
		// they need no pool.
		var p *payload
		now := time.Now().UnixNano()
		switch {
		case t.gz != nil:
			raw = t.stamp(slices.Grow(raw[:0], len(t.body)), l.ids, now)
			p = getPayload(len(t.gz.body))
			t.gz.stamp(p.buf, raw)
		case zw != nil:
			raw = t.stamp(slices.Grow(raw[:0], len(t.body)), l.ids, now)
			p = getPayload(0)
			aw := appendWriter{p.buf[:0]}
			zw.Reset(&aw)
			zw.Write(raw) // appendWriter never fails
			zw.Close()
			p.buf = aw.b
		default: // plain, or gRPC gzipping it in the library
			p = getPayload(len(t.body))
			t.stamp(p.buf, l.ids, now)
		}
		if us, ok := l.sendOne(p, t, rng); ok {
			lat = append(lat, us)
		}
		p.release()
	}
}

// sendOne sends one request until it is acked, fails, or is given up, and
// returns the latency of the acked attempt.
func (l *load) sendOne(p *payload, t *template, rng *rand.Rand) (int64, bool) {
	began := time.Now()
	for try := 0; ; try++ {
		ctx, cancel := context.WithTimeout(l.abort, l.cfg.timeout)
		t0 := time.Now()
		a := l.client.send(ctx, p)
		elapsed := time.Since(t0)
		cancel()
		l.c.wireBytes.Add(int64(len(p.buf)))

		switch a.verdict {
		case acked:
			n := int64(t.spans) - a.rejectedSpans
			l.c.ackedRequests.Add(1)
			l.c.ackedSpans.Add(n)
			l.c.ackedRawBytes.Add(int64(len(t.body)))
			if a.rejectedSpans > 0 {
				l.c.rejectedSpans.Add(a.rejectedSpans)
				l.c.fail(a.err)
			}
			return elapsed.Microseconds(), true
		case failed:
			l.c.fail(a.err)
			return 0, false
		}

		l.c.rejections.Add(1)
		wait := a.retryAfter
		if wait == 0 {
			// 50ms, 100ms, … capped at 2s, with ±25% jitter.
			base := min(50*time.Millisecond<<min(try, 6), 2*time.Second)
			wait = base*3/4 + time.Duration(rng.Int64N(int64(base)/2+1))
		}
		if time.Since(began)+wait > l.cfg.retryTimeout {
			l.c.fail(fmt.Errorf("gave up after %d rejections in %s: %w", try+1, time.Since(began).Round(time.Millisecond), a.err))
			return 0, false
		}
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
		case <-l.stop.Done():
			timer.Stop()
			l.c.abandoned.Add(1)
			l.c.abandonedSp.Add(int64(t.spans))
			return 0, false
		}
		l.c.retries.Add(1)
	}
}

type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}
