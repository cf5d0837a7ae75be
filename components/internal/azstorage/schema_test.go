package azstorage

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"
	"github.com/nimbus-iac/nimbus/components/internal/rawres/rawrestest"
)

const sdkModule, sdkVersion = "github.com/pulumi/pulumi-azure-native-sdk/storage/v3", "v3.16.0"

type wrapper struct {
	file, token string
	pin         func(rawrestest.SDKResource) []string
	// given are the inputs TestRegisterOptions sets.
	given []string
}

var wrappers = map[string]wrapper{
	"StorageAccount": {file: "storageAccount.go", token: StorageAccountType.Token, given: []string{"resourceGroupName", "kind", "sku"},
		pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, StorageAccountType, reflect.TypeFor[StorageAccount]())
		}},
	"BlobContainer": {file: "blobContainer.go", token: BlobContainerType.Token, given: []string{"resourceGroupName", "accountName"},
		pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, BlobContainerType, reflect.TypeFor[BlobContainer]())
		}},
	"ManagementPolicy": {file: "managementPolicy.go", token: ManagementPolicyType.Token, given: []string{"resourceGroupName", "accountName", "policy"},
		pin: func(s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, ManagementPolicyType, reflect.TypeFor[ManagementPolicy]())
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

type wrongFilterArgs struct {
	PrefixMatch pulumi.StringPtrInput `pulumi:"prefixMatch"`
}

type wrongPolicyArgs struct {
	ResourceGroupName pulumi.StringInput `pulumi:"resourceGroupName"`
	AccountName       pulumi.StringInput `pulumi:"accountName"`
	Policy            *struct {
		Rules []struct {
			Name       pulumi.StringInput `pulumi:"name"`
			Definition *struct {
				Filters *wrongFilterArgs `pulumi:"filters"`
			} `pulumi:"definition,required"`
		} `pulumi:"rules,required"`
	} `pulumi:"policy,required"`
}

// TestPinFails checks the pin notices, four levels down, required inputs left out and a list
// given as a string. (A nested required list, such as filters.blobTypes, reads like an optional
// one in the SDK's plain structs: the wrapper marks it required on its own.)
func TestPinFails(t *testing.T) {
	dir := rawrestest.DownloadDir(t, sdkModule, sdkVersion)
	sdk, err := rawrestest.ParseSDK(rawrestest.SDKFile(dir, "managementPolicy.go"), "ManagementPolicy")
	if err != nil {
		t.Fatal(err)
	}
	wrong := rawres.Type[wrongPolicyArgs]{Package: AzureNative, Token: ManagementPolicyType.Token}
	want := []string{
		`input "policy.rules.definition.actions" is required by azure-native:storage:ManagementPolicy but not by the wrapper`,
		`input "policy.rules.definition.filters.prefixMatch" is a string, the SDK's is a []string`,
		`input "policy.rules.type" is required by azure-native:storage:ManagementPolicy but not by the wrapper`,
	}
	if diff := cmp.Diff(want, rawrestest.Pin(sdk, wrong, reflect.TypeFor[ManagementPolicy]())); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// TestRegisterOptions checks each wrapper registers what the SDK's NewX adds beyond
// RegisterResource: the package version, the aliases, the defaults of inputs left nil, and
// nothing else a wrapper would have to mirror.
func TestRegisterOptions(t *testing.T) {
	dir := rawrestest.DownloadDir(t, sdkModule, sdkVersion)
	rec := rawrestest.NewRegistrations()
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		rg := pulumi.String("rg")
		acct, err := NewStorageAccount(ctx, "acct", &StorageAccountArgs{ResourceGroupName: rg, Kind: pulumi.String("StorageV2"), Sku: &SkuArgs{Name: pulumi.String("Standard_LRS")}})
		if err != nil {
			return err
		}
		if _, err := NewBlobContainer(ctx, "c", &BlobContainerArgs{ResourceGroupName: rg, AccountName: acct.Name}); err != nil {
			return err
		}
		_, err = NewManagementPolicy(ctx, "p", &ManagementPolicyArgs{ResourceGroupName: rg, AccountName: acct.Name, Policy: &ManagementPolicySchemaArgs{
			Rules: []ManagementPolicyRuleArgs{{Name: pulumi.String("r"), Type: pulumi.String("Lifecycle"), Definition: &ManagementPolicyDefinitionArgs{
				Actions: &ManagementPolicyActionArgs{}, Filters: &ManagementPolicyFilterArgs{BlobTypes: pulumi.StringArray{pulumi.String("blockBlob")}},
			}}},
		}})
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
}
