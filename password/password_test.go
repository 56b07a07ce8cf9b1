package password_test

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/scimkit/scimkit/password"
)

// reference is the argon2id test vector of the reference implementation
// (phc-winner-argon2 src/test.c): password "password", salt "somesalt".
const reference = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"

func TestVerifyReferenceVector(t *testing.T) {
	for _, tc := range []struct {
		pw   string
		want bool
	}{{"password", true}, {"passwore", false}, {"", false}} {
		got, err := password.Verify(reference, tc.pw)
		if err != nil || got != tc.want {
			t.Errorf("Verify(reference, %q) = %v, %v; want %v, nil", tc.pw, got, err, tc.want)
		}
	}
}

func TestHashVerify(t *testing.T) {
	for _, h := range []password.Hasher{password.Argon2id{}, password.Argon2id{Memory: 64, Time: 1, Threads: 2}, password.Bcrypt{Cost: 4}} {
		t.Run(h.Name(), func(t *testing.T) {
			const pw = "Corr3ct horse ✓"
			a, err := h.Hash(pw)
			if err != nil {
				t.Fatal(err)
			}
			b, err := h.Hash(pw)
			if err != nil {
				t.Fatal(err)
			}
			if a == b {
				t.Errorf("two hashes of one password are equal (%s): the salt is not random", a)
			}
			if strings.Contains(a, pw) || !password.IsHash(a) {
				t.Errorf("hash %q contains the password or is not recognised by IsHash", a)
			}
			if ok, err := password.Verify(a, pw); !ok || err != nil {
				t.Errorf("Verify(hash, password) = %v, %v; want true, nil", ok, err)
			}
			if ok, err := password.Verify(a, pw+"x"); ok || err != nil {
				t.Errorf("Verify(hash, wrong) = %v, %v; want false, nil", ok, err)
			}
		})
	}
}

func TestArgon2idDefaults(t *testing.T) {
	h, err := password.Argon2id{}.Hash("x")
	if err != nil {
		t.Fatal(err)
	}
	if want := "$argon2id$v=19$m=19456,t=2,p=1$"; !strings.HasPrefix(h, want) {
		t.Errorf("hash %q does not start with %q", h, want)
	}
	if salt := strings.Split(h, "$")[4]; len(salt) != 22 { // 16 bytes, unpadded base64
		t.Errorf("salt %q is not 16 bytes", salt)
	}
}

func TestVerifyMalformed(t *testing.T) {
	for _, h := range []string{
		"",
		"clear-text",
		"$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",    // argon2i
		"$argon2id$v=16$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",   // old version
		"$argon2id$v=19$m=65536,t=2$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",       // no p
		"$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc", // 4 GiB
		"$argon2id$v=19$m=65536,t=1000,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
		"$argon2id$v=19$m=65536,t=2,p=0$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
		"$argon2id$v=19$m=65536,t=2,p=1,x=3$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
		"$argon2id$v=19$m=65536,t=2,p=1$!!!$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
		"$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$",
		"$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc$",
		"$2a$10$short",
		"$2a$31$" + strings.Repeat("a", 53), // cost 31: minutes per verification
	} {
		ok, err := password.Verify(h, "password")
		if ok || !errors.Is(err, password.ErrMalformed) {
			t.Errorf("Verify(%q) = %v, %v; want false, ErrMalformed", h, ok, err)
		}
		if password.IsHash(h) {
			t.Errorf("IsHash(%q) = true", h)
		}
	}
}

func TestBcryptTooLong(t *testing.T) {
	if _, err := (password.Bcrypt{Cost: 4}).Hash(strings.Repeat("a", 73)); !errors.Is(err, password.ErrTooLong) {
		t.Errorf("Hash of 73 bytes: err = %v, want ErrTooLong", err)
	}
	if _, err := (password.Bcrypt{Cost: 4}).Hash(strings.Repeat("a", 72)); err != nil {
		t.Errorf("Hash of 72 bytes: %v", err)
	}
}

func TestParameterBounds(t *testing.T) {
	if _, err := (password.Argon2id{Memory: 2 << 20}).Hash("x"); err == nil {
		t.Error("Hash with 2 GiB of memory succeeded; want an error")
	}
	if _, err := (password.Bcrypt{Cost: 20}).Hash("x"); err == nil {
		t.Error("bcrypt Hash with cost 20 succeeded; want an error")
	}
}

func FuzzVerify(f *testing.F) {
	f.Add(reference, "password")
	f.Add("$2a$04$abcdefghijklmnopqrstuu", "x")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$c29tZXNhbHQ$c29tZXNhbHRzb21lc2FsdA", "")
	f.Add("$2002000000000000000000000000000\x9000000000000000000000000000", "0") // a cost of 20 took a minute
	f.Fuzz(func(t *testing.T, hash, pw string) {
		if strings.Contains(hash, "m=") && !strings.Contains(hash, "m=8,") {
			t.Skip() // keep each input cheap: argon2id's bounds still allow 1 GiB
		}
		if cost, err := bcrypt.Cost([]byte(hash)); err == nil && cost > 6 {
			t.Skip() // and bcrypt's allow 4 s
		}
		ok, err := password.Verify(hash, pw)
		if ok && err != nil {
			t.Errorf("Verify = true with error %v", err)
		}
	})
}

// namedHasher is a Hasher of another type, known by its Name only.
type namedHasher struct{ password.Argon2id }

func (namedHasher) Name() string { return "argon2id" }

func TestCurrent(t *testing.T) {
	fast := password.Argon2id{Memory: 64, Time: 1}
	argon, err := fast.Hash("pw")
	if err != nil {
		t.Fatal(err)
	}
	bc, err := password.Bcrypt{Cost: bcrypt.MinCost}.Hash("pw")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		h    password.Hasher
		hash string
		want bool
	}{
		{"same argon2id parameters", fast, argon, true},
		{"more argon2id memory", password.Argon2id{Memory: 128, Time: 1}, argon, false},
		{"more argon2id passes", password.Argon2id{Memory: 64, Time: 2}, argon, false},
		{"argon2id defaults", password.Argon2id{}, argon, false},
		{"bcrypt policy, argon2id hash", password.Bcrypt{Cost: bcrypt.MinCost}, argon, false},
		{"same bcrypt cost", password.Bcrypt{Cost: bcrypt.MinCost}, bc, true},
		{"higher bcrypt cost", password.Bcrypt{Cost: bcrypt.MinCost + 1}, bc, false},
		{"bcrypt default cost", password.Bcrypt{}, bc, false},
		{"argon2id policy, bcrypt hash", fast, bc, false},
		{"no policy", nil, argon, false},
		{"not a hash", fast, "pw", false},
		{"another Hasher type, same algorithm", namedHasher{fast}, argon, true},
		{"another Hasher type, other algorithm", namedHasher{fast}, bc, false},
	} {
		if got := password.Current(tc.h, tc.hash); got != tc.want {
			t.Errorf("%s: Current = %v, want %v", tc.name, got, tc.want)
		}
	}
}
