package network

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi-gcp/sdk/v9/go/gcp/servicenetworking"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/check"
	"github.com/nimbus-iac/nimbus/components/internal/gcpcompute"
)

var (
	_ Constructor = GCP{}.New
	_ Placement   = (*GCPPlacement)(nil)
)

// GCPPlacement is what a Cloud Run service needs for Direct VPC egress into a GCP network, and
// what a Cloud SQL instance needs for a private IP in it.
type GCPPlacement struct {
	// Network and Subnetwork are the VPC's and the subnet's ids (projects/P/global/networks/N,
	// projects/P/regions/R/subnetworks/S), a Cloud Run service's
	// template.vpcAccess.networkInterfaces.
	Network    pulumi.StringOutput
	Subnetwork pulumi.StringOutput
	// Region is the subnet's region: a service using Direct VPC egress must run in it.
	Region string
	// CIDR is the subnet's range.
	CIDR string
	// Ready are what a consumer with a private IP (Cloud SQL, whose
	// settings.ipConfiguration.privateNetwork is Network) must depend on: the private services
	// connection, without which no private IP can be allocated.
	Ready []pulumi.Resource
}

// Cloud is "gcp".
func (*GCPPlacement) Cloud() string { return "gcp" }

// GCP places functions and databases in a new VPC network. Its New is a [Constructor].
type GCP struct {
	// Region is the subnet's region (the stack's gcp:region), like europe-west1. Required.
	Region string
	// PrivateServicesPrefixLength is the size of the range reserved for private services access
	// (Cloud SQL's private IPs): 16 to 24, default 20 (4096 addresses); Google picks a free range
	// of that size outside the subnet.
	PrivateServicesPrefixLength int
}

var gcpRegion = regexp.MustCompile(`^[a-z]+-[a-z]+[0-9]+$`)

// New creates a custom-mode VPC with one regional subnet holding the whole CIDR, Private Google
// Access on it, and private services access (a VPC_PEERING range and its connection to
// servicenetworking.googleapis.com). Subnets in GCP are regional, spanning every zone of the
// region: Zones is checked and unused. An existing network cannot be adopted yet: ExistingVpcID
// and ExistingSubnetIDs are an error.
func (g GCP) New(ctx *pulumi.Context, name string, args *NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	check.Default(&g.PrivateServicesPrefixLength, 20)
	p := check.For("network", name)
	if args != nil && (args.ExistingVpcID != "" || len(args.ExistingSubnetIDs) > 0) {
		p.Add("ExistingVpcID and ExistingSubnetIDs are AWS settings; on gcp the stack creates its VPC network, got %q and %v", args.ExistingVpcID, args.ExistingSubnetIDs)
	}
	if !gcpRegion.MatchString(g.Region) {
		p.Add("Region must be a GCP region like europe-west1 (the stack's gcp:region), got %q", g.Region)
	}
	p.Between("PrivateServicesPrefixLength", g.PrivateServicesPrefixLength, 16, 24)
	if err := p.Err(); err != nil {
		return nil, err
	}
	n, a, err := register(ctx, name, args, opts)
	if err != nil {
		return nil, err
	}
	parent := pulumi.Parent(n)
	vpc, err := gcpcompute.NewNetwork(ctx, name, &gcpcompute.NetworkArgs{
		// Custom mode: auto mode would add a /20 in every region, overlapping nothing of ours
		// but reachable by everything placed in the network.
		AutoCreateSubnetworks: pulumi.Bool(false),
		RoutingMode:           pulumi.String("REGIONAL"),
		Description:           pulumi.String("nimbus network " + name),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create VPC network %q: %w", name, err)
	}
	subnet, err := gcpcompute.NewSubnetwork(ctx, name, &gcpcompute.SubnetworkArgs{
		Network:     vpc.ID().ToStringOutput(),
		IpCidrRange: pulumi.String(a.CIDR),
		Region:      pulumi.String(g.Region),
		// Services without external addresses reach Google APIs (Pub/Sub, Cloud Storage)
		// through the subnet, with no NAT.
		PrivateIpGoogleAccess: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create subnetwork %q: %w", name, err)
	}
	psa, err := gcpcompute.NewGlobalAddress(ctx, name+"-private-services", &gcpcompute.GlobalAddressArgs{
		Purpose:      pulumi.String("VPC_PEERING"),
		AddressType:  pulumi.String("INTERNAL"),
		PrefixLength: pulumi.Int(g.PrivateServicesPrefixLength),
		Network:      vpc.ID().ToStringOutput(),
		Description:  pulumi.String("private services access (Cloud SQL private IPs) for " + name),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot reserve the private services range of %q: %w", name, err)
	}
	conn, err := servicenetworking.NewConnection(ctx, name+"-private-services", &servicenetworking.ConnectionArgs{
		Network:               vpc.ID().ToStringOutput(),
		Service:               pulumi.String("servicenetworking.googleapis.com"),
		ReservedPeeringRanges: pulumi.StringArray{psa.Name},
		// Cloud SQL holds the connection for a while after its instance is deleted, and
		// deleting it meanwhile fails the destroy ("Producer services ... are still using this
		// connection"): a destroy drops it from the state instead (docs/gcp.md).
		DeletionPolicy: pulumi.String("ABANDON"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot connect private services access of %q: %w", name, err)
	}

	n.ID = vpc.ID().ToStringOutput()
	n.PrivateSubnetIDs = pulumi.StringArray{subnet.ID()}.ToStringArrayOutput()
	n.Placement = &GCPPlacement{
		Network:    n.ID,
		Subnetwork: subnet.ID().ToStringOutput(),
		Region:     g.Region,
		CIDR:       a.CIDR,
		Ready:      []pulumi.Resource{conn},
	}
	return n, n.finish(ctx)
}
