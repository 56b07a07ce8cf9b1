package filter

// Default limits applied by Parse and by a zero Limits.
const (
	// DefaultMaxLength is the longest filter accepted, in bytes.
	DefaultMaxLength = 4096
	// DefaultMaxDepth is the deepest nesting accepted: each parenthesis,
	// "not (" and value filter "[" counts one level.
	DefaultMaxDepth = 32
	// DefaultMaxTerms is the largest number of comparisons accepted in
	// one filter, counting those inside value filters. filter-parser's
	// cost grows quickly with long and/or chains (a 3000-term chain took
	// 140ms), so the pre-pass rejects longer filters before it runs.
	DefaultMaxTerms = 200
)

// Limits bounds the work Parse does on untrusted input (RFC 7644 §7 asks
// servers to protect themselves from expensive requests). A zero or
// negative field takes its default. Limits are checked by a pre-pass
// before filter-parser, which recurses per nesting level, runs.
type Limits struct {
	// MaxLength is the longest filter accepted, in bytes.
	MaxLength int
	// MaxDepth is the deepest nesting of parentheses, not and value
	// filters.
	MaxDepth int
	// MaxTerms is the largest number of comparisons in one filter.
	MaxTerms int
}
