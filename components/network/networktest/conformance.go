// Package networktest is the conformance suite every network implementation runs under the fake
// cloud.
package networktest

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/network"
)

// Cloud holds the cloud-specific checks.
type Cloud struct {
	// Private checks a new network with 3 zones: private subnets in 3 distinct zones, no route to
	// the internet, private access to the services the sample uses.
	Private func(t *testing.T, r componenttest.Result)
	// Existing checks that adopting a network creates nothing. Nil for a cloud whose networks
	// have no subnets to adopt (Kubernetes: a namespace); the suite then checks that
	// ExistingVpcID is rejected with an error containing RejectExisting.
	Existing       func(t *testing.T, r componenttest.Result)
	RejectExisting string
	// Subnetless is true for a cloud that places workloads without subnets: the new network
	// then has an id and no subnets.
	Subnetless bool
	// Regional is true for a cloud whose subnets span every zone of a region (GCP): the new
	// network then has one subnet, whatever Zones says.
	Regional bool
	// Subnets, when not 0, is how many subnets a new network has whatever Zones says: a cloud
	// with regional subnets, one per kind of consumer (Azure: Container Apps and the database).
	Subnets int
}

// Run checks an implementation against the network contract.
func Run(t *testing.T, newNetwork network.Constructor, cloud Cloud) {
	t.Run("new", func(t *testing.T) {
		var outs map[string]any
		r := componenttest.Run(t, func(ctx *pulumi.Context) error {
			n, err := newNetwork(ctx, "net", &network.NetworkArgs{Zones: 3})
			if err != nil {
				return err
			}
			outs = componenttest.Await(t, pulumi.Map{"id": n.ID, "subnets": n.PrivateSubnetIDs})
			return nil
		})
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		r.AssertContained(t, network.Type, "net")
		want := 3
		switch {
		case cloud.Subnets > 0:
			want = cloud.Subnets
		case cloud.Subnetless:
			want = 0
		case cloud.Regional:
			want = 1
		}
		if subnets, _ := outs["subnets"].([]string); len(subnets) != want || outs["id"] == "" {
			t.Errorf("want a network id and %d subnets, got %v", want, outs)
		}
		cloud.Private(t, r)
	})
	t.Run("existing", func(t *testing.T) {
		if cloud.Existing == nil {
			componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
				_, err := newNetwork(ctx, "net", &network.NetworkArgs{ExistingVpcID: "vpc-0abc", ExistingSubnetIDs: []string{"subnet-1", "subnet-2"}})
				return err
			}, cloud.RejectExisting)
			return
		}
		var outs map[string]any
		r := componenttest.Run(t, func(ctx *pulumi.Context) error {
			n, err := newNetwork(ctx, "net", &network.NetworkArgs{ExistingVpcID: "vpc-0abc", ExistingSubnetIDs: []string{"subnet-1", "subnet-2"}})
			if err != nil {
				return err
			}
			outs = componenttest.Await(t, pulumi.Map{"id": n.ID, "subnets": n.PrivateSubnetIDs})
			return nil
		})
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		if outs["id"] != "vpc-0abc" || len(outs["subnets"].([]string)) != 2 {
			t.Errorf("want the given ids back, got %v", outs)
		}
		cloud.Existing(t, r)
	})
	t.Run("invalid", func(t *testing.T) {
		cases := map[string]struct {
			args network.NetworkArgs
			want string
		}{
			"zones":  {network.NetworkArgs{Zones: 1}, `network "net": Zones must be between 2 and 6, got 1`},
			"public": {network.NetworkArgs{CIDR: "8.8.0.0/16"}, `network "net": CIDR must be a private IPv4 range from /16 to /22, got "8.8.0.0/16"`},
			"small":  {network.NetworkArgs{CIDR: "10.0.0.0/24"}, `network "net": CIDR must be a private IPv4 range from /16 to /22, got "10.0.0.0/24"`},
		}
		if cloud.Existing != nil {
			cases["vpc id"] = struct {
				args network.NetworkArgs
				want string
			}{network.NetworkArgs{ExistingVpcID: "abc", ExistingSubnetIDs: []string{"a", "b"}}, `network "net": ExistingVpcID must be a VPC id like vpc-0123456789abcdef0, got "abc"`}
			cases["subnets"] = struct {
				args network.NetworkArgs
				want string
			}{network.NetworkArgs{ExistingVpcID: "vpc-1", ExistingSubnetIDs: []string{"a"}}, `network "net": ExistingSubnetIDs must list at least 2 subnets, got 1`}
		}
		for name, tc := range cases {
			t.Run(name, func(t *testing.T) {
				componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
					_, err := newNetwork(ctx, "net", &tc.args)
					return err
				}, tc.want)
			})
		}
	})
}
