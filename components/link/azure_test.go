package link_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/link"
)

func TestApplyAzureGrants(t *testing.T) {
	consumer := link.AzureConsumer{PrincipalID: pulumi.String("p"), ClientID: pulumi.String("c"), Name: pulumi.String("api")}
	var names []string
	env := func(key string) link.AzureApply {
		return func(ctx *pulumi.Context, name string, c link.AzureConsumer, opts ...pulumi.ResourceOption) (link.AzureApplied, error) {
			names = append(names, name)
			return link.AzureApplied{Env: map[string]link.Value{key: link.Plain(pulumi.String(key))}}, nil
		}
	}
	failing := func(*pulumi.Context, string, link.AzureConsumer, ...pulumi.ResourceOption) (link.AzureApplied, error) {
		return link.AzureApplied{}, errors.New("boom")
	}
	cases := map[string]struct {
		reason     string
		binding    link.AzureBinding
		noIdentity bool
		wantEnv    []string
		wantErr    string
	}{
		"merged": {
			reason:  "every grant is applied under the link's name and their env is merged",
			binding: link.AzureBinding{Grants: []link.AzureApply{env("USER"), env("HOST")}},
			wantEnv: []string{"HOST", "USER"},
		},
		"collision": {
			reason:  "two grants must not set one setting",
			binding: link.AzureBinding{Grants: []link.AzureApply{env("USER"), env("USER")}},
			wantErr: `cannot apply grant 1 of "api-jobs": USER is set by an earlier grant`,
		},
		"failure": {
			reason:  "a grant's error is returned, naming it",
			binding: link.AzureBinding{Grants: []link.AzureApply{failing}},
			wantErr: `cannot apply grant 0 of "api-jobs": boom`,
		},
		"nil grant": {
			reason:  "a nil grant is an error, not a panic",
			binding: link.AzureBinding{Grants: []link.AzureApply{nil}},
			wantErr: `cannot apply grant 0 of "api-jobs": it is nil`,
		},
		"no identity": {
			reason:     "a consumer without its managed identity cannot be granted anything",
			binding:    link.AzureBinding{Grants: []link.AzureApply{env("USER")}},
			noIdentity: true,
			wantErr:    `cannot apply the grants of "api-jobs": the consumer needs its managed identity's PrincipalID, ClientID and Name`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			names = nil
			c := consumer
			if tc.noIdentity {
				c = link.AzureConsumer{}
			}
			got, err := link.ApplyAzureGrants(nil, "api-jobs", tc.binding, c)
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
			slices.Sort(keys)
			if diff := cmp.Diff(tc.wantEnv, keys); diff != "" {
				t.Errorf("%s: env (-want +got):\n%s", tc.reason, diff)
			}
			for _, n := range names {
				if n != "api-jobs" {
					t.Errorf("%s: a grant was applied as %q, want the link's name api-jobs", tc.reason, n)
				}
			}
		})
	}
}
