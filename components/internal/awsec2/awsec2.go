// Package awsec2 is the few EC2 resources nimbus creates, as typed wrappers registered with
// package rawres instead of pulumi-aws's ec2 package, which alone registers about 40k symbols'
// worth of output types in init() and so weighs on every link of the program (issue 9). Each
// wrapper has only the properties nimbus sets or reads; schema_test.go pins their tokens, names
// and types to the SDK's generated code.
package awsec2

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"
)

// AWS is pulumi-aws as its Go SDK (sdk/v6 v6.83.4, go.mod) registers resources, so these share
// the default provider (and any explicit one) with the typed iam, rds, vpc, ... resources.
var AWS = rawres.Package{Name: "aws", Version: "6.83.4"}

// VpcType is a VPC.
var VpcType = rawres.Type[VpcArgs]{Package: AWS, Token: "aws:ec2/vpc:Vpc"}

// VpcArgs are a VPC's inputs.
type VpcArgs struct {
	// CidrBlock is the VPC's IPv4 range.
	CidrBlock pulumi.StringPtrInput `pulumi:"cidrBlock"`
	// EnableDnsHostnames gives instances DNS names; AWS's default is false.
	EnableDnsHostnames pulumi.BoolPtrInput `pulumi:"enableDnsHostnames"`
	// EnableDnsSupport turns on the Amazon DNS server; AWS's default is true.
	EnableDnsSupport pulumi.BoolPtrInput   `pulumi:"enableDnsSupport"`
	Tags             pulumi.StringMapInput `pulumi:"tags"`
}

// Vpc is a VPC's outputs; nimbus reads only its id (vpc-...).
type Vpc struct {
	pulumi.CustomResourceState
}

// NewVpc registers a VPC.
func NewVpc(ctx *pulumi.Context, name string, args *VpcArgs, opts ...pulumi.ResourceOption) (*Vpc, error) {
	return rawres.New[Vpc](ctx, VpcType, name, args, opts...)
}

// SubnetType is a subnet of a VPC in one availability zone.
var SubnetType = rawres.Type[SubnetArgs]{Package: AWS, Token: "aws:ec2/subnet:Subnet"}

// SubnetArgs are a subnet's inputs.
type SubnetArgs struct {
	// VpcId is the VPC's id.
	VpcId pulumi.StringInput `pulumi:"vpcId"`
	// CidrBlock is the subnet's IPv4 range, inside the VPC's.
	CidrBlock pulumi.StringPtrInput `pulumi:"cidrBlock"`
	// AvailabilityZone is the zone's name (us-east-1a); AWS picks one when nil.
	AvailabilityZone pulumi.StringPtrInput `pulumi:"availabilityZone"`
	Tags             pulumi.StringMapInput `pulumi:"tags"`
}

// Subnet is a subnet's outputs; nimbus reads only its id (subnet-...).
type Subnet struct {
	pulumi.CustomResourceState
}

// NewSubnet registers a subnet.
func NewSubnet(ctx *pulumi.Context, name string, args *SubnetArgs, opts ...pulumi.ResourceOption) (*Subnet, error) {
	return rawres.New[Subnet](ctx, SubnetType, name, args, opts...)
}

// RouteTableType is a route table of a VPC. nimbus sets no routes: a table without any has only
// the VPC's local route, so what uses it reaches nothing outside the VPC.
var RouteTableType = rawres.Type[RouteTableArgs]{Package: AWS, Token: "aws:ec2/routeTable:RouteTable"}

// RouteTableArgs are a route table's inputs.
type RouteTableArgs struct {
	// VpcId is the VPC's id.
	VpcId pulumi.StringInput    `pulumi:"vpcId"`
	Tags  pulumi.StringMapInput `pulumi:"tags"`
}

// RouteTable is a route table's outputs; nimbus reads only its id (rtb-...).
type RouteTable struct {
	pulumi.CustomResourceState
}

// NewRouteTable registers a route table.
func NewRouteTable(ctx *pulumi.Context, name string, args *RouteTableArgs, opts ...pulumi.ResourceOption) (*RouteTable, error) {
	return rawres.New[RouteTable](ctx, RouteTableType, name, args, opts...)
}

// RouteTableAssociationType makes a route table a subnet's.
var RouteTableAssociationType = rawres.Type[RouteTableAssociationArgs]{Package: AWS, Token: "aws:ec2/routeTableAssociation:RouteTableAssociation"}

// RouteTableAssociationArgs are a route table association's inputs.
type RouteTableAssociationArgs struct {
	// RouteTableId is the route table's id.
	RouteTableId pulumi.StringInput `pulumi:"routeTableId"`
	// SubnetId is the subnet's id.
	SubnetId pulumi.StringPtrInput `pulumi:"subnetId"`
}

// RouteTableAssociation is a route table association's outputs; nimbus reads none.
type RouteTableAssociation struct {
	pulumi.CustomResourceState
}

// NewRouteTableAssociation registers a route table association.
func NewRouteTableAssociation(ctx *pulumi.Context, name string, args *RouteTableAssociationArgs, opts ...pulumi.ResourceOption) (*RouteTableAssociation, error) {
	return rawres.New[RouteTableAssociation](ctx, RouteTableAssociationType, name, args, opts...)
}

// SecurityGroupType is a security group. nimbus sets no inline rules: each rule is a
// vpc.SecurityGroupIngressRule or vpc.SecurityGroupEgressRule of its own, and a group without
// inline egress has none (the provider removes AWS's default allow-all egress).
var SecurityGroupType = rawres.Type[SecurityGroupArgs]{Package: AWS, Token: "aws:ec2/securityGroup:SecurityGroup"}

