package scim

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"
)

// readBody reads a JSON request body (RFC 7644 §3.8) after checking its
// media type: application/scim+json, application/json (and other
// "+json" types) or no Content-Type at all, as Okta sends, are accepted;
// anything else is 415. The body is checked for nesting deeper than
// Config.MaxJSONDepth and for NUL characters before any decoding, so
// hostile input costs one linear scan.
func (h *Handler) readBody(r *http.Request) ([]byte, error) {
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		return nil, err
	}
	body, err := readAll(r.Body, r.ContentLength)
	if err != nil {
		return nil, bodyReadError(err)
	}
	if err := h.checkBody(body); err != nil {
		return nil, err
	}
	return body, nil
}

// maxSizeHint bounds the buffer readAll sizes from a declared
// Content-Length: a client may declare more than it sends, so beyond
// this the buffer grows with what really arrives.
const maxSizeHint = 64 << 10

// readAll is io.ReadAll with a first buffer of the declared length n
// (Content-Length, -1 when unknown), plus one byte to see the end without
// growing: a request body is read into one allocation instead of growing
// from 512 bytes.
func readAll(r io.Reader, n int64) ([]byte, error) {
	size := 512
	if n >= 0 && n < maxSizeHint {
		size = int(n) + 1
	}
	b := make([]byte, 0, size)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		m, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+m]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// bodyReadError maps a failure to read a request body: over the limit
// stays an *http.MaxBytesError (413 in WriteError); anything else (a
// malformed chunked encoding, a body shorter than its Content-Length) is
// the client's fault, 400 invalidSyntax, not a 500.
func bodyReadError(err error) error {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return err
	}
	return ErrInvalidSyntax.WithDetail("The request body could not be read: %v.", err)
}

// checkBody checks a resource or PatchOp body, of a request or of a bulk
// operation: not empty, UTF-8, nested at most Config.MaxJSONDepth, no NUL.
// Invalid UTF-8 is refused rather than decoded: encoding/json would turn
// each bad byte into U+FFFD and store a userName the client never sent
// (RFC 8259 §8.1: JSON text MUST be UTF-8; RFC 7644 §3.8).
func (h *Handler) checkBody(body []byte) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return ErrInvalidSyntax.WithDetail("The request body is empty; a JSON object is required.")
	}
	if !utf8.Valid(body) {
		return ErrInvalidSyntax.WithDetail("The request body is not valid UTF-8 (invalid byte at offset %d); JSON text must be UTF-8 (RFC 8259 §8.1).", invalidUTF8At(body))
	}
	return checkJSON(body, h.cfg.MaxJSONDepth)
}

// invalidUTF8At returns the offset of the first invalid UTF-8 sequence.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

func checkContentType(ct string) error {
	if strings.TrimSpace(ct) == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ErrUnsupportedMediaType.WithDetail("The Content-Type %q cannot be parsed; use application/scim+json.", ct)
	}
	switch {
	case mt == "application/scim+json", mt == "application/json", mt == "text/json",
		strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"):
		return nil
	}
	return ErrUnsupportedMediaType.WithDetail("The Content-Type %q is not supported; use application/scim+json or application/json.", mt)
}

// checkJSON scans data once, outside and inside strings, and rejects
// nesting deeper than maxDepth (invalidSyntax) and the escaped NUL
// character \u0000 in any string (invalidValue): no SCIM attribute may hold
// it and SQL backends cannot store it. Malformed JSON is left to the
// decoder.
func checkJSON(data []byte, maxDepth int) error {
	depth, inStr := 0, false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if inStr {
			switch c {
			case '\\':
				if i+5 < len(data) && data[i+1] == 'u' && string(data[i+2:i+6]) == "0000" {
					return ErrInvalidValue.WithDetail("A string value contains the NUL character (\\u0000) at byte %d; it is not allowed.", i)
				}
				i++
			case '"':
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '{', '[':
			depth++
			if depth > maxDepth {
				return ErrInvalidSyntax.WithDetail("The JSON body is nested deeper than %d levels (at byte %d).", maxDepth, i)
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}

// validID reports whether id can name a resource: ids are server-assigned
// UUIDs or similar tokens, so an id with NUL, invalid UTF-8 or over 1 KiB
// cannot exist and is answered 404 without asking the store.
func validID(id string) bool {
	if id == "" || len(id) > 1024 || strings.ContainsRune(id, 0) || strings.ContainsRune(id, '\uFFFD') {
		return false
	}
	for _, c := range id {
		if c < ' ' {
			return false
		}
	}
	return true
}
