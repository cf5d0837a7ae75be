package awsecs

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nimbus-iac/nimbus/components/internal/rawres/rawrestest"
)

const sdkModule = "github.com/pulumi/pulumi-aws/sdk/v6"

// TestSchema pins each wrapper, nested types included, to pulumi-aws's own generated Go SDK (the
// module go.mod requires), read as source, and checks the wrapper adds the options the SDK's
// NewX adds (the load balancers' aliases), so state is what the typed SDK would write.
func TestSchema(t *testing.T) {
	dir := rawrestest.ModuleDir(t, sdkModule)
	cases := map[string]struct {
		pkg, file string
		pin       func(rawrestest.SDKResource) []string
		aliased   bool
	}{
		"Cluster": {pkg: "ecs", file: "cluster.go", pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, ClusterType, reflect.TypeFor[Cluster]())
		}},
		"TaskDefinition": {pkg: "ecs", file: "taskDefinition.go", pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, TaskDefinitionType, reflect.TypeFor[TaskDefinition]())
		}},
		"Service": {pkg: "ecs", file: "service.go", pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, ServiceType, reflect.TypeFor[Service]())
		}},
		"LoadBalancer": {pkg: "lb", file: "loadBalancer.go", aliased: true, pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, LoadBalancerType, reflect.TypeFor[LoadBalancer]())
		}},
		"TargetGroup": {pkg: "lb", file: "targetGroup.go", aliased: true, pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, TargetGroupType, reflect.TypeFor[TargetGroup]())
		}},
		"Listener": {pkg: "lb", file: "listener.go", aliased: true, pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, ListenerType, reflect.TypeFor[Listener]())
		}},
		"Repository": {pkg: "ecr", file: "repository.go", pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, RepositoryType, reflect.TypeFor[Repository]())
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			path := rawrestest.SDKFile(dir, "go", "aws", tc.pkg, tc.file)
			sdk, err := rawrestest.ParseSDK(path, name)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string(nil), tc.pin(sdk)); diff != "" {
				t.Errorf("%s differs from the SDK's (-want +got):\n%s", name, diff)
			}
			options, secrets, err := rawrestest.SDKOptions(path, name)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			if tc.aliased {
				// pulumi.String builds the alias's type.
				want = []string{"Aliases", "String"}
				aliases, err := rawrestest.SDKAliases(path, name)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(aliases, lbAliases[name]); diff != "" {
					t.Errorf("aliases of %s (-SDK +wrapper):\n%s", name, diff)
				}
			}
			if diff := cmp.Diff(want, options); diff != "" {
				t.Errorf("options the SDK's New%s adds (-want +got):\n%s", name, diff)
			}
			if len(secrets) > 0 {
				t.Errorf("the SDK marks %v secret; the wrapper must too", secrets)
			}
		})
	}
}
