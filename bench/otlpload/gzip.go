package main

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"slices"
	"sync"
	"sync/atomic"

	"google.golang.org/grpc/encoding"
)

// Gzipping a 100-span LLM request costs milliseconds of CPU, far more than
// producing it, so by default templates are compressed once at startup into
// a gzip stream laid out so that requests can be stamped without
// recompressing:
//
//   - every byte range that changes per request (ids, timestamps, session
//     ids, and the few fixed bytes between them) is a stored (uncompressed)
//     deflate block, rewritten in place like the raw template;
//   - the fixed bytes between them are compressed, each run by its own
//     deflate writer primed with the preceding 32 KiB of the body as its
//     dictionary, so the compression ratio matches gzipping the whole body
//     at the same level;
//   - per request only the CRC-32 of the stamped body is computed anew.
//
// The compressed runs must not copy from bytes that change. That is checked,
// not assumed: the stream is decompressed with every changing byte set to a
// filler value f and again to ^f, and both must reproduce the body exactly.
// (A copy from a changing byte would yield f in one and ^f in the other, so
// it cannot match the fixed expected byte both times.) If no filler passes,
// requests are gzipped one by one instead.
type gzTemplate struct {
	body    []byte     // the gzip stream, changing bytes as in the template
	regions []gzRegion // raw[raw:raw+n] is stored verbatim at body[gz:]
	trailer int        // offset of CRC-32 and ISIZE
}

type gzRegion struct{ raw, gz, n int32 }

var errNotIndependent = errors.New("compressed runs depend on changing bytes")

const (
	mergeGap     = 64      // fixed runs shorter than this go into a stored block too
	windowSize   = 1 << 15 // deflate history
	maxStoredLen = 0xffff
)

func newGzTemplate(t *template, level int) (*gzTemplate, error) {
	// Go's BestSpeed ignores dictionaries; the template is compressed once,
	// so the next level costs nothing per request.
	level = max(level, flate.BestSpeed+1)
	ranges := t.changingRanges()
	mask := make([]bool, len(t.body))
	for _, s := range t.traceSlots {
		fill(mask[s.off:s.off+16], true)
	}
	for _, s := range t.spanSlots {
		fill(mask[s.off:s.off+8], true)
	}
	for _, s := range t.timeSlots {
		fill(mask[s.off:s.off+8], true)
	}
	for _, s := range t.sessionSlots {
		fill(mask[s.off:s.off+sessionIDLen], true)
	}
	// Try the fillers that are rarest in the fixed bytes: a compressor can
	// only copy a filler byte where the fixed bytes contain it.
	var freq [256]int
	for i, c := range t.body {
		if !mask[i] {
			freq[c]++
		}
	}
	fillers := make([]byte, 256)
	for i := range fillers {
		fillers[i] = byte(i)
	}
	slices.SortStableFunc(fillers, func(a, b byte) int { return freq[a] + freq[^a] - freq[b] - freq[^b] })
	for _, f := range fillers[:4] {
		g, err := buildGz(t.body, mask, ranges, f, level)
		if err != nil {
			return nil, err
		}
		if g.independent(t.body, mask, f) && g.independent(t.body, mask, ^f) {
			return g, nil
		}
	}
	return nil, errNotIndependent
}

func fill[T any](s []T, v T) {
	for i := range s {
		s[i] = v
	}
}

// changingRanges returns the sorted, merged byte ranges of t.body that
// stamp rewrites.
func (t *template) changingRanges() [][2]int {
	var r [][2]int
	for _, s := range t.traceSlots {
		r = append(r, [2]int{int(s.off), int(s.off) + 16})
	}
	for _, s := range t.spanSlots {
		r = append(r, [2]int{int(s.off), int(s.off) + 8})
	}
	for _, s := range t.timeSlots {
		r = append(r, [2]int{int(s.off), int(s.off) + 8})
	}
	for _, s := range t.sessionSlots {
		r = append(r, [2]int{int(s.off), int(s.off) + sessionIDLen})
	}
	slices.SortFunc(r, func(a, b [2]int) int { return a[0] - b[0] })
	var out [][2]int
	for _, x := range r {
		if n := len(out); n > 0 && x[0]-out[n-1][1] < mergeGap && x[1]-out[n-1][0] <= maxStoredLen {
			out[n-1][1] = max(out[n-1][1], x[1])
			continue
		}
		out = append(out, x)
	}
	return out
}

