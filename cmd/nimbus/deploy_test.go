package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/internal/plan"
)

// testEnv isolates the CLI: its own Pulumi home (so no plugin is installed) and file backend.
func testEnv(t *testing.T) map[string]string {
	t.Helper()
	return map[string]string{
		"PULUMI_HOME":              t.TempDir(),
		"PULUMI_BACKEND_URL":       "file://" + t.TempDir(),
		"PULUMI_CONFIG_PASSPHRASE": "nimbus-test",
	}
}

// TestPreviewWithoutPlugins runs `nimbus preview --stack dev` on the real CLI, where no AWS
// plugin can be had: it must fail before touching the stack, naming the plugin, its version, how
// to install it, and nimbus plan.
func TestPreviewWithoutPlugins(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(root, "Pulumi.dev.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	d := defaultDeployer
	d.env = testEnv(t)
	d.dir = root
	d.planConfig = map[string]string{"nimbus:artifactsDir": "testdata/plans/artifacts"} // the golden plans' stand-ins
	var stdout, stderr bytes.Buffer
	got := d.engineCommand("preview", []string{"--stack", "dev"}, &stdout, &stderr)
	if got != 2 {
		t.Fatalf("exit %d, want 2; stderr:\n%s", got, stderr.String())
	}
	for _, want := range []string{"stack dev needs the resource plugin", "aws v6.83.4", "pulumi plugin install resource aws v6.83.4", "nimbus plan --stack dev"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("the message lacks %q:\n%s", want, stderr.String())
		}
	}
	after, _ := os.ReadFile(filepath.Join(root, "Pulumi.dev.yaml"))
	if !bytes.Equal(before, after) {
		t.Errorf("a failed preview changed Pulumi.dev.yaml")
	}
}

// TestUpAsksFirst: up changes the stack, so without a terminal to ask it needs --yes; with it,
// it runs, and destroy --yes removes what it made.
func TestUpAsksFirst(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"Pulumi.yaml":       "name: nimbus\nruntime: go\n",
		"Pulumi.local.yaml": "config: {}\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	type comp struct{ pulumi.ResourceState }
	d := defaultDeployer
	d.env, d.dir = testEnv(t), dir
	d.isTTY = func() bool { return false }
	d.plan = plan.Program{Run: func(*pulumi.Context) (pulumi.Map, error) { return pulumi.Map{}, nil }}
	d.program = func(ctx *pulumi.Context) error {
		var c comp
		return ctx.RegisterComponentResource("nimbus:test:Thing", "thing", &c)
	}
	var stdout, stderr bytes.Buffer
	if got := d.engineCommand("outputs", []string{"--stack", "local"}, &stdout, &stderr); got != 2 || !strings.Contains(stderr.String(), "does not exist in the backend") {
		t.Errorf("outputs of a stack never deployed: exit %d, stderr:\n%s", got, stderr.String())
	}
	stderr.Reset()
	if got := d.engineCommand("up", []string{"--stack", "local"}, &stdout, &stderr); got != 1 || !strings.Contains(stderr.String(), "pass --yes") {
		t.Errorf("up without --yes and no terminal: exit %d, stderr:\n%s", got, stderr.String())
	}
	stderr.Reset()
	if got := d.engineCommand("up", []string{"--stack", "local", "--yes"}, &stdout, &stderr); got != 0 {
		t.Fatalf("up --yes: exit %d, stderr:\n%s", got, stderr.String())
	}
	if !strings.Contains(stdout.String(), "nimbus:test:Thing") {
		t.Errorf("up did not stream the engine's progress:\n%s", stdout.String())
	}
	stdout.Reset()
	if got := d.engineCommand("outputs", []string{"--stack", "local"}, &stdout, &stderr); got != 0 || strings.TrimSpace(stdout.String()) != "{}" {
		t.Errorf("outputs: exit %d, stdout %q, stderr:\n%s", got, stdout.String(), stderr.String())
	}
	if got := d.engineCommand("destroy", []string{"--stack", "local", "--yes"}, &stdout, &stderr); got != 0 {
		t.Errorf("destroy --yes: exit %d, stderr:\n%s", got, stderr.String())
	}
}

// TestPulumiPassthrough: nimbus pulumi runs the CLI the engine commands drive.
func TestPulumiPassthrough(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if got := pulumiCommand([]string{"version"}, &stdout, &stderr); got != 0 {
		t.Fatalf("exit %d, stderr:\n%s", got, stderr.String())
	}
	if v := strings.TrimSpace(stdout.String()); v != "v3.274.1" && !strings.HasPrefix(v, "v3.") {
		t.Errorf("nimbus pulumi version printed %q", v)
	}
}
