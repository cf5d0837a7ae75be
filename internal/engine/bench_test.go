package engine_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/internal/engine"
	"github.com/nimbus-iac/nimbus/internal/plan"
	"github.com/nimbus-iac/nimbus/stacks"
)

// BenchmarkConfigProof times what TestCLIResolvesLikePlan does per stack file (open the stack on
// the real CLI, preview a program that loads the config, resolve the same file offline), against
// a baseline from the same run: the same open and preview of a program that reads nothing, the
// floor of any trip through the engine. Run with bench/configproof.sh.
func BenchmarkConfigProof(b *testing.B) {
	b.Setenv("PULUMI_CONFIG_PASSPHRASE", passphrase)
	root := repoRoot(b)
	files, _ := filepath.Glob(filepath.Join(root, "Pulumi.*.yaml"))
	cli, err := engine.CLI(context.Background(), engine.CLIOptions{ProjectDir: root, Log: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B, stackFile []byte, program pulumi.RunFunc, offline bool) {
		for b.Loop() {
			b.StopTimer()
			dir := b.TempDir()
			pj, _ := os.ReadFile(filepath.Join(root, "Pulumi.yaml"))
			_ = os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), pj, 0o644)
			_ = os.WriteFile(filepath.Join(dir, "Pulumi.s.yaml"), stackFile, 0o644)
			env := map[string]string{"PULUMI_HOME": b.TempDir(), "PULUMI_BACKEND_URL": "file://" + b.TempDir(), "PULUMI_CONFIG_PASSPHRASE": passphrase}
			b.StartTimer()
			s, err := engine.Open(context.Background(), engine.Options{ProjectDir: dir, Stack: "s", Program: program, CLI: cli, Stdout: io.Discard, Stderr: io.Discard, Env: env})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.Preview(context.Background()); err != nil {
				b.Fatal(err)
			}
			if offline {
				sc, err := plan.LoadConfig(dir, "s")
				if err != nil {
					b.Fatal(err)
				}
				if _, err := stacks.Load(sc.Values, sc.Secrets); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	b.Run("baseline-empty-program", func(b *testing.B) {
		run(b, []byte("config: {}\n"), func(*pulumi.Context) error { return nil }, false)
	})
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml")
		b.Run("stack-"+name, func(b *testing.B) {
			run(b, body, func(ctx *pulumi.Context) error {
				raw, secrets := stacks.RunConfig(ctx)
				_, err := stacks.Load(raw, secrets)
				return err
			}, true)
		})
	}
}
