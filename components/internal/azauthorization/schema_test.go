package azauthorization

import (
	"reflect"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/nimbus-iac/nimbus/components/internal/rawres/rawrestest"
)

const sdkModule, sdkVersion = "github.com/pulumi/pulumi-azure-native-sdk/authorization/v3", "v3.16.0"

// TestSchema pins the wrapper's token, inputs and outputs to the SDK's generated source, and
// the package to the version the SDK registers with.
func TestSchema(t *testing.T) {
	dir := rawrestest.DownloadDir(t, sdkModule, sdkVersion)
	if got := rawrestest.PluginVersion(t, rawrestest.SDKFile(dir, "pulumi-plugin.json")); got != AzureNative.Version {
		t.Errorf("the wrapper registers with version %s, the SDK's resources with %s", AzureNative.Version, got)
	}
	sdk, err := rawrestest.ParseSDK(rawrestest.SDKFile(dir, "roleAssignment.go"), "RoleAssignment")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string(nil), rawrestest.Pin(sdk, RoleAssignmentType, reflect.TypeFor[RoleAssignment]())); diff != "" {
		t.Errorf("RoleAssignment differs from the SDK's (-want +got):\n%s", diff)
	}
}

type recorder struct {
	req    *pulumirpc.RegisterResourceRequest
	inputs resource.PropertyMap
}

func (r *recorder) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	r.req, r.inputs = args.RegisterRPC, args.Inputs
	return args.Name + "-id", args.Inputs, nil
}

func (*recorder) Call(pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{}, nil
}

// TestRegisterOptions checks the wrapper registers what the SDK's NewRoleAssignment adds: the
// version, the aliases, the default principal type, and nothing else.
func TestRegisterOptions(t *testing.T) {
	path := rawrestest.SDKFile(rawrestest.DownloadDir(t, sdkModule, sdkVersion), "roleAssignment.go")
	rec := &recorder{}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := NewRoleAssignment(ctx, "ra", &RoleAssignmentArgs{
			PrincipalId: pulumi.String("p"), Scope: pulumi.String("/s"),
			RoleDefinitionId: RoleDefinitionID(pulumi.String("sub"), AcrPull),
		})
		return err
	}, pulumi.WithMocks("nimbus", "test", rec))
	if err != nil {
		t.Fatal(err)
	}
	options, secrets, err := rawrestest.SDKOptions(path, "RoleAssignment")
	if err != nil {
		t.Fatal(err)
	}
	if extra := slices.DeleteFunc(options, func(o string) bool { return o == "Aliases" || o == "String" || o == "StringPtr" }); len(extra) > 0 || len(secrets) > 0 {
		t.Errorf("the SDK's NewRoleAssignment also sets %v (secret %v), which the wrapper does not mirror", extra, secrets)
	}
	if rec.req.GetVersion() != AzureNative.Version {
		t.Errorf("registered with version %q, want %q", rec.req.GetVersion(), AzureNative.Version)
	}
	want, err := rawrestest.SDKAliases(path, "RoleAssignment")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range rec.req.GetAliases() {
		got = append(got, a.GetSpec().GetType())
	}
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("aliases (-SDK +wrapper):\n%s", diff)
	}
	defaults, err := rawrestest.SDKDefaults(path, "RoleAssignment")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(defaults, map[string]any{"principalType": rec.inputs["principalType"].StringValue()}); diff != "" {
		t.Errorf("defaults (-SDK +wrapper):\n%s", diff)
	}
	if got := rec.inputs["roleDefinitionId"].StringValue(); got != "/subscriptions/sub/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d" {
		t.Errorf("role definition id %q", got)
	}
}
