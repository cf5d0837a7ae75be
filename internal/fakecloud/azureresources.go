package fakecloud

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// azureResourceModels are the Resource Manager types beside the services': the resource group
// every resource is in, the deployment scripts that run deploy-time jobs, and custom roles.
var azureResourceModels = map[string]model{
	"azure-native:resources:ResourceGroup":      azureResourceGroup,
	"azure-native:resources:AzureCliScript":     azureDeploymentScript,
	"azure-native:authorization:RoleDefinition": azureRoleDefinition,
}

func init() {
	for typ, m := range azureResourceModels {
		models[typ] = m
	}
}

// azureResourceGroup: a group's id is the subscription's id + /resourceGroups/NAME (1 to 90
// characters), with no provider segment.
func azureResourceGroup(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("resourceGroupName", 90, false)
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s", AzureSubscription, name), props(map[string]any{
		"name":       name,
		"type":       "Microsoft.Resources/resourceGroups",
		"properties": map[string]any{"provisioningState": "Succeeded"},
	})
}

// azureDeploymentScript: a script is a Microsoft.Resources/deploymentScripts resource of its
// resource group; the fake's scripts always succeed (what a script does is tested by running
// it), and report the defaults Azure applies.
func azureDeploymentScript(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("scriptName", 260, false)
	c := props(map[string]any{
		"name":              name,
		"type":              "Microsoft.Resources/deploymentScripts",
		"provisioningState": "Succeeded",
		"status":            map[string]any{"startTime": fixedTime, "endTime": fixedTime, "expirationTime": fixedTime},
		"outputs":           map[string]any{},
	})
	setDefault(r, c, "cleanupPreference", "Always")
	setDefault(r, c, "timeout", "P1D")
	return armID(r, "Microsoft.Resources/deploymentScripts", name), c
}

// azureRoleDefinition: a custom role's name is a GUID; azure-native's id is the scope it was
// created at + /providers/Microsoft.Authorization/roleDefinitions/GUID.
func azureRoleDefinition(r *Request) (string, resource.PropertyMap) {
	name := r.Str("roleDefinitionId")
	if name == "" {
		name = r.UUID("role-definition")
	}
	return r.Str("scope") + "/providers/Microsoft.Authorization/roleDefinitions/" + name, props(map[string]any{
		"name": name, "type": "Microsoft.Authorization/roleDefinitions", "createdOn": fixedTime, "updatedOn": fixedTime,
	})
}
