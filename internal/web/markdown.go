package web

import (
	"html/template"
	"regexp"
	"strings"
)

// renderMarkdown renders a safe subset of markdown: headings, paragraphs,
// lists, fenced code, inline code, bold and italics. Every piece of the
// source is HTML-escaped before any markup is added, and links and raw
// HTML are shown as text, so no input can add an element or attribute of
// its own.
func renderMarkdown(src string) template.HTML {
	var b strings.Builder
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	var para []string
	list := "" // "ul" or "ol" while in a list
	flush := func() {
		if len(para) > 0 {
			b.WriteString("<p>")
			b.WriteString(inline(strings.Join(para, "\n")))
			b.WriteString("</p>")
			para = nil
		}
	}
	closeList := func() {
		if list != "" {
			b.WriteString("</" + list + ">")
			list = ""
		}
	}
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "```"):
			flush()
			closeList()
			b.WriteString("<pre><code>")
			for i++; i < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i]), "```"); i++ {
				b.WriteString(template.HTMLEscapeString(lines[i]))
				b.WriteByte('\n')
			}
			b.WriteString("</code></pre>")
		case trimmed == "":
			flush()
			closeList()
		case headingRE.MatchString(trimmed):
			flush()
			closeList()
			m := headingRE.FindStringSubmatch(trimmed)
			level := string(rune('0' + min(len(m[1])+2, 6))) // # is h3: the page owns h1 and h2
			b.WriteString("<h" + level + ">" + inline(m[2]) + "</h" + level + ">")
		case bulletRE.MatchString(trimmed) || orderedRE.MatchString(trimmed):
			flush()
			kind, re := "ul", bulletRE
			if orderedRE.MatchString(trimmed) {
				kind, re = "ol", orderedRE
			}
			if list != kind {
				closeList()
				b.WriteString("<" + kind + ">")
				list = kind
			}
			b.WriteString("<li>" + inline(re.ReplaceAllString(trimmed, "")) + "</li>")
		default:
			closeList()
			para = append(para, trimmed)
		}
	}
	flush()
	closeList()
	return template.HTML(b.String()) // #nosec: built from escaped text only
}

var (
	headingRE = regexp.MustCompile(`^(#{1,4})\s+(.*)$`)
	bulletRE  = regexp.MustCompile(`^[-*+]\s+`)
	orderedRE = regexp.MustCompile(`^\d+[.)]\s+`)
	codeRE    = regexp.MustCompile("`([^`]+)`")
	boldRE    = regexp.MustCompile(`\*\*([^*]+)\*\*`)
	italicRE  = regexp.MustCompile(`\*([^*\s][^*]*)\*`)
)

// inline escapes s and then marks up code, bold and italics. The markup
// patterns match only characters that escaping leaves alone.
func inline(s string) string {
	s = template.HTMLEscapeString(s)
	var parts []string
	// Code spans first, so their contents are not read as emphasis.
	last := 0
	for _, m := range codeRE.FindAllStringSubmatchIndex(s, -1) {
		parts = append(parts, emphasis(s[last:m[0]]), "<code>"+s[m[2]:m[3]]+"</code>")
		last = m[1]
	}
	parts = append(parts, emphasis(s[last:]))
	return strings.ReplaceAll(strings.Join(parts, ""), "\n", "<br>")
}

func emphasis(s string) string {
	s = boldRE.ReplaceAllString(s, "<strong>$1</strong>")
	return italicRE.ReplaceAllString(s, "<em>$1</em>")
}
