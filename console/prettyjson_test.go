package console

import "testing"

func TestPrettyJSON(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"a":"\u003cb\u003e \u0026"}`, "{\n  \"a\": \"<b> &\"\n}"},
		{`{"a":"\\u003c"}`, "{\n  \"a\": \"\\\\u003c\"\n}"},           // the text \u003c, not an escape
		{`{"a":"\\\u003c"}`, "{\n  \"a\": \"\\\\<\"\n}"},              // a backslash, then an escaped <
		{`{"a":"\u00e9\"\u003E"}`, "{\n  \"a\": \"\\u00e9\\\">\"\n}"}, // other escapes stay
		{`not json <x>`, `not json <x>`},
		{`{"cut": "abc`, `{"cut": "abc`},
	} {
		if got := prettyJSON(tc.in); got != tc.want {
			t.Errorf("prettyJSON(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestFirstLines(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"a", 2, "a"},
		{"a\nb", 2, "a\nb"},
		{"a\nb\nc\nd", 2, "a\nb\n… and 2 more (the server log has them all)"},
	} {
		if got := firstLines(tc.in, tc.n); got != tc.want {
			t.Errorf("firstLines(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}
