package network

import (
	"fmt"

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
	// Existing is true when the network was given by ids.
	Existing bool
}

// Cloud is "aws".
func (*AWSPlacement) Cloud() string { return "aws" }

// interfaceEndpoints are the AWS services functions reach through PrivateLink.
var interfaceEndpoints = []string{"sqs", "secretsmanager"}

// NewAWSNetwork creates (or adopts) a VPC with private subnets and the endpoints the service uses.
func NewAWSNetwork(ctx *pulumi.Context, name string, args *NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	n, a, err := register(ctx, name, args, opts)
	if err != nil {
		return nil, err
	}
	if a.ExistingVpcID != "" {
		n.ID = pulumi.String(a.ExistingVpcID).ToStringOutput()
		n.PrivateSubnetIDs = pulumi.ToStringArray(a.ExistingSubnetIDs).ToStringArrayOutput()
		n.Placement = &AWSPlacement{VpcID: n.ID, SubnetIDs: n.PrivateSubnetIDs, Existing: true,
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
	var subnets pulumi.StringArray
	for i, cidr := range cidrs {
		sn := fmt.Sprintf("%s-private-%d", name, i+1)
		s, err := awsec2.NewSubnet(ctx, sn, &awsec2.SubnetArgs{
			VpcId:            v.ID(),
			CidrBlock:        pulumi.String(cidr),
			AvailabilityZone: pulumi.String(zones.Names[i]),
			Tags:             pulumi.StringMap{"Name": pulumi.String(sn)},
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
	for _, svc := range interfaceEndpoints {
		if _, err := awsec2.NewVpcEndpoint(ctx, name+"-"+svc, &awsec2.VpcEndpointArgs{
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

	n.ID = v.ID().ToStringOutput()
	n.PrivateSubnetIDs = subnets.ToStringArrayOutput()
	n.Placement = &AWSPlacement{
		VpcID: n.ID, SubnetIDs: n.PrivateSubnetIDs, CIDR: a.CIDR,
		EndpointSecurityGroupID: sg.ID().ToStringOutput(),
		S3PrefixListID:          s3.PrefixListId,
	}
	return n, n.finish(ctx)
}
