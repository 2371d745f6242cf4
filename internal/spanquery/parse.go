package spanquery

import (
	"fmt"
)

// The syntax tree of the Python expression subset, before names are
// resolved. Each node keeps the offset of its first token for errors.
type node interface{ at() int }

type (
	nameNode struct {
		name string
		pos  int
	}
	numNode struct {
		text string
		pos  int
	}
	strNode struct {
		s   string
		pos int
	}
	constNode struct {
		value any
		pos   int
	} // True, False, None
	attrNode struct {
		x    node
		name string
		pos  int
	}
	indexNode struct {
		x, key node
		pos    int
	}
	callNode struct {
		fn   node
		args []node
		pos  int
	}
	unaryNode struct {
		op  string
		x   node
		pos int
	}
	binNode struct {
		op   string
		l, r node
		pos  int
	}
	boolNode struct {
		op   string
		args []node
		pos  int
	}
	cmpNode struct {
		first node
		ops   []string
		rest  []node
		pos   int
	}
	seqNode struct {
		elts []node
		list bool
		pos  int
	}
)

func (n nameNode) at() int  { return n.pos }
func (n numNode) at() int   { return n.pos }
func (n strNode) at() int   { return n.pos }
func (n constNode) at() int { return n.pos }
func (n attrNode) at() int  { return n.pos }
func (n indexNode) at() int { return n.pos }
func (n callNode) at() int  { return n.pos }
func (n unaryNode) at() int { return n.pos }
func (n binNode) at() int   { return n.pos }
func (n boolNode) at() int  { return n.pos }
func (n cmpNode) at() int   { return n.pos }
func (n seqNode) at() int   { return n.pos }
func (n genNode) at() int   { return n.pos }

// maxDepth bounds nesting, so that a hostile condition cannot exhaust the
// stack.
const maxDepth = 100

type parser struct {
	toks  []token
	i     int
	depth int
}

// parse reads a whole condition.
func parse(src string) (node, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	if p.peek().kind == tokEOF {
		return nil, &Error{Pos: 0, Msg: "the condition is empty"}
	}
	n, err := p.expr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, p.unexpected(t)
	}
	return n, nil
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *parser) isOp(text string) bool {
	t := p.peek()
	return t.kind == tokOp && t.text == text
}

func (p *parser) isKeyword(word string) bool {
	t := p.peek()
	return t.kind == tokName && t.text == word
}

func (p *parser) expect(text string) error {
	if !p.isOp(text) {
		return p.unexpected(p.peek())
	}
	p.next()
	return nil
}

