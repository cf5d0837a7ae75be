package fakecloud

import (
	"strings"
	"testing"
)

func TestAzureResourceModels(t *testing.T) {
	t.Parallel()
	const sub = "/subscriptions/" + AzureSubscription
	cases := map[string]modelCase{
		"ResourceGroup": {
			reason: "a resource group's id is the subscription's + /resourceGroups/NAME, with no provider segment",
			typ:    "azure-native:resources:ResourceGroup",
			inputs: map[string]any{"resourceGroupName": "nimbus-dev", "location": "westeurope"},
			wantID: sub + "/resourceGroups/nimbus-dev",
			want:   map[string]any{"name": "nimbus-dev", "location": "westeurope"},
		},
		"AzureCliScript": {
			reason: "a deployment script is a Microsoft.Resources/deploymentScripts resource of its group, and reads back Azure's defaults",
			typ:    "azure-native:resources:AzureCliScript",
			inputs: map[string]any{"resourceGroupName": "nimbus-dev", "scriptName": "migrate-run", "kind": "AzureCLI", "forceUpdateTag": "t1"},
			wantID: sub + "/resourceGroups/nimbus-dev/providers/Microsoft.Resources/deploymentScripts/migrate-run",
			want:   map[string]any{"name": "migrate-run", "provisioningState": "Succeeded", "forceUpdateTag": "t1", "cleanupPreference": "Always", "timeout": "P1D"},
		},
		"AzureCliScriptSetsDefaults": {
			reason: "what the program sets wins over Azure's defaults",
			typ:    "azure-native:resources:AzureCliScript",
			inputs: map[string]any{"resourceGroupName": "g", "scriptName": "s", "cleanupPreference": "OnSuccess", "timeout": "PT2H"},
			wantID: sub + "/resourceGroups/g/providers/Microsoft.Resources/deploymentScripts/s",
			want:   map[string]any{"cleanupPreference": "OnSuccess", "timeout": "PT2H"},
		},
		"RoleDefinition": {
			reason: "a custom role lives under the scope it was created at; its name is its GUID",
			typ:    "azure-native:authorization:RoleDefinition",
			inputs: map[string]any{"scope": sub + "/resourceGroups/g", "roleDefinitionId": "5d1e8a3c-2b7f-4c11-9e0a-7b3f1c2d4e5f"},
			wantID: sub + "/resourceGroups/g/providers/Microsoft.Authorization/roleDefinitions/5d1e8a3c-2b7f-4c11-9e0a-7b3f1c2d4e5f",
			want:   map[string]any{"name": "5d1e8a3c-2b7f-4c11-9e0a-7b3f1c2d4e5f"},
		},
	}
	checkModels(t, cases)
}

// TestAzureResourceAutonames checks the names the program reads of what it does not name: an
// autonamed resource group, and a custom role's GUID.
func TestAzureResourceAutonames(t *testing.T) {
	t.Parallel()
	c := New(Options{})
	g := register(t, c, "azure-native:resources:ResourceGroup", "nimbus", nil)
	if name := g.Outputs["name"].StringValue(); !strings.HasPrefix(name, "nimbus-") || g.ID != "/subscriptions/"+AzureSubscription+"/resourceGroups/"+name {
		t.Errorf("autonamed group: name %q id %q", name, g.ID)
	}
	d := register(t, c, "azure-native:authorization:RoleDefinition", "role", map[string]any{"scope": "/s"})
	if name := d.Outputs["name"].StringValue(); len(name) != 36 || strings.Count(name, "-") != 4 || !strings.HasSuffix(d.ID, "/roleDefinitions/"+name) {
		t.Errorf("role definition GUID %q id %q", name, d.ID)
	}
}
