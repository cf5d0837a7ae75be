package network

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/awsec2"
)

var (
	_ Constructor = NewAWSNetwork
	_ Placement   = (*AWSPlacement)(nil)
)

// AWSPlacement is what a function or database needs to sit in an AWS network.
type AWSPlacement struct {
	VpcID     pulumi.StringOutput
	SubnetIDs pulumi.StringArrayOutput
	// CIDR is the VPC's range; empty for an existing VPC.
	CIDR string
	// EndpointSecurityGroupID admits HTTPS to the interface endpoints; empty for an existing VPC.
	EndpointSecurityGroupID pulumi.StringOutput
	// S3PrefixListID is the S3 gateway endpoint's prefix list; empty for an existing VPC.
	S3PrefixListID pulumi.StringOutput
	// PublicSubnetIDs are the subnets a public load balancer goes in; empty without PublicEntry.
	PublicSubnetIDs pulumi.StringArrayOutput
	// PublicEntry says the network has public subnets (NetworkArgs.PublicEntry); Containers that
	// it has the endpoints a container needs to start (NetworkArgs.Containers).
	PublicEntry, Containers bool
	// Existing is true when the network was given by ids.
	Existing bool
}

// Cloud is "aws".
func (*AWSPlacement) Cloud() string { return "aws" }

// interfaceEndpoints are the AWS services functions reach through PrivateLink.
var interfaceEndpoints = []string{"sqs", "secretsmanager"}

// containerEndpoints are what an ECS task needs to start without a NAT: ECR's API (the
// authorization token) and registry (the manifest; layers come from S3 through the gateway
// endpoint), and CloudWatch Logs for the awslogs driver.
var containerEndpoints = []string{"ecr.api", "ecr.dkr", "logs"}

