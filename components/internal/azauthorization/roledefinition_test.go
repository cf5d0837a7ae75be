package azauthorization

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"
	"github.com/nimbus-iac/nimbus/components/internal/rawres/rawrestest"
)

// TestRoleDefinitionSchema pins the custom role wrapper's token, inputs (the nested
// permissions too) and outputs to the SDK's generated source.
func TestRoleDefinitionSchema(t *testing.T) {
	sdk, err := rawrestest.ParseSDK(rawrestest.SDKFile(rawrestest.DownloadDir(t, sdkModule, sdkVersion), "roleDefinition.go"), "RoleDefinition")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string(nil), rawrestest.Pin(sdk, RoleDefinitionType, reflect.TypeFor[RoleDefinition]())); diff != "" {
		t.Errorf("RoleDefinition differs from the SDK's (-want +got):\n%s", diff)
	}
}

type wrongRoleDefinitionArgs struct {
	Scope       pulumi.StringPtrInput `pulumi:"scope"`
	Permissions []struct {
		Action pulumi.StringArrayInput `pulumi:"action"`
	} `pulumi:"permissions"`
}

// TestRoleDefinitionPinFails checks the pin notices the required scope left optional and a
// misspelt permission property.
func TestRoleDefinitionPinFails(t *testing.T) {
	sdk, err := rawrestest.ParseSDK(rawrestest.SDKFile(rawrestest.DownloadDir(t, sdkModule, sdkVersion), "roleDefinition.go"), "RoleDefinition")
	if err != nil {
		t.Fatal(err)
	}
	wrong := rawres.Type[wrongRoleDefinitionArgs]{Package: AzureNative, Token: RoleDefinitionType.Token}
	want := []string{
		`input "permissions.action" is not an input of azure-native:authorization:RoleDefinition`,
		`input "scope" is required by azure-native:authorization:RoleDefinition but not by the wrapper`,
	}
	if diff := cmp.Diff(want, rawrestest.Pin(sdk, wrong, reflect.TypeFor[RoleDefinition]())); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// TestRoleDefinitionRegisterOptions checks the wrapper registers what the SDK's
// NewRoleDefinition adds: the version, the aliases, and nothing else.
func TestRoleDefinitionRegisterOptions(t *testing.T) {
	path := rawrestest.SDKFile(rawrestest.DownloadDir(t, sdkModule, sdkVersion), "roleDefinition.go")
	rec := rawrestest.NewRegistrations()
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := NewRoleDefinition(ctx, "role", &RoleDefinitionArgs{Scope: pulumi.String("/subscriptions/s/resourceGroups/g")})
		return err
	}, pulumi.WithMocks("nimbus", "test", rec))
	if err != nil {
		t.Fatal(err)
	}
	rec.MirrorsSDK(t, path, "RoleDefinition", RoleDefinitionType.Token, AzureNative.Version, "scope")
}
