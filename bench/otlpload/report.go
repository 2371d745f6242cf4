package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
)

// report is what a run prints, as text and (-json) as JSON.
type report struct {
	Protocol        string  `json:"protocol"`
	Profile         string  `json:"profile"`
	Gzip            bool    `json:"gzip"`
	Workers         int     `json:"workers"`
	SpansPerRequest int     `json:"spans_per_request"`
	SpansPerTrace   int     `json:"spans_per_trace"`
	DurationSeconds float64 `json:"duration_seconds"`

	RequestsAcked     int64    `json:"requests_acknowledged"`
	SpansAcked        int64    `json:"spans_acknowledged"`
	AckedSpansPerSec  float64  `json:"acked_spans_per_second"`
	WireMB            float64  `json:"wire_mb_sent"`
	WireMBPerSec      float64  `json:"wire_mb_per_second"`
	RawMBPerSec       float64  `json:"uncompressed_acked_mb_per_second"`
	LatencyP50Ms      float64  `json:"latency_p50_ms"`
	LatencyP99Ms      float64  `json:"latency_p99_ms"`
	LatencyMaxMs      float64  `json:"latency_max_ms"`
	Rejections        int64    `json:"rejections"`
	Retries           int64    `json:"retries"`
	AbandonedRequests int64    `json:"abandoned_requests"`
	AbandonedSpans    int64    `json:"abandoned_spans"`
	RejectedSpans     int64    `json:"partial_success_rejected_spans"`
	Errors            int64    `json:"errors"`
	ErrorSamples      []string `json:"error_samples,omitempty"`

	DB        *dbReport  `json:"db,omitempty"`
	ServerRSS *rssReport `json:"server_rss,omitempty"`

	ClientCPUSeconds    float64 `json:"client_cpu_seconds"`
	ClientCPUPercent    float64 `json:"client_cpu_percent_of_one_core"`
	ClientCPUPerRequest float64 `json:"client_cpu_us_per_request"`

	Verification string `json:"verification"` // OK, FAILED or SKIPPED (no -db)
	OK           bool   `json:"ok"`
}

type dbReport struct {
	Before            int64   `json:"before"`
	After             int64   `json:"after"`
	Stored            int64   `json:"stored"`
	SecondsToStored   float64 `json:"seconds_until_stored"`
	StoredSpansPerSec float64 `json:"stored_spans_per_second"`
	Error             string  `json:"error,omitempty"`
}

type rssReport struct {
	PeakMB       float64 `json:"peak_mb_vmhwm"`
	MaxSampledMB float64 `json:"max_sampled_mb_vmrss"`
	Error        string  `json:"error,omitempty"`
}

// percentile of sorted values, nearest rank.
func percentile(sorted []int64, p float64) int64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p/100*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func (r *report) setLatencies(us []int64) {
	slices.Sort(us)
	r.LatencyP50Ms = float64(percentile(us, 50)) / 1000
	r.LatencyP99Ms = float64(percentile(us, 99)) / 1000
	if len(us) > 0 {
		r.LatencyMaxMs = float64(us[len(us)-1]) / 1000
	}
}

func errorSamples(m map[string]int64) []string {
	var out []string
	for msg, n := range m {
		out = append(out, fmt.Sprintf("%d× %s", n, msg))
	}
	sort.Strings(out)
	return out
}

func (r *report) writeText(w io.Writer) {
	p := func(label, format string, args ...any) {
		fmt.Fprintf(w, "%-20s %s\n", label, fmt.Sprintf(format, args...))
	}
	fmt.Fprintf(w, "otlpload: %s gzip=%t profile=%s workers=%d spans/request=%d spans/trace=%d\n",
		r.Protocol, r.Gzip, r.Profile, r.Workers, r.SpansPerRequest, r.SpansPerTrace)
	p("duration", "%.2f s", r.DurationSeconds)
	p("requests acked", "%d", r.RequestsAcked)
	p("spans acked", "%d (%.0f spans/s)", r.SpansAcked, r.AckedSpansPerSec)
	p("sent", "%.1f MB on the wire (%.2f MB/s); acked bodies uncompressed %.2f MB/s", r.WireMB, r.WireMBPerSec, r.RawMBPerSec)
	p("latency", "p50 %.2f ms, p99 %.2f ms, max %.2f ms", r.LatencyP50Ms, r.LatencyP99Ms, r.LatencyMaxMs)
	p("rejections", "%d (retries %d; abandoned at stop: %d requests, %d spans)", r.Rejections, r.Retries, r.AbandonedRequests, r.AbandonedSpans)
	if r.RejectedSpans > 0 {
		p("partial rejections", "%d spans", r.RejectedSpans)
	}
	p("errors", "%d", r.Errors)
	for _, s := range r.ErrorSamples {
		p("", "%s", s)
	}
	if d := r.DB; d != nil {
		p("stored (db)", "%d (before %d, after %d) in %.2f s: %.0f stored spans/s", d.Stored, d.Before, d.After, d.SecondsToStored, d.StoredSpansPerSec)
		if d.Error != "" {
			p("", "db error: %s", d.Error)
		}
	}
	if s := r.ServerRSS; s != nil {
		p("server RSS", "peak %.1f MB (VmHWM), max sampled during run %.1f MB (VmRSS)", s.PeakMB, s.MaxSampledMB)
		if s.Error != "" {
			p("", "rss error: %s", s.Error)
		}
	}
	p("client CPU", "%.2f s (%.0f%% of one core), %.0f µs per acked request", r.ClientCPUSeconds, r.ClientCPUPercent, r.ClientCPUPerRequest)
	p("verification", "%s", r.Verification)
	p("result", "%s", map[bool]string{true: "OK", false: "FAILED"}[r.OK])
}

func (r *report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}
