package main

import (
	"os"
	"strings"
	"testing"
)

// TestREADME checks that the README's "Embedding" section shows this
// program as it is (from its package clause on), so the snippet readers
// copy is the one this package compiles.
func TestREADME(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Embedding\n")
	if !ok {
		t.Fatal(`README has no "## Embedding" section`)
	}
	_, block, ok := strings.Cut(section, "```go\n")
	if !ok {
		t.Fatal(`README's "Embedding" section has no Go code block`)
	}
	block, _, _ = strings.Cut(block, "```")
	_, program, _ := strings.Cut(string(src), "\npackage main\n")
	if want := "package main\n" + program; block != want {
		t.Errorf("README's embedding snippet differs from examples/embed/main.go; replace the block with:\n%s", want)
	}
}
