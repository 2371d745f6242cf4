package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"sync/atomic"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// A template is one marshalled ExportTraceServiceRequest plus the byte offsets
// of every trace id, span id, parent span id, timestamp and session id in it.
// Producing a request costs one copy of the bytes and a few writes per span;
// nothing is marshalled on the hot path.
//
// The offsets are found by building the request with sentinel values (see
// builder) and scanning the marshalled bytes for them. Every sentinel starts
// with sentinelMagic, a byte pair that cannot occur in the ASCII strings and
// small varints the profiles produce, and is followed by a class byte, a check
// byte and a 4-byte big-endian index.
type template struct {
	body     []byte
	spans    int // spans in the request
	traces   int // traces in the request
	sessions int // distinct session ids in the request

	traceSlots   []slot     // 16-byte trace id; idx is the trace
	spanSlots    []slot     // 8-byte span_id or parent_span_id; idx is the span
	timeSlots    []timeSlot // fixed64 start/end time
	sessionSlots []slot     // sessionIDLen ASCII bytes; idx is the session
	maxEnd       int64      // latest end time, ns after the template's time zero

	gz *gzTemplate // pre-compressed form, with -gzip unless -gzip-per-request
}

type slot struct{ off, idx int32 }

type timeSlot struct {
	off   int32
	delta int64 // ns after the template's time zero
}

var sentinelMagic = [2]byte{0xFE, 0xED}

const (
	classTrace = 0x7A
	classSpan  = 0x5B
	classTime  = 0x71
	classCheck = 0xA5

	// Session ids are "sess-" followed by 16 hex digits; only the digits are
	// rewritten. The sentinel occupies the same 16 bytes but is not valid
	// hex, so it cannot be mistaken for a stamped id.
	sessionIDPrefix = "sess-"
	sessionIDLen    = 16
)

func sentinel(class byte, idx int) [8]byte {
	var s [8]byte
	s[0], s[1], s[2], s[3] = sentinelMagic[0], sentinelMagic[1], class, classCheck
	binary.BigEndian.PutUint32(s[4:], uint32(idx))
	return s
}

func sessionSentinel(idx int) string { return fmt.Sprintf("~session~%07d", idx) }

// builder hands out sentinel ids and timestamps while a profile builds a
// request, and remembers how many of each it handed out so that locate can
// check it found every one.
type builder struct {
	rng         *rand.Rand
	project     string
	spans       int
	roots       int
	traces      int
	sessions    int
	sessionUses int
	deltas      []int64 // time sentinel index -> ns after time zero
	maxEnd      int64
}

func (b *builder) newTrace() (pcommon.TraceID, int) {
	var id pcommon.TraceID
	s := sentinel(classTrace, b.traces)
	copy(id[:], s[:])
	b.traces++
	return id, b.traces - 1
}

// newSpan returns the sentinel span id of the next span.
func (b *builder) newSpan(root bool) pcommon.SpanID {
	if root {
		b.roots++
	}
	b.spans++
	return pcommon.SpanID(sentinel(classSpan, b.spans-1))
}

func (b *builder) timestamp(delta int64) pcommon.Timestamp {
	s := sentinel(classTime, len(b.deltas))
	b.deltas = append(b.deltas, delta)
	b.maxEnd = max(b.maxEnd, delta)
	return pcommon.Timestamp(binary.LittleEndian.Uint64(s[:]))
}

func (b *builder) newSession() int {
	b.sessions++
	return b.sessions - 1
}

func (b *builder) sessionID(idx int) string {
	b.sessionUses++
	return sessionIDPrefix + sessionSentinel(idx)
}

// buildTemplate builds one request of n spans with the given profile and
// locates its sentinels.
func buildTemplate(p profile, rng *rand.Rand, project string, n, spansPerTrace int) (*template, error) {
	b := &builder{rng: rng, project: project}
	td := ptrace.NewTraces()
	p.build(b, td, n, spansPerTrace)
	body, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		return nil, fmt.Errorf("marshal template: %w", err)
	}
	return locate(b, body)
}

