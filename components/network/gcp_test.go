package network_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/network"
	"github.com/nimbus-iac/nimbus/components/network/networktest"
)

var gcpNetwork = network.GCP{Region: "europe-west1"}

func TestGCPNetworkConformance(t *testing.T) {
	networktest.Run(t, gcpNetwork.New, networktest.Cloud{
		Regional:       true,
		RejectExisting: `network "net": ExistingVpcID and ExistingSubnetIDs are AWS settings; on gcp the stack creates its VPC network`,
		Private: func(t *testing.T, r componenttest.Result) {
			vpc := r.One(t, "gcp:compute/network:Network")
			if got := componenttest.Prop(vpc.Inputs, "autoCreateSubnetworks"); got != false {
				t.Errorf("the VPC must be in custom mode (autoCreateSubnetworks false), got %v", got)
			}
			sub := r.One(t, "gcp:compute/subnetwork:Subnetwork")
			got := map[string]any{
				"network":               componenttest.Prop(sub.Inputs, "network"),
				"ipCidrRange":           componenttest.Prop(sub.Inputs, "ipCidrRange"),
				"region":                componenttest.Prop(sub.Inputs, "region"),
				"privateIpGoogleAccess": componenttest.Prop(sub.Inputs, "privateIpGoogleAccess"),
			}
			want := map[string]any{"network": vpc.ID, "ipCidrRange": "10.20.0.0/16", "region": "europe-west1", "privateIpGoogleAccess": true}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("one subnet with the whole range and Private Google Access (-want +got):\n%s", diff)
			}
			addr := r.One(t, "gcp:compute/globalAddress:GlobalAddress")
			got = map[string]any{
				"purpose":      componenttest.Prop(addr.Inputs, "purpose"),
				"addressType":  componenttest.Prop(addr.Inputs, "addressType"),
				"prefixLength": componenttest.Prop(addr.Inputs, "prefixLength"),
				"network":      componenttest.Prop(addr.Inputs, "network"),
			}
			want = map[string]any{"purpose": "VPC_PEERING", "addressType": "INTERNAL", "prefixLength": 20.0, "network": vpc.ID}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("a private services range in the VPC (-want +got):\n%s", diff)
			}
			conn := r.One(t, "gcp:servicenetworking/connection:Connection")
			got = map[string]any{
				"network": componenttest.Prop(conn.Inputs, "network"),
				"service": componenttest.Prop(conn.Inputs, "service"),
				"ranges":  componenttest.Prop(conn.Inputs, "reservedPeeringRanges"),
				"delete":  componenttest.Prop(conn.Inputs, "deletionPolicy"),
			}
			// ABANDON: a destroy must not fail on the connection Cloud SQL still holds.
			want = map[string]any{"network": vpc.ID, "service": "servicenetworking.googleapis.com", "ranges": []any{componenttest.Str(addr.Outputs, "name")}, "delete": "ABANDON"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("private services access connects the range (-want +got):\n%s", diff)
			}
			for _, typ := range []string{"gcp:compute/router:Router", "gcp:compute/routerNat:RouterNat", "gcp:vpcaccess/connector:Connector"} {
				if n := len(r.ByType(typ)); n > 0 {
					t.Errorf("a private network has no %s (Direct VPC egress, Private Google Access), got %d", typ, n)
				}
			}
			if g := r.Cloud.Generic(); len(g) > 0 {
				t.Errorf("every GCP type has a fake cloud model, these used the generic one: %v", g)
			}
			for _, res := range r.Resources {
				if res.Custom && res.Version != "9.37.0" {
					t.Errorf("%s %s registers with provider version %q, want 9.37.0 like the typed SDK", res.Type, res.Name, res.Version)
				}
			}
		},
	})
}

// TestGCPNetworkPlacement checks what Cloud Run and Cloud SQL are handed: the ids of the VPC and
// the subnet, the region, and the private services connection a Cloud SQL instance waits for.
func TestGCPNetworkPlacement(t *testing.T) {
	var got map[string]any
	r := componenttest.Run(t, func(ctx *pulumi.Context) error {
		n, err := gcpNetwork.New(ctx, "net", nil)
		if err != nil {
			return err
		}
		p, err := network.PlacementOf[*network.GCPPlacement](n)
		if err != nil {
			return err
		}
		got = componenttest.Await(t, pulumi.Map{"network": p.Network, "subnetwork": p.Subnetwork, "subnets": n.PrivateSubnetIDs})
		got["region"], got["cidr"] = p.Region, p.CIDR
		var sql consumer
		return ctx.RegisterResource("test:index:Consumer", "sql", pulumi.Map{"privateNetwork": p.Network}, &sql, pulumi.DependsOn(p.Ready))
	})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	vpc := r.One(t, "gcp:compute/network:Network")
	sub := r.One(t, "gcp:compute/subnetwork:Subnetwork")
	want := map[string]any{
		"network": vpc.ID, "subnetwork": sub.ID, "subnets": []string{sub.ID},
		"region": "europe-west1", "cidr": "10.20.0.0/16",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("placement (-want +got):\n%s", diff)
	}
	conn := r.One(t, "gcp:servicenetworking/connection:Connection")
	sql := r.One(t, "test:index:Consumer")
	if !contains(sql.Dependencies, conn.URN) {
		t.Errorf("a consumer waiting for Ready must depend on the private services connection, got %v", sql.Dependencies)
	}
	componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
		_, err := network.GCP{Region: "Europe", PrivateServicesPrefixLength: 28}.New(ctx, "net", nil)
		return err
	}, `network "net": Region must be a GCP region like europe-west1 (the stack's gcp:region), got "Europe"`,
		`network "net": PrivateServicesPrefixLength must be between 16 and 24, got 28`)
}

type consumer struct{ pulumi.CustomResourceState }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
