package foundation_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/foundation"
	"github.com/nimbus-iac/nimbus/internal/fakecloud"
)

func TestNewAzure(t *testing.T) {
	for name, tc := range map[string]struct {
		args     foundation.AzureArgs
		wantName string
	}{
		"exact":     {args: foundation.AzureArgs{Name: "nimbus-prod", Location: "westeurope", Tags: map[string]string{"stack": "prod"}}, wantName: "nimbus-prod"},
		"autonamed": {args: foundation.AzureArgs{Location: "westeurope"}},
	} {
		t.Run(name, func(t *testing.T) {
			var outs map[string]any
			r := componenttest.Run(t, func(ctx *pulumi.Context) error {
				g, err := foundation.NewAzure(ctx, "nimbus", &tc.args)
				if err != nil {
					return err
				}
				outs = componenttest.Await(t, pulumi.Map{"name": g.Name, "id": g.ID, "subscription": g.SubscriptionID})
				return nil
			})
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			rg := r.One(t, "azure-native:resources:ResourceGroup")
			groupName := componenttest.Str(rg.Outputs, "name")
			if tc.wantName != "" && groupName != tc.wantName {
				t.Errorf("group name %q, want %q", groupName, tc.wantName)
			}
			want := map[string]any{"name": groupName, "id": "/subscriptions/" + fakecloud.AzureSubscription + "/resourceGroups/" + groupName, "subscription": fakecloud.AzureSubscription}
			if diff := cmp.Diff(want, outs); diff != "" {
				t.Errorf("outputs (-want +got):\n%s", diff)
			}
			if got := componenttest.Str(rg.Inputs, "location"); got != "westeurope" {
				t.Errorf("location %q, want westeurope", got)
			}
		})
	}
}

func TestNewAzureInvalid(t *testing.T) {
	componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
		_, err := foundation.NewAzure(ctx, "nimbus", &foundation.AzureArgs{Name: "bad name.", Location: "West Europe"})
		return err
	},
		`resource group "nimbus": Name must be 1 to 90 letters, digits and . _ - ( ), not ending in a period, got "bad name."`,
		`resource group "nimbus": Location must be an Azure region like westeurope (the stack's azure-native:location), got "West Europe"`)
}

func TestSubscriptionOf(t *testing.T) {
	for id, want := range map[string]string{
		"/subscriptions/abc/resourceGroups/g": "abc",
		"/subscriptions/abc":                  "abc",
		"resourceGroups/g":                    "",
		"":                                    "",
	} {
		if got := foundation.SubscriptionOf(id); got != want {
			t.Errorf("SubscriptionOf(%q) = %q, want %q", id, got, want)
		}
	}
}
