// Package aznetwork is the few Azure networking resources nimbus creates (a virtual network with
// its subnets, a private DNS zone and its link to the network), as typed wrappers registered with
// package rawres instead of azure-native's network/v3 and privatedns/v3 modules: network alone is
// about 196,000 lines of generated Go that take 1 min 21 s and 5.4 GB to compile, and, like every
// generated SDK package, would be linked whole into the program. Each wrapper has only the
// properties nimbus sets or reads, and registers what the SDK's NewX would: the same token, the
// package version, its versioned aliases and its input defaults. schema_test.go pins all of that
// to the two modules' generated source at v3.16.0.
package aznetwork

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"
)

// AzureNative is azure-native as its v3 Go SDK (v3.16.0) registers resources, so these share the
// default provider (and any explicit one) with the typed azure-native modules.
var AzureNative = rawres.Package{Name: "azure-native", Version: "3.16.0"}

// VirtualNetworkType is a virtual network. Its subnets are declared inline: azure-native
// replaces a network's subnets with the inline list on every update, so separate Subnet
// resources beside it would fight it.
var VirtualNetworkType = rawres.Type[VirtualNetworkArgs]{Package: AzureNative, Token: "azure-native:network:VirtualNetwork"}

// VirtualNetworkArgs are a virtual network's inputs.
type VirtualNetworkArgs struct {
	ResourceGroupName pulumi.StringInput `pulumi:"resourceGroupName"`
	// Location is an Azure region; the resource group's when nil.
	Location pulumi.StringPtrInput `pulumi:"location"`
	// VirtualNetworkName is autonamed from the resource name when nil.
	VirtualNetworkName pulumi.StringPtrInput `pulumi:"virtualNetworkName"`
	AddressSpace       *AddressSpaceArgs     `pulumi:"addressSpace"`
	Subnets            []SubnetArgs          `pulumi:"subnets"`
	// EnableDdosProtection and EnableVmProtection default to false, as the SDK's
	// NewVirtualNetwork sets them.
	EnableDdosProtection pulumi.BoolPtrInput   `pulumi:"enableDdosProtection"`
	EnableVmProtection   pulumi.BoolPtrInput   `pulumi:"enableVmProtection"`
	Tags                 pulumi.StringMapInput `pulumi:"tags"`
}

// AddressSpace is a network's address ranges.
type AddressSpaceArgs struct {
	AddressPrefixes pulumi.StringArrayInput `pulumi:"addressPrefixes"`
}

// SubnetArgs is one subnet of a network. Its id is the network's id + "/subnets/" + Name.
type SubnetArgs struct {
	Name          pulumi.StringPtrInput `pulumi:"name"`
	AddressPrefix pulumi.StringPtrInput `pulumi:"addressPrefix"`
	// Delegations hand the subnet to one service (Microsoft.App/environments,
	// Microsoft.DBforPostgreSQL/flexibleServers), which then places its instances in it.
	Delegations []DelegationArgs `pulumi:"delegations"`
	// DefaultOutboundAccess false gives the subnet no implicit internet egress.
	DefaultOutboundAccess pulumi.BoolPtrInput `pulumi:"defaultOutboundAccess"`
}

// DelegationArgs delegates a subnet to a service.
type DelegationArgs struct {
	Name        pulumi.StringPtrInput `pulumi:"name"`
	ServiceName pulumi.StringPtrInput `pulumi:"serviceName"`
}

// VirtualNetwork is a virtual network's outputs. Its id is
// /subscriptions/S/resourceGroups/G/providers/Microsoft.Network/virtualNetworks/NAME.
type VirtualNetwork struct {
	pulumi.CustomResourceState

	Name pulumi.StringOutput `pulumi:"name"`
}

// SubnetID is the id of the network's subnet name.
func (n *VirtualNetwork) SubnetID(name string) pulumi.StringOutput {
	return pulumi.Sprintf("%s/subnets/%s", n.ID(), name)
}

// VirtualNetworkAliases are the types the SDK's NewVirtualNetwork aliases (the API-versioned
// tokens), so that a stack made with a versioned token is not replaced.
var VirtualNetworkAliases = AzureNative.Versioned("network", "VirtualNetwork",
	"20150501preview", "20150615", "20160330", "20160601", "20160901", "20161201", "20170301",
	"20170601", "20170801", "20170901", "20171001", "20171101", "20180101", "20180201", "20180401",
	"20180601", "20180701", "20180801", "20181001", "20181101", "20181201", "20190201", "20190401",
	"20190601", "20190701", "20190801", "20190901", "20191101", "20191201", "20200301", "20200401",
	"20200501", "20200601", "20200701", "20200801", "20201101", "20210201", "20210301", "20210501",
	"20210801", "20220101", "20220501", "20220701", "20220901", "20221101", "20230201", "20230401",
	"20230501", "20230601", "20230901", "20231101", "20240101", "20240301", "20240501", "20240701",
	"20241001", "20250101", "20250301", "20250501")

