package azauthorization

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

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

// TestRegisterOptions checks the wrapper registers what the SDK's NewRoleAssignment adds: the
// version, the aliases, the default principal type, and nothing else.
func TestRegisterOptions(t *testing.T) {
	path := rawrestest.SDKFile(rawrestest.DownloadDir(t, sdkModule, sdkVersion), "roleAssignment.go")
	rec := rawrestest.NewRegistrations()
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
	rec.MirrorsSDK(t, path, "RoleAssignment", RoleAssignmentType.Token, AzureNative.Version, "principalId", "scope", "roleDefinitionId")
	if got := rec.Inputs(RoleAssignmentType.Token)["roleDefinitionId"].StringValue(); got != "/subscriptions/sub/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d" {
		t.Errorf("role definition id %q", got)
	}
}
