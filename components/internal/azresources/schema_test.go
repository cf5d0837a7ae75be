package azresources

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"
	"github.com/nimbus-iac/nimbus/components/internal/rawres/rawrestest"
)

// The SDK module the wrappers stand for: its checksum is in the checksum database, so the tests
// download it (into the module cache) and read its generated source.
const sdkModule, sdkVersion = "github.com/pulumi/pulumi-azure-native-sdk/resources/v3", "v3.16.0"

type wrapper struct {
	file, token string
	pin         func(rawrestest.SDKResource) []string
	// given are the inputs TestRegisterOptions sets.
	given []string
}

var wrappers = map[string]wrapper{
	"ResourceGroup": {file: "resourceGroup.go", token: ResourceGroupType.Token, given: []string{"location"},
		pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, ResourceGroupType, reflect.TypeFor[ResourceGroup]())
		}},
	"AzureCliScript": {file: "azureCliScript.go", token: AzureCliScriptType.Token, given: []string{"resourceGroupName", "kind", "azCliVersion", "retentionInterval"},
		pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, AzureCliScriptType, reflect.TypeFor[AzureCliScript]())
		}},
}

// TestSchema pins each wrapper's token, inputs (names, types, required, nested) and outputs to
// the SDK's generated source, and the package to the version the SDK registers with.
func TestSchema(t *testing.T) {
	dir := rawrestest.DownloadDir(t, sdkModule, sdkVersion)
	if got := rawrestest.PluginVersion(t, rawrestest.SDKFile(dir, "pulumi-plugin.json")); got != AzureNative.Version {
		t.Errorf("the wrappers register with version %s, the SDK's resources with %s", AzureNative.Version, got)
	}
	enums, err := rawrestest.ParseEnums(dir)
	if err != nil {
		t.Fatal(err)
	}
	for name, w := range wrappers {
		t.Run(name, func(t *testing.T) {
			sdk, err := rawrestest.ParseSDK(rawrestest.SDKFile(dir, w.file), name)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string(nil), w.pin(rawrestest.ResolveEnums(sdk, enums))); diff != "" {
				t.Errorf("%s differs from the SDK's (-want +got):\n%s", name, diff)
			}
		})
	}
}

// TestAPIVersion pins the deployment script API version the docs of the wrapper name to the
// one azure-native 3.16.0 serves the unversioned token with.
func TestAPIVersion(t *testing.T) {
	path := rawrestest.SDKFile(rawrestest.DownloadDir(t, sdkModule, sdkVersion), "azureCliScript.go")
	got, err := rawrestest.SDKAPIVersion(path, "AzureCliScript")
	if err != nil {
		t.Fatal(err)
	}
	if got != "2023-08-01" {
		t.Errorf("azure-native %s serves deployment scripts with API version %s; the wrapper's docs say 2023-08-01", sdkVersion, got)
	}
}

type wrongScriptArgs struct {
	ResourceGroupName    pulumi.StringInput    `pulumi:"resourceGroupName"`
	Kind                 pulumi.StringInput    `pulumi:"kind"`
	AzCliVersion         pulumi.StringInput    `pulumi:"azCliVersion"`
	Identity             pulumi.StringPtrInput `pulumi:"identity"`
	EnvironmentVariables []struct {
		Name   pulumi.StringInput    `pulumi:"name"`
		Secret pulumi.StringPtrInput `pulumi:"secret"`
	} `pulumi:"environmentVariables"`
}

// TestPinFails checks the pin notices a required input left out, a misspelt property of a
// nested list, and a nested object given as a scalar.
func TestPinFails(t *testing.T) {
	dir := rawrestest.DownloadDir(t, sdkModule, sdkVersion)
	sdk, err := rawrestest.ParseSDK(rawrestest.SDKFile(dir, "azureCliScript.go"), "AzureCliScript")
	if err != nil {
		t.Fatal(err)
	}
	wrong := rawres.Type[wrongScriptArgs]{Package: AzureNative, Token: AzureCliScriptType.Token}
	want := []string{
		`input "environmentVariables.secret" is not an input of azure-native:resources:AzureCliScript`,
		`input "identity" is a string, the SDK's is a object ManagedServiceIdentity`,
		`input "retentionInterval" is required by azure-native:resources:AzureCliScript but not by the wrapper`,
	}
	if diff := cmp.Diff(want, rawrestest.Pin(sdk, wrong, reflect.TypeFor[AzureCliScript]())); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// TestRegisterOptions checks each wrapper registers what the SDK's NewX adds beyond
// RegisterResource: the package version, the aliases, the defaults of inputs left nil, and
// nothing else a wrapper would have to mirror; and that a script's kind is AzureCLI whatever
// the caller set, as the SDK's NewAzureCliScript forces it.
func TestRegisterOptions(t *testing.T) {
	dir := rawrestest.DownloadDir(t, sdkModule, sdkVersion)
	rec := rawrestest.NewRegistrations()
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		rg, err := NewResourceGroup(ctx, "rg", &ResourceGroupArgs{Location: pulumi.StringPtr("westeurope")})
		if err != nil {
			return err
		}
		_, err = NewAzureCliScript(ctx, "run", &AzureCliScriptArgs{
			ResourceGroupName: rg.Name, Kind: pulumi.String("AzurePowerShell"),
			AzCliVersion: pulumi.String("2.67.0"), RetentionInterval: pulumi.String("PT1H"),
		})
		return err
	}, pulumi.WithMocks("nimbus", "test", rec))
	if err != nil {
		t.Fatal(err)
	}
	for name, w := range wrappers {
		t.Run(name, func(t *testing.T) {
			rec.MirrorsSDK(t, rawrestest.SDKFile(dir, w.file), name, w.token, AzureNative.Version, w.given...)
		})
	}
	if got := rec.Inputs(AzureCliScriptType.Token)["kind"].StringValue(); got != "AzureCLI" {
		t.Errorf("script kind %q, want AzureCLI", got)
	}
}
