package network

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/check"
)

// Type is the component's type token.
const Type = "nimbus:network:Network"

// Constructor creates a network on one cloud.
type Constructor func(ctx *pulumi.Context, name string, args *NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error)

// NetworkArgs describe a network. Zero values take the documented defaults.
type NetworkArgs struct {
	// CIDR is the address range of a new network: a private IPv4 /16 to /22, default 10.20.0.0/16.
	CIDR string
	// Zones is how many zones get a private subnet: 2 to 6, default 2.
	Zones int
	// ExistingVpcID uses that network instead of creating one; ExistingSubnetIDs (two or more)
	// are its private subnets.
	ExistingVpcID     string
	ExistingSubnetIDs []string

	// PublicEntry adds public subnets, one per zone, with a route to the internet, for load
	// balancers only (a public service's): nothing else is placed in them, and the private
	// subnets keep no route out. With ExistingVpcID, ExistingPublicSubnetIDs (two or more) are
	// used instead. Only the AWS network has public subnets; elsewhere it is ignored.
	PublicEntry             bool
	ExistingPublicSubnetIDs []string
	// Containers adds what containers pulling an image and writing logs need without a NAT: on
	// AWS the ecr.api, ecr.dkr and logs interface endpoints (image layers come through the S3
	// gateway endpoint every network has). Elsewhere it is ignored.
	Containers bool
}

// Network is a private network.
type Network struct {
	pulumi.ResourceState

	// ID is the cloud's id of the network (a VPC id on AWS).
	ID pulumi.StringOutput `pulumi:"id"`
	// PrivateSubnetIDs are the subnets functions and databases are placed in.
	PrivateSubnetIDs pulumi.StringArrayOutput `pulumi:"privateSubnetIds"`

	// Placement is what consumers on the network's cloud need to be placed in it; each cloud's
	// implementation hands out its own type, taken with [PlacementOf].
	Placement Placement
}

// Placement is the cloud-specific part of a network (on AWS an [AWSPlacement]).
type Placement interface {
	// Cloud is the nimbus:cloud name of the network's cloud.
	Cloud() string
}

// PlacementOf returns the network's placement as a consumer on P's cloud needs it, or an error
// naming both clouds when the network is on another one.
func PlacementOf[P Placement](n *Network) (P, error) {
	var want P
	switch p := n.Placement.(type) {
	case P:
		return p, nil
	case nil:
		return want, fmt.Errorf("Network has no placement, but this consumer runs on %s and needs a network on %s", want.Cloud(), want.Cloud())
	default:
		return want, fmt.Errorf("Network is on %s, but this consumer runs on %s: give it a network on %s", p.Cloud(), want.Cloud(), want.Cloud())
	}
}

func (a NetworkArgs) withDefaults(name string) (NetworkArgs, error) {
	check.Default(&a.CIDR, "10.20.0.0/16")
	check.Default(&a.Zones, 2)
	p := check.For("network", name)
	p.Between("Zones", a.Zones, 2, 6)
	if a.ExistingVpcID != "" || len(a.ExistingSubnetIDs) > 0 {
		if !strings.HasPrefix(a.ExistingVpcID, "vpc-") {
			p.Add("ExistingVpcID must be a VPC id like vpc-0123456789abcdef0, got %q", a.ExistingVpcID)
		}
		if len(a.ExistingSubnetIDs) < 2 {
			p.Add("ExistingSubnetIDs must list at least 2 subnets, got %d", len(a.ExistingSubnetIDs))
		}
		if a.PublicEntry && len(a.ExistingPublicSubnetIDs) < 2 {
			p.Add("ExistingPublicSubnetIDs must list at least 2 public subnets with PublicEntry on an existing VPC, got %d", len(a.ExistingPublicSubnetIDs))
		}
		return a, p.Err()
	}
	if len(a.ExistingPublicSubnetIDs) > 0 {
		p.Add("ExistingPublicSubnetIDs is only for an existing VPC (ExistingVpcID), got %d subnets without one", len(a.ExistingPublicSubnetIDs))
	}
	if _, err := Subnets(a.CIDR, a.Zones); err != nil {
		p.Add("CIDR %v", err)
	}
	return a, p.Err()
}

// Subnets splits a /16 to /22 private range into one subnet per zone, each a sixteenth of the
// range, leaving the rest free for later tiers.
func Subnets(cidr string, zones int) ([]string, error) {
	return sixteenths(cidr, 0, zones)
}

// PublicSubnets are the public subnets of a network with PublicEntry: the sixteenths of the range
// from the ninth on, so that they never overlap the private ones (at most six) and adding them
// leaves the private subnets as they were.
func PublicSubnets(cidr string, zones int) ([]string, error) {
	return sixteenths(cidr, 8, zones)
}

// sixteenths returns n sixteenths of cidr from the first-th on.
func sixteenths(cidr string, first, zones int) ([]string, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return nil, fmt.Errorf("must be an IPv4 range like 10.20.0.0/16, got %q", cidr)
	}
	if !p.Addr().Is4() || !p.Addr().IsPrivate() || p.Bits() < 16 || p.Bits() > 22 || p.Masked() != p {
		return nil, fmt.Errorf("must be a private IPv4 range from /16 to /22, got %q", cidr)
	}
	bits := p.Bits() + 4
	size := uint32(1) << (32 - bits)
	base := p.Addr().As4()
	start := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	out := make([]string, zones)
	for i := range zones {
		a := start + uint32(first+i)*size
		addr := netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)})
		out[i] = netip.PrefixFrom(addr, bits).String()
	}
	return out, nil
}

func register(ctx *pulumi.Context, name string, args *NetworkArgs, opts []pulumi.ResourceOption) (*Network, NetworkArgs, error) {
	if args == nil {
		args = &NetworkArgs{}
	}
	a, err := args.withDefaults(name)
	if err != nil {
		return nil, a, err
	}
	n := &Network{}
	if err := ctx.RegisterComponentResource(Type, name, n, opts...); err != nil {
		return nil, a, fmt.Errorf("cannot register network %q: %w", name, err)
	}
	return n, a, nil
}

func (n *Network) finish(ctx *pulumi.Context) error {
	return ctx.RegisterResourceOutputs(n, pulumi.Map{
		"id":               n.ID,
		"privateSubnetIds": n.PrivateSubnetIDs,
	})
}
