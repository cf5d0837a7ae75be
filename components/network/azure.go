package network

import (
	"fmt"
	"net/netip"
	"regexp"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/aznetwork"
	"github.com/nimbus-iac/nimbus/components/internal/check"
)

var (
	_ Constructor = Azure{}.New
	_ Placement   = (*AzurePlacement)(nil)
)

// Services the Azure network's subnets are delegated to.
const (
	AzureAppsDelegation     = "Microsoft.App/environments"
	AzureDatabaseDelegation = "Microsoft.DBforPostgreSQL/flexibleServers"
)

// AzurePlacement is what a Container Apps environment and a PostgreSQL Flexible Server need to
// be placed in an Azure network.
type AzurePlacement struct {
	// VirtualNetwork is the network's ARM id.
	VirtualNetwork pulumi.StringOutput
	// AppsSubnet is the subnet delegated to Container Apps environments (a /23), an
	// environment's vnetConfiguration.infrastructureSubnetId.
	AppsSubnet pulumi.StringOutput
	// DatabaseSubnet is the subnet delegated to Flexible Servers (a /24), a server's
	// network.delegatedSubnetResourceId.
	DatabaseSubnet pulumi.StringOutput
	// DatabaseDNSZone is the id of the private DNS zone NAME.private.postgres.database.azure.com,
	// linked to the network, a server's network.privateDnsZoneArmResourceId.
	DatabaseDNSZone pulumi.StringOutput
	// Location is the network's region: what is placed in it must run there.
	Location string
	// Ready are what a server in DatabaseSubnet must depend on: the zone's link to the network,
	// without which the server's name resolves nowhere.
	Ready []pulumi.Resource
}

// Cloud is "azure".
func (*AzurePlacement) Cloud() string { return "azure" }

// Azure places functions and databases in a new virtual network. Its New is a [Constructor].
type Azure struct {
	// ResourceGroupName is the stack's resource group. Required.
	ResourceGroupName pulumi.StringInput
	// Location is the region (the stack's azure-native:location), like westeurope. Required.
	Location string
}

var azureLocation = regexp.MustCompile(`^[a-z]+[a-z0-9]*$`)

// New creates a virtual network holding CIDR, with two subnets cut from its start: the first /23
// delegated to Container Apps environments and the /24 after it delegated to PostgreSQL Flexible
// Servers; and a private DNS zone for the servers' names, linked to the network. Azure subnets
// span every zone of the region: Zones is checked and unused. An existing network cannot be
// adopted yet: ExistingVpcID and ExistingSubnetIDs are an error.
func (az Azure) New(ctx *pulumi.Context, name string, args *NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	p := check.For("network", name)
	if args != nil && (args.ExistingVpcID != "" || len(args.ExistingSubnetIDs) > 0) {
		p.Add("ExistingVpcID and ExistingSubnetIDs are AWS settings; on azure the stack creates its virtual network, got %q and %v", args.ExistingVpcID, args.ExistingSubnetIDs)
	}
	if !azureLocation.MatchString(az.Location) {
		p.Add("Location must be an Azure region like westeurope (the stack's azure-native:location), got %q", az.Location)
	}
	if az.ResourceGroupName == nil {
		p.Add("ResourceGroupName is required: the resource group the network is created in")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	n, a, err := register(ctx, name, args, opts)
	if err != nil {
		return nil, err
	}
	apps, db, err := azureSubnets(a.CIDR)
	if err != nil {
		return nil, fmt.Errorf("network %q: CIDR %w", name, err)
	}
	parent := pulumi.Parent(n)
	subnet := func(sub, prefix, service string) aznetwork.SubnetArgs {
		return aznetwork.SubnetArgs{
			Name:          pulumi.String(sub),
			AddressPrefix: pulumi.String(prefix),
			Delegations:   []aznetwork.DelegationArgs{{Name: pulumi.String(sub), ServiceName: pulumi.String(service)}},
		}
	}
	vnet, err := aznetwork.NewVirtualNetwork(ctx, name, &aznetwork.VirtualNetworkArgs{
		ResourceGroupName: az.ResourceGroupName,
		Location:          pulumi.String(az.Location),
		AddressSpace:      &aznetwork.AddressSpaceArgs{AddressPrefixes: pulumi.StringArray{pulumi.String(a.CIDR)}},
		Subnets: []aznetwork.SubnetArgs{
			subnet("apps", apps, AzureAppsDelegation),
			subnet("database", db, AzureDatabaseDelegation),
		},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create virtual network %q: %w", name, err)
	}
	zone, err := aznetwork.NewPrivateZone(ctx, name+"-database", &aznetwork.PrivateZoneArgs{
		ResourceGroupName: az.ResourceGroupName,
		// A Flexible Server with private access needs a zone ending in
		// .postgres.database.azure.com.
		PrivateZoneName: pulumi.String(name + ".private.postgres.database.azure.com"),
		Location:        pulumi.String("Global"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create the database DNS zone of %q: %w", name, err)
	}
	link, err := aznetwork.NewVirtualNetworkLink(ctx, name+"-database", &aznetwork.VirtualNetworkLinkArgs{
		ResourceGroupName:   az.ResourceGroupName,
		PrivateZoneName:     zone.Name,
		Location:            pulumi.String("Global"),
		VirtualNetwork:      &aznetwork.SubResourceArgs{Id: vnet.ID().ToStringOutput()},
		RegistrationEnabled: pulumi.Bool(false),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot link the database DNS zone to %q: %w", name, err)
	}

	n.ID = vnet.ID().ToStringOutput()
	n.PrivateSubnetIDs = pulumi.StringArray{vnet.SubnetID("apps"), vnet.SubnetID("database")}.ToStringArrayOutput()
	n.Placement = &AzurePlacement{
		VirtualNetwork:  n.ID,
		AppsSubnet:      vnet.SubnetID("apps"),
		DatabaseSubnet:  vnet.SubnetID("database"),
		DatabaseDNSZone: zone.ID().ToStringOutput(),
		Location:        az.Location,
		Ready:           []pulumi.Resource{link},
	}
	return n, n.finish(ctx)
}

// azureSubnets cuts the apps /23 and the database /24 from the start of cidr (a /16 to /22).
func azureSubnets(cidr string) (apps, db string, err error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || p.Bits() > 22 {
		return "", "", fmt.Errorf("must be a /16 to /22 range to hold a /23 and a /24, got %q", cidr)
	}
	a := p.Addr().As4()
	start := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	at := func(off uint32, bits int) string {
		v := start + off
		return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), bits).String()
	}
	return at(0, 23), at(512, 24), nil
}