func locate(b *builder, body []byte) (*template, error) {
	t := &template{body: body, spans: b.spans, traces: b.traces, sessions: b.sessions, maxEnd: b.maxEnd}
	for i := 0; ; {
		j := bytes.Index(body[i:], sentinelMagic[:])
		if j < 0 {
			break
		}
		off := i + j
		i = off + 1
		if off+8 > len(body) || body[off+3] != classCheck {
			continue
		}
		idx := int(binary.BigEndian.Uint32(body[off+4:]))
		tag := func(want ...byte) bool {
			return off >= 2 && body[off-1] == want[len(want)-1] && bytes.IndexByte(want[:len(want)-1], body[off-2]) >= 0
		}
		switch body[off+2] {
		case classTrace: // Span.trace_id: field 1, length 16
			if !tag(0x0a, 0x10) || idx >= b.traces {
				return nil, fmt.Errorf("template: stray trace sentinel at %d", off)
			}
			t.traceSlots = append(t.traceSlots, slot{int32(off), int32(idx)})
		case classSpan: // Span.span_id (field 2) or Span.parent_span_id (field 4), length 8
			if !tag(0x12, 0x22, 0x08) || idx >= b.spans {
				return nil, fmt.Errorf("template: stray span sentinel at %d", off)
			}
			t.spanSlots = append(t.spanSlots, slot{int32(off), int32(idx)})
		case classTime: // fixed64 start (field 7) or end (field 8); see builder.timestamp
			if off < 1 || (body[off-1] != 0x39 && body[off-1] != 0x41) || idx >= len(b.deltas) {
				return nil, fmt.Errorf("template: stray time sentinel at %d", off)
			}
			t.timeSlots = append(t.timeSlots, timeSlot{int32(off), b.deltas[idx]})
		default:
			continue
		}
		i = off + 8
	}
	for i := 0; ; {
		j := bytes.Index(body[i:], []byte("~session~"))
		if j < 0 {
			break
		}
		off := i + j
		var idx int
		if _, err := fmt.Sscanf(string(body[off+9:off+sessionIDLen]), "%07d", &idx); err != nil || idx >= b.sessions {
			return nil, fmt.Errorf("template: bad session sentinel at %d", off)
		}
		t.sessionSlots = append(t.sessionSlots, slot{int32(off), int32(idx)})
		i = off + sessionIDLen
	}

	// Every sentinel handed out must have been found exactly once per use:
	// one trace id per span, one span id per span plus one parent id per
	// non-root span, two timestamps per span.
	switch {
	case len(t.traceSlots) != b.spans:
		return nil, fmt.Errorf("template: found %d trace ids, want %d", len(t.traceSlots), b.spans)
	case len(t.spanSlots) != 2*b.spans-b.roots:
		return nil, fmt.Errorf("template: found %d span/parent ids, want %d", len(t.spanSlots), 2*b.spans-b.roots)
	case len(t.timeSlots) != len(b.deltas) || len(b.deltas) != 2*b.spans:
		return nil, fmt.Errorf("template: found %d timestamps, want %d", len(t.timeSlots), 2*b.spans)
	case len(t.sessionSlots) != b.sessionUses:
		return nil, fmt.Errorf("template: found %d session ids, want %d", len(t.sessionSlots), b.sessionUses)
	}
	return t, nil
}

// ids issues run-unique ids. Each counter is reserved in blocks with one
// atomic add per request and passed through a keyed bijection of uint64, so
// ids are unique within the run (a bijection of distinct counters) and look
// random, which makes collisions with other runs against the same database
// as unlikely as with random ids.
type ids struct {
	tracePrefix uint64 // high half of every trace id: random per run
	traceKey    uint64
	spanKey     uint64
	sessionKey  uint64

	traces   atomic.Uint64
	spans    atomic.Uint64
	sessions atomic.Uint64
}

func newIDs(rng *rand.Rand) *ids {
	return &ids{
		tracePrefix: rng.Uint64() | 1<<63, // never zero
		traceKey:    rng.Uint64(),
		spanKey:     rng.Uint64(),
		sessionKey:  rng.Uint64(),
	}
}

// mix is the splitmix64 finalizer, a bijection on uint64.
func mix(z uint64) uint64 {
	z ^= z >> 30
	z *= 0xbf58476d1ce4e5b9
	z ^= z >> 27
	z *= 0x94d049bb133111eb
	z ^= z >> 31
	return z
}

const hexDigits = "0123456789abcdef"

// stamp copies t into dst (which must have room for it) with fresh ids and
// with timestamps placed so that the latest span ends at now.
// It returns dst[:len(t.body)].
func (t *template) stamp(dst []byte, id *ids, now int64) []byte {
	dst = dst[:len(t.body)]
	copy(dst, t.body)
	traceBase := id.traces.Add(uint64(t.traces)) - uint64(t.traces)
	spanBase := id.spans.Add(uint64(t.spans)) - uint64(t.spans)
	sessionBase := id.sessions.Add(uint64(t.sessions)) - uint64(t.sessions)

	for _, s := range t.traceSlots {
		binary.BigEndian.PutUint64(dst[s.off:], id.tracePrefix)
		binary.BigEndian.PutUint64(dst[s.off+8:], mix((traceBase+uint64(s.idx))^id.traceKey))
	}
	for _, s := range t.spanSlots {
		// A zero span id is invalid; mix maps exactly one input to zero, so
		// this is a 2^-64 chance per span that is not worth a branch.
		binary.BigEndian.PutUint64(dst[s.off:], mix((spanBase+uint64(s.idx))^id.spanKey))
	}
	base := now - t.maxEnd
	for _, s := range t.timeSlots {
		binary.LittleEndian.PutUint64(dst[s.off:], uint64(base+s.delta))
	}
	for _, s := range t.sessionSlots {
		v := mix((sessionBase + uint64(s.idx)) ^ id.sessionKey)
		b := dst[s.off : s.off+sessionIDLen]
		for i := sessionIDLen - 1; i >= 0; i-- {
			b[i] = hexDigits[v&0xf]
			v >>= 4
		}
	}
	return dst
}

// pcommonSpanID returns the sentinel span id of span idx, for parent ids.
func pcommonSpanID(idx int) pcommon.SpanID { return pcommon.SpanID(sentinel(classSpan, idx)) }
