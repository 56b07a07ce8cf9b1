package idptest_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/internal/idptest"
)

func TestLoadAll(t *testing.T) {
	want := []string{"authentik/sync.json", "entra/groups.json", "entra/users.json", "jumpcloud/connect.json", "okta/groups.json",
		"okta/users.json", "onelogin/provisioner.json", "pingfederate/provisioner.json", "pingone/provisioner.json", "rippling/connect.json"}
	if d := cmp.Diff(want, idptest.Names()); d != "" {
		t.Errorf("Names (-want +got):\n%s", d)
	}
	for _, name := range idptest.Names() {
		s, err := idptest.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		if s.IdP == "" || len(s.Steps) == 0 {
			t.Errorf("%s: idp %q with %d steps", name, s.IdP, len(s.Steps))
		}
		for _, st := range s.Steps {
			if st.Name == "" || st.Request.Method == "" || st.Request.Path == "" || st.Expect.Status == 0 {
				t.Errorf("%s: incomplete step %+v", name, st)
			}
		}
	}
	if _, err := idptest.Load("nope.json"); err == nil {
		t.Error("Load(nope.json): no error")
	}
}
