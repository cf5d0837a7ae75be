package network_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/network"
	"github.com/nimbus-iac/nimbus/components/network/networktest"
)

var azureNetwork = network.Azure{ResourceGroupName: pulumi.String("nimbus-dev"), Location: "westeurope"}

func TestAzureNetworkConformance(t *testing.T) {
	networktest.Run(t, azureNetwork.New, networktest.Cloud{
		Subnets:        2,
		RejectExisting: `network "net": ExistingVpcID and ExistingSubnetIDs are AWS settings; on azure the stack creates its virtual network`,
		Private: func(t *testing.T, r componenttest.Result) {
			vnet := r.One(t, "azure-native:network:VirtualNetwork")
			got := map[string]any{
				"resourceGroupName": componenttest.Prop(vnet.Inputs, "resourceGroupName"),
				"location":          componenttest.Prop(vnet.Inputs, "location"),
				"addressSpace":      componenttest.Prop(vnet.Inputs, "addressSpace"),
				"subnets":           componenttest.Prop(vnet.Inputs, "subnets"),
			}
			want := map[string]any{
				"resourceGroupName": "nimbus-dev", "location": "westeurope",
				"addressSpace": map[string]any{"addressPrefixes": []any{"10.20.0.0/16"}},
				"subnets": []any{
					map[string]any{"name": "apps", "addressPrefix": "10.20.0.0/23", "delegations": []any{map[string]any{"name": "apps", "serviceName": "Microsoft.App/environments"}}},
					map[string]any{"name": "database", "addressPrefix": "10.20.2.0/24", "delegations": []any{map[string]any{"name": "database", "serviceName": "Microsoft.DBforPostgreSQL/flexibleServers"}}},
				},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("a /23 for Container Apps and a /24 for the database, each delegated (-want +got):\n%s", diff)
			}
			zone := r.One(t, "azure-native:privatedns:PrivateZone")
			if got := componenttest.Str(zone.Inputs, "privateZoneName"); got != "net.private.postgres.database.azure.com" {
				t.Errorf("the database zone must end in .postgres.database.azure.com (Flexible Server's rule), got %q", got)
			}
			link := r.One(t, "azure-native:privatedns:VirtualNetworkLink")
			got = map[string]any{
				"zone":         componenttest.Prop(link.Inputs, "privateZoneName"),
				"network":      componenttest.Prop(link.Inputs, "virtualNetwork"),
				"registration": componenttest.Prop(link.Inputs, "registrationEnabled"),
			}
			want = map[string]any{"zone": componenttest.Str(zone.Outputs, "name"), "network": map[string]any{"id": vnet.ID}, "registration": false}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("the zone is linked to the network (-want +got):\n%s", diff)
			}
			for _, typ := range []string{"azure-native:network:NatGateway", "azure-native:network:PublicIPAddress"} {
				if n := len(r.ByType(typ)); n > 0 {
					t.Errorf("a private network has no %s, got %d", typ, n)
				}
			}
			if g := r.Cloud.Generic(); len(g) > 0 {
				t.Errorf("every Azure type has a fake cloud model, these used the generic one: %v", g)
			}
			for _, res := range r.Resources {
				if res.Custom && res.Version != "3.16.0" {
					t.Errorf("%s %s registers with provider version %q, want 3.16.0 like the typed SDK", res.Type, res.Name, res.Version)
				}
			}
		},
	})
}

// TestAzureNetworkPlacement checks what Container Apps and Flexible Server are handed: the
// delegated subnets' ids, the DNS zone's, the region, and the link a server waits for.
func TestAzureNetworkPlacement(t *testing.T) {
	var got map[string]any
	var ready int
	r := componenttest.Run(t, func(ctx *pulumi.Context) error {
		n, err := azureNetwork.New(ctx, "net", &network.NetworkArgs{CIDR: "10.30.0.0/22"})
		if err != nil {
			return err
		}
		p, err := network.PlacementOf[*network.AzurePlacement](n)
		if err != nil {
			return err
		}
		ready = len(p.Ready)
		got = componenttest.Await(t, pulumi.Map{"vnet": p.VirtualNetwork, "apps": p.AppsSubnet, "db": p.DatabaseSubnet, "zone": p.DatabaseDNSZone, "location": pulumi.String(p.Location)})
		return nil
	})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	vnet := r.One(t, "azure-native:network:VirtualNetwork")
	want := map[string]any{
		"vnet": vnet.ID, "apps": vnet.ID + "/subnets/apps", "db": vnet.ID + "/subnets/database",
		"zone": r.One(t, "azure-native:privatedns:PrivateZone").ID, "location": "westeurope",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("placement (-want +got):\n%s", diff)
	}
	if ready != 1 {
		t.Errorf("a server must wait for the zone's link: %d ready resources, want 1", ready)
	}
	subs := componenttest.Prop(vnet.Inputs, "subnets").([]any)
	if got := subs[0].(map[string]any)["addressPrefix"]; got != "10.30.0.0/23" {
		t.Errorf("in a /22 the apps subnet is its first /23, got %v", got)
	}
	if got := subs[1].(map[string]any)["addressPrefix"]; got != "10.30.2.0/24" {
		t.Errorf("in a /22 the database subnet is the /24 after the apps one, got %v", got)
	}
}

func TestAzureNetworkInvalid(t *testing.T) {
	cases := map[string]struct {
		reason string
		az     network.Azure
		want   string
	}{
		"no location":       {reason: "the region is required", az: network.Azure{ResourceGroupName: pulumi.String("g")}, want: `Location must be an Azure region like westeurope (the stack's azure-native:location), got ""`},
		"display name":      {reason: "a display name is not a location", az: network.Azure{ResourceGroupName: pulumi.String("g"), Location: "West Europe"}, want: `got "West Europe"`},
		"no resource group": {reason: "the resource group is required", az: network.Azure{Location: "westeurope"}, want: "ResourceGroupName is required"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
				_, err := tc.az.New(ctx, "net", nil)
				return err
			}, tc.want)
		})
	}
}
