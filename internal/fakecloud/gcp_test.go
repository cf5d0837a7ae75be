package fakecloud

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestGCPModels(t *testing.T) {
	t.Parallel()
	cases := map[string]modelCase{
		"Network": {
			reason: "a network's id is its relative name, its self link under the Compute API",
			typ:    "gcp:compute/network:Network",
			inputs: map[string]any{"name": "net", "autoCreateSubnetworks": false},
			wantID: "projects/nimbus-project/global/networks/net",
			want: map[string]any{
				"name": "net", "project": "nimbus-project", "autoCreateSubnetworks": false, "routingMode": "REGIONAL",
				"selfLink": "https://www.googleapis.com/compute/v1/projects/nimbus-project/global/networks/net",
			},
		},
		"Subnetwork": {
			reason: "a subnet is regional; the network reads back as a self link; the gateway is the range's first host",
			typ:    "gcp:compute/subnetwork:Subnetwork",
			inputs: map[string]any{"name": "sub", "region": "europe-west1", "ipCidrRange": "10.20.0.0/16", "network": "projects/p1/global/networks/net", "project": "p1"},
			wantID: "projects/p1/regions/europe-west1/subnetworks/sub",
			want: map[string]any{
				"region":         "europe-west1",
				"gatewayAddress": "10.20.0.1",
				"network":        "https://www.googleapis.com/compute/v1/projects/p1/global/networks/net",
				"selfLink":       "https://www.googleapis.com/compute/v1/projects/p1/regions/europe-west1/subnetworks/sub",
			},
		},
		"GlobalAddressGiven": {
			reason: "an address the program sets is kept",
			typ:    "gcp:compute/globalAddress:GlobalAddress",
			inputs: map[string]any{"name": "psa", "address": "10.30.0.0", "prefixLength": 20, "addressType": "INTERNAL", "purpose": "VPC_PEERING"},
			wantID: "projects/nimbus-project/global/addresses/psa",
			want:   map[string]any{"address": "10.30.0.0", "prefixLength": 20.0, "selfLink": "https://www.googleapis.com/compute/v1/projects/nimbus-project/global/addresses/psa"},
		},
		"Connection": {
			reason: "a private services connection's id is NETWORK:SERVICE, its peering named after the service",
			typ:    "gcp:servicenetworking/connection:Connection",
			inputs: map[string]any{"network": "projects/p/global/networks/net", "service": "servicenetworking.googleapis.com", "reservedPeeringRanges": []string{"psa"}},
			wantID: "projects/p/global/networks/net:servicenetworking.googleapis.com",
			want:   map[string]any{"peering": "servicenetworking-googleapis-com"},
		},
		"Bucket": {
			reason: "a bucket's id is its name; url and self link from it; the location in upper case",
			typ:    "gcp:storage/bucket:Bucket",
			inputs: map[string]any{"name": "images-1", "location": "europe-west1"},
			wantID: "images-1",
			want: map[string]any{
				"url": "gs://images-1", "selfLink": "https://www.googleapis.com/storage/v1/b/images-1",
				"location": "EUROPE-WEST1", "publicAccessPrevention": "inherited", "projectNumber": 123456789012.0,
			},
		},
		"BucketIAMMemberConditional": {
			reason: "an IAM member's id is b/BUCKET/ROLE/MEMBER, then the condition's title",
			typ:    "gcp:storage/bucketIAMMember:BucketIAMMember",
			inputs: map[string]any{"bucket": "images-1", "role": "roles/storage.objectViewer", "member": "serviceAccount:a@p.iam.gserviceaccount.com", "condition": map[string]any{"title": "originals", "expression": "true"}},
			wantID: "b/images-1/roles/storage.objectViewer/serviceAccount:a@p.iam.gserviceaccount.com/originals",
			want:   map[string]any{"role": "roles/storage.objectViewer"},
		},
		"ServiceAccount": {
			reason: "a service account's email is ACCOUNT@PROJECT.iam.gserviceaccount.com, its member serviceAccount:EMAIL",
			typ:    "gcp:serviceaccount/account:Account",
			inputs: map[string]any{"accountId": "api-fn"},
			wantID: "projects/nimbus-project/serviceAccounts/api-fn@nimbus-project.iam.gserviceaccount.com",
			want: map[string]any{
				"email":  "api-fn@nimbus-project.iam.gserviceaccount.com",
				"member": "serviceAccount:api-fn@nimbus-project.iam.gserviceaccount.com",
			},
		},
	}
	checkModels(t, cases)
}

// TestGCPAutonames checks what the program reads of resources it does not name: a lower-case
// autoname, and a private services range Google would pick, aligned to its prefix length.
func TestGCPAutonames(t *testing.T) {
	t.Parallel()
	c := New(Options{})
	n := register(t, c, "gcp:compute/network:Network", "Net", nil)
	if name := n.Outputs["name"].StringValue(); !strings.HasPrefix(name, "net-") || len(name) != len("net-")+7 || n.ID != "projects/nimbus-project/global/networks/"+name {
		t.Errorf("autonamed network: name %q id %q", name, n.ID)
	}
	a := register(t, c, "gcp:compute/globalAddress:GlobalAddress", "psa", map[string]any{"addressType": "INTERNAL", "prefixLength": 20})
	a2 := register(t, New(Options{}), "gcp:compute/globalAddress:GlobalAddress", "psa", map[string]any{"addressType": "INTERNAL", "prefixLength": 20})
	addr := a.Outputs["address"].StringValue()
	if !strings.HasPrefix(addr, "10.") || !strings.HasSuffix(addr, ".0") || addr != a2.Outputs["address"].StringValue() {
		t.Errorf("a picked private range must be in 10/8, aligned and the same in every run, got %q and %q", addr, a2.Outputs["address"].StringValue())
	}
}

// modelCase is one model's expected id and outputs for some inputs.
type modelCase struct {
	reason string
	typ    string
	inputs map[string]any
	wantID string
	want   map[string]any
}

// checkModels registers each case's inputs in a new fake cloud and compares the id and the
// wanted outputs.
func checkModels(t *testing.T, cases map[string]modelCase) {
	t.Helper()
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := register(t, New(Options{}), tc.typ, "obj", tc.inputs)
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
