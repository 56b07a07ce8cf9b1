package password

import (
	"cmp"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Default argon2id parameters: the OWASP Password Storage Cheat Sheet's
// first configuration (19 MiB, 2 passes, 1 lane), which RFC 9106 §4
// allows for memory-constrained settings; a gateway hashes on its request
// path, several requests at a time. RFC 9106's own second recommended
// option is Argon2id{Memory: 64 * 1024, Time: 3, Threads: 4}.
const (
	DefaultArgon2Memory  = 19 * 1024 // KiB
	DefaultArgon2Time    = 2
	DefaultArgon2Threads = 1
	// DefaultBcryptCost is bcrypt's cost when Bcrypt.Cost is zero
	// (bcrypt.DefaultCost, 10; OWASP asks for at least 10).
	DefaultBcryptCost = bcrypt.DefaultCost
)

// Bounds on the parameters Verify accepts from a stored hash, so that a
// hash written by something else cannot make a verification arbitrarily
// expensive.
const (
	maxArgon2Memory  = 1 << 20 // KiB: 1 GiB
	maxArgon2Time    = 64
	maxArgon2Threads = 64
	// maxBcryptCost bounds bcrypt's cost (2^cost rounds; bcrypt allows
	// 31, minutes per verification): 16 takes about 4 s.
	maxBcryptCost   = 16
	saltLen, keyLen = 16, 32
)

// ErrMalformed is returned by Verify for a stored value that is not a
// hash this package reads (unknown algorithm, bad encoding, parameters
// out of bounds).
var ErrMalformed = errors.New("password: not a recognised password hash")

// ErrTooLong is returned by Bcrypt.Hash for a password longer than 72
// bytes, which bcrypt cannot hash without truncating it.
var ErrTooLong = errors.New("password: longer than 72 bytes, the most bcrypt can hash")

// Hasher turns a clear-text password into a hash string that Verify
// reads. Implementations are safe for concurrent use. Argon2id and Bcrypt
// are the implementations: Verify and IsHash read only their formats, and
// the stores keep a password only when IsHash recognises it, so another
// implementation's output would be dropped, not stored.
type Hasher interface {
	// Hash returns the hash of password, with a fresh random salt.
	Hash(password string) (string, error)
	// Name is the algorithm's name ("argon2id", "bcrypt"), as the PHC
	// string and scim's documentation spell it.
	Name() string
}

// Argon2id hashes with argon2id (RFC 9106). Zero fields take the
// Default… values; the salt is 16 random bytes and the hash 32 bytes.
type Argon2id struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8  // lanes
}

var (
	_ Hasher = Argon2id{}
	_ Hasher = Bcrypt{}
)

// Name returns "argon2id".
func (Argon2id) Name() string { return "argon2id" }

// Hash returns "$argon2id$v=19$m=<memory>,t=<time>,p=<threads>$<salt>$<hash>",
// salt and hash in unpadded standard base64 (the PHC string format).
func (h Argon2id) Hash(password string) (string, error) {
	m, t, p := h.Memory, h.Time, h.Threads
	if m == 0 {
		m = DefaultArgon2Memory
	}
	if t == 0 {
		t = DefaultArgon2Time
	}
	if p == 0 {
		p = DefaultArgon2Threads
	}
	if m > maxArgon2Memory || t > maxArgon2Time || p > maxArgon2Threads || m < 8*uint32(p) {
		return "", fmt.Errorf("password: argon2id parameters m=%d,t=%d,p=%d out of bounds", m, t, p)
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, t, m, p, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, m, t, p,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Bcrypt hashes with bcrypt. A zero Cost means DefaultBcryptCost.
// bcrypt reads at most 72 bytes of a password: Hash refuses longer ones
// with ErrTooLong rather than truncating.
type Bcrypt struct {
	// Cost is bcrypt's cost factor (log2 of its rounds); 0 means
	// DefaultBcryptCost.
	Cost int
}

// Name returns "bcrypt".
func (Bcrypt) Name() string { return "bcrypt" }

// Hash returns the bcrypt hash of password ("$2a$<cost>$<salt+hash>").
func (h Bcrypt) Hash(password string) (string, error) {
	cost := h.Cost
	if cost == 0 {
		cost = DefaultBcryptCost
	}
	if len(password) > 72 {
		return "", ErrTooLong
	}
	if cost > maxBcryptCost {
		return "", fmt.Errorf("password: bcrypt cost %d out of bounds (at most %d)", cost, maxBcryptCost)
	}
	b, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return "", fmt.Errorf("password: bcrypt: %w", err)
	}
	return string(b), nil
}

// IsHash reports whether s has the form of a hash Verify reads
// ("$argon2id$…" or "$2a$", "$2b$", "$2y$"). It does not say that s came
// from a Hasher: never use it to decide that a client's value is already
// hashed (see the package documentation).
func IsHash(s string) bool {
	_, err := parseArgon2(s)
	if err == nil {
		return true
	}
	return bcryptCost(s) == nil
}

// bcryptCost checks that s is a bcrypt hash whose cost Verify accepts.
func bcryptCost(s string) error {
	cost, err := bcrypt.Cost([]byte(s))
	if err != nil || cost > maxBcryptCost {
		return ErrMalformed
	}
	return nil
}

// Verify reports whether password matches hash, a string made by
// Argon2id.Hash or Bcrypt.Hash. The comparison takes constant time in
// the hash bytes. A hash it cannot read is (false, ErrMalformed); a
// wrong password is (false, nil).
func Verify(hash, password string) (bool, error) {
	if strings.HasPrefix(hash, "$argon2id$") {
		return verifyArgon2(hash, password)
	}
	if strings.HasPrefix(hash, "$2") {
		if err := bcryptCost(hash); err != nil {
			return false, err
		}
		err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(password))
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
			return false, nil
		}
		return false, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return false, ErrMalformed
}

