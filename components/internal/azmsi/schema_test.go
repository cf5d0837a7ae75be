package azmsi

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"
	"github.com/nimbus-iac/nimbus/components/internal/rawres/rawrestest"
)

// The SDK module the wrapper stands for: the test downloads it (checksums verified) and reads
// its generated source; nimbus never compiles it.
const sdkModule, sdkVersion = "github.com/pulumi/pulumi-azure-native-sdk/managedidentity/v3", "v3.16.0"

// TestSchema pins the wrapper's token, inputs and outputs to the SDK's generated source, and
// the package to the version the SDK registers with.
func TestSchema(t *testing.T) {
	dir := rawrestest.DownloadDir(t, sdkModule, sdkVersion)
	if got := rawrestest.PluginVersion(t, rawrestest.SDKFile(dir, "pulumi-plugin.json")); got != AzureNative.Version {
		t.Errorf("the wrapper registers with version %s, the SDK's resources with %s", AzureNative.Version, got)
	}
	sdk, err := rawrestest.ParseSDK(rawrestest.SDKFile(dir, "userAssignedIdentity.go"), "UserAssignedIdentity")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string(nil), rawrestest.Pin(sdk, UserAssignedIdentityType, reflect.TypeFor[UserAssignedIdentity]())); diff != "" {
		t.Errorf("UserAssignedIdentity differs from the SDK's (-want +got):\n%s", diff)
	}
}

type wrongIdentityArgs struct {
	ResourceGroupName pulumi.StringPtrInput `pulumi:"resourceGroupName"`
	IdentityName      pulumi.StringPtrInput `pulumi:"identityName"`
}

type wrongIdentity struct {
	pulumi.CustomResourceState

	ObjectId pulumi.StringOutput `pulumi:"objectId"`
}

// TestPinFails checks the pin notices a required input left optional, an input and an output
// the SDK does not have.
func TestPinFails(t *testing.T) {
	dir := rawrestest.DownloadDir(t, sdkModule, sdkVersion)
	sdk, err := rawrestest.ParseSDK(rawrestest.SDKFile(dir, "userAssignedIdentity.go"), "UserAssignedIdentity")
	if err != nil {
		t.Fatal(err)
	}
	wrong := rawres.Type[wrongIdentityArgs]{Package: AzureNative, Token: UserAssignedIdentityType.Token}
	want := []string{
		`input "identityName" is not an input of azure-native:managedidentity:UserAssignedIdentity`,
		`input "resourceGroupName" is required by azure-native:managedidentity:UserAssignedIdentity but not by the wrapper`,
		`output "objectId" is not an output of azure-native:managedidentity:UserAssignedIdentity`,
	}
	if diff := cmp.Diff(want, rawrestest.Pin(sdk, wrong, reflect.TypeFor[wrongIdentity]())); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// TestRegisterOptions checks the wrapper registers what the SDK's NewUserAssignedIdentity adds:
// the version, the aliases, and nothing else.
func TestRegisterOptions(t *testing.T) {
	path := rawrestest.SDKFile(rawrestest.DownloadDir(t, sdkModule, sdkVersion), "userAssignedIdentity.go")
	rec := rawrestest.NewRegistrations()
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := NewUserAssignedIdentity(ctx, "id", &UserAssignedIdentityArgs{ResourceGroupName: pulumi.String("rg")})
		return err
	}, pulumi.WithMocks("nimbus", "test", rec))
	if err != nil {
		t.Fatal(err)
	}
	rec.MirrorsSDK(t, path, "UserAssignedIdentity", UserAssignedIdentityType.Token, AzureNative.Version, "resourceGroupName")
}
