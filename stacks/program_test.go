package stacks

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/componenttest"
)

// fakeArtifacts writes stand-in zips; their content does not matter to the wiring.
func fakeArtifacts(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range []string{"api", "worker", "migrate"} {
		if err := os.WriteFile(filepath.Join(dir, n+".zip"), []byte("zip of "+n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// withConfig is a RunOption handing the program a stack's config, as the engine does.
func withConfig(cfg map[string]string, secrets []string) pulumi.RunOption {
	return func(info *pulumi.RunInfo) {
		info.Config = cfg
		info.ConfigSecretKeys = secrets
	}
}

// runStack runs Program with the given config (plus region and artifacts) under the fake cloud.
func runStack(t *testing.T, cfg map[string]string, secrets ...string) (componenttest.Result, map[string]string) {
	t.Helper()
	full := map[string]string{"aws:region": "eu-west-1", "nimbus:artifactsDir": fakeArtifacts(t)}
	for k, v := range cfg {
		full[k] = v
	}
	outputs := map[string]string{}
	res := componenttest.RunWith(t, func(ctx *pulumi.Context) error {
		outs, err := Run(ctx)
		if err != nil {
			return err
		}
		for k, v := range componenttest.Await(t, outs) {
			s, _ := v.(string)
			outputs[k] = s
		}
		return nil
	}, withConfig(nested(full, secrets))) // the form the CLI hands over: see nested
	return res, outputs
}

func TestRunConfigReadsTheContext(t *testing.T) {
	var got map[string]string
	var secrets []string
	res := componenttest.RunWith(t, func(ctx *pulumi.Context) error {
		var ok bool
		got, secrets, ok = fromContext(ctx)
		if !ok {
			t.Error("cannot read the config from the Pulumi context: the SDK's internals moved; update runconfig.go")
		}
		return nil
	}, withConfig(map[string]string{"nimbus:cloud": "aws", "nimbus:database.externalUrl": "x"}, []string{"nimbus:database.externalUrl"}))
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if diff := cmp.Diff(map[string]string{"nimbus:cloud": "aws", "nimbus:database.externalUrl": "x"}, got); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"nimbus:database.externalUrl"}, secrets); diff != "" {
		t.Errorf("secret keys (-want +got):\n%s", diff)
	}
}

func TestStacks(t *testing.T) {
	cases := map[string]struct {
		reason string
		config map[string]string
		// want are counts of resource types.
		want map[string]int
	}{
		"dev": {
			reason: "dev connects straight to the database: no proxy, no warm capacity",
			config: map[string]string{"nimbus:database.pooler": "none", "nimbus:logRetentionDays": "3"},
			want: map[string]int{
				"aws:rds/proxy:Proxy": 0, "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig": 0,
				"aws:lambda/function:Function": 3, "aws:lambda/alias:Alias": 3, "aws:rds/instance:Instance": 1,
				"aws:lambda/eventSourceMapping:EventSourceMapping": 1, "aws:lambda/invocation:Invocation": 1,
			},
		},
		"prod": {
			reason: "prod is warm and autoscaled behind RDS Proxy",
			config: map[string]string{
				"nimbus:production": "true", "nimbus:deletionProtection": "true",
				"nimbus:api.warmInstances": "2", "nimbus:api.warmMax": "20", "nimbus:database.highAvailability": "true",
			},
			want: map[string]int{
				"aws:rds/proxy:Proxy": 1, "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig": 1,
				"aws:appautoscaling/target:Target": 1, "aws:appautoscaling/policy:Policy": 1,
				"aws:lambda/function:Function": 3, "aws:rds/instance:Instance": 1,
			},
		},
		"external": {
			reason: "an external pooler: no network, no database, functions read the URL from a secret",
			config: map[string]string{"nimbus:database.pooler": "external", "nimbus:database.externalUrl": "postgres://u:p@pooler.example:6543/db"},
			want: map[string]int{
				"aws:ec2/vpc:Vpc": 0, "aws:rds/instance:Instance": 0, "aws:secretsmanager/secret:Secret": 1,
				"aws:lambda/function:Function": 3,
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var secrets []string
			if _, ok := tc.config["nimbus:database.externalUrl"]; ok {
				secrets = []string{"nimbus:database.externalUrl"}
			}
			res, outputs := runStack(t, tc.config, secrets...)
			if res.Err != nil {
				t.Fatalf("%s: %v", tc.reason, res.Err)
			}
			got := map[string]int{}
			for typ := range tc.want {
				got[typ] = len(res.ByType(typ))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s: resource counts (-want +got):\n%s", tc.reason, diff)
			}
			var keys []string
			for k, v := range outputs {
				keys = append(keys, k)
				if v == "" && k != "poolerEndpoint" {
					t.Errorf("output %s is empty", k)
				}
			}
			sort.Strings(keys)
			want := []string{"apiCodeHash", "apiUrl", "bucketName", "databaseName", "deadLetterQueueUrl", "migrateCodeHash", "poolerEndpoint", "queueUrl", "workerCodeHash"}
			if diff := cmp.Diff(want, keys); diff != "" {
				t.Errorf("outputs (-want +got):\n%s", diff)
			}
			if g := res.Cloud.Generic(); len(g) > 0 {
				t.Errorf("types without a fake-cloud model: %v", g)
			}
		})
	}
}

func TestStackErrors(t *testing.T) {
	cases := map[string]struct {
		reason string
		config map[string]string
		want   []string // substrings of the error
	}{
		"unknown cloud": {
			reason: "a typo in the cloud lists the valid ones",
			config: map[string]string{"nimbus:cloud": "awz"},
			want:   []string{`nimbus:cloud must be one of aws, azure, gcp, kubernetes, got "awz"`},
		},
		"cloud not implemented": {
			reason: "a planned cloud is an error, never a fallback to aws",
			config: map[string]string{"nimbus:cloud": "gcp"},
			want:   []string{`nimbus:cloud "gcp" is not implemented yet; implemented: aws`},
		},
		"missing artifacts": {
			reason: "a missing build says how to make it",
			config: map[string]string{"nimbus:artifactsDir": "/nonexistent"},
			want:   []string{"make artifacts"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			res, _ := runStack(t, tc.config)
			if res.Err == nil {
				t.Fatalf("%s: want an error", tc.reason)
			}
			for _, w := range tc.want {
				if !strings.Contains(res.Err.Error(), w) {
					t.Errorf("%s: error %q does not say %q", tc.reason, res.Err, w)
				}
			}
			if n := len(res.Resources); n > 0 && tc.config["nimbus:artifactsDir"] == "" {
				t.Errorf("%s: %d resources registered before the error", tc.reason, n)
			}
		})
	}
}
