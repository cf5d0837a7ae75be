package azacr

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
const sdkModule, sdkVersion = "github.com/pulumi/pulumi-azure-native-sdk/containerregistry/v3", "v3.16.0"

func sdk(t *testing.T) rawrestest.SDKResource {
	t.Helper()
	dir := rawrestest.DownloadDir(t, sdkModule, sdkVersion)
	s, err := rawrestest.ParseSDK(rawrestest.SDKFile(dir, "registry.go"), "Registry")
	if err != nil {
		t.Fatal(err)
	}
	enums, err := rawrestest.ParseEnums(dir)
	if err != nil {
		t.Fatal(err)
	}
	return rawrestest.ResolveEnums(s, enums)
}

// TestSchema pins the wrapper's token, inputs and outputs to the SDK's generated source, and
// the package to the version the SDK registers with.
func TestSchema(t *testing.T) {
	dir := rawrestest.DownloadDir(t, sdkModule, sdkVersion)
	if got := rawrestest.PluginVersion(t, rawrestest.SDKFile(dir, "pulumi-plugin.json")); got != AzureNative.Version {
		t.Errorf("the wrapper registers with version %s, the SDK's resources with %s", AzureNative.Version, got)
	}
	if diff := cmp.Diff([]string(nil), rawrestest.Pin(sdk(t), RegistryType, reflect.TypeFor[Registry]())); diff != "" {
		t.Errorf("Registry differs from the SDK's (-want +got):\n%s", diff)
	}
}

type wrongRegistryArgs struct {
	ResourceGroupName pulumi.StringInput    `pulumi:"resourceGroupName"`
	Sku               pulumi.StringPtrInput `pulumi:"sku"`
	AdminUserEnabled  pulumi.StringPtrInput `pulumi:"adminUserEnabled"`
}

// TestPinFails checks the pin notices a required object given as an optional string, and a bool
// given as a string.
func TestPinFails(t *testing.T) {
	wrong := rawres.Type[wrongRegistryArgs]{Package: AzureNative, Token: RegistryType.Token}
	want := []string{
		`input "adminUserEnabled" is a string, the SDK's is a bool`,
		`input "sku" is a string, the SDK's is a object Sku`,
		`input "sku" is required by azure-native:containerregistry:Registry but not by the wrapper`,
	}
	if diff := cmp.Diff(want, rawrestest.Pin(sdk(t), wrong, reflect.TypeFor[Registry]())); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// TestRegisterOptions checks the wrapper registers what the SDK's NewRegistry adds: the
// version, the aliases, the defaults of inputs left nil (no admin user, no anonymous pull), and
// nothing else.
func TestRegisterOptions(t *testing.T) {
	path := rawrestest.SDKFile(rawrestest.DownloadDir(t, sdkModule, sdkVersion), "registry.go")
	rec := rawrestest.NewRegistrations()
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := NewRegistry(ctx, "images", &RegistryArgs{ResourceGroupName: pulumi.String("rg"), Sku: &SkuArgs{Name: pulumi.String("Basic")}})
		return err
	}, pulumi.WithMocks("nimbus", "test", rec))
	if err != nil {
		t.Fatal(err)
	}
	rec.MirrorsSDK(t, path, "Registry", RegistryType.Token, AzureNative.Version, "resourceGroupName", "sku")
}
