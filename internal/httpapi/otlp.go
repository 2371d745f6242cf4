package httpapi

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/emberhq/ember"
	"github.com/emberhq/ember/internal/ingest"
)

// bodyBuffers recycles request body buffers: OTLP requests are large and
// frequent.
var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer keeps an occasional huge body from staying in the pool.
const maxPooledBuffer = 4 << 20

// handleOTLPTraces receives OTLP/HTTP trace exports. It answers only after
// the spans are durably stored.
func (h *Handler) handleOTLPTraces(w http.ResponseWriter, r *http.Request) {
	enc, err := otlpEncoding(r.Header.Get("Content-Type"))
	if err != nil {
		h.Error(w, r, err)
		return
	}
	contentEncoding := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding")))
	switch contentEncoding {
	case "", "identity", "gzip", "deflate":
	default:
		h.Error(w, r, ember.Errorf(ember.EUNSUPPORTED, "Unsupported content encoding: %s", r.Header.Get("Content-Encoding")))
		return
	}
	// Refuse before reading the body, so a full server spends little on
	// requests it cannot take.
	if err := h.Ingester.Admit(); err != nil {
		h.Error(w, r, err)
		return
	}
	spans, invalid, err := h.decode(w, r, enc, contentEncoding)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	if err := h.Ingester.Write(r.Context(), spans); err != nil {
		h.Error(w, r, err)
		return
	}
	reply, err := ingest.EncodeResponse(enc, invalid)
	if err != nil {
		h.Error(w, r, fmt.Errorf("encode export response: %w", err))
		return
	}
	w.Header().Set("Content-Type", enc.ContentType())
	w.Header().Set("Content-Length", strconv.Itoa(len(reply)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(reply)
}

// decode reads, decompresses, decodes and converts the body. At most a few
// requests decode at once: a request waiting here holds no memory beyond its
// unread body, which stays in the socket. The body's buffer is released
// before the spans are queued, so a request waiting for its commit holds
// only its spans.
func (h *Handler) decode(w http.ResponseWriter, r *http.Request, enc ingest.Encoding, contentEncoding string) ([]*ember.Span, []ingest.InvalidSpan, error) {
	select {
	case h.decodeSlots() <- struct{}{}:
		defer func() { <-h.decodeSlots() }()
	case <-r.Context().Done():
		return nil, nil, r.Context().Err()
	}
	buf := bodyBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			buf.Reset()
			bodyBuffers.Put(buf)
		}
	}()
	if err := readBody(buf, w, r, contentEncoding, h.MaxRequestBytes); err != nil {
		return nil, nil, err
	}
	td, err := ingest.DecodeRequest(buf.Bytes(), enc)
	if err != nil {
		return nil, nil, err
	}
	spans, invalid := h.Converter.Convert(td, strings.TrimSpace(r.Header.Get("x-project-name")))
	return spans, invalid, nil
}

// decodeSlots bounds concurrent decoding to one per CPU and one more: more
// decode no faster, and each holds a request's body and its decoded form
// (about 17 MB for 512 LLM spans) until done.
func (h *Handler) decodeSlots() chan struct{} {
	h.decodeOnce.Do(func() { h.decodeSem = make(chan struct{}, runtime.GOMAXPROCS(0)+1) })
	return h.decodeSem
}

// otlpEncoding reads the request's media type: OTLP/HTTP's protobuf, or
// OTLP/JSON.
func otlpEncoding(contentType string) (ingest.Encoding, error) {
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err == nil {
		switch strings.ToLower(mediaType) {
		case "application/x-protobuf", "application/protobuf":
			return ingest.Protobuf, nil
		case "application/json":
			return ingest.JSON, nil
		}
	}
	return 0, ember.Errorf(ember.EUNSUPPORTED, "Unsupported content type: %s", contentType)
}

// readBody reads the request body into buf, decompressing it, and refuses
// a body whose wire size or decompressed size exceeds limit.
func readBody(buf *bytes.Buffer, w http.ResponseWriter, r *http.Request, contentEncoding string, limit int64) error {
	tooLarge := ember.Errorf(ember.ETOOLARGE, "Request body too large: the limit is %d bytes", limit)
	if r.ContentLength > limit {
		return tooLarge
	}
	var body io.Reader = http.MaxBytesReader(w, r.Body, limit)
	switch contentEncoding {
	case "gzip":
		zr, err := gzip.NewReader(body)
		if err != nil {
			return wrapBodyError(err, "gzip", tooLarge)
		}
		defer zr.Close()
		body = zr
	case "deflate":
		zr, err := zlib.NewReader(body)
		if err != nil {
			return wrapBodyError(err, "deflate", tooLarge)
		}
		defer zr.Close()
		body = zr
	}
	if r.ContentLength > 0 && contentEncoding == "" {
		buf.Grow(int(r.ContentLength))
	}
	n, err := buf.ReadFrom(io.LimitReader(body, limit+1))
	if err != nil {
		return wrapBodyError(err, contentEncoding, tooLarge)
	}
	if n > limit {
		return ember.Errorf(ember.ETOOLARGE, "Request body too large: it decompresses to more than %d bytes", limit)
	}
	return nil
}

func wrapBodyError(err error, encoding string, tooLarge error) error {
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return tooLarge
	}
	if encoding == "" || encoding == "identity" {
		return ember.Errorf(ember.EINVALID, "Could not read the request body: %s", err)
	}
	return ember.Errorf(ember.EINVALID, "Request body is not valid %s: %s", encoding, err)
}