func (p *parser) unexpected(t token) error {
	if t.kind == tokEOF {
		return &Error{Pos: t.pos, Msg: "unexpected end of the condition", Token: ""}
	}
	return &Error{Pos: t.pos, Msg: fmt.Sprintf("unexpected %s", t), Token: t.text}
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return &Error{Pos: p.peek().pos, Msg: "the condition is nested too deeply"}
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// expr: or_test, with Python's conditional expression refused.
func (p *parser) expr() (node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	if p.isKeyword("lambda") {
		return nil, &Error{Pos: p.peek().pos, Msg: "lambda is not allowed", Token: "lambda"}
	}
	n, err := p.boolOp("or")
	if err != nil {
		return nil, err
	}
	if p.isKeyword("if") {
		return nil, &Error{Pos: p.peek().pos, Msg: "conditional expressions are not allowed", Token: "if"}
	}
	if p.isKeyword("for") {
		return nil, &Error{Pos: p.peek().pos, Msg: "comprehensions are not allowed", Token: "for"}
	}
	return n, nil
}

func (p *parser) boolOp(op string) (node, error) {
	sub := func() (node, error) {
		if op == "or" {
			return p.boolOp("and")
		}
		return p.notTest()
	}
	first, err := sub()
	if err != nil {
		return nil, err
	}
	if !p.isKeyword(op) {
		return first, nil
	}
	b := boolNode{op: op, args: []node{first}, pos: first.at()}
	for p.isKeyword(op) {
		p.next()
		n, err := sub()
		if err != nil {
			return nil, err
		}
		b.args = append(b.args, n)
	}
	return b, nil
}

func (p *parser) notTest() (node, error) {
	if p.isKeyword("not") {
		t := p.next()
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer p.leave()
		x, err := p.notTest()
		if err != nil {
			return nil, err
		}
		return unaryNode{op: "not", x: x, pos: t.pos}, nil
	}
	return p.comparison()
}

// compOp reads a comparison operator, or returns "".
func (p *parser) compOp() string {
	t := p.peek()
	if t.kind == tokOp {
		switch t.text {
		case "==", "!=", "<", "<=", ">", ">=":
			p.next()
			return t.text
		case "<>":
			p.next()
			return "!="
		}
		return ""
	}
	if t.kind != tokName {
		return ""
	}
	switch t.text {
	case "in":
		p.next()
		return "in"
	case "not":
		if n := p.toks[p.i+1]; n.kind == tokName && n.text == "in" {
			p.next()
			p.next()
			return "not in"
		}
	case "is":
		p.next()
		if p.isKeyword("not") {
			p.next()
			return "is not"
		}
		return "is"
	}
	return ""
}

func (p *parser) comparison() (node, error) {
	first, err := p.arith("|")
	if err != nil {
		return nil, err
	}
	c := cmpNode{first: first, pos: first.at()}
	for {
		op := p.compOp()
		if op == "" {
			break
		}
		n, err := p.arith("|")
		if err != nil {
			return nil, err
		}
		c.ops = append(c.ops, op)
		c.rest = append(c.rest, n)
	}
	if len(c.ops) == 0 {
		return first, nil
	}
	return c, nil
}

// Binary operator levels, loosest first.
var levels = [][]string{{"|"}, {"^"}, {"&"}, {"<<", ">>"}, {"+", "-"}, {"*", "/", "//", "%", "@"}}

func (p *parser) arith(level string) (node, error) {
	idx := 0
	for i, l := range levels {
		if l[0] == level {
			idx = i
		}
	}
	return p.binary(idx)
}

func (p *parser) binary(level int) (node, error) {
	if level == len(levels) {
		return p.unary()
	}
	l, err := p.binary(level + 1)
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		matched := false
		if t.kind == tokOp {
			for _, op := range levels[level] {
				if t.text == op {
					matched = true
				}
			}
		}
		if !matched {
			return l, nil
		}
		p.next()
		r, err := p.binary(level + 1)
		if err != nil {
			return nil, err
		}
		l = binNode{op: t.text, l: l, r: r, pos: l.at()}
	}
}

func (p *parser) unary() (node, error) {
	t := p.peek()
	if t.kind == tokOp && (t.text == "-" || t.text == "+" || t.text == "~") {
		p.next()
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer p.leave()
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return unaryNode{op: t.text, x: x, pos: t.pos}, nil
	}
	return p.power()
}

func (p *parser) power() (node, error) {
	base, err := p.postfix()
	if err != nil {
		return nil, err
	}
	if p.isOp("**") {
		p.next()
		exp, err := p.unary()
		if err != nil {
			return nil, err
		}
		return binNode{op: "**", l: base, r: exp, pos: base.at()}, nil
	}
	return base, nil
}

func (p *parser) postfix() (node, error) {
	n, err := p.atom()
	if err != nil {
		return nil, err
	}
	for {
		switch {
		case p.isOp("."):
			p.next()
			t := p.next()
			if t.kind != tokName {
				return nil, p.unexpected(t)
			}
			n = attrNode{x: n, name: t.text, pos: n.at()}
		case p.isOp("["):
			p.next()
			if err := p.enter(); err != nil {
				return nil, err
			}
			key, err := p.subscript()
			p.leave()
			if err != nil {
				return nil, err
			}
			if err := p.expect("]"); err != nil {
				return nil, err
			}
			n = indexNode{x: n, key: key, pos: n.at()}
		case p.isOp("("):
			p.next()
			if err := p.enter(); err != nil {
				return nil, err
			}
			args, err := p.callArgs()
			p.leave()
			if err != nil {
				return nil, err
			}
			n = callNode{fn: n, args: args, pos: n.at()}
		default:
			return n, nil
		}
	}
}

// subscript reads what is between brackets: an expression, or a tuple of
// them (x['a', 'b'] names the same path as x[['a', 'b']]).
func (p *parser) subscript() (node, error) {
	if p.isOp(":") {
		return nil, &Error{Pos: p.peek().pos, Msg: "slices are not allowed", Token: ":"}
	}
	first, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.isOp(":") {
		return nil, &Error{Pos: p.peek().pos, Msg: "slices are not allowed", Token: ":"}
	}
	if !p.isOp(",") {
		return first, nil
	}
	s := seqNode{elts: []node{first}, pos: first.at()}
	for p.isOp(",") {
		p.next()
		if p.isOp("]") {
			break
		}
		n, err := p.expr()
		if err != nil {
			return nil, err
		}
		s.elts = append(s.elts, n)
	}
	return s, nil
}