func buildGz(body []byte, mask []bool, ranges [][2]int, f byte, level int) (*gzTemplate, error) {
	src := slices.Clone(body)
	for i, m := range mask {
		if m {
			src[i] = f
		}
	}
	g := &gzTemplate{}
	var out bytes.Buffer
	out.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}) // gzip header: deflate, no name, unknown OS
	compress := func(from, to int) error {
		if from == to {
			return nil
		}
		fw, err := flate.NewWriterDict(&out, level, src[max(0, from-windowSize):from])
		if err != nil {
			return err
		}
		if _, err := fw.Write(src[from:to]); err != nil {
			return err
		}
		return fw.Flush() // ends byte-aligned, with a non-final block
	}
	pos := 0
	for _, r := range ranges {
		if err := compress(pos, r[0]); err != nil {
			return nil, err
		}
		n := r[1] - r[0]
		out.Write([]byte{0, byte(n), byte(n >> 8), ^byte(n), ^byte(n >> 8)}) // stored block header
		g.regions = append(g.regions, gzRegion{int32(r[0]), int32(out.Len()), int32(n)})
		out.Write(src[r[0]:r[1]])
		pos = r[1]
	}
	if err := compress(pos, len(src)); err != nil {
		return nil, err
	}
	out.Write([]byte{1, 0, 0, 0xff, 0xff}) // final, empty stored block
	g.trailer = out.Len()
	out.Write(make([]byte, 8))
	g.body = out.Bytes()
	return g, nil
}

// independent reports whether the stream decompresses to body with every
// changing byte set to f.
func (g *gzTemplate) independent(body []byte, mask []bool, f byte) bool {
	raw := slices.Clone(body)
	for i, m := range mask {
		if m {
			raw[i] = f
		}
	}
	zr, err := gzip.NewReader(bytes.NewReader(g.stamp(make([]byte, len(g.body)), raw)))
	if err != nil {
		return false
	}
	got, err := io.ReadAll(zr)
	return err == nil && bytes.Equal(got, raw)
}

// stamp writes the gzip stream of raw, a stamped copy of the template body,
// into dst and returns it.
func (g *gzTemplate) stamp(dst, raw []byte) []byte {
	dst = dst[:len(g.body)]
	copy(dst, g.body)
	for _, r := range g.regions {
		copy(dst[r.gz:r.gz+r.n], raw[r.raw:r.raw+r.n])
	}
	binary.LittleEndian.PutUint32(dst[g.trailer:], crc32.ChecksumIEEE(raw))
	binary.LittleEndian.PutUint32(dst[g.trailer+4:], uint32(len(raw)))
	return dst
}

// gzipCompressor replaces gRPC's "gzip" compressor so that bodies that are
// already gzip streams (pre-compressed templates) go out as they are, while
// anything else, such as a plain protobuf message, is gzipped normally. A
// protobuf message cannot start with the gzip magic 1f 8b: 0x1f would be a
// tag with the invalid wire type 7.
type gzipCompressor struct {
	level   atomic.Int32
	writers sync.Pool // of *levelWriter
}

type levelWriter struct {
	*gzip.Writer
	level int
}

var grpcGzip = newGzipCompressor()

func newGzipCompressor() *gzipCompressor {
	c := &gzipCompressor{}
	c.level.Store(gzip.DefaultCompression)
	return c
}

func init() { encoding.RegisterCompressor(grpcGzip) }

func (c *gzipCompressor) Name() string { return "gzip" }

func (c *gzipCompressor) Compress(w io.Writer) (io.WriteCloser, error) {
	return &gzipWriter{c: c, dst: w}, nil
}

func (c *gzipCompressor) Decompress(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }

type gzipWriter struct {
	c           *gzipCompressor
	dst         io.Writer
	zw          *levelWriter
	passthrough bool
}

func (w *gzipWriter) Write(p []byte) (int, error) {
	if w.zw == nil && !w.passthrough && len(p) > 0 {
		if len(p) >= 2 && p[0] == 0x1f && p[1] == 0x8b {
			w.passthrough = true
		} else {
			w.start()
		}
	}
	if w.passthrough {
		return w.dst.Write(p)
	}
	if w.zw == nil {
		return 0, nil // empty write before anything was decided
	}
	return w.zw.Write(p)
}

func (w *gzipWriter) start() {
	level := int(w.c.level.Load())
	zw, _ := w.c.writers.Get().(*levelWriter)
	if zw == nil || zw.level != level {
		gw, _ := gzip.NewWriterLevel(nil, level) // level validated in parseFlags
		zw = &levelWriter{gw, level}
	}
	zw.Reset(w.dst)
	w.zw = zw
}

func (w *gzipWriter) Close() error {
	if w.passthrough {
		return nil
	}
	if w.zw == nil {
		w.start() // an empty message still needs a valid gzip stream
	}
	err := w.zw.Close()
	w.c.writers.Put(w.zw)
	w.zw = nil
	return err
}
