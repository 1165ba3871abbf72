package main

import (
	"bytes"
	"os"
	"testing"
)

// TestRootAliasesUpToDate fails when a name was added to or removed from
// package types without regenerating the root's aliases (go generate .).
func TestRootAliasesUpToDate(t *testing.T) {
	want, err := generate("../../types")
	if err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadFile("../../aliases_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, want) {
		t.Fatal("aliases_gen.go is stale: run go generate . at the module root")
	}
}
