// Command otlpload is a load generator for OTLP trace receivers such as
// ember: N workers send pre-built OTLP requests over HTTP or gRPC for a
// duration or a fixed number of spans, then it reports throughput, latency,
// how many spans reached the database, and the server's peak memory.
//
// See README.md for usage.
package main

import (
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"
)

type config struct {
	protocol        string
	httpURL         string
	grpcAddr        string
	gzip            bool
	gzipLevel       int
	gzipPerRequest  bool
	workers         int
	duration        time.Duration
	durationSet     bool
	totalSpans      int64
	spansPerRequest int
	spansPerTrace   int
	profile         string
	project         string
	serverPID       int
	db              string
	json            bool
	apiKey          string
	timeout         time.Duration
	retryTimeout    time.Duration
	storeTimeout    time.Duration
	templates       int
	progress        time.Duration
	sink            bool
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	cfg := &config{}
	fs := flag.NewFlagSet("otlpload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.protocol, "protocol", "http", "http or grpc")
	fs.StringVar(&cfg.httpURL, "http-url", "http://127.0.0.1:6006/v1/traces", "OTLP/HTTP traces endpoint")
	fs.StringVar(&cfg.grpcAddr, "grpc-addr", "127.0.0.1:4317", "OTLP/gRPC host:port")
	fs.BoolVar(&cfg.gzip, "gzip", false, "gzip request bodies")
	fs.IntVar(&cfg.gzipLevel, "gzip-level", 6, "gzip level 1-9 (templates are compressed once, so the level costs nothing per request)")
	fs.BoolVar(&cfg.gzipPerRequest, "gzip-per-request", false, "gzip every request from scratch instead of stamping pre-compressed templates (costs far more CPU)")
	fs.IntVar(&cfg.workers, "workers", 8, "concurrent senders")
	fs.DurationVar(&cfg.duration, "duration", 60*time.Second, "how long to send; with -total-spans only a limit if given explicitly")
	fs.Int64Var(&cfg.totalSpans, "total-spans", 0, "send exactly this many spans, then stop (0 = run for -duration)")
	fs.IntVar(&cfg.spansPerRequest, "spans-per-request", 100, "spans per export request")
	fs.IntVar(&cfg.spansPerTrace, "spans-per-trace", 10, "spans per trace (a trace never spans two requests)")
	fs.StringVar(&cfg.profile, "profile", "small", "span profile: small or llm")
	fs.StringVar(&cfg.project, "project", "bench", "openinference.project.name resource attribute")
	fs.IntVar(&cfg.serverPID, "server-pid", 0, "server process id, to report its peak RSS")
	fs.StringVar(&cfg.db, "db", "", "server database to verify storage: sqlite:///path/to/ember.db or postgres://…")
	fs.BoolVar(&cfg.json, "json", false, "print the report as JSON on stdout (the text report then goes to stderr)")
	fs.StringVar(&cfg.apiKey, "api-key", "", "sent as authorization: Bearer <key>")
	fs.DurationVar(&cfg.timeout, "timeout", 30*time.Second, "per-attempt request timeout")
	fs.DurationVar(&cfg.retryTimeout, "retry-timeout", 60*time.Second, "give up on (and count as an error) a request still rejected after this long")
	fs.DurationVar(&cfg.storeTimeout, "store-timeout", 30*time.Second, "how long to poll the database for the acknowledged spans after sending")
	fs.IntVar(&cfg.templates, "templates", 8, "distinct pre-built request templates")
	fs.DurationVar(&cfg.progress, "progress", 10*time.Second, "progress line interval on stderr (0 = none)")
	fs.BoolVar(&cfg.sink, "sink", false, "run a no-op OTLP receiver on -http-url and -grpc-addr instead of sending (to measure the generator)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	fs.Visit(func(f *flag.Flag) { cfg.durationSet = cfg.durationSet || f.Name == "duration" })

	u, err := url.Parse(cfg.httpURL)
	switch {
	case cfg.protocol != "http" && cfg.protocol != "grpc":
		return nil, fmt.Errorf("-protocol %q: want http or grpc", cfg.protocol)
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return nil, fmt.Errorf("-http-url %q: want http(s)://host:port/path", cfg.httpURL)
	case profiles[cfg.profile] == nil:
		return nil, fmt.Errorf("-profile %q: want small or llm", cfg.profile)
	case cfg.workers < 1, cfg.spansPerRequest < 1, cfg.spansPerTrace < 1, cfg.templates < 1:
		return nil, errors.New("-workers, -spans-per-request, -spans-per-trace and -templates must be at least 1")
	case cfg.totalSpans < 0, cfg.duration <= 0, cfg.timeout <= 0:
		return nil, errors.New("-total-spans must be >= 0; -duration and -timeout > 0")
	case cfg.gzipLevel < gzip.BestSpeed || cfg.gzipLevel > gzip.BestCompression:
		return nil, fmt.Errorf("-gzip-level %d: want 1-9", cfg.gzipLevel)
	}
	if cfg.spansPerTrace > cfg.spansPerRequest {
		fmt.Fprintf(stderr, "otlpload: -spans-per-trace %d > -spans-per-request; using %d\n", cfg.spansPerTrace, cfg.spansPerRequest)
		cfg.spansPerTrace = cfg.spansPerRequest
	}
	return cfg, nil
}

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	} else if err != nil {
		fmt.Fprintln(os.Stderr, "otlpload:", err)
		os.Exit(2)
	}

	// First interrupt: stop sending and report. Second: abort in-flight
	// requests too.
	stop, stopNow := context.WithCancel(context.Background())
	abort, abortNow := context.WithCancel(context.Background())
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		stopNow()
		<-sig
		abortNow()
	}()

	if cfg.sink {
		err = runSink(stop, cfg, os.Stderr)
	} else {
		var ok bool
		ok, err = run(cfg, stop, abort, os.Stdout, os.Stderr)
		if err == nil && !ok {
			os.Exit(1)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "otlpload:", err)
		os.Exit(1)
	}
}

