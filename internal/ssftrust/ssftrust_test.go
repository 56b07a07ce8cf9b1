package ssftrust

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	got, err := Parse(`[{"issuer":"https://a","audience":["x"]},{"tenant":"acme","issuer":"https://b","audience":["y"],"push_authorization":"Bearer t"}]`, "default")
	if err != nil {
		t.Fatal(err)
	}
	if len(got["default"]) != 1 || got["default"][0].Issuer != "https://a" || len(got["acme"]) != 1 || got["acme"][0].PushAuthorization != "Bearer t" {
		t.Errorf("Parse = %+v", got)
	}
	file := filepath.Join(t.TempDir(), "trust.json")
	if err := os.WriteFile(file, []byte(`[{"issuer":"https://c","audience":["z"]}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := Parse("@"+file, "d"); err != nil || got["d"][0].Issuer != "https://c" {
		t.Errorf("Parse(@file) = %+v, %v", got, err)
	}
	if got, err := Parse("", "d"); got != nil || err != nil {
		t.Errorf("Parse(\"\") = %v, %v", got, err)
	}
	for _, bad := range []string{`{}`, `[{"issuer":"https://a"}]`, `[{"issuer":"https://a","audience":["x"],"colour":1}]`, "@" + filepath.Join(t.TempDir(), "missing")} {
		if _, err := Parse(bad, "d"); err == nil || !strings.HasPrefix(err.Error(), "-ssf-trust: ") {
			t.Errorf("Parse(%s) = %v, want an -ssf-trust error", bad, err)
		}
	}
}
