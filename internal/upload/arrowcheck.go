package upload

import (
	"encoding/binary"
	"errors"
)

// arrow-go trusts the flatbuffer metadata of IPC messages: it sizes slices
// by the lengths of vectors it reads there (a schema's fields, a field's
// children, key-value metadata) without checking them against the buffer,
// and follows nested fields by recursion. A few bytes can so ask for
// gigabytes, or a stack deeper than Go allows; neither can be recovered
// from. checkArrowStream walks the metadata of every message first and
// refuses vectors longer than the bytes that hold them and fields nested
// deeper than maxFieldDepth. Out-of-range reads that arrow-go makes on its
// own are panics ReadArrow recovers from.

// errArrowMetadata is a message whose metadata checkArrowStream refuses.
var errArrowMetadata = errors.New("the metadata of an Arrow message is malformed")

// maxFieldDepth bounds how deeply the fields of a schema nest.
const maxFieldDepth = 64

// The header types of an Arrow IPC Message (Message.fbs).
const (
	headerSchema          = 1
	headerDictionaryBatch = 2
	headerRecordBatch     = 3
)

// typeUnion is the Type union's member for the Union type (Schema.fbs),
// the one type table holding a vector.
const typeUnion = 14

// checkArrowStream checks the metadata of each message of an IPC stream.
// It stops quietly where the framing ends or breaks: arrow-go reports that.
func checkArrowStream(data []byte) error {
	for pos := 0; len(data)-pos >= 4; {
		n := binary.LittleEndian.Uint32(data[pos:])
		pos += 4
		if n == 0xFFFFFFFF { // the continuation marker of the current format
			if len(data)-pos < 4 {
				return nil
			}
			n = binary.LittleEndian.Uint32(data[pos:])
			pos += 4
		}
		if n == 0 || int64(n) > int64(len(data)-pos) {
			return nil
		}
		meta := fbuf(data[pos : pos+int(n)])
		pos += int(n)
		body, err := checkMessage(meta)
		if err != nil {
			return err
		}
		if body < 0 || body > int64(len(data)-pos) {
			return nil
		}
		pos += int(body)
	}
	return nil
}

// checkMessage checks one Message table and returns its body length.
func checkMessage(b fbuf) (int64, error) {
	msg, ok := b.root()
	if !ok {
		return 0, errArrowMetadata
	}
	if !msg.tableVector(4, func(kv table) bool { return true }) {
		return 0, errArrowMetadata
	}
	var body int64
	if p := msg.field(3); p > 0 {
		if !b.has(p, 8) {
			return 0, errArrowMetadata
		}
		body = int64(binary.LittleEndian.Uint64(b[p:]))
	}
	kind := msg.u8(1)
	header, present, ok := msg.sub(2)
	if !ok {
		return 0, errArrowMetadata
	}
	if !present {
		return body, nil
	}
	switch kind {
	case headerSchema:
		ok = header.tableVector(1, func(f table) bool { return checkField(f, 1) }) &&
			header.tableVector(2, func(table) bool { return true }) &&
			header.scalarVector(3, 8)
	case headerRecordBatch:
		ok = checkRecordBatch(header)
	case headerDictionaryBatch:
		var rb table
		var has bool
		if rb, has, ok = header.sub(1); ok && has {
			ok = checkRecordBatch(rb)
		}
	}
	if !ok {
		return 0, errArrowMetadata
	}
	return body, nil
}

func checkRecordBatch(rb table) bool {
	return rb.scalarVector(1, 16) && rb.scalarVector(2, 16) && rb.scalarVector(4, 8)
}

// checkField checks a Field table and its children.
func checkField(f table, depth int) bool {
	if depth > maxFieldDepth {
		return false
	}
	if f.u8(2) == typeUnion {
		u, present, ok := f.sub(3)
		if !ok || present && !u.scalarVector(1, 4) {
			return false
		}
	}
	return f.tableVector(5, func(c table) bool { return checkField(c, depth+1) }) &&
		f.tableVector(6, func(table) bool { return true })
}

// fbuf is a flatbuffer.
type fbuf []byte

// has reports whether n bytes at p lie in the buffer.
func (b fbuf) has(p, n int) bool { return p >= 0 && n >= 0 && p <= len(b) && n <= len(b)-p }

func (b fbuf) u32(p int) (int, bool) {
	if !b.has(p, 4) {
		return 0, false
	}
	return int(binary.LittleEndian.Uint32(b[p:])), true
}

// table is a flatbuffer table: its position and its vtable's.
type table struct {
	b         fbuf
	pos, vt   int
	vtLen, sz int
}

func (b fbuf) root() (table, bool) {
	off, ok := b.u32(0)
	if !ok {
		return table{}, false
	}
	return b.table(off)
}

// table reads the table at p, checking that it and its vtable lie in the
// buffer.
func (b fbuf) table(p int) (table, bool) {
	if !b.has(p, 4) {
		return table{}, false
	}
	vt := p - int(int32(binary.LittleEndian.Uint32(b[p:])))
	if !b.has(vt, 4) {
		return table{}, false
	}
	vtLen := int(binary.LittleEndian.Uint16(b[vt:]))
	sz := int(binary.LittleEndian.Uint16(b[vt+2:]))
	if vtLen < 4 || vtLen%2 != 0 || !b.has(vt, vtLen) || !b.has(p, sz) {
		return table{}, false
	}
	return table{b: b, pos: p, vt: vt, vtLen: vtLen, sz: sz}, true
}

// field returns the position of field i, 0 when it is absent.
func (t table) field(i int) int {
	o := 4 + 2*i
	if o+2 > t.vtLen {
		return 0
	}
	fo := int(binary.LittleEndian.Uint16(t.b[t.vt+o:]))
	if fo == 0 {
		return 0
	}
	return t.pos + fo
}

func (t table) u8(i int) byte {
	p := t.field(i)
	if p == 0 || !t.b.has(p, 1) {
		return 0
	}
	return t.b[p]
}

// ref follows the offset in field i; ok is false when it leads outside.
func (t table) ref(i int) (p int, present, ok bool) {
	f := t.field(i)
	if f == 0 {
		return 0, false, true
	}
	off, ok := t.b.u32(f)
	if !ok {
		return 0, true, false
	}
	return f + off, true, true
}

// sub reads the table field i refers to.
func (t table) sub(i int) (table, bool, bool) {
	p, present, ok := t.ref(i)
	if !present || !ok {
		return table{}, present, ok
	}
	s, ok := t.b.table(p)
	return s, true, ok
}

// vector returns the start and length of the vector in field i, checking
// that its elements of elemSize bytes lie in the buffer.
func (t table) vector(i, elemSize int) (start, n int, ok bool) {
	p, present, ok := t.ref(i)
	if !present || !ok {
		return 0, 0, ok
	}
	n, ok = t.b.u32(p)
	if !ok || n > (len(t.b)-p-4)/elemSize {
		return 0, 0, false
	}
	return p + 4, n, true
}

func (t table) scalarVector(i, elemSize int) bool {
	_, _, ok := t.vector(i, elemSize)
	return ok
}

// tableVector checks the vector of tables in field i, each with check.
func (t table) tableVector(i int, check func(table) bool) bool {
	start, n, ok := t.vector(i, 4)
	if !ok {
		return false
	}
	for j := 0; j < n; j++ {
		p := start + 4*j
		off, _ := t.b.u32(p)
		e, ok := t.b.table(p + off)
		if !ok || !check(e) {
			return false
		}
	}
	return true
}
