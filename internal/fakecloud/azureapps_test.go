package fakecloud

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func TestAzureAppModels(t *testing.T) {
	t.Parallel()
	const rg = "/subscriptions/" + AzureSubscription + "/resourceGroups/nimbus-dev"
	cases := map[string]modelCase{
		"UserAssignedIdentity": {
			reason: "an identity's id is under Microsoft.ManagedIdentity; its tenant is the fake's",
			typ:    "azure-native:managedidentity:UserAssignedIdentity",
			inputs: map[string]any{"resourceGroupName": "nimbus-dev", "resourceName": "api", "location": "westeurope"},
			wantID: rg + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/api",
			want:   map[string]any{"name": "api", "tenantId": AzureTenant},
		},
		"Workspace": {
			reason: "a workspace's id is under Microsoft.OperationalInsights; retention defaults to 30 days",
			typ:    "azure-native:operationalinsights:Workspace",
			inputs: map[string]any{"resourceGroupName": "nimbus-dev", "workspaceName": "logs"},
			wantID: rg + "/providers/Microsoft.OperationalInsights/workspaces/logs",
			want:   map[string]any{"name": "logs", "retentionInDays": 30.0},
		},
		"Registry": {
			reason: "a registry's login server is NAME.azurecr.io, lower case",
			typ:    "azure-native:containerregistry:Registry",
			inputs: map[string]any{"resourceGroupName": "nimbus-dev", "registryName": "NimbusImages", "sku": map[string]any{"name": "Basic"}},
			wantID: rg + "/providers/Microsoft.ContainerRegistry/registries/NimbusImages",
			want:   map[string]any{"name": "NimbusImages", "loginServer": "nimbusimages.azurecr.io"},
		},
		"Job": {
			reason: "a job's id is under Microsoft.App/jobs",
			typ:    "azure-native:app:Job",
			inputs: map[string]any{"resourceGroupName": "nimbus-dev", "jobName": "migrate"},
			wantID: rg + "/providers/Microsoft.App/jobs/migrate",
			want:   map[string]any{"name": "migrate"},
		},
	}
	checkModels(t, cases)
}

// TestAzureContainerAppFQDN checks an app with an ingress answers on NAME.DOMAIN of its
// environment, its latest revision on NAME--REVISION.DOMAIN, and an app without one has no FQDN.
func TestAzureContainerAppFQDN(t *testing.T) {
	t.Parallel()
	c := New(Options{})
	env := register(t, c, "azure-native:app:ManagedEnvironment", "env", map[string]any{"resourceGroupName": "nimbus-dev", "location": "westeurope", "environmentName": "apps"})
	domain := str(env.Outputs["defaultDomain"])
	if !strings.HasSuffix(domain, ".westeurope.azurecontainerapps.io") {
		t.Fatalf("default domain %q, want one under westeurope.azurecontainerapps.io", domain)
	}
	if want := "/subscriptions/" + AzureSubscription + "/resourceGroups/nimbus-dev/providers/Microsoft.App/managedEnvironments/apps"; env.ID != want {
		t.Errorf("environment id %q, want %q", env.ID, want)
	}
	app := register(t, c, "azure-native:app:ContainerApp", "api", map[string]any{
		"resourceGroupName": "nimbus-dev", "location": "westeurope", "environmentId": env.ID, "containerAppName": "api",
		"configuration": map[string]any{"ingress": map[string]any{"external": true, "targetPort": 8080}},
	})
	if got := str(app.Outputs["configuration"].ObjectValue()["ingress"].ObjectValue()["fqdn"]); got != "api."+domain {
		t.Errorf("ingress fqdn %q, want api.%s", got, domain)
	}
	if got := str(app.Outputs["latestRevisionFqdn"]); !strings.HasPrefix(got, "api--") || !strings.HasSuffix(got, "."+domain) {
		t.Errorf("latest revision fqdn %q, want api--REVISION.%s", got, domain)
	}
	worker := register(t, c, "azure-native:app:ContainerApp", "worker", map[string]any{
		"resourceGroupName": "nimbus-dev", "location": "westeurope", "environmentId": env.ID, "configuration": map[string]any{"activeRevisionsMode": "Single"},
	})
	if _, ok := worker.Outputs["configuration"].ObjectValue()["ingress"]; ok {
		t.Errorf("an app without ingress has configuration %v", worker.Outputs["configuration"])
	}
}

// TestAzureGetSharedKeys checks the workspace's keys are answered, the same for the same
// workspace and different for another.
func TestAzureGetSharedKeys(t *testing.T) {
	t.Parallel()
	c := New(Options{})
	call := func(ws string) string {
		out, err := c.Call(pulumi.MockCallArgs{Token: "azure-native:operationalinsights:getSharedKeys", Args: resource.PropertyMap{
			"resourceGroupName": resource.NewStringProperty("nimbus-dev"), "workspaceName": resource.NewStringProperty(ws)}})
		if err != nil {
			t.Fatal(err)
		}
		return str(out["primarySharedKey"])
	}
	a, again, other := call("logs"), call("logs"), call("other")
	if len(a) != 88 || a != again || a == other {
		t.Errorf("keys %q, %q, %q: want 88 characters, equal for one workspace only", a, again, other)
	}
}