// NewAWSNetwork creates (or adopts) a VPC with private subnets and the endpoints the service uses.
func NewAWSNetwork(ctx *pulumi.Context, name string, args *NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	n, a, err := register(ctx, name, args, opts)
	if err != nil {
		return nil, err
	}
	if a.ExistingVpcID != "" {
		n.ID = pulumi.String(a.ExistingVpcID).ToStringOutput()
		n.PrivateSubnetIDs = pulumi.ToStringArray(a.ExistingSubnetIDs).ToStringArrayOutput()
		n.Placement = &AWSPlacement{VpcID: n.ID, SubnetIDs: n.PrivateSubnetIDs, Existing: true, PublicEntry: a.PublicEntry, Containers: a.Containers,
			PublicSubnetIDs:         pulumi.ToStringArray(a.ExistingPublicSubnetIDs).ToStringArrayOutput(),
			EndpointSecurityGroupID: pulumi.String("").ToStringOutput(), S3PrefixListID: pulumi.String("").ToStringOutput()}
		return n, n.finish(ctx)
	}

	parent := pulumi.Parent(n)
	zones, err := aws.GetAvailabilityZones(ctx, &aws.GetAvailabilityZonesArgs{State: pulumi.StringRef("available")}, pulumi.Parent(n))
	if err != nil {
		return nil, fmt.Errorf("cannot list availability zones for network %q: %w", name, err)
	}
	if len(zones.Names) < a.Zones {
		return nil, fmt.Errorf("network %q: Zones is %d but the region has %d available zones", name, a.Zones, len(zones.Names))
	}
	region, err := aws.GetRegion(ctx, nil, pulumi.Parent(n))
	if err != nil {
		return nil, fmt.Errorf("cannot read the region for network %q: %w", name, err)
	}
	cidrs, _ := Subnets(a.CIDR, a.Zones) // checked in withDefaults

	v, err := awsec2.NewVpc(ctx, name, &awsec2.VpcArgs{
		CidrBlock:          pulumi.String(a.CIDR),
		EnableDnsHostnames: pulumi.Bool(true), // private DNS of interface endpoints needs both
		EnableDnsSupport:   pulumi.Bool(true),
		Tags:               pulumi.StringMap{"Name": pulumi.String(name)},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create VPC %q: %w", name, err)
	}
	rt, err := awsec2.NewRouteTable(ctx, name+"-private", &awsec2.RouteTableArgs{
		VpcId: v.ID(),
		Tags:  pulumi.StringMap{"Name": pulumi.String(name + "-private")},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create route table %q: %w", name+"-private", err)
	}
	subnets, err := subnetTier(ctx, name+"-private", v, rt, cidrs, zones.Names, nil, parent)
	if err != nil {
		return nil, err
	}

	sg, err := awsec2.NewSecurityGroup(ctx, name+"-endpoints", &awsec2.SecurityGroupArgs{
		VpcId:       v.ID(),
		Description: pulumi.String("HTTPS from inside the VPC to the AWS service endpoints"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create security group %q: %w", name+"-endpoints", err)
	}
	if _, err := vpc.NewSecurityGroupIngressRule(ctx, name+"-endpoints-https", &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId: sg.ID(),
		Description:     pulumi.String("HTTPS from the VPC"),
		IpProtocol:      pulumi.String("tcp"),
		FromPort:        pulumi.Int(443),
		ToPort:          pulumi.Int(443),
		CidrIpv4:        pulumi.String(a.CIDR),
	}, parent); err != nil {
		return nil, fmt.Errorf("cannot open the endpoints to the VPC: %w", err)
	}
	endpoints := interfaceEndpoints
	if a.Containers {
		endpoints = append(append([]string(nil), endpoints...), containerEndpoints...)
	}
	for _, svc := range endpoints {
		if _, err := awsec2.NewVpcEndpoint(ctx, name+"-"+strings.ReplaceAll(svc, ".", "-"), &awsec2.VpcEndpointArgs{
			VpcId:             v.ID(),
			ServiceName:       pulumi.Sprintf("com.amazonaws.%s.%s", region.Name, svc),
			VpcEndpointType:   pulumi.String("Interface"),
			PrivateDnsEnabled: pulumi.Bool(true),
			SubnetIds:         subnets,
			SecurityGroupIds:  pulumi.StringArray{sg.ID()},
		}, parent); err != nil {
			return nil, fmt.Errorf("cannot create the %s endpoint: %w", svc, err)
		}
	}
	s3, err := awsec2.NewVpcEndpoint(ctx, name+"-s3", &awsec2.VpcEndpointArgs{
		VpcId:           v.ID(),
		ServiceName:     pulumi.Sprintf("com.amazonaws.%s.s3", region.Name),
		VpcEndpointType: pulumi.String("Gateway"),
		RouteTableIds:   pulumi.StringArray{rt.ID()},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create the s3 endpoint: %w", err)
	}

	public := pulumi.StringArray{}
	if a.PublicEntry {
		if public, err = publicSubnets(ctx, name, a, v, zones.Names, parent); err != nil {
			return nil, err
		}
	}

	n.ID = v.ID().ToStringOutput()
	n.PrivateSubnetIDs = subnets.ToStringArrayOutput()
	n.Placement = &AWSPlacement{
		VpcID: n.ID, SubnetIDs: n.PrivateSubnetIDs, CIDR: a.CIDR,
		PublicSubnetIDs: public.ToStringArrayOutput(),
		PublicEntry:     a.PublicEntry, Containers: a.Containers,
		EndpointSecurityGroupID: sg.ID().ToStringOutput(),
		S3PrefixListID:          s3.PrefixListId,
	}
	return n, n.finish(ctx)
}

// publicSubnets creates the public tier: an internet gateway, a route table whose only way out is
// that gateway, and one subnet per zone on it. Only load balancers are placed there.
func publicSubnets(ctx *pulumi.Context, name string, a NetworkArgs, v *awsec2.Vpc, zones []string, parent pulumi.ResourceOption) (pulumi.StringArray, error) {
	cidrs, _ := PublicSubnets(a.CIDR, a.Zones) // the same range as Subnets, checked in withDefaults
	igw, err := awsec2.NewInternetGateway(ctx, name, &awsec2.InternetGatewayArgs{
		VpcId: v.ID(),
		Tags:  pulumi.StringMap{"Name": pulumi.String(name)},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create internet gateway %q: %w", name, err)
	}
	rt, err := awsec2.NewRouteTable(ctx, name+"-public", &awsec2.RouteTableArgs{
		VpcId: v.ID(),
		Tags:  pulumi.StringMap{"Name": pulumi.String(name + "-public")},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create route table %q: %w", name+"-public", err)
	}
	if _, err := awsec2.NewRoute(ctx, name+"-public-internet", &awsec2.RouteArgs{
		RouteTableId:         rt.ID(),
		DestinationCidrBlock: pulumi.String("0.0.0.0/0"),
		GatewayId:            igw.ID(),
	}, parent); err != nil {
		return nil, fmt.Errorf("cannot route %q to the internet: %w", name+"-public", err)
	}
	return subnetTier(ctx, name+"-public", v, rt, cidrs, zones, pulumi.StringMap{"nimbus:tier": pulumi.String("public")}, parent)
}

// subnetTier creates one subnet per zone, PREFIX-1, PREFIX-2, ..., each associated with the
// tier's route table, and returns their ids.
func subnetTier(ctx *pulumi.Context, prefix string, v *awsec2.Vpc, rt *awsec2.RouteTable, cidrs, zones []string, tags pulumi.StringMap, parent pulumi.ResourceOption) (pulumi.StringArray, error) {
	var subnets pulumi.StringArray
	for i, cidr := range cidrs {
		sn := fmt.Sprintf("%s-%d", prefix, i+1)
		all := pulumi.StringMap{"Name": pulumi.String(sn)}
		for k, t := range tags {
			all[k] = t
		}
		s, err := awsec2.NewSubnet(ctx, sn, &awsec2.SubnetArgs{
			VpcId:            v.ID(),
			CidrBlock:        pulumi.String(cidr),
			AvailabilityZone: pulumi.String(zones[i]),
			Tags:             all,
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("cannot create subnet %q: %w", sn, err)
		}
		if _, err := awsec2.NewRouteTableAssociation(ctx, sn, &awsec2.RouteTableAssociationArgs{
			SubnetId: s.ID(), RouteTableId: rt.ID(),
		}, parent); err != nil {
			return nil, fmt.Errorf("cannot associate subnet %q: %w", sn, err)
		}
		subnets = append(subnets, s.ID())
	}
	return subnets, nil
}
