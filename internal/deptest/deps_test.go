package deptest

import (
	"os/exec"
	"strings"
	"testing"
)

// drivers are the import path prefixes of database drivers.
var drivers = []string{"github.com/jackc/", "modernc.org/sqlite", "modernc.org/libc"}

const module = "github.com/scimkit/scimkit"

func isDriver(path string) bool {
	for _, d := range drivers {
		if strings.HasPrefix(path, d) {
			return true
		}
	}
	return false
}

func goList(t *testing.T, args ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list"}, args...)...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list %v: %v\n%s", args, err, ee.Stderr)
		}
		t.Skipf("go command not available: %v", err)
	}
	return strings.Fields(string(out))
}

// TestCoreHasNoDriver: importing the library's core never pulls a database
// driver into a binary (STYLE item 8).
func TestCoreHasNoDriver(t *testing.T) {
	for _, pkg := range []string{"schema", "filter", "patch", "store", "store/memory", "store/storetest", "scim", "hooks", "conformance"} {
		t.Run(pkg, func(t *testing.T) {
			for _, dep := range goList(t, "-deps", module+"/"+pkg) {
				if isDriver(dep) {
					t.Errorf("%s depends on %s", pkg, dep)
				}
			}
		})
	}
}

// TestDriverImporters: only store/postgres imports pgx and only
// store/sqlite imports the SQLite driver, in non-test code.
func TestDriverImporters(t *testing.T) {
	allowed := map[string]string{
		module + "/store/postgres": "github.com/jackc/",
		module + "/store/sqlite":   "modernc.org/sqlite",
	}
	lines := goList(t, "-f", `{{.ImportPath}}:{{join .Imports ","}}`, module+"/...")
	for _, line := range lines {
		pkg, imports, _ := strings.Cut(line, ":")
		for _, imp := range strings.Split(imports, ",") {
			if !isDriver(imp) {
				continue
			}
			if prefix, ok := allowed[pkg]; !ok || !strings.HasPrefix(imp, prefix) {
				t.Errorf("%s imports driver package %s; only store/postgres (pgx) and store/sqlite (sqlite) may", pkg, imp)
			}
		}
	}
}

// exporters are the import path prefixes of telemetry SDKs and exporters,
// which only examples/ may use: the library depends on the OpenTelemetry
// API alone, and the program that embeds it chooses the SDK.
var exporters = []string{"go.opentelemetry.io/otel/sdk", "go.opentelemetry.io/otel/exporters", "github.com/prometheus/", "google.golang.org/grpc"}

// TestCoreHasNoExporter: importing the library never pulls a telemetry
// SDK or exporter into a binary (examples/server does, and shows that the
// check can fail).
func TestCoreHasNoExporter(t *testing.T) {
	if !dependsOnExporter(t, "examples/server") {
		t.Fatal("examples/server does not depend on an exporter: the prefixes are stale")
	}
	for _, pkg := range []string{"schema", "filter", "patch", "store", "store/memory", "store/sqlite", "store/postgres", "scim", "hooks", "conformance", "ssf", "connector"} {
		if dependsOnExporter(t, pkg) {
			t.Errorf("%s depends on an OpenTelemetry SDK or exporter; only examples/ may", pkg)
		}
	}
}

func dependsOnExporter(t *testing.T, pkg string) bool {
	t.Helper()
	for _, dep := range goList(t, "-deps", module+"/"+pkg) {
		for _, e := range exporters {
			if strings.HasPrefix(dep, e) {
				t.Logf("%s depends on %s", pkg, dep)
				return true
			}
		}
	}
	return false
}
