package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

var uniquenessTests = []testCase{
	{"UserNameFolded", testUserNameFolded},
	{"UnicodeCasePairs", testUnicodeCasePairs},
	{"UpdateToTakenName", testUpdateToTakenName},
	{"DeleteFreesName", testDeleteFreesName},
	{"ExtensionAttributes", testExtensionUniqueness},
	{"NotUnique", testNotUnique},
	{"DateTimeInstant", testUniqueDateTime},
	{"ConcurrentCreate", testConcurrentCreate},
}

func testUserNameFolded(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	h.create(UserType(), user("bjensen@example.com"))
	for _, name := range []string{"bjensen@example.com", "BJensen@Example.COM", "BJENSEN@EXAMPLE.COM"} {
		_, err := h.s.Create(h.ctx, h.ten, UserType(), user(name))
		wantErr(t, "Create "+name, err, store.ErrConflict)
		if err != nil && !strings.Contains(err.Error(), "userName") {
			t.Errorf("conflict error %q does not name the attribute userName", err)
		}
	}
	h.create(UserType(), user("bjensen@example.co"))
	h.create(UserType(), user(" bjensen@example.com"))
}

func testUnicodeCasePairs(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	for _, tc := range []struct {
		first, second string
		conflict      bool
	}{
		{"ÄRGER", "ärger", true},
		{"ÅNGSTRÖM", "ångström", true},
		{"\u212Aelvin", "kelvin", true}, // KELVIN SIGN folds to k
		{"\u212Bngel", "ångel", true},   // ANGSTROM SIGN folds to å
		{"ẞtraße", "ßtraße", true},      // capital sharp s folds to ß
		{"ǅemal", "ǆemal", true},        // title-case digraph
		{"İstanbul", "istanbul", true},  // unicode.ToLower('İ') is 'i'
		{"ΣΑΣ", "σας", false},           // final sigma is not σ
		{"STRASSE", "straße", false},    // no length-changing folds
		{"ıi", "II", false},             // dotless i is its own letter
		{"Ｆｕｌｌ", "ｆｕｌｌ", true},          // fullwidth letters
		{"cafe\u0301", "café", false},   // no normalisation
		{"Ǆ", "ǅ", true},                // DZ and Dz fold to dz
	} {
		t.Run(tc.first+"/"+tc.second, func(t *testing.T) {
			if (fold(tc.first) == fold(tc.second)) != tc.conflict {
				t.Fatalf("suite bug: fold(%q) = %q, fold(%q) = %q", tc.first, fold(tc.first), tc.second, fold(tc.second))
			}
			h.create(UserType(), user(tc.first))
			_, err := h.s.Create(h.ctx, h.ten, UserType(), user(tc.second))
			if tc.conflict {
				wantErr(t, "Create "+tc.second, err, store.ErrConflict)
			} else if err != nil {
				t.Errorf("Create %q after %q: %v, want success (they differ after per-rune unicode.ToLower)", tc.second, tc.first, err)
			}
		})
	}
}

func testUpdateToTakenName(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	a := h.create(UserType(), user("alice"))
	b := h.create(UserType(), user("bob"))
	_, _, err := h.s.Update(h.ctx, h.ten, UserType(), b.ID, store.Update{Apply: set("userName", "ALICE")})
	wantErr(t, "rename bob to ALICE", err, store.ErrConflict)
	diff(t, "bob after failed rename", b, h.get(UserType(), b.ID, store.ReadOptions{}))
	got, _ := h.update(UserType(), a.ID, store.Update{Apply: set("userName", "Alice")})
	if got.Attrs["userName"] != "Alice" {
		t.Errorf("userName after case change = %v", got.Attrs["userName"])
	}
	h.update(UserType(), a.ID, store.Update{Apply: set("userName", "alicia")})
	h.update(UserType(), b.ID, store.Update{Apply: set("userName", "alice")})
	_, err = h.s.Create(h.ctx, h.ten, UserType(), user("BOB"))
	if err != nil {
		t.Errorf("Create BOB after bob was renamed: %v", err)
	}
	_, err = h.s.Create(h.ctx, h.ten, UserType(), user("Alicia"))
	wantErr(t, "Create Alicia", err, store.ErrConflict)
}

