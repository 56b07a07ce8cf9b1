package scim

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestCheckJSON(t *testing.T) {
	deep := strings.Repeat("[", 33) + strings.Repeat("]", 33)
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"flat", `{"a":"b"}`, nil},
		{"depth 32", strings.Repeat("[", 32) + strings.Repeat("]", 32), nil},
		{"depth 33", deep, ErrInvalidSyntax},
		{"brackets in strings do not count", `{"a":"` + strings.Repeat("[", 100) + `"}`, nil},
		{"escaped quote", `{"a":"\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}`, nil},
		{"NUL", `{"userName":"a\u0000b"}`, ErrInvalidValue},
		{"escaped backslash then u0000 text", `{"userName":"a\\u0000b"}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkJSON([]byte(tt.in), 32)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Errorf("checkJSON = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestCheckContentType(t *testing.T) {
	for ct, ok := range map[string]bool{
		"":                                     true,
		"application/scim+json":                true,
		"application/scim+json; charset=utf-8": true,
		"application/json":                     true,
		"Application/JSON; charset=UTF-8":      true,
		"text/json;charset=UTF-8":              true,
		"text/plain":                           false,
		"application/x-www-form-urlencoded":    false,
		"application/xml":                      false,
		"garbage;;;":                           false,
	} {
		err := checkContentType(ct)
		if (err == nil) != ok {
			t.Errorf("checkContentType(%q) = %v, want ok=%v", ct, err, ok)
		}
	}
}

func FuzzCheckJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,{"b":"c\"\\"}]}`, `[[[[`, `"\u0000"`, `{"a":"\`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = checkJSON(data, 8)
	})
}

// TestReadAll: readAll reads the whole body whatever Content-Length
// declares (exact, unknown, less or more than sent, beyond maxSizeHint),
// and passes read errors on.
func TestReadAll(t *testing.T) {
	long := strings.Repeat("x", maxSizeHint+100)
	for _, tc := range []struct {
		name, body string
		n          int64
	}{
		{"exact", `{"a":1}`, 7},
		{"unknown", `{"a":1}`, -1},
		{"declared less", `{"a":1}`, 3},
		{"declared more", `{"a":1}`, 100},
		{"empty", "", 0},
		{"long exact", long, int64(len(long))},
		{"long unknown", long, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAll(iotest.OneByteReader(strings.NewReader(tc.body)), tc.n)
			if err != nil || string(got) != tc.body {
				t.Errorf("readAll = %d bytes, %v; want %d bytes", len(got), err, len(tc.body))
			}
		})
	}
	if _, err := readAll(iotest.ErrReader(io.ErrUnexpectedEOF), 5); err != io.ErrUnexpectedEOF {
		t.Errorf("readAll of a failing reader: %v, want %v", err, io.ErrUnexpectedEOF)
	}
}