// SecurityGroupArgs are a security group's inputs.
type SecurityGroupArgs struct {
	// VpcId is the VPC's id; the region's default VPC when nil.
	VpcId pulumi.StringPtrInput `pulumi:"vpcId"`
	// Description cannot change without replacing the group; "Managed by Pulumi" when nil, as
	// the SDK's NewSecurityGroup sets it.
	Description pulumi.StringPtrInput `pulumi:"description"`
}

// SecurityGroup is a security group's outputs; nimbus reads only its id (sg-...).
type SecurityGroup struct {
	pulumi.CustomResourceState
}

// defaultSecurityGroupDescription is what the SDK's NewSecurityGroup sets a nil Description to.
const defaultSecurityGroupDescription = "Managed by Pulumi"

// NewSecurityGroup registers a security group, with Description defaulted as the SDK's
// NewSecurityGroup does (on a copy: args is not changed).
func NewSecurityGroup(ctx *pulumi.Context, name string, args *SecurityGroupArgs, opts ...pulumi.ResourceOption) (*SecurityGroup, error) {
	a := SecurityGroupArgs{}
	if args != nil {
		a = *args
	}
	if a.Description == nil {
		a.Description = pulumi.StringPtr(defaultSecurityGroupDescription)
	}
	return rawres.New[SecurityGroup](ctx, SecurityGroupType, name, &a, opts...)
}

// VpcEndpointType is a VPC endpoint: an interface endpoint (PrivateLink network interfaces in
// subnets) or a gateway endpoint (routes in route tables).
var VpcEndpointType = rawres.Type[VpcEndpointArgs]{Package: AWS, Token: "aws:ec2/vpcEndpoint:VpcEndpoint"}

// VpcEndpointArgs are a VPC endpoint's inputs.
type VpcEndpointArgs struct {
	// VpcId is the VPC's id.
	VpcId pulumi.StringInput `pulumi:"vpcId"`
	// ServiceName is the service's endpoint name, com.amazonaws.REGION.SERVICE.
	ServiceName pulumi.StringPtrInput `pulumi:"serviceName"`
	// VpcEndpointType is Interface, Gateway, ...; Gateway when nil.
	VpcEndpointType pulumi.StringPtrInput `pulumi:"vpcEndpointType"`
	// PrivateDnsEnabled makes the service's public name resolve to the interface endpoint.
	PrivateDnsEnabled pulumi.BoolPtrInput `pulumi:"privateDnsEnabled"`
	// SubnetIds are where an interface endpoint's network interfaces go, one per zone.
	SubnetIds pulumi.StringArrayInput `pulumi:"subnetIds"`
	// SecurityGroupIds guard an interface endpoint's network interfaces.
	SecurityGroupIds pulumi.StringArrayInput `pulumi:"securityGroupIds"`
	// RouteTableIds get a gateway endpoint's routes.
	RouteTableIds pulumi.StringArrayInput `pulumi:"routeTableIds"`
}

// VpcEndpoint is a VPC endpoint's outputs.
type VpcEndpoint struct {
	pulumi.CustomResourceState

	// PrefixListId is a gateway endpoint's prefix list (pl-...), the service's ranges, for
	// security group rules.
	PrefixListId pulumi.StringOutput `pulumi:"prefixListId"`
}

// NewVpcEndpoint registers a VPC endpoint.
func NewVpcEndpoint(ctx *pulumi.Context, name string, args *VpcEndpointArgs, opts ...pulumi.ResourceOption) (*VpcEndpoint, error) {
	return rawres.New[VpcEndpoint](ctx, VpcEndpointType, name, args, opts...)
}

// InternetGatewayType is an internet gateway attached to a VPC. nimbus creates one only for a
// network with a public entry, and routes to it only from the public subnets, where nothing but
// load balancers is placed.
var InternetGatewayType = rawres.Type[InternetGatewayArgs]{Package: AWS, Token: "aws:ec2/internetGateway:InternetGateway"}

// InternetGatewayArgs are an internet gateway's inputs.
type InternetGatewayArgs struct {
	// VpcId attaches the gateway to that VPC.
	VpcId pulumi.StringPtrInput `pulumi:"vpcId"`
	Tags  pulumi.StringMapInput `pulumi:"tags"`
}

// InternetGateway is an internet gateway's outputs; nimbus reads only its id (igw-...).
type InternetGateway struct {
	pulumi.CustomResourceState
}

// NewInternetGateway registers an internet gateway.
func NewInternetGateway(ctx *pulumi.Context, name string, args *InternetGatewayArgs, opts ...pulumi.ResourceOption) (*InternetGateway, error) {
	return rawres.New[InternetGateway](ctx, InternetGatewayType, name, args, opts...)
}

// RouteType is one route of a route table.
var RouteType = rawres.Type[RouteArgs]{Package: AWS, Token: "aws:ec2/route:Route"}

// RouteArgs are a route's inputs: nimbus sets only a destination range and a gateway.
type RouteArgs struct {
	// RouteTableId is the table's id.
	RouteTableId pulumi.StringInput `pulumi:"routeTableId"`
	// DestinationCidrBlock is where the route goes (0.0.0.0/0 for the internet).
	DestinationCidrBlock pulumi.StringPtrInput `pulumi:"destinationCidrBlock"`
	// GatewayId is the internet gateway that takes it.
	GatewayId pulumi.StringPtrInput `pulumi:"gatewayId"`
}

// Route is a route's outputs; nimbus reads none.
type Route struct {
	pulumi.CustomResourceState
}

// NewRoute registers a route.
func NewRoute(ctx *pulumi.Context, name string, args *RouteArgs, opts ...pulumi.ResourceOption) (*Route, error) {
	return rawres.New[Route](ctx, RouteType, name, args, opts...)
}