// callArgs reads a call's arguments up to ")": expressions, or a single
// generator such as any(span.latency_ms > 1000 for span in spans).
func (p *parser) callArgs() ([]node, error) {
	if p.isOp(")") {
		p.next()
		return nil, nil
	}
	first, err := p.boolOp("or")
	if err != nil {
		return nil, err
	}
	if !p.isKeyword("for") {
		if p.isOp(")") {
			p.next()
			return []node{first}, nil
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
		rest, err := p.items(")")
		if err != nil {
			return nil, err
		}
		return append([]node{first}, rest...), nil
	}
	p.next() // for
	v := p.next()
	if v.kind != tokName {
		return nil, p.unexpected(v)
	}
	if !p.isKeyword("in") {
		return nil, p.unexpected(p.peek())
	}
	p.next()
	iter, err := p.postfix()
	if err != nil {
		return nil, err
	}
	g := genNode{elt: first, name: v.text, iter: iter, pos: first.at()}
	if p.isKeyword("if") {
		p.next()
		if g.cond, err = p.boolOp("or"); err != nil {
			return nil, err
		}
	}
	if p.isKeyword("for") {
		return nil, &Error{Pos: p.peek().pos, Msg: "only one 'for' is allowed in a quantifier", Token: "for"}
	}
	if err := p.expect(")"); err != nil {
		return nil, err
	}
	return []node{g}, nil
}

// items reads comma-separated expressions up to close, consuming it.
func (p *parser) items(close string) ([]node, error) {
	var out []node
	for !p.isOp(close) {
		n, err := p.expr()
		if err != nil {
			return nil, err
		}
		out = append(out, n)
		if p.isOp(",") {
			p.next()
			continue
		}
		if !p.isOp(close) {
			return nil, p.unexpected(p.peek())
		}
	}
	p.next()
	return out, nil
}

func (p *parser) atom() (node, error) {
	t := p.next()
	switch t.kind {
	case tokName:
		switch t.text {
		case "True":
			return constNode{value: true, pos: t.pos}, nil
		case "False":
			return constNode{value: false, pos: t.pos}, nil
		case "None":
			return constNode{value: nil, pos: t.pos}, nil
		case "and", "or", "not", "in", "is", "if", "else", "for", "lambda", "yield", "await", "import", "def", "class", "return", "del", "pass", "raise", "global", "nonlocal", "assert", "while", "with", "as", "try", "except", "finally", "from", "break", "continue", "elif", "async":
			return nil, p.unexpected(t)
		}
		return nameNode{name: t.text, pos: t.pos}, nil
	case tokNumber:
		return numNode{text: t.text, pos: t.pos}, nil
	case tokString:
		s := strNode{s: t.str, pos: t.pos}
		// Adjacent literals join, as in Python.
		for p.peek().kind == tokString {
			s.s += p.next().str
		}
		return s, nil
	case tokOp:
		switch t.text {
		case "(":
			if err := p.enter(); err != nil {
				return nil, err
			}
			defer p.leave()
			if p.isOp(")") {
				p.next()
				return seqNode{pos: t.pos}, nil
			}
			first, err := p.expr()
			if err != nil {
				return nil, err
			}
			if p.isOp(")") {
				p.next()
				return first, nil
			}
			if !p.isOp(",") {
				return nil, p.unexpected(p.peek())
			}
			p.next()
			rest, err := p.items(")")
			if err != nil {
				return nil, err
			}
			return seqNode{elts: append([]node{first}, rest...), pos: t.pos}, nil
		case "[":
			if err := p.enter(); err != nil {
				return nil, err
			}
			defer p.leave()
			elts, err := p.items("]")
			if err != nil {
				return nil, err
			}
			return seqNode{elts: elts, list: true, pos: t.pos}, nil
		}
	}
	return nil, p.unexpected(t)
}

// genNode is a generator argument: elt for name in iter [if cond].
type genNode struct {
	elt, iter, cond node
	name            string
	pos             int
}
