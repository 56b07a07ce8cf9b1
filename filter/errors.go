package filter

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/scimkit/scimkit/schema"
)

// errAt returns an invalidFilter error whose detail names the position
// (1-based, in characters) of byte offset pos of src.
func errAt(src string, pos int, format string, args ...any) *schema.Error {
	return schema.ErrInvalidFilter.WithDetail("invalid filter at position %d: %s", runePos(src, pos), fmt.Sprintf(format, args...))
}

// runePos converts byte offset pos of src to a 1-based character position.
func runePos(src string, pos int) int {
	if pos > len(src) {
		pos = len(src)
	}
	return utf8.RuneCountInString(src[:pos]) + 1
}

// describe names a token in an error message: its text, shortened, or
// "the end of the filter".
func describe(t token) string {
	switch t.kind {
	case tokEOF:
		return "the end of the filter"
	case tokString:
		return "the string " + shortText(t.text)
	}
	return strconv.Quote(shortText(t.text))
}

func shortText(s string) string {
	if len(s) <= 40 {
		return s
	}
	i := 37
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}

// asPathError turns an invalidFilter error from the filter parser into an
// invalidPath error with the same detail, for ParsePath.
func asPathError(err error) error {
	if e, ok := err.(*schema.Error); ok {
		return schema.ErrInvalidPath.WithDetail("%s", strings.Replace(e.Detail, "invalid filter at", "invalid path at", 1))
	}
	return schema.ErrInvalidPath.WithCause(err)
}
