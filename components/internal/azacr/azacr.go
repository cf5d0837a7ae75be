// Package azacr is the Azure container registry the functions' images are pulled from, as a
// typed wrapper registered with package rawres instead of azure-native's containerregistry/v3
// module (linked whole, like every generated SDK package). It registers what the SDK's
// NewRegistry would: the same token, the package version, its versioned aliases and its input
// defaults. schema_test.go pins all of that to the module's generated source at v3.16.0.
package azacr

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"
)

// AzureNative is azure-native as its v3 Go SDK (v3.16.0) registers resources.
var AzureNative = rawres.Package{Name: "azure-native", Version: "3.16.0"}

// RegistryType is a container registry.
var RegistryType = rawres.Type[RegistryArgs]{Package: AzureNative, Token: "azure-native:containerregistry:Registry"}

// RegistryArgs are a registry's inputs.
type RegistryArgs struct {
	ResourceGroupName pulumi.StringInput `pulumi:"resourceGroupName"`
	// RegistryName is globally unique, 5 to 50 letters and digits (NAME.azurecr.io); autonamed
	// when nil.
	RegistryName pulumi.StringPtrInput `pulumi:"registryName"`
	Location     pulumi.StringPtrInput `pulumi:"location"`
	// Sku is Basic, Standard or Premium.
	Sku *SkuArgs `pulumi:"sku,required"`
	// AdminUserEnabled false (the SDK's default): no user name and password, pulls with an
	// identity holding AcrPull only.
	AdminUserEnabled pulumi.BoolPtrInput `pulumi:"adminUserEnabled"`
	// AnonymousPullEnabled false (the SDK's default).
	AnonymousPullEnabled pulumi.BoolPtrInput `pulumi:"anonymousPullEnabled"`
	// NetworkRuleBypassOptions defaults to AzureServices, PublicNetworkAccess to Enabled and
	// ZoneRedundancy to Disabled, as the SDK's NewRegistry sets them.
	NetworkRuleBypassOptions pulumi.StringPtrInput `pulumi:"networkRuleBypassOptions"`
	PublicNetworkAccess      pulumi.StringPtrInput `pulumi:"publicNetworkAccess"`
	ZoneRedundancy           pulumi.StringPtrInput `pulumi:"zoneRedundancy"`
	Tags                     pulumi.StringMapInput `pulumi:"tags"`
}

// SkuArgs is a registry's tier.
type SkuArgs struct {
	Name pulumi.StringInput `pulumi:"name"`
}

// Registry is a registry's outputs.
type Registry struct {
	pulumi.CustomResourceState

	Name pulumi.StringOutput `pulumi:"name"`
	// LoginServer is NAME.azurecr.io, lower case: the host of the images' references.
	LoginServer pulumi.StringOutput `pulumi:"loginServer"`
}

// RegistryAliases are the types the SDK's NewRegistry aliases.
var RegistryAliases = func() []string {
	var out []string
	for _, v := range []string{"20170301", "20171001", "20190501", "20191201preview", "20201101preview",
		"20210601preview", "20210801preview", "20210901", "20211201preview", "20220201preview", "20221201",
		"20230101preview", "20230601preview", "20230701", "20230801preview", "20231101preview",
		"20241101preview", "20250301preview", "20250401", "20250501preview", "20250601preview", "20251101",
		"20260101preview"} {
		out = append(out, "azure-native:containerregistry/v"+v+":Registry")
	}
	return out
}()

// NewRegistry registers a registry with the SDK's defaults and aliases.
func NewRegistry(ctx *pulumi.Context, name string, args *RegistryArgs, opts ...pulumi.ResourceOption) (*Registry, error) {
	a := RegistryArgs{}
	if args != nil {
		a = *args
	}
	if a.AdminUserEnabled == nil {
		a.AdminUserEnabled = pulumi.BoolPtr(false)
	}
	if a.AnonymousPullEnabled == nil {
		a.AnonymousPullEnabled = pulumi.BoolPtr(false)
	}
	if a.NetworkRuleBypassOptions == nil {
		a.NetworkRuleBypassOptions = pulumi.StringPtr("AzureServices")
	}
	if a.PublicNetworkAccess == nil {
		a.PublicNetworkAccess = pulumi.StringPtr("Enabled")
	}
	if a.ZoneRedundancy == nil {
		a.ZoneRedundancy = pulumi.StringPtr("Disabled")
	}
	opts = append(opts, rawres.Aliases(RegistryAliases))
	return rawres.New[Registry](ctx, RegistryType, name, &a, opts...)
}
