package web

import (
	"html/template"
	"net/url"
	"regexp"
	"strings"
)

// renderMarkdown renders a safe subset of markdown: headings, paragraphs,
// lists, tables, fenced code, inline code, bold, italics and links. Every
// piece of the source is HTML-escaped before any markup is added, and raw
// HTML is shown as text, so no input can add an element or attribute of its
// own. A link keeps its target only for http, https and mailto URLs, opens
// in a new tab and carries rel="noopener nofollow": a span's output is
// written by a model or a user, so its links are neither trusted nor
// endorsed; any other link is shown as text.
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
		case isTableStart(lines, i):
			flush()
			closeList()
			head := tableCells(trimmed)
			b.WriteString("<table><thead><tr>")
			for _, c := range head {
				b.WriteString("<th>" + inline(c) + "</th>")
			}
			b.WriteString("</tr></thead><tbody>")
			for i += 2; i < len(lines) && strings.Contains(lines[i], "|") && strings.TrimSpace(lines[i]) != ""; i++ {
				// Rows have the header's width: cells beyond are dropped,
				// missing ones are empty.
				cells := tableCells(strings.TrimSpace(lines[i]))
				b.WriteString("<tr>")
				for j := range head {
					c := ""
					if j < len(cells) {
						c = cells[j]
					}
					b.WriteString("<td>" + inline(c) + "</td>")
				}
				b.WriteString("</tr>")
			}
			i-- // the loop's own step moves to the line after the table
			b.WriteString("</tbody></table>")
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

// isTableStart tells whether a table starts at line i: a row with pipes,
// then a delimiter row ("---|:--:") of as many cells.
func isTableStart(lines []string, i int) bool {
	if i+1 >= len(lines) || !strings.Contains(lines[i], "|") {
		return false
	}
	delim := strings.TrimSpace(lines[i+1])
	return tableDelimRE.MatchString(delim) && len(tableCells(delim)) == len(tableCells(strings.TrimSpace(lines[i])))
}

// tableCells splits a table row at its pipes; a leading and a trailing
// pipe are optional, and "\|" is a pipe within a cell.
func tableCells(row string) []string {
	row = strings.TrimSuffix(strings.TrimPrefix(row, "|"), "|")
	if strings.HasSuffix(row, "\\") {
		row += "|" // the trailing pipe was escaped
	}
	var cells []string
	var cell strings.Builder
	for i := 0; i < len(row); i++ {
		switch {
		case row[i] == '\\' && i+1 < len(row) && row[i+1] == '|':
			cell.WriteByte('|')
			i++
		case row[i] == '|':
			cells = append(cells, strings.TrimSpace(cell.String()))
			cell.Reset()
		default:
			cell.WriteByte(row[i])
		}
	}
	return append(cells, strings.TrimSpace(cell.String()))
}

var (
	tableDelimRE = regexp.MustCompile(`^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?$`)
	linkRE       = regexp.MustCompile(`\[([^\[\]\n]+)\]\(([^()\s]+)\)`)
	headingRE    = regexp.MustCompile(`^(#{1,4})\s+(.*)$`)
	bulletRE     = regexp.MustCompile(`^[-*+]\s+`)
	orderedRE    = regexp.MustCompile(`^\d+[.)]\s+`)
	codeRE       = regexp.MustCompile("`([^`]+)`")
	boldRE       = regexp.MustCompile(`\*\*([^*]+)\*\*`)
	italicRE     = regexp.MustCompile(`\*([^*\s][^*]*)\*`)
)

// inline marks up code spans, links, bold and italics in s. Code spans
// and links are found in the source, before escaping, so a link's URL is
// checked as written; every piece is escaped before markup is added, and
// the emphasis patterns match only characters that escaping leaves alone.
func inline(s string) string {
	var b strings.Builder
	for s != "" {
		code, link := codeRE.FindStringSubmatchIndex(s), linkRE.FindStringSubmatchIndex(s)
		// Whichever starts first; code spans win ties, so a link inside
		// backticks stays code.
		m := code
		if m == nil || (link != nil && link[0] < code[0]) {
			m = link
		}
		if m == nil {
			b.WriteString(emphasis(template.HTMLEscapeString(s)))
			break
		}
		b.WriteString(emphasis(template.HTMLEscapeString(s[:m[0]])))
		switch {
		case sameMatch(m, code):
			b.WriteString("<code>" + template.HTMLEscapeString(s[m[2]:m[3]]) + "</code>")
		case safeLinkURL(s[m[4]:m[5]]):
			b.WriteString(`<a href="` + template.HTMLEscapeString(s[m[4]:m[5]]) + `" rel="noopener nofollow" target="_blank">` +
				emphasis(template.HTMLEscapeString(s[m[2]:m[3]])) + "</a>")
		default:
			b.WriteString(emphasis(template.HTMLEscapeString(s[m[0]:m[1]])))
		}
		s = s[m[1]:]
	}
	return strings.ReplaceAll(b.String(), "\n", "<br>")
}

func sameMatch(a, b []int) bool { return a != nil && b != nil && a[0] == b[0] && a[1] == b[1] }

// safeLinkURL tells whether a link may point at u: an absolute http or
// https URL with a host, or a mailto URL. Anything else (javascript:,
// data:, relative paths that would reach this server's own routes) is
// shown as text.
func safeLinkURL(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	switch p.Scheme {
	case "http", "https":
		return p.Host != "" && !strings.ContainsAny(u, "\\")
	case "mailto":
		return p.Opaque != ""
	}
	return false
}

func emphasis(s string) string {
	s = boldRE.ReplaceAllString(s, "<strong>$1</strong>")
	return italicRE.ReplaceAllString(s, "<em>$1</em>")
}
