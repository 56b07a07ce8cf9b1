package schema

// EncodedHead is a resource's common attributes (RFC 7643 §3.1) encoded
// once, as AppendJSON writes them, for AppendJSONHead to copy: schemas,
// id, externalId and every member of meta except "location", which
// depends on the request's base URL. A store that keeps resources encoded
// can keep their heads too, so that a page of them is written without
// formatting a date or escaping a string. The zero EncodedHead holds
// nothing (IsZero). An EncodedHead is never modified and is safe to share
// and to use concurrently.
type EncodedHead struct {
	b []byte // open members, '{', meta before location, '{', meta after location
	// before and after are the starts of the meta parts in b, each just
	// past its '{' separator.
	before, after int
}

// EncodeHead returns r's common attributes encoded for AppendJSONHead.
// r.Attrs and r.Meta.Location are not part of it.
func (r *Resource) EncodeHead() EncodedHead {
	b := make([]byte, 0, 192)
	b = append(r.appendOpen(b), '{')
	before := len(b)
	b = append(r.Meta.appendBefore(b), '{')
	after := len(b)
	b = r.Meta.appendAfter(b)
	return EncodedHead{b: b[:len(b):len(b)], before: before, after: after}
}

// IsZero reports whether h holds nothing (the zero EncodedHead).
func (h EncodedHead) IsZero() bool { return h.b == nil }

// Len returns the number of bytes h holds.
func (h EncodedHead) Len() int { return len(h.b) }

// AppendJSONHead is AppendJSONWith with r's common attributes copied from
// h instead of encoded: the output is byte for byte that of
// AppendJSONWith(dst, members) when h is r.EncodeHead() of r as it is,
// apart from r.Meta.Location (and r.Attrs), which are written from r. The
// caller vouches for that; AppendJSONHead does not check it. A zero h
// makes it AppendJSONWith.
func (r *Resource) AppendJSONHead(dst []byte, h EncodedHead, members []byte) ([]byte, error) {
	if h.IsZero() {
		return r.AppendJSONWith(dst, members)
	}
	n0 := len(dst)
	dst = append(dst, h.b[:h.before-1]...)
	var err error
	if dst, err = appendMembers(dst, n0, r.Attrs, true); err != nil {
		return dst[:n0], err
	}
	if len(members) > 0 {
		dst = append(appendComma(dst, n0), members...)
	}
	before, after := h.b[h.before:h.after-1], h.b[h.after:]
	if len(before) > 0 || len(after) > 0 || r.Meta.Location != "" {
		dst = append(appendComma(dst, n0), `"meta":{`...)
		dst = append(dst, before...)
		if r.Meta.Location != "" {
			dst = append(appendSep(dst), `"location":`...)
			dst = appendString(dst, r.Meta.Location)
		}
		if len(after) > 0 {
			dst = append(appendSep(dst), after...)
		}
		dst = append(dst, '}')
	}
	return append(dst, '}'), nil
}
