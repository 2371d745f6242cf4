package web

import (
	"strings"
	"testing"
)

func TestMarkdownIsSafe(t *testing.T) {
	cases := map[string]string{
		"**bold** and *it*":                  "<p><strong>bold</strong> and <em>it</em></p>",
		"# Title":                            "<h3>Title</h3>",
		"- a\n- b":                           "<ul><li>a</li><li>b</li></ul>",
		"1. a\n2. b":                         "<ol><li>a</li><li>b</li></ol>",
		"```\n<b>x</b>\n```":                 "<pre><code>&lt;b&gt;x&lt;/b&gt;\n</code></pre>",
		"`<i>`":                              "<p><code>&lt;i&gt;</code></p>",
		"<script>alert(1)</script>":          "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
		`[x](javascript:alert(1))`:           "<p>[x](javascript:alert(1))</p>",
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

func FuzzMarkdown(f *testing.F) {
	f.Add("**a** `b` <c> # d\n- e")
	f.Fuzz(func(t *testing.T, s string) {
		out := string(renderMarkdown(s))
		// Every tag in the output is one the renderer writes itself.
		for i := strings.IndexByte(out, '<'); i >= 0; i = strings.IndexByte(out, '<') {
			out = out[i+1:]
			ok := false
			for _, tag := range []string{"p>", "/p>", "strong>", "/strong>", "em>", "/em>", "code>", "/code>", "pre>", "/pre>", "ul>", "/ul>", "ol>", "/ol>", "li>", "/li>", "br>", "h3>", "h4>", "h5>", "h6>", "/h3>", "/h4>", "/h5>", "/h6>"} {
				if strings.HasPrefix(out, tag) {
					ok = true
				}
			}
			if !ok {
				t.Fatalf("renderMarkdown(%q) has a tag it did not write: %q", s, out)
			}
		}
	})
}
