package stacks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The schema in config.go is the source of Pulumi.yaml's config block and the README's reference;
// these tests fail when either drifts, and PULUMI_ACCEPT=1 rewrites them.
func TestProjectFileDeclaresEveryKey(t *testing.T) {
	path := filepath.Join("..", "Pulumi.yaml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	head, _, ok := strings.Cut(string(b), "# Optional keys without a default")
	if !ok {
		t.Fatalf("%s has no generated config block", path)
	}
	want := head + ProjectConfigBlock()
	if os.Getenv("PULUMI_ACCEPT") == "1" {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Errorf("%s is out of date with stacks/config.go (rerun with PULUMI_ACCEPT=1) (-want +got):\n%s", path, diff)
	}
}

func TestReadmeDocumentsEveryKey(t *testing.T) {
	const begin, end = "<!-- config:begin (generated from stacks/config.go) -->\n", "<!-- config:end -->"
	path := filepath.Join("..", "README.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	before, rest, ok1 := strings.Cut(string(b), begin)
	_, after, ok2 := strings.Cut(rest, end)
	if !ok1 || !ok2 {
		t.Fatalf("%s has no %q ... %q section", path, begin, end)
	}
	want := before + begin + ReferenceTable() + end + after
	if os.Getenv("PULUMI_ACCEPT") == "1" {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Errorf("%s's configuration reference is out of date (rerun with PULUMI_ACCEPT=1) (-want +got):\n%s", path, diff)
	}
}