func testDeleteFreesName(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	u := h.create(UserType(), user("recycled"))
	if err := h.s.Delete(h.ctx, h.ten, UserType(), u.ID, ""); err != nil {
		t.Fatal(err)
	}
	again := h.create(UserType(), user("RECYCLED"))
	if again.ID == u.ID {
		t.Errorf("id %s reused", u.ID)
	}
}

func ext(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func testExtensionUniqueness(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	mk := func(name string, kv ...any) *schema.Resource {
		r := user(name, TestExtensionSchema, ext(kv...))
		r.Schemas = append(r.Schemas, TestExtensionSchema)
		return r
	}
	h.create(UserType(), mk("u1", "badge", "AB", "alias", "Foo"))
	h.create(UserType(), mk("u2", "badge", "ab", "alias", "Bar")) // badge is caseExact
	_, err := h.s.Create(h.ctx, h.ten, UserType(), mk("u3", "badge", "AB"))
	wantErr(t, "duplicate caseExact badge", err, store.ErrConflict)
	_, err = h.s.Create(h.ctx, h.ten, UserType(), mk("u3", "alias", "FOO"))
	wantErr(t, "duplicate alias in other case", err, store.ErrConflict)
	if err != nil && !strings.Contains(err.Error(), "alias") {
		t.Errorf("conflict error %q does not name the attribute alias", err)
	}
	u4 := h.create(UserType(), mk("u4", "tags", []any{"x"}))
	_, _, err = h.s.Update(h.ctx, h.ten, UserType(), u4.ID, store.Update{Apply: set(TestExtensionSchema, ext("alias", "bar"))})
	wantErr(t, "update to a taken alias", err, store.ErrConflict)
	h.create(UserType(), mk("u5", "tags", []any{"x"}))
}

// testUniqueDateTime: a unique dateTime is unique as an instant (RFC 7643
// §2.3.5: xsd:dateTime), whatever layout or offset writes it, and an
// equality filter finds it in any layout, on every backend.
func testUniqueDateTime(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	dev := func(serial, at string) *schema.Resource {
		return &schema.Resource{Schemas: []string{DeviceSchema}, Attrs: map[string]any{"serial": serial, "commissioned": at}}
	}
	d := h.create(DeviceType(), dev("1", "2020-01-01T00:00:00Z"))
	for _, at := range []string{"2020-01-01T00:00:00.000Z", "2020-01-01T01:00:00+01:00", "2019-12-31T19:00:00-05:00"} {
		_, err := h.s.Create(h.ctx, h.ten, DeviceType(), dev("2", at))
		wantErr(t, "Create commissioned "+at, err, store.ErrConflict)
		f, err := filter.Parse(`commissioned eq "` + at + `"`)
		if err == nil {
			f, err = filter.Bind(DeviceType(), f)
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(h.list(DeviceType(), store.Query{Filter: f, Count: 10}).Resources); len(got) != 1 || got[0] != d.ID {
			t.Errorf("commissioned eq %q found %v, want [%s]", at, got, d.ID)
		}
	}
	h.create(DeviceType(), dev("3", "2020-01-01T00:00:00.001Z"))
}

func testNotUnique(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	for i := range 2 {
		u := user(fmt.Sprintf("n%d", i), "displayName", "Same", "emails", []any{map[string]any{"value": "same@x"}})
		u.ExternalID = "same-external-id"
		h.create(UserType(), u)
		h.create(GroupType(), group("Same Group"))
	}
}

func testConcurrentCreate(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	const n = 50
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			name := "racer"
			if i%2 == 1 {
				name = "RACER"
			}
			_, errs[i] = h.s.Create(h.ctx, h.ten, UserType(), user(name, "title", fmt.Sprint(i)))
		})
	}
	close(start)
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("create #%d: %v, want nil or ErrConflict", i, err)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d concurrent creates of one userName succeeded, want exactly 1", ok, n)
	}
	if p := h.list(UserType(), store.Query{Count: 100}); p.TotalResults != 1 {
		t.Errorf("List after concurrent creates: total %d, want 1", p.TotalResults)
	}
}
