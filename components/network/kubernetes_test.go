package network_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/network"
	"github.com/nimbus-iac/nimbus/components/network/networktest"
)

func TestKubernetesNetworkConformance(t *testing.T) {
	networktest.Run(t, network.Kubernetes{Namespace: "images"}.New, networktest.Cloud{
		Subnetless:     true,
		RejectExisting: `network "net": ExistingVpcID and ExistingSubnetIDs are AWS settings; on kubernetes the network is a namespace`,
		Private: func(t *testing.T, r componenttest.Result) {
			ns := r.One(t, "kubernetes:core/v1:Namespace")
			got := map[string]any{"name": componenttest.Prop(ns.Inputs, "metadata.name"), "annotations": componenttest.Prop(ns.Inputs, "metadata.annotations")}
			want := map[string]any{"name": "images", "annotations": map[string]any{"pulumi.com/skipAwait": "true"}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("namespace: its name, and no wait for its deletion (-want +got):\n%s", diff)
			}
		},
	})
}

// TestKubernetesNetworkPlacement checks that consumers are placed in the namespace: the one
// created, or an existing one, which creates nothing.
func TestKubernetesNetworkPlacement(t *testing.T) {
	cases := map[string]struct {
		reason     string
		k          network.Kubernetes
		namespaces int
		want       string
	}{
		"default":  {reason: "the default namespace is nimbus, created by the stack", namespaces: 1, want: "nimbus"},
		"existing": {reason: "an existing namespace is used as it is", k: network.Kubernetes{Namespace: "team-a", Existing: true}, want: "team-a"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var got map[string]any
			r := componenttest.Run(t, func(ctx *pulumi.Context) error {
				n, err := tc.k.New(ctx, "net", nil)
				if err != nil {
					return err
				}
				p, err := network.PlacementOf[*network.KubernetesPlacement](n)
				if err != nil {
					return err
				}
				got = componenttest.Await(t, pulumi.Map{"ns": p.Namespace, "id": n.ID})
				return nil
			})
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			if diff := cmp.Diff(map[string]any{"ns": tc.want, "id": tc.want}, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
			if n := len(r.ByType("kubernetes:core/v1:Namespace")); n != tc.namespaces {
				t.Errorf("%s: want %d namespaces, got %d", tc.reason, tc.namespaces, n)
			}
		})
	}
	componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
		_, err := network.Kubernetes{Namespace: "Not_A_Label"}.New(ctx, "net", nil)
		return err
	}, `network "net": Namespace must be a DNS label`)
}
