package web

import (
	"regexp"
	"strings"
	"testing"
)

func TestMarkdownIsSafe(t *testing.T) {
	cases := map[string]string{
		"**bold** and *it*":         "<p><strong>bold</strong> and <em>it</em></p>",
		"# Title":                   "<h3>Title</h3>",
		"- a\n- b":                  "<ul><li>a</li><li>b</li></ul>",
		"1. a\n2. b":                "<ol><li>a</li><li>b</li></ol>",
		"```\n<b>x</b>\n```":        "<pre><code>&lt;b&gt;x&lt;/b&gt;\n</code></pre>",
		"`<i>`":                     "<p><code>&lt;i&gt;</code></p>",
		"<script>alert(1)</script>": "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
		`[x](javascript:alert(1))`:  "<p>[x](javascript:alert(1))</p>",
		// Links: http, https and mailto only, never trusted.
		"see [the docs](https://example.com/a?b=1&c=2)":     `<p>see <a href="https://example.com/a?b=1&amp;c=2" rel="noopener nofollow" target="_blank">the docs</a></p>`,
		"[**mail**](mailto:ops@example.com)":                `<p><a href="mailto:ops@example.com" rel="noopener nofollow" target="_blank"><strong>mail</strong></a></p>`,
		"[x](http://a.example/\"onmouseover=\"alert)":       `<p><a href="http://a.example/&#34;onmouseover=&#34;alert" rel="noopener nofollow" target="_blank">x</a></p>`,
		"[x](javascript:alert(1)//http://a)":                "<p>[x](javascript:alert(1)//http://a)</p>",
		"[x](JAVASCRIPT:alert(1))":                          "<p>[x](JAVASCRIPT:alert(1))</p>",
		"[x](data:text/html;base64,PHNjcmlwdD4=)":           "<p>[x](data:text/html;base64,PHNjcmlwdD4=)</p>",
		"[x](/projects/1/delete)":                           "<p>[x](/projects/1/delete)</p>",
		"[x](//evil.example/)":                              "<p>[x](//evil.example/)</p>",
		"[x](http:evil)":                                    "<p>[x](http:evil)</p>",
		"[x](https://a.example\\@evil.example)":             "<p>[x](https://a.example\\@evil.example)</p>",
		"[<img src=x onerror=alert(1)>](https://a.example)": `<p><a href="https://a.example" rel="noopener nofollow" target="_blank">&lt;img src=x onerror=alert(1)&gt;</a></p>`,
		"`[x](https://a.example)`":                          "<p><code>[x](https://a.example)</code></p>",
		// Tables: a header, a delimiter row of as many cells, then rows.
		"| a | b |\n|---|:-:|\n| 1 | **2** |\n| 3 |\n| 4 | 5 | 6 |": "<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1</td><td><strong>2</strong></td></tr><tr><td>3</td><td></td></tr><tr><td>4</td><td>5</td></tr></tbody></table>",
		"a | b\n--- | ---\nx \\| y | <script>\n\nafter":             "<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>x | y</td><td>&lt;script&gt;</td></tr></tbody></table><p>after</p>",
		"| h |\n|---|\n| [l](https://a.example) |":                  `<table><thead><tr><th>h</th></tr></thead><tbody><tr><td><a href="https://a.example" rel="noopener nofollow" target="_blank">l</a></td></tr></tbody></table>`,
		"a | b\n---":                         "<p>a | b<br>---</p>",
		"| <th onclick=x> |\n|---|":          "<table><thead><tr><th>&lt;th onclick=x&gt;</th></tr></thead><tbody></tbody></table>",
		`**<img src=x onerror="alert(1)">**`: "<p><strong>&lt;img src=x onerror=&#34;alert(1)&#34;&gt;</strong></p>",
		"line one\nline two":                 "<p>line one<br>line two</p>",
		"*a <b onmouseover=\"x\">* c":        "<p><em>a &lt;b onmouseover=&#34;x&#34;&gt;</em> c</p>",
	}
	for in, want := range cases {
		if got := string(renderMarkdown(in)); got != want {
			t.Errorf("renderMarkdown(%q) = %q, want %q", in, got, want)
		}
	}
}

var linkTagRE = regexp.MustCompile(`^a href="(?i:https?://|mailto:)[^"<>]*" rel="noopener nofollow" target="_blank">`)

func FuzzMarkdown(f *testing.F) {
	f.Add("**a** `b` <c> # d\n- e")
	f.Add("[a](https://x.example/\"><script>) | b\n|-|-|\n|[c](mailto:d)|")
	f.Fuzz(func(t *testing.T, s string) {
		out := string(renderMarkdown(s))
		// Every tag in the output is one the renderer writes itself.
		for i := strings.IndexByte(out, '<'); i >= 0; i = strings.IndexByte(out, '<') {
			out = out[i+1:]
			ok := false
			for _, tag := range []string{"p>", "/p>", "strong>", "/strong>", "em>", "/em>", "code>", "/code>", "pre>", "/pre>", "ul>", "/ul>", "ol>", "/ol>", "li>", "/li>", "br>", "h3>", "h4>", "h5>", "h6>", "/h3>", "/h4>", "/h5>", "/h6>",
				"table>", "/table>", "thead>", "/thead>", "tbody>", "/tbody>", "tr>", "/tr>", "th>", "/th>", "td>", "/td>", "/a>"} {
				if strings.HasPrefix(out, tag) {
					ok = true
				}
			}
			// A link: an http(s) or mailto target without a quote or an
			// angle bracket, and only the attributes the renderer writes.
			if m := linkTagRE.FindString(out); m != "" && strings.HasPrefix(out, m) {
				ok = true
			}
			if !ok {
				t.Fatalf("renderMarkdown(%q) has a tag it did not write: %q", s, out)
			}
		}
	})
}
