package link_test

import (
	"errors"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/link"
)

func TestApplyGCPGrants(t *testing.T) {
	consumer := link.GCPConsumer{Email: pulumi.String("a@p.iam.gserviceaccount.com"), Member: link.GCPServiceAccountMember(pulumi.String("a@p.iam.gserviceaccount.com"))}
	var names []string
	env := func(key string) link.GCPApply {
		return func(ctx *pulumi.Context, name string, c link.GCPConsumer, opts ...pulumi.ResourceOption) (link.GCPApplied, error) {
			names = append(names, name)
			if c.Service != nil {
				t.Error("grants are applied before the consumer's service exists: Service must be nil")
			}
			return link.GCPApplied{Env: map[string]link.Value{key: link.Plain(pulumi.String(key))}}, nil
		}
	}
	failing := func(*pulumi.Context, string, link.GCPConsumer, ...pulumi.ResourceOption) (link.GCPApplied, error) {
		return link.GCPApplied{}, errors.New("boom")
	}
	cases := map[string]struct {
		reason     string
		binding    link.GCPBinding
		noIdentity bool
		wantEnv    []string
		wantErr    string
	}{
		"merged": {
			reason:  "every grant is applied under the link's name and their env is merged",
			binding: link.GCPBinding{Grants: []link.GCPApply{env("USER"), env("HOST")}},
			wantEnv: []string{"HOST", "USER"},
		},
		"collision": {
			reason:  "two grants must not set one setting",
			binding: link.GCPBinding{Grants: []link.GCPApply{env("USER"), env("USER")}},
			wantErr: `cannot apply grant 1 of "api-db": USER is set by an earlier grant`,
		},
		"failure": {
			reason:  "a grant's error is returned, naming it",
			binding: link.GCPBinding{Grants: []link.GCPApply{failing}},
			wantErr: `cannot apply grant 0 of "api-db": boom`,
		},
		"no identity": {
			reason:     "a consumer without its service account cannot be granted anything",
			binding:    link.GCPBinding{Grants: []link.GCPApply{env("USER")}},
			noIdentity: true,
			wantErr:    `cannot apply the grants of "api-db": the consumer needs its service account's Email and Member`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			names = nil
			c := consumer
			if tc.noIdentity {
				c = link.GCPConsumer{}
			}
			got, err := link.ApplyGCPGrants(nil, "api-db", tc.binding, c)
			var gotErr string
			if err != nil {
				gotErr = err.Error()
			}
			if diff := cmp.Diff(tc.wantErr, gotErr); diff != "" {
				t.Errorf("%s: error (-want +got):\n%s", tc.reason, diff)
			}
			if tc.wantErr != "" {
				return
			}
			var keys []string
			for k := range got.Env {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if diff := cmp.Diff(tc.wantEnv, keys); diff != "" {
				t.Errorf("%s: env (-want +got):\n%s", tc.reason, diff)
			}
			for _, n := range names {
				if n != "api-db" {
					t.Errorf("%s: a grant was applied as %q, want the link's name api-db", tc.reason, n)
				}
			}
		})
	}
}
