package fakecloud

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAzureModels(t *testing.T) {
	t.Parallel()
	const rg = "/subscriptions/" + AzureSubscription + "/resourceGroups/nimbus-dev"
	cases := map[string]struct {
		reason string
		typ    string
		inputs map[string]any
		wantID string
		want   map[string]any
	}{
		"VirtualNetwork": {
			reason: "a network's id is its ARM id; each inline subnet reads back with the network's id + /subnets/NAME",
			typ:    "azure-native:network:VirtualNetwork",
			inputs: map[string]any{"resourceGroupName": "nimbus-dev", "virtualNetworkName": "vnet", "subnets": []any{map[string]any{"name": "apps", "addressPrefix": "10.20.0.0/23"}}},
			wantID: rg + "/providers/Microsoft.Network/virtualNetworks/vnet",
			want: map[string]any{
				"name": "vnet",
				"subnets": []any{map[string]any{"name": "apps", "addressPrefix": "10.20.0.0/23", "provisioningState": "Succeeded",
					"id": rg + "/providers/Microsoft.Network/virtualNetworks/vnet/subnets/apps"}},
			},
		},
		"PrivateZone": {
			reason: "a private DNS zone's id is under Microsoft.Network/privateDnsZones",
			typ:    "azure-native:privatedns:PrivateZone",
			inputs: map[string]any{"resourceGroupName": "nimbus-dev", "privateZoneName": "db.private.postgres.database.azure.com"},
			wantID: rg + "/providers/Microsoft.Network/privateDnsZones/db.private.postgres.database.azure.com",
			want:   map[string]any{"name": "db.private.postgres.database.azure.com"},
		},
		"VirtualNetworkLink": {
			reason: "a link's id is under its zone's",
			typ:    "azure-native:privatedns:VirtualNetworkLink",
			inputs: map[string]any{"resourceGroupName": "nimbus-dev", "privateZoneName": "z.postgres.database.azure.com", "virtualNetworkLinkName": "l"},
			wantID: rg + "/providers/Microsoft.Network/privateDnsZones/z.postgres.database.azure.com/virtualNetworkLinks/l",
			want:   map[string]any{"name": "l", "virtualNetworkLinkState": "Completed"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := New(Options{})
			r := register(t, c, tc.typ, "obj", tc.inputs)
			if r.Generic {
				t.Errorf("%s: %s used the generic model", tc.reason, tc.typ)
			}
			if r.ID != tc.wantID {
				t.Errorf("%s: id %q, want %q", tc.reason, r.ID, tc.wantID)
			}
			var keys []string
			for k := range tc.want {
				keys = append(keys, k)
			}
			if diff := cmp.Diff(tc.want, pick(r.Outputs, keys)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

func TestAzureAutonames(t *testing.T) {
	t.Parallel()
	n := register(t, New(Options{}), "azure-native:network:VirtualNetwork", "network", map[string]any{"resourceGroupName": "g"})
	if name := n.Outputs["name"].StringValue(); !strings.HasPrefix(name, "network-") || !strings.HasSuffix(n.ID, "/virtualNetworks/"+name) {
		t.Errorf("autonamed network: name %q id %q", name, n.ID)
	}
}
