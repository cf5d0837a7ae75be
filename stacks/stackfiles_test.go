package stacks_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/internal/plan"
	"github.com/nimbus-iac/nimbus/internal/plan/golden"
	"github.com/nimbus-iac/nimbus/stacks"
)

// runStackFile runs the program with a stack file's configuration, resolved as Pulumi would.
func runStackFile(t *testing.T, stack string) componenttest.Result {
	t.Helper()
	sc, err := plan.LoadConfig("..", stack)
	if err != nil {
		t.Fatal(err)
	}
	sc.Values["nimbus:artifactsDir"] = golden.ArtifactsDir
	r := componenttest.RunWith(t, stacks.Program, func(info *pulumi.RunInfo) {
		info.Config, info.ConfigSecretKeys = sc.Values, sc.Secrets
	})
	if r.Err != nil {
		t.Fatalf("stack %s: %v", stack, r.Err)
	}
	return r
}

// The stack files say what dev and prod are for; these tests hold them to it.
func TestStackFiles(t *testing.T) {
	cases := map[string]struct {
		reason string
		want   map[string]any
	}{
		"dev": {
			reason: "small and cheap: nothing warm, nothing protected, short retention, no proxy",
			want: map[string]any{
				"warm": 0, "autoscaled": 0, "proxy": 0, "multiAz": false, "deletionProtection": false,
				"logRetention": 3.0, "instanceClass": "db.t4g.micro", "region": "eu-west-1",
			},
		},
		"prod": {
			reason: "warm autoscaled API, RDS Proxy, Multi-AZ, deletion protection, longer retention",
			want: map[string]any{
				"warm": 1, "autoscaled": 1, "proxy": 1, "multiAz": true, "deletionProtection": true,
				"logRetention": 90.0, "instanceClass": "db.t4g.medium", "region": "eu-west-1",
			},
		},
	}
	for stack, tc := range cases {
		t.Run(stack, func(t *testing.T) {
			r := runStackFile(t, stack)
			db := r.One(t, "aws:rds/instance:Instance")
			got := map[string]any{
				"warm":               len(r.ByType("aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig")),
				"autoscaled":         len(r.ByType("aws:appautoscaling/policy:Policy")),
				"proxy":              len(r.ByType("aws:rds/proxy:Proxy")),
				"multiAz":            componenttest.Prop(db.Inputs, "multiAz"),
				"deletionProtection": componenttest.Prop(db.Inputs, "deletionProtection"),
				"logRetention":       componenttest.Prop(r.Named(t, "aws:cloudwatch/logGroup:LogGroup", "api").Inputs, "retentionInDays"),
				"instanceClass":      componenttest.Prop(db.Inputs, "instanceClass"),
				"region":             r.Cloud.Region(),
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

// The stack files once set nested settings as flat keys (nimbus:api.warmInstances: 2). The CLI
// reads Pulumi.yaml's declared keys as paths, so it wrote every default into an object beside
// them (nimbus:api = {"warmInstances": 0, ...}), and the loader of the time let Go's map order
// pick the winner: prod came up cold, dev with RDS Proxy, at random. This replays that merge on
// the old files and holds the loader to one answer: an error naming both values, every time.
func TestFlatStackFilesAreRejectedEveryTime(t *testing.T) {
	cases := map[string]struct {
		reason   string
		key      string // a flat key the old file sets
		flat     string // its value
		object   string // the object the CLI wrote the default into
		field    string
		fallback any // Pulumi.yaml's default, which the CLI put in the object
	}{
		"prod": {reason: "prod came up with warmInstances=0", key: "nimbus:api.warmInstances", flat: "2", object: "nimbus:api", field: "warmInstances", fallback: 0.0},
		"dev":  {reason: "dev came up with RDS Proxy", key: "nimbus:database.pooler", flat: "none", object: "nimbus:database", field: "pooler", fallback: "proxy"},
	}
	for stack, tc := range cases {
		t.Run(stack, func(t *testing.T) {
			dir := t.TempDir()
			copyFile(t, filepath.Join("..", "Pulumi.yaml"), filepath.Join(dir, "Pulumi.yaml"))
			copyFile(t, filepath.Join("..", "testdata", "config", "flat", "Pulumi."+stack+".yaml"), filepath.Join(dir, "Pulumi."+stack+".yaml"))
			sc, err := plan.LoadConfig(dir, stack)
			if err != nil {
				t.Fatal(err)
			}
			// The CLI's merge, reproduced: the flat key and the default in the object, side by side.
			var obj map[string]any
			if err := json.Unmarshal([]byte(sc.Values[tc.object]), &obj); err != nil {
				t.Fatalf("%s: %s = %q is not the object the CLI writes: %v", tc.reason, tc.object, sc.Values[tc.object], err)
			}
			if got := []any{sc.Values[tc.key], obj[tc.field]}; !cmp.Equal([]any{tc.flat, tc.fallback}, got) {
				t.Fatalf("%s: the merge no longer reproduces the CLI's: flat %s and %s.%s = %v", tc.reason, tc.key, tc.object, tc.field, got)
			}
			var first string
			for i := range 200 {
				_, err := stacks.Load(sc.Values, sc.Secrets)
				var ce *stacks.ConfigError
				if !errors.As(err, &ce) {
					t.Fatalf("%s: load %d: want a *stacks.ConfigError, got %v", tc.reason, i, err)
				}
				if i == 0 {
					first = err.Error()
					want := tc.key + " is set two ways: as the flat key " + tc.key
					if !strings.Contains(first, want) {
						t.Fatalf("%s: the error does not name both values; want %q in:\n%s", tc.reason, want, first)
					}
					continue
				}
				if err.Error() != first {
					t.Fatalf("%s: load %d differs from the first:\n%s\nvs\n%s", tc.reason, i, err, first)
				}
			}
		})
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
