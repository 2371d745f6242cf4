package ember

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// GlobalID returns the public id of a row: Relay's node id, standard base64
// (with padding) of "Type:rowid", as Phoenix's REST API and its clients use.
func GlobalID(typeName string, rowID int64) string {
	return base64.StdEncoding.EncodeToString([]byte(typeName + ":" + strconv.FormatInt(rowID, 10)))
}

// ParseGlobalID decodes a GlobalID into its type name and row id. Like
// Phoenix, it ignores characters outside the base64 alphabet but insists on
// correct padding, and splits at the first colon. Any failure is an EINVALID
// error; callers that accept a name in place of an id fall back to it.
func ParseGlobalID(s string) (typeName string, rowID int64, err error) {
	invalid := func(reason string) error {
		return Errorf(EINVALID, "Invalid GlobalID %q: %s", s, reason)
	}
	filtered := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '=' {
			filtered = append(filtered, c)
		}
	}
	raw, err := base64.StdEncoding.DecodeString(string(filtered))
	if err != nil || len(filtered) == 0 {
		return "", 0, invalid("not base64")
	}
	if !utf8.Valid(raw) {
		return "", 0, invalid("not UTF-8")
	}
	typeName, idText, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", 0, invalid(`expected "Type:id"`)
	}
	rowID, err = parsePythonInt(idText)
	if err != nil {
		return "", 0, invalid(fmt.Sprintf("id %q is not an integer", idText))
	}
	return typeName, rowID, nil
}

// parsePythonInt parses an integer as Python's int() does for the forms a
// GlobalID can carry: surrounding spaces, a sign, and underscores between
// digits.
func parsePythonInt(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "_") {
		body := strings.TrimLeft(s, "+-")
		if strings.HasPrefix(body, "_") || strings.HasSuffix(body, "_") || strings.Contains(body, "__") {
			return 0, strconv.ErrSyntax
		}
		s = strings.ReplaceAll(s, "_", "")
	}
	return strconv.ParseInt(s, 10, 64)
}
