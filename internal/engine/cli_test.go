package engine

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blang/semver"
)

func TestFits(t *testing.T) {
	t.Parallel()
	cases := map[string]bool{"3.274.1": true, "3.280.0": true, "3.274.0": false, "3.100.0": false, "4.0.0": false}
	for v, want := range cases {
		if got := fits(semver.MustParse(v)); got != want {
			t.Errorf("fits(%s) = %v, want %v", v, got, want)
		}
	}
}

// fakePulumi puts a `pulumi` on PATH that prints version.
func fakePulumi(t *testing.T, version string) string {
	t.Helper()
	root := t.TempDir()
	bin := filepath.Join(root, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\necho " + version + "\n"
	if err := os.WriteFile(filepath.Join(bin, "pulumi"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	return root
}

func TestLocatePrefersAFittingCLIOnPath(t *testing.T) {
	root := fakePulumi(t, "v3.280.0")
	got, err := locate(context.Background(), CLIOptions{CacheDir: t.TempDir(), Log: &bytes.Buffer{}})
	if err != nil {
		t.Fatal(err)
	}
	if got != root {
		t.Errorf("locate = %s, want the PATH one's root %s", got, root)
	}
}

// An old CLI on PATH is ignored, saying why, and the pinned one is built into the cache: here
// with a go.mod that cannot build, so the build's own error and its announcement show.
func TestLocateBuildsWhenPathIsTooOld(t *testing.T) {
	fakePulumi(t, "v3.100.0")
	project := t.TempDir()
	if err := os.MkdirAll(filepath.Join(project, "tools", "pulumi"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(project, "tools", "pulumi", "go.mod"), []byte("module broken\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	_, err := locate(context.Background(), CLIOptions{ProjectDir: project, CacheDir: t.TempDir(), Log: &log})
	if err == nil {
		t.Fatal("want the build of a broken module to fail")
	}
	for _, want := range []string{"ignoring", "version 3.100.0, need v3 at least " + CLIVersion, "building the pinned one from tools/pulumi", "about 4 minutes"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, log.String())
		}
	}
	if !strings.Contains(err.Error(), "cannot build the Pulumi CLI v"+CLIVersion) {
		t.Errorf("error %v does not name the build", err)
	}
}
