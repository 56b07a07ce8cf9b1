package password_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/scimkit/scimkit/password"
)

// A password hashed with argon2id's defaults, then checked; what is not a
// hash is refused, never compared as clear text.
func Example() {
	var h password.Hasher = password.Argon2id{} // zero fields: the Default… parameters
	hash, err := h.Hash("correct horse battery staple")
	if err != nil {
		panic(err)
	}
	fmt.Println(strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$"))
	fmt.Println(password.Verify(hash, "correct horse battery staple"))
	fmt.Println(password.Verify(hash, "Correct horse battery staple"))
	_, err = password.Verify("correct horse battery staple", "correct horse battery staple")
	fmt.Println(errors.Is(err, password.ErrMalformed))
	// Output:
	// true
	// true <nil>
	// false <nil>
	// true
}