// Current reports whether hash is what h makes today: the same algorithm
// with the same parameters (argon2id's memory, time and threads, bcrypt's
// cost). A caller that keeps a stored hash because it verifies a password
// sent again, rather than hashing that password anew, keeps it only when
// Current: a tenant that moves to another algorithm or raises its cost
// then upgrades its hashes as passwords are sent. A Hasher of another type
// is current when its Name is the hash's algorithm.
func Current(h Hasher, hash string) bool {
	switch h := h.(type) {
	case Argon2id:
		pr, err := parseArgon2(hash)
		return err == nil && pr.m == cmp.Or(h.Memory, DefaultArgon2Memory) && pr.t == cmp.Or(h.Time, DefaultArgon2Time) &&
			pr.p == cmp.Or(h.Threads, DefaultArgon2Threads) && len(pr.key) == keyLen
	case Bcrypt:
		cost, err := bcrypt.Cost([]byte(hash))
		return err == nil && cost == cmp.Or(h.Cost, DefaultBcryptCost)
	case nil:
		return false
	}
	switch h.Name() {
	case "argon2id":
		return strings.HasPrefix(hash, "$argon2id$")
	case "bcrypt":
		return strings.HasPrefix(hash, "$2")
	}
	return false
}

// argon2Hash is a parsed argon2id PHC string.
type argon2Hash struct {
	m, t      uint32
	p         uint8
	salt, key []byte
}

func verifyArgon2(hash, password string) (bool, error) {
	pr, err := parseArgon2(hash)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), pr.salt, pr.t, pr.m, pr.p, uint32(len(pr.key)))
	want := pr.key
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// parseArgon2 reads "$argon2id$v=19$m=..,t=..,p=..$salt$hash".
func parseArgon2(s string) (argon2Hash, error) {
	var pr argon2Hash
	f := strings.Split(s, "$")
	if len(f) != 6 || f[0] != "" || f[1] != "argon2id" || f[2] != "v="+strconv.Itoa(argon2.Version) {
		return pr, ErrMalformed
	}
	var seen int
	for kv := range strings.SplitSeq(f[3], ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return pr, ErrMalformed
		}
		switch k {
		case "m":
			pr.m, seen = uint32(n), seen|1
		case "t":
			pr.t, seen = uint32(n), seen|2
		case "p":
			if n > 255 {
				return pr, ErrMalformed
			}
			pr.p, seen = uint8(n), seen|4
		default:
			return pr, ErrMalformed
		}
	}
	if seen != 7 || pr.t < 1 || pr.t > maxArgon2Time || pr.p < 1 || pr.p > maxArgon2Threads ||
		pr.m < 8*uint32(pr.p) || pr.m > maxArgon2Memory {
		return pr, ErrMalformed
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(f[4])
	key, err2 := b64.DecodeString(f[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 || len(key) > 64 {
		return pr, ErrMalformed
	}
	pr.salt, pr.key = salt, key
	return pr, nil
}
