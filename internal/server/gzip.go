package server

import (
	"bufio"
	"compress/gzip"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// gzipMinSize is the smallest reply worth compressing: below it the gzip
// header and the CPU cost outweigh the bytes saved.
const gzipMinSize = 500

var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression)
	return w
}}

// Gzip compresses replies for clients that accept gzip, as Phoenix does for
// every route: JSON listings and exports shrink several times over. Small
// replies, bodiless ones, replies already encoded and multipart replies
// (which some clients parse from the raw stream) pass through.
func Gzip(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead || !acceptsGzip(r.Header.Get("Accept-Encoding")) ||
			strings.Contains(r.Header.Get("Accept"), "multipart/mixed") {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Add("Vary", "Accept-Encoding")
		gw := &gzipResponseWriter{ResponseWriter: w}
		defer gw.close()
		next.ServeHTTP(gw, r)
	})
}

// acceptsGzip reads an Accept-Encoding header: gzip (or *) with a non-zero
// quality.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "*" {
			continue
		}
		q := strings.TrimSpace(params)
		if v, ok := strings.CutPrefix(q, "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil && f == 0 {
				return false
			}
		}
		return true
	}
	return false
}

// gzipResponseWriter decides at the first write (or header) whether to
// compress, from the status, the headers and what it has seen of the body.
type gzipResponseWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool // the decision is made and the header sent
	gz          *gzip.Writer
	pending     []byte // the start of a body of unknown length
}

func (w *gzipResponseWriter) WriteHeader(status int) {
	if w.wroteHeader || w.status != 0 {
		return
	}
	if status < 200 || status == http.StatusNoContent || status == http.StatusNotModified {
		w.ResponseWriter.WriteHeader(status)
		if status >= 200 {
			w.wroteHeader = true
		}
		return
	}
	w.status = status
	// Decide now when the length is known; otherwise wait for the body.
	if cl := w.Header().Get("Content-Length"); cl != "" {
		n, err := strconv.Atoi(cl)
		w.decide(err == nil && n >= gzipMinSize)
	}
}

// decide sends the header, compressing the body or not.
func (w *gzipResponseWriter) decide(compress bool) {
	h := w.Header()
	if h.Get("Content-Encoding") != "" || strings.HasPrefix(h.Get("Content-Type"), "multipart/") {
		compress = false
	}
	if compress {
		h.Del("Content-Length")
		h.Set("Content-Encoding", "gzip")
		w.gz = gzipWriters.Get().(*gzip.Writer)
		w.gz.Reset(w.ResponseWriter)
	}
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.ResponseWriter.WriteHeader(w.status)
	w.wroteHeader = true
}

func (w *gzipResponseWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		if w.status == 0 {
			w.WriteHeader(http.StatusOK)
		}
		if !w.wroteHeader {
			// Unknown length: hold the start of the body until it is big
			// enough to be worth compressing, or the handler ends.
			if len(w.pending)+len(p) < gzipMinSize {
				w.pending = append(w.pending, p...)
				return len(p), nil
			}
			w.decide(true)
			if len(w.pending) > 0 {
				if _, err := w.gz.Write(w.pending); err != nil {
					return 0, err
				}
				w.pending = nil
			}
		}
	}
	if w.gz != nil {
		return w.gz.Write(p)
	}
	return w.ResponseWriter.Write(p)
}

// Flush sends what is compressed so far, for streamed replies.
func (w *gzipResponseWriter) Flush() {
	if !w.wroteHeader && w.status != 0 || len(w.pending) > 0 {
		w.flushPending()
	}
	if w.gz != nil {
		_ = w.gz.Flush()
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// flushPending commits to compressing a streamed body that a handler wants
// on the wire before it is big.
func (w *gzipResponseWriter) flushPending() {
	if w.wroteHeader {
		return
	}
	w.decide(true)
	if len(w.pending) > 0 {
		_, _ = w.gz.Write(w.pending)
		w.pending = nil
	}
}

// close finishes the reply: a short body of unknown length goes out as it
// is, a compressed one gets its gzip trailer.
func (w *gzipResponseWriter) close() {
	if !w.wroteHeader && w.status != 0 {
		w.decide(false)
		if len(w.pending) > 0 {
			_, _ = w.ResponseWriter.Write(w.pending)
		}
	}
	if w.gz != nil {
		_ = w.gz.Close()
		w.gz.Reset(nil)
		gzipWriters.Put(w.gz)
		w.gz = nil
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *gzipResponseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack passes through for protocols that take over the connection.
func (w *gzipResponseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if h, ok := w.ResponseWriter.(http.Hijacker); ok {
		return h.Hijack()
	}
	return nil, nil, errors.New("hijacking is not supported")
}
