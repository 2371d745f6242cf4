package main

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"google.golang.org/grpc/mem"
)

// payload is a request body that the transports may still be reading after
// the call that sent it has returned (net/http closes request bodies
// asynchronously; gRPC frees message buffers once they are written). It is
// reference counted and goes back to payloadPool when the last holder
// releases it, so steady-state sending allocates no body buffers.
type payload struct {
	buf  []byte
	refs atomic.Int32
}

var (
	payloadPool   sync.Pool
	payloadAllocs atomic.Int64 // buffers allocated, to check that the pool works
)

// getPayload returns a payload with len(buf) == n and one reference.
func getPayload(n int) *payload {
	p, _ := payloadPool.Get().(*payload)
	if p == nil {
		p = new(payload)
	}
	if cap(p.buf) < n {
		p.buf = make([]byte, n, n+n/8)
		payloadAllocs.Add(1)
	}
	p.buf = p.buf[:n]
	p.refs.Store(1)
	return p
}

func (p *payload) ref() { p.refs.Add(1) }

func (p *payload) release() {
	switch n := p.refs.Add(-1); {
	case n == 0:
		payloadPool.Put(p)
	case n < 0:
		panic("BUG: payload released too often")
	}
}

// bodyReader is an http.Request body over a payload. Close may be called
// concurrently with Read, so both take the lock, and the payload is released
// only once no Read can touch it again.
type bodyReader struct {
	mu  sync.Mutex
	p   *payload
	off int
}

func newBodyReader(p *payload) *bodyReader {
	p.ref()
	return &bodyReader{p: p}
}

func (r *bodyReader) Read(b []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.p == nil {
		return 0, errors.New("read after close")
	}
	if r.off >= len(r.p.buf) {
		return 0, io.EOF
	}
	n := copy(b, r.p.buf[r.off:])
	r.off += n
	return n, nil
}

func (r *bodyReader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.p != nil {
		r.p.release()
		r.p = nil
	}
	return nil
}

// rawCodec passes already-marshalled protobuf through gRPC. It is named
// "proto" so the content-type is the ordinary application/grpc+proto.
// Requests are *payload; responses are read into *[]byte.
// The sink reads requests into *discarded and replies with an empty *[]byte.
type rawCodec struct{}

func (rawCodec) Name() string { return "proto" }

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	switch m := v.(type) {
	case *payload:
		// gRPC frees the buffer once written (or once a retry no longer
		// needs it); the payload's own count keeps it out of the pool
		// until then.
		m.ref()
		return mem.BufferSlice{mem.NewBuffer(&m.buf, payloadReleaser{m})}, nil
	case *[]byte:
		return mem.BufferSlice{mem.SliceBuffer(*m)}, nil
	}
	return nil, fmt.Errorf("rawCodec: cannot marshal %T", v)
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	switch m := v.(type) {
	case *[]byte:
		*m = data.Materialize()
		return nil
	case *discarded:
		m.n = data.Len()
		return nil
	}
	return fmt.Errorf("rawCodec: cannot unmarshal into %T", v)
}

// discarded receives a message without copying it (the sink's requests).
type discarded struct{ n int }

// payloadReleaser is the mem.BufferPool of one payload's buffer: gRPC hands
// the buffer back through Put when it is done with it. (Buffers below gRPC's
// pooling threshold are never handed back; such a payload is simply left to
// the garbage collector instead of returning to payloadPool.)
type payloadReleaser struct{ p *payload }

func (r payloadReleaser) Get(int) *[]byte { panic("BUG: payloadReleaser.Get") }
func (r payloadReleaser) Put(*[]byte)     { r.p.release() }
