// Package gcpcompute is the few Compute Engine resources nimbus creates, as typed wrappers
// registered with package rawres instead of pulumi-gcp's compute package, whose compilation
// alone takes about 2 minutes and 8 GB. Each wrapper has only the properties nimbus sets or
// reads; schema_test.go pins their tokens, names and types to the SDK's generated code.
package gcpcompute

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"
)

// GCP is pulumi-gcp as its Go SDK (sdk/v9 v9.37.0, go.mod) registers resources, so these share
// the default provider (and any explicit one) with the typed storage, servicenetworking, ...
// resources.
var GCP = rawres.Package{Name: "gcp", Version: "9.37.0"}

// NetworkType is a VPC network.
var NetworkType = rawres.Type[NetworkArgs]{Package: GCP, Token: "gcp:compute/network:Network"}

// NetworkArgs are a VPC network's inputs.
type NetworkArgs struct {
	// AutoCreateSubnetworks makes a subnet in every region (auto mode); nimbus sets false.
	AutoCreateSubnetworks pulumi.BoolPtrInput `pulumi:"autoCreateSubnetworks"`
	// RoutingMode is REGIONAL or GLOBAL (dynamic routes of Cloud Routers).
	RoutingMode pulumi.StringPtrInput `pulumi:"routingMode"`
	Description pulumi.StringPtrInput `pulumi:"description"`
	// Name is autonamed when nil.
	Name pulumi.StringPtrInput `pulumi:"name"`
}

// Network is a VPC network's outputs. Its id is projects/PROJECT/global/networks/NAME.
type Network struct {
	pulumi.CustomResourceState

	Name     pulumi.StringOutput `pulumi:"name"`
	SelfLink pulumi.StringOutput `pulumi:"selfLink"`
}

// NewNetwork registers a VPC network.
func NewNetwork(ctx *pulumi.Context, name string, args *NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	return rawres.New[Network](ctx, NetworkType, name, args, opts...)
}

// SubnetworkType is a regional subnet of a VPC network.
var SubnetworkType = rawres.Type[SubnetworkArgs]{Package: GCP, Token: "gcp:compute/subnetwork:Subnetwork"}

// SubnetworkArgs are a subnet's inputs.
type SubnetworkArgs struct {
	// Network is the network's id or self link.
	Network pulumi.StringInput `pulumi:"network"`
	// IpCidrRange is the subnet's primary IPv4 range.
	IpCidrRange pulumi.StringInput `pulumi:"ipCidrRange"`
	// Region is the subnet's region; the provider's when nil.
	Region pulumi.StringPtrInput `pulumi:"region"`
	// PrivateIpGoogleAccess lets what has no external address reach Google APIs.
	PrivateIpGoogleAccess pulumi.BoolPtrInput   `pulumi:"privateIpGoogleAccess"`
	Description           pulumi.StringPtrInput `pulumi:"description"`
	Name                  pulumi.StringPtrInput `pulumi:"name"`
}

// Subnetwork is a subnet's outputs. Its id is projects/PROJECT/regions/REGION/subnetworks/NAME.
type Subnetwork struct {
	pulumi.CustomResourceState

	Name           pulumi.StringOutput `pulumi:"name"`
	Region         pulumi.StringOutput `pulumi:"region"`
	IpCidrRange    pulumi.StringOutput `pulumi:"ipCidrRange"`
	GatewayAddress pulumi.StringOutput `pulumi:"gatewayAddress"`
	SelfLink       pulumi.StringOutput `pulumi:"selfLink"`
}

// NewSubnetwork registers a subnet.
func NewSubnetwork(ctx *pulumi.Context, name string, args *SubnetworkArgs, opts ...pulumi.ResourceOption) (*Subnetwork, error) {
	return rawres.New[Subnetwork](ctx, SubnetworkType, name, args, opts...)
}

// GlobalAddressType is a global address; nimbus uses one of purpose VPC_PEERING, the range
// private services access (Cloud SQL's private IP) allocates from.
var GlobalAddressType = rawres.Type[GlobalAddressArgs]{Package: GCP, Token: "gcp:compute/globalAddress:GlobalAddress"}

// GlobalAddressArgs are a global address's inputs.
type GlobalAddressArgs struct {
	// Purpose is VPC_PEERING for a private services range.
	Purpose pulumi.StringPtrInput `pulumi:"purpose"`
	// AddressType is INTERNAL for a private services range.
	AddressType pulumi.StringPtrInput `pulumi:"addressType"`
	// PrefixLength is the range's size; with Address nil Google picks a free range of it.
	PrefixLength pulumi.IntPtrInput `pulumi:"prefixLength"`
	// Address is the range's first address; chosen by Google when nil.
	Address pulumi.StringPtrInput `pulumi:"address"`
	// Network is the network's id or self link.
	Network     pulumi.StringPtrInput `pulumi:"network"`
	Description pulumi.StringPtrInput `pulumi:"description"`
	Name        pulumi.StringPtrInput `pulumi:"name"`
}

// GlobalAddress is a global address's outputs.
type GlobalAddress struct {
	pulumi.CustomResourceState

	Name         pulumi.StringOutput `pulumi:"name"`
	Address      pulumi.StringOutput `pulumi:"address"`
	PrefixLength pulumi.IntOutput    `pulumi:"prefixLength"`
	SelfLink     pulumi.StringOutput `pulumi:"selfLink"`
}

// GlobalAddressSecretOutputs are the outputs the SDK's NewGlobalAddress marks secret (the labels
// merged from the provider's defaults); NewGlobalAddress does the same.
var GlobalAddressSecretOutputs = []string{"effectiveLabels", "pulumiLabels"}

// NewGlobalAddress registers a global address.
func NewGlobalAddress(ctx *pulumi.Context, name string, args *GlobalAddressArgs, opts ...pulumi.ResourceOption) (*GlobalAddress, error) {
	opts = append(opts, pulumi.AdditionalSecretOutputs(GlobalAddressSecretOutputs))
	return rawres.New[GlobalAddress](ctx, GlobalAddressType, name, args, opts...)
}