// run performs one load run and writes its report. ok is false if any
// request failed or the database holds fewer new spans than were acked.
func run(cfg *config, stop, abort context.Context, stdout, stderr io.Writer) (ok bool, err error) {
	grpcGzip.level.Store(int32(cfg.gzipLevel))
	var cl client
	if cfg.protocol == "grpc" {
		gc, err := newGRPCClient(cfg)
		if err != nil {
			return false, err
		}
		ctx, cancel := context.WithTimeout(stop, 5*time.Second)
		err = gc.waitReady(ctx)
		cancel()
		if err != nil {
			gc.close()
			return false, err
		}
		cl = gc
	} else {
		cl = newHTTPClient(cfg)
	}
	defer cl.close()

	l, err := newLoad(cfg, cl, abort, stderr)
	if err != nil {
		return false, err
	}

	var counter *spanCounter
	var before int64
	if cfg.db != "" {
		if counter, err = openSpanCounter(cfg.db); err != nil {
			return false, err
		}
		defer counter.close()
		if before, err = counter.count(stop); err != nil {
			return false, err
		}
	}
	var rss *rssSampler
	if cfg.serverPID > 0 {
		if _, err := procStatusKB(cfg.serverPID, "VmRSS"); err != nil {
			return false, fmt.Errorf("-server-pid: %w", err)
		}
		rss = startRSSSampler(cfg.serverPID, 200*time.Millisecond)
	}

	runStop := stop
	if cfg.totalSpans == 0 || cfg.durationSet {
		var cancel context.CancelFunc
		runStop, cancel = context.WithTimeout(stop, cfg.duration)
		defer cancel()
	}

	cpu0 := cpuTime()
	start := time.Now()
	progressDone := startProgress(l, start, cfg.progress, stderr)
	lat := l.run(runStop)
	sent := time.Since(start)
	cpu := cpuTime() - cpu0
	close(progressDone)

	r := &report{
		Protocol: cfg.protocol, Profile: cfg.profile, Gzip: cfg.gzip, Workers: cfg.workers,
		SpansPerRequest: cfg.spansPerRequest, SpansPerTrace: cfg.spansPerTrace,
		DurationSeconds:   sent.Seconds(),
		RequestsAcked:     l.c.ackedRequests.Load(),
		SpansAcked:        l.c.ackedSpans.Load(),
		Rejections:        l.c.rejections.Load(),
		Retries:           l.c.retries.Load(),
		AbandonedRequests: l.c.abandoned.Load(),
		AbandonedSpans:    l.c.abandonedSp.Load(),
		RejectedSpans:     l.c.rejectedSpans.Load(),
		Errors:            l.c.errors.Load(),
		ErrorSamples:      errorSamples(l.c.errMsg),
		ClientCPUSeconds:  cpu.Seconds(),
	}
	secs := sent.Seconds()
	wire := cl.wireBytes()
	if wire < 0 {
		wire = l.c.wireBytes.Load()
	}
	r.AckedSpansPerSec = float64(r.SpansAcked) / secs
	r.WireMB = float64(wire) / 1e6
	r.WireMBPerSec = r.WireMB / secs
	r.RawMBPerSec = float64(l.c.ackedRawBytes.Load()) / 1e6 / secs
	r.ClientCPUPercent = 100 * cpu.Seconds() / secs
	if r.RequestsAcked > 0 {
		r.ClientCPUPerRequest = float64(cpu.Microseconds()) / float64(r.RequestsAcked)
	}
	r.setLatencies(lat)

	r.Verification = "SKIPPED"
	if counter != nil {
		// Not tied to stop: after an interrupt the count is still wanted.
		ctx, cancel := context.WithTimeout(abort, cfg.storeTimeout+30*time.Second)
		after, at, err := counter.waitStored(ctx, before, r.SpansAcked, cfg.storeTimeout)
		cancel()
		d := &dbReport{Before: before, After: after, Stored: after - before, SecondsToStored: at.Sub(start).Seconds()}
		if d.SecondsToStored > 0 {
			d.StoredSpansPerSec = float64(d.Stored) / d.SecondsToStored
		}
		r.Verification = "OK"
		if err != nil {
			d.Error = err.Error()
			r.Verification = "FAILED"
		} else if d.Stored < r.SpansAcked {
			r.Verification = "FAILED"
		}
		r.DB = d
	}
	if rss != nil {
		maxKB, hwmKB, err := rss.stop()
		r.ServerRSS = &rssReport{PeakMB: float64(hwmKB) / 1024, MaxSampledMB: float64(maxKB) / 1024}
		if err != nil {
			r.ServerRSS.Error = err.Error()
		}
	}
	r.OK = r.Errors == 0 && r.Verification != "FAILED"

	if cfg.json {
		r.writeText(stderr)
		if err := r.writeJSON(stdout); err != nil {
			return false, err
		}
	} else {
		r.writeText(stdout)
	}
	return r.OK, nil
}

// startProgress prints a progress line every interval until done is closed.
func startProgress(l *load, start time.Time, every time.Duration, w io.Writer) chan<- struct{} {
	done := make(chan struct{})
	if every <= 0 {
		return done
	}
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		var last int64
		for {
			select {
			case <-done:
				return
			case <-t.C:
				n := l.c.ackedSpans.Load()
				fmt.Fprintf(w, "otlpload: %6.0fs  %d spans acked (%.0f/s now)  rejections %d  errors %d\n",
					time.Since(start).Seconds(), n, float64(n-last)/every.Seconds(), l.c.rejections.Load(), l.c.errors.Load())
				last = n
			}
		}
	}()
	return done
}

// cpuTime is the user+system CPU this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