// NewVirtualNetwork registers a virtual network with the SDK's defaults and aliases.
func NewVirtualNetwork(ctx *pulumi.Context, name string, args *VirtualNetworkArgs, opts ...pulumi.ResourceOption) (*VirtualNetwork, error) {
	a := VirtualNetworkArgs{}
	if args != nil {
		a = *args
	}
	if a.EnableDdosProtection == nil {
		a.EnableDdosProtection = pulumi.BoolPtr(false)
	}
	if a.EnableVmProtection == nil {
		a.EnableVmProtection = pulumi.BoolPtr(false)
	}
	opts = append(opts, rawres.Aliases(VirtualNetworkAliases))
	return rawres.New[VirtualNetwork](ctx, VirtualNetworkType, name, &a, opts...)
}

// PrivateZoneType is a private DNS zone.
var PrivateZoneType = rawres.Type[PrivateZoneArgs]{Package: AzureNative, Token: "azure-native:privatedns:PrivateZone"}

// PrivateZoneArgs are a private DNS zone's inputs.
type PrivateZoneArgs struct {
	ResourceGroupName pulumi.StringInput `pulumi:"resourceGroupName"`
	// PrivateZoneName is the zone's DNS name; a Flexible Server's must end in
	// .postgres.database.azure.com.
	PrivateZoneName pulumi.StringPtrInput `pulumi:"privateZoneName"`
	// Location is "Global": private DNS zones are not regional.
	Location pulumi.StringPtrInput `pulumi:"location"`
	Tags     pulumi.StringMapInput `pulumi:"tags"`
}

// PrivateZone is a private DNS zone's outputs.
type PrivateZone struct {
	pulumi.CustomResourceState

	Name pulumi.StringOutput `pulumi:"name"`
}

// PrivateZoneAliases are the types the SDK's NewPrivateZone aliases (it moved from the network
// module to privatedns).
var PrivateZoneAliases = append(AzureNative.Versioned("network", "PrivateZone", "20200601", "20240601"), append(
	[]string{"azure-native:network:PrivateZone"},
	AzureNative.Versioned("privatedns", "PrivateZone", "20180901", "20200101", "20200601", "20240601")...)...)

// NewPrivateZone registers a private DNS zone with the SDK's aliases.
func NewPrivateZone(ctx *pulumi.Context, name string, args *PrivateZoneArgs, opts ...pulumi.ResourceOption) (*PrivateZone, error) {
	opts = append(opts, rawres.Aliases(PrivateZoneAliases))
	return rawres.New[PrivateZone](ctx, PrivateZoneType, name, args, opts...)
}

// VirtualNetworkLinkType links a private DNS zone to a virtual network, whose resources then
// resolve the zone's names.
var VirtualNetworkLinkType = rawres.Type[VirtualNetworkLinkArgs]{Package: AzureNative, Token: "azure-native:privatedns:VirtualNetworkLink"}

// VirtualNetworkLinkArgs are a link's inputs.
type VirtualNetworkLinkArgs struct {
	ResourceGroupName pulumi.StringInput `pulumi:"resourceGroupName"`
	PrivateZoneName   pulumi.StringInput `pulumi:"privateZoneName"`
	// VirtualNetworkLinkName is autonamed from the resource name when nil.
	VirtualNetworkLinkName pulumi.StringPtrInput `pulumi:"virtualNetworkLinkName"`
	// Location is "Global".
	Location       pulumi.StringPtrInput `pulumi:"location"`
	VirtualNetwork *SubResourceArgs      `pulumi:"virtualNetwork"`
	// RegistrationEnabled registers the network's VMs in the zone; nimbus sets false.
	RegistrationEnabled pulumi.BoolPtrInput   `pulumi:"registrationEnabled"`
	Tags                pulumi.StringMapInput `pulumi:"tags"`
}

// SubResourceArgs refers to another resource by id.
type SubResourceArgs struct {
	Id pulumi.StringPtrInput `pulumi:"id"`
}

// VirtualNetworkLink is a link's outputs.
type VirtualNetworkLink struct {
	pulumi.CustomResourceState

	Name pulumi.StringOutput `pulumi:"name"`
}

// VirtualNetworkLinkAliases are the types the SDK's NewVirtualNetworkLink aliases.
var VirtualNetworkLinkAliases = append(AzureNative.Versioned("network", "VirtualNetworkLink", "20200601", "20240601"), append(
	[]string{"azure-native:network:VirtualNetworkLink"},
	AzureNative.Versioned("privatedns", "VirtualNetworkLink", "20180901", "20200101", "20200601", "20240601")...)...)

// NewVirtualNetworkLink registers a link with the SDK's aliases.
func NewVirtualNetworkLink(ctx *pulumi.Context, name string, args *VirtualNetworkLinkArgs, opts ...pulumi.ResourceOption) (*VirtualNetworkLink, error) {
	opts = append(opts, rawres.Aliases(VirtualNetworkLinkAliases))
	return rawres.New[VirtualNetworkLink](ctx, VirtualNetworkLinkType, name, args, opts...)
}
