package engine_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"

	"github.com/nimbus-iac/nimbus/internal/engine"
)

// repoRoot is the project folder of this repository.
func repoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

var (
	cliOnce sync.Once
	cliCmd  auto.PulumiCommand
	cliErr  error
)

// pulumiCLI is the real Pulumi CLI, built once from tools/pulumi when no fitting one is found
// (make pulumi-cli builds it before the tests, so the time shows where it is spent).
func pulumiCLI(t *testing.T) auto.PulumiCommand {
	t.Helper()
	cliOnce.Do(func() {
		cliCmd, cliErr = engine.CLI(context.Background(), engine.CLIOptions{ProjectDir: repoRoot(t), Log: os.Stderr})
	})
	if cliErr != nil {
		t.Fatalf("no Pulumi CLI: %v", cliErr)
	}
	return cliCmd
}

// project makes a project folder holding the repository's Pulumi.yaml and the given stack files.
func project(t *testing.T, stackFiles map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"Pulumi.yaml": b}
	// A stack file's encryptionsalt belongs to the passphrase it was made with (the committed
	// Pulumi.local.yaml's: the empty one the engine gives the local stack). Each test picks its
	// own passphrase, so the copy leaves the salt out and the CLI makes a new one.
	salt := regexp.MustCompile(`(?m)^encryptionsalt:.*\n?`)
	for name, body := range stackFiles {
		files["Pulumi."+name+".yaml"] = salt.ReplaceAll(body, nil)
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// isolated is the CLI environment of a test: its own Pulumi home (no plugins) and file backend.
func isolated(t *testing.T) map[string]string {
	t.Helper()
	return map[string]string{
		"PULUMI_HOME":        t.TempDir(),
		"PULUMI_BACKEND_URL": "file://" + t.TempDir(),
	}
}

// unsetenv removes a variable for the rest of the test (after t.Setenv saved it for restoring).
func unsetenv(t *testing.T, k string) error {
	t.Helper()
	return os.Unsetenv(k)
}
