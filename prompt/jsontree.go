package prompt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// The validator reads JSON into an ordered tree rather than into maps, so
// that free-form objects (a tool's JSON Schema, metadata) keep the key order
// they were written in: providers generate structured output in the order a
// schema lists its properties.

type kind int

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

type member struct {
	key string
	val *node
}

// node is one JSON value.
type node struct {
	kind kind
	b    bool
	num  json.Number
	str  string
	arr  []*node
	obj  []member
}

// maxDepth bounds nesting so that hostile input cannot exhaust the stack.
const maxDepth = 1000

// parseJSON reads exactly one JSON value. Of duplicate keys the last value
// wins, at the place of the first, as Python's json module reads them.
func parseJSON(b []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	n, err := readNode(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return n, nil
}

func readNode(dec *json.Decoder, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, errors.New("JSON nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case nil:
		return &node{kind: kindNull}, nil
	case bool:
		return &node{kind: kindBool, b: t}, nil
	case json.Number:
		return &node{kind: kindNumber, num: t}, nil
	case string:
		return &node{kind: kindString, str: t}, nil
	case json.Delim:
		switch t {
		case '[':
			n := &node{kind: kindArray, arr: []*node{}}
			for dec.More() {
				v, err := readNode(dec, depth+1)
				if err != nil {
					return nil, err
				}
				n.arr = append(n.arr, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return n, nil
		case '{':
			n := &node{kind: kindObject, obj: []member{}}
			index := map[string]int{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("object key %v is not a string", kt)
				}
				v, err := readNode(dec, depth+1)
				if err != nil {
					return nil, err
				}
				if i, dup := index[key]; dup {
					n.obj[i].val = v
				} else {
					index[key] = len(n.obj)
					n.obj = append(n.obj, member{key, v})
				}
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return n, nil
		}
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

// get returns the value of key in an object, or nil.
func (n *node) get(key string) *node {
	for _, m := range n.obj {
		if m.key == key {
			return m.val
		}
	}
	return nil
}

// appendJSON writes n as compact JSON.
func (n *node) appendJSON(buf *bytes.Buffer) {
	switch n.kind {
	case kindNull:
		buf.WriteString("null")
	case kindBool:
		buf.WriteString(strconv.FormatBool(n.b))
	case kindNumber:
		buf.WriteString(n.num.String())
	case kindString:
		b, _ := json.Marshal(n.str)
		buf.Write(b)
	case kindArray:
		buf.WriteByte('[')
		for i, v := range n.arr {
			if i > 0 {
				buf.WriteByte(',')
			}
			v.appendJSON(buf)
		}
		buf.WriteByte(']')
	case kindObject:
		buf.WriteByte('{')
		for i, m := range n.obj {
			if i > 0 {
				buf.WriteByte(',')
			}
			b, _ := json.Marshal(m.key)
			buf.Write(b)
			buf.WriteByte(':')
			m.val.appendJSON(buf)
		}
		buf.WriteByte('}')
	}
}

// raw returns n as compact JSON.
func (n *node) raw() json.RawMessage {
	var buf bytes.Buffer
	n.appendJSON(&buf)
	return buf.Bytes()
}

// value returns n as the Go value encoding/json would decode it into,
// with json.Number for numbers; used for the input of validation issues.
func (n *node) value() any {
	switch n.kind {
	case kindBool:
		return n.b
	case kindNumber:
		return n.num
	case kindString:
		return n.str
	case kindArray:
		out := make([]any, len(n.arr))
		for i, v := range n.arr {
			out[i] = v.value()
		}
		return out
	case kindObject:
		out := make(map[string]any, len(n.obj))
		for _, m := range n.obj {
			out[m.key] = m.val.value()
		}
		return out
	}
	return nil
}

// object builds an ordered object node.
func object(members ...member) *node { return &node{kind: kindObject, obj: members} }

func stringNode(s string) *node { return &node{kind: kindString, str: s} }
