package engine_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/internal/engine"
	"github.com/nimbus-iac/nimbus/internal/plan"
	"github.com/nimbus-iac/nimbus/stacks"
)

const passphrase = "nimbus-config-proof"

// resolved is what a program is handed and what stacks.Load makes of it.
type resolved struct {
	Raw     map[string]string
	Secrets []string
	Config  *stacks.Config
	LoadErr string
}

// throughCLI runs a program that registers no resource (so it needs no plugin) on the real
// engine, and returns the configuration it was handed. setup may set config with the CLI first.
func throughCLI(t *testing.T, dir, stack string, setup func(auto.Workspace)) resolved {
	t.Helper()
	var got resolved
	program := func(ctx *pulumi.Context) error {
		got.Raw, got.Secrets = stacks.RunConfig(ctx)
		cfg, err := stacks.Load(got.Raw, got.Secrets)
		got.Config = cfg
		if err != nil {
			got.LoadErr = err.Error()
		}
		return nil
	}
	env := isolated(t)
	env["PULUMI_CONFIG_PASSPHRASE"] = passphrase
	s, err := engine.Open(context.Background(), engine.Options{
		ProjectDir: dir, Stack: stack, Program: program, CLI: pulumiCLI(t),
		Stdout: io.Discard, Stderr: io.Discard, Env: env,
	})
	if err != nil {
		t.Fatal(err)
	}
	if setup != nil {
		setup(s.Workspace())
	}
	if _, err := s.Preview(context.Background()); err != nil {
		t.Fatalf("preview of %s: %v", stack, err)
	}
	if got.Raw == nil {
		t.Fatalf("the program did not run")
	}
	sort.Strings(got.Secrets)
	return got
}

// throughPlan resolves the same stack file the way nimbus plan does.
func throughPlan(t *testing.T, dir, stack string) resolved {
	t.Helper()
	sc, err := plan.LoadConfig(dir, stack)
	if err != nil {
		t.Fatal(err)
	}
	got := resolved{Raw: sc.Values, Secrets: sc.Secrets}
	cfg, err := stacks.Load(sc.Values, sc.Secrets)
	got.Config = cfg
	if err != nil {
		got.LoadErr = err.Error()
	}
	return got
}

