package fakecloud

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// AzureSubscription is the subscription every Azure resource is in: ARM ids start with it.
const AzureSubscription = "00000000-0000-4000-a000-000000000000"

// azureModels follow azure-native v3: ids are ARM resource ids
// (/subscriptions/S/resourceGroups/G/providers/NAMESPACE/TYPE/NAME), names the name input or
// the autoname, and the properties the program sent read back.
var azureModels = map[string]model{
	"azure-native:network:VirtualNetwork":        azureVirtualNetwork,
	"azure-native:privatedns:PrivateZone":        azurePrivateZone,
	"azure-native:privatedns:VirtualNetworkLink": azureVirtualNetworkLink,
	"azure-native:servicebus:Namespace":          azureServiceBusNamespace,
	"azure-native:servicebus:Queue":              azureServiceBusQueue,
	"azure-native:monitor:ActionGroup":           azureActionGroup,
	"azure-native:monitor:MetricAlert":           azureMetricAlert,
	"azure-native:authorization:RoleAssignment":  azureRoleAssignment,
	"azure-native:storage:StorageAccount":        azureStorageAccount,
	"azure-native:storage:BlobContainer":         azureBlobContainer,
	"azure-native:storage:ManagementPolicy":      azureManagementPolicy,
}

func init() {
	for typ, m := range azureModels {
		models[typ] = m
	}
}

// armID is the id of a resource of provider type typ (Microsoft.Network/virtualNetworks) named
// name in the request's resource group.
func armID(r *Request, typ, name string) string {
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/%s/%s", AzureSubscription, r.Str("resourceGroupName"), typ, name)
}

func azureVirtualNetwork(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("virtualNetworkName", 64, false)
	id := armID(r, "Microsoft.Network/virtualNetworks", name)
	var subnets []any
	if list := r.Inputs["subnets"]; list.IsArray() {
		for _, s := range list.ArrayValue() {
			if !s.IsObject() {
				continue
			}
			sub := s.ObjectValue().Mappable()
			sub["id"] = fmt.Sprintf("%s/subnets/%v", id, sub["name"])
			sub["provisioningState"] = "Succeeded"
			subnets = append(subnets, sub)
		}
	}
	c := props(map[string]any{
		"name":              name,
		"type":              "Microsoft.Network/virtualNetworks",
		"provisioningState": "Succeeded",
		"resourceGuid":      r.UUID("guid"),
		"etag":              `W/"` + r.UUID("etag") + `"`,
		"subnets":           subnets,
	})
	return id, c
}

func azurePrivateZone(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("privateZoneName", 253, true)
	return armID(r, "Microsoft.Network/privateDnsZones", name), props(map[string]any{
		"name":              name,
		"type":              "Microsoft.Network/privateDnsZones",
		"provisioningState": "Succeeded",
		"internalId":        r.Hex(32, "internal-id"),
	})
}

func azureVirtualNetworkLink(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("virtualNetworkLinkName", 80, false)
	zone := r.Str("privateZoneName")
	return armID(r, "Microsoft.Network/privateDnsZones", zone+"/virtualNetworkLinks/"+name), props(map[string]any{
		"name":                    name,
		"type":                    "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
		"provisioningState":       "Succeeded",
		"virtualNetworkLinkState": "Completed",
	})
}

func azureServiceBusNamespace(r *Request) (string, resource.PropertyMap) {
	// Namespace names are global (NAME.servicebus.windows.net): 6 to 50 letters, digits and -.
	name := r.NameOr("namespaceName", 50, true)
	return armID(r, "Microsoft.ServiceBus/namespaces", name), props(map[string]any{
		"name":               name,
		"type":               "Microsoft.ServiceBus/Namespaces",
		"provisioningState":  "Succeeded",
		"status":             "Active",
		"serviceBusEndpoint": "https://" + name + ".servicebus.windows.net:443/",
		"metricId":           AzureSubscription + ":" + name,
	})
}

func azureServiceBusQueue(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("queueName", 260, true)
	c := props(map[string]any{
		"name":   name,
		"type":   "Microsoft.ServiceBus/Namespaces/Queues",
		"status": "Active",
	})
	setDefault(r, c, "maxDeliveryCount", 10)
	setDefault(r, c, "lockDuration", "PT1M")
	return armID(r, "Microsoft.ServiceBus/namespaces", r.Str("namespaceName")+"/queues/"+name), c
}

func azureActionGroup(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("actionGroupName", 260, false)
	c := props(map[string]any{"name": name, "type": "Microsoft.Insights/ActionGroups"})
	setDefault(r, c, "enabled", true)
	return armID(r, "microsoft.insights/actionGroups", name), c
}

func azureMetricAlert(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("ruleName", 260, false)
	return armID(r, "microsoft.insights/metricAlerts", name), props(map[string]any{
		"name": name, "type": "Microsoft.Insights/metricAlerts", "isMigrated": false,
	})
}

// azureRoleAssignment: an assignment lives under its scope; its name is a GUID.
func azureRoleAssignment(r *Request) (string, resource.PropertyMap) {
	name := r.Str("roleAssignmentName")
	if name == "" {
		name = r.UUID("role-assignment")
	}
	return r.Str("scope") + "/providers/Microsoft.Authorization/roleAssignments/" + name, props(map[string]any{
		"name": name, "type": "Microsoft.Authorization/roleAssignments", "createdOn": fixedTime,
	})
}

func azureStorageAccount(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("accountName", 24, true)
	c := props(map[string]any{
		"name":              name,
		"type":              "Microsoft.Storage/storageAccounts",
		"provisioningState": "Succeeded",
		"primaryLocation":   r.Str("location"),
		"primaryEndpoints": map[string]any{
			"blob":  "https://" + name + ".blob.core.windows.net/",
			"queue": "https://" + name + ".queue.core.windows.net/",
			"table": "https://" + name + ".table.core.windows.net/",
			"file":  "https://" + name + ".file.core.windows.net/",
			"dfs":   "https://" + name + ".dfs.core.windows.net/",
			"web":   "https://" + name + ".z6.web.core.windows.net/",
		},
	})
	setDefault(r, c, "accessTier", "Hot")
	return armID(r, "Microsoft.Storage/storageAccounts", name), c
}

func azureBlobContainer(r *Request) (string, resource.PropertyMap) {
	name := r.NameOr("containerName", 63, true)
	return armID(r, "Microsoft.Storage/storageAccounts", r.Str("accountName")+"/blobServices/default/containers/"+name), props(map[string]any{
		"name": name, "type": "Microsoft.Storage/storageAccounts/blobServices/containers", "hasImmutabilityPolicy": false, "hasLegalHold": false,
	})
}

func azureManagementPolicy(r *Request) (string, resource.PropertyMap) {
	return armID(r, "Microsoft.Storage/storageAccounts", r.Str("accountName")+"/managementPolicies/default"), props(map[string]any{
		"name": "default", "type": "Microsoft.Storage/storageAccounts/managementPolicies", "lastModifiedTime": fixedTime,
	})
}
