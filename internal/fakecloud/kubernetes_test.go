package fakecloud

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestKubernetesModels(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		reason string
		typ    string
		inputs map[string]any
		wantID string
		want   map[string]any
	}{
		"named": {
			reason: "a namespaced object keeps its name and namespace; its id is NAMESPACE/NAME",
			typ:    "kubernetes:eventing.knative.dev/v1:Broker",
			inputs: map[string]any{"metadata": map[string]any{"name": "jobs", "namespace": "nimbus"}},
			wantID: "nimbus/jobs",
			want:   map[string]any{"name": "jobs", "namespace": "nimbus"},
		},
		"autonamed": {
			reason: "without a name the provider autonames it, in the default namespace",
			typ:    "kubernetes:core/v1:ServiceAccount",
			inputs: map[string]any{},
			wantID: "default/obj-",
			want:   map[string]any{"namespace": "default"},
		},
		"cluster scoped": {
			reason: "a namespace has no namespace; its id is its name",
			typ:    "kubernetes:core/v1:Namespace",
			inputs: map[string]any{"metadata": map[string]any{"name": "nimbus"}},
			wantID: "nimbus",
			want:   map[string]any{"name": "nimbus"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := New(Options{})
			r := register(t, c, tc.typ, "obj", tc.inputs)
			if r.Generic {
				t.Errorf("%s: %s used the generic model", tc.reason, tc.typ)
			}
			if len(r.ID) < len(tc.wantID) || r.ID[:len(tc.wantID)] != tc.wantID {
				t.Errorf("%s: id %q, want it to start with %q", tc.reason, r.ID, tc.wantID)
			}
			meta, _ := r.Outputs["metadata"].Mappable().(map[string]any)
			got := map[string]any{}
			for k := range tc.want {
				got[k] = meta[k]
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
			if meta["uid"] == nil || r.Outputs["status"].V != nil {
				t.Errorf("%s: want a uid and no status, got %v", tc.reason, r.Outputs)
			}
			if n, _ := meta["name"].(string); n == "" || (tc.inputs["metadata"] == nil && len(n) != len("obj-")+8) {
				t.Errorf("%s: metadata.name %q", tc.reason, n)
			}
		})
	}
}