// TestCLIResolvesLikePlan is the config proof: every stack file, resolved by the real Pulumi CLI
// (Pulumi.yaml's defaults merged as the CLI merges them, values set with `pulumi config set
// --path`, secrets encrypted with a passphrase and decrypted by the engine), hands the program
// exactly what nimbus plan resolves, and loads into the same stacks.Config.
func TestCLIResolvesLikePlan(t *testing.T) {
	t.Setenv("PULUMI_CONFIG_PASSPHRASE", passphrase) // so plan decrypts what the CLI encrypted
	root := repoRoot(t)
	files, err := filepath.Glob(filepath.Join(root, "Pulumi.*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no stack files: %v", err)
	}
	type tc struct {
		reason string
		file   []byte
		setup  func(t *testing.T, ws auto.Workspace, stack string)
		check  func(t *testing.T, c *stacks.Config)
	}
	cases := map[string]tc{}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml")
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		cases[name] = tc{reason: "the committed stack file " + filepath.Base(f), file: b}
	}
	cases["defaults"] = tc{
		reason: "a stack that sets nothing of nimbus's gets Pulumi.yaml's defaults",
		file:   []byte("config:\n  aws:region: eu-west-1\n"),
		check: func(t *testing.T, c *stacks.Config) {
			if c.API.TimeoutSeconds != 10 || c.Database.Pooler != "proxy" || c.Database.Pool.MaxConnectionsPercent != 90 {
				t.Errorf("defaults not applied: %+v", c)
			}
		},
	}
	cases["set-with-path"] = tc{
		reason: "values and a secret set with the real `pulumi config set --path`",
		file:   []byte("config:\n  aws:region: eu-west-1\n"),
		setup: func(t *testing.T, ws auto.Workspace, stack string) {
			set := func(key, value string, secret bool) {
				if err := ws.SetConfigWithOptions(context.Background(), stack, key, auto.ConfigValue{Value: value, Secret: secret}, &auto.ConfigOptions{Path: true}); err != nil {
					t.Fatalf("pulumi config set --path %s: %v", key, err)
				}
			}
			set("nimbus:api.warmInstances", "3", false)
			set("nimbus:api.maxInstances", "50", false)
			set("nimbus:database.pool.maxIdlePercent", "10", false)
			set("nimbus:database.pooler", "external", false)
			set("nimbus:database.externalUrl", "postgres://app:pw@pooler.example:6543/images", true)
		},
		check: func(t *testing.T, c *stacks.Config) {
			got := []any{c.API.WarmInstances, c.API.MaxInstances, c.Database.Pool.MaxIdlePercent, c.Database.Pooler, c.Database.ExternalURL, c.API.MemoryMB}
			want := []any{3, 50, 10, "external", "postgres://app:pw@pooler.example:6543/images", 256}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("set with --path, defaults beside them (-want +got):\n%s", diff)
			}
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := project(t, map[string][]byte{name: tc.file})
			cli := throughCLI(t, dir, name, func(ws auto.Workspace) {
				if tc.setup != nil {
					tc.setup(t, ws, name)
				}
			})
			offline := throughPlan(t, dir, name)
			if cli.LoadErr != "" {
				t.Fatalf("%s: under the CLI the stack does not load: %s", tc.reason, cli.LoadErr)
			}
			if diff := cmp.Diff(cli.Config, offline.Config); diff != "" {
				t.Errorf("%s: stacks.Config, CLI vs nimbus plan (-cli +plan):\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(cli.Raw, offline.Raw); diff != "" {
				t.Errorf("%s: what the program is handed, CLI vs nimbus plan (-cli +plan):\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(cli.Secrets, offline.Secrets); diff != "" {
				t.Errorf("%s: secret keys, CLI vs nimbus plan (-cli +plan):\n%s", tc.reason, diff)
			}
			if tc.check != nil {
				tc.check(t, cli.Config)
			}
		})
	}
}

// TestCLIRejectsAKeySetTwoWays: a flat key, as `pulumi config set` without --path writes it, sits
// under the real CLI beside the object its default went into; the program must fail naming both,
// never pick one. The old stack files reproduce the random merge this replaced.
func TestCLIRejectsAKeySetTwoWays(t *testing.T) {
	old, err := os.ReadFile(filepath.Join(repoRoot(t), "testdata", "config", "flat", "Pulumi.prod.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		reason string
		file   []byte
		setup  func(t *testing.T, ws auto.Workspace, stack string)
		want   string
	}{
		"config set without --path": {
			reason: "the CLI writes a flat key; Pulumi.yaml's default lands in nimbus:api",
			file:   []byte("config:\n  aws:region: eu-west-1\n"),
			setup: func(t *testing.T, ws auto.Workspace, stack string) {
				if err := ws.SetConfig(context.Background(), stack, "nimbus:api.warmInstances", auto.ConfigValue{Value: "3"}); err != nil {
					t.Fatal(err)
				}
			},
			want: `nimbus:api.warmInstances is set two ways: as the flat key nimbus:api.warmInstances = "3" and inside the object nimbus:api as warmInstances = "0"`,
		},
		"the old prod stack file": {
			reason: "prod once came up with warmInstances 0 at random",
			file:   old,
			want:   `nimbus:api.warmInstances is set two ways: as the flat key nimbus:api.warmInstances = "2" and inside the object nimbus:api as warmInstances = "0"`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := project(t, map[string][]byte{"s": tc.file})
			got := throughCLI(t, dir, "s", func(ws auto.Workspace) {
				if tc.setup != nil {
					tc.setup(t, ws, "s")
				}
			})
			if !strings.Contains(got.LoadErr, tc.want) {
				t.Errorf("%s: want the error to say\n%s\ngot:\n%s", tc.reason, tc.want, got.LoadErr)
			}
			var ce *stacks.ConfigError
			if _, err := stacks.Load(got.Raw, got.Secrets); !errors.As(err, &ce) {
				t.Errorf("want a *stacks.ConfigError, got %v", err)
			}
		})
	}
}
