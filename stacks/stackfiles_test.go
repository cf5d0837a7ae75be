package stacks_test

import (
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
