package fakecloud

import (
	"strings"
	"testing"
)

func TestAzureModels(t *testing.T) {
	t.Parallel()
	const rg = "/subscriptions/" + AzureSubscription + "/resourceGroups/nimbus-dev"
	cases := map[string]modelCase{
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
		"ServiceBusNamespace": {
			reason: "a namespace's endpoint is https://NAME.servicebus.windows.net:443/",
			typ:    "azure-native:servicebus:Namespace",
			inputs: map[string]any{"resourceGroupName": "nimbus-dev", "namespaceName": "jobs-1"},
			wantID: rg + "/providers/Microsoft.ServiceBus/namespaces/jobs-1",
			want:   map[string]any{"name": "jobs-1", "serviceBusEndpoint": "https://jobs-1.servicebus.windows.net:443/"},
		},
		"ServiceBusQueue": {
			reason: "a queue's id is under its namespace's; what the program sets reads back",
			typ:    "azure-native:servicebus:Queue",
			inputs: map[string]any{"resourceGroupName": "nimbus-dev", "namespaceName": "jobs-1", "queueName": "jobs", "maxDeliveryCount": 5},
			wantID: rg + "/providers/Microsoft.ServiceBus/namespaces/jobs-1/queues/jobs",
			want:   map[string]any{"name": "jobs", "maxDeliveryCount": 5.0, "lockDuration": "PT1M"},
		},
		"RoleAssignment": {
			reason: "a role assignment lives under its scope",
			typ:    "azure-native:authorization:RoleAssignment",
			inputs: map[string]any{"scope": rg + "/providers/Microsoft.ServiceBus/namespaces/n/queues/q", "roleAssignmentName": "0b5c8f9e-3d0f-4a53-9d5f-2f4c4b3f8a10", "principalId": "p", "roleDefinitionId": "r"},
			wantID: rg + "/providers/Microsoft.ServiceBus/namespaces/n/queues/q/providers/Microsoft.Authorization/roleAssignments/0b5c8f9e-3d0f-4a53-9d5f-2f4c4b3f8a10",
			want:   map[string]any{"name": "0b5c8f9e-3d0f-4a53-9d5f-2f4c4b3f8a10"},
		},
		"StorageAccount": {
			reason: "an account's blob endpoint is https://NAME.blob.core.windows.net/",
			typ:    "azure-native:storage:StorageAccount",
			inputs: map[string]any{"resourceGroupName": "nimbus-dev", "accountName": "images1a2b3c4d5e", "kind": "StorageV2", "sku": map[string]any{"name": "Standard_LRS"}},
			wantID: rg + "/providers/Microsoft.Storage/storageAccounts/images1a2b3c4d5e",
			want:   map[string]any{"name": "images1a2b3c4d5e", "accessTier": "Hot"},
		},
		"BlobContainer": {
			reason: "a container's id is under its account's blob service",
			typ:    "azure-native:storage:BlobContainer",
			inputs: map[string]any{"resourceGroupName": "nimbus-dev", "accountName": "acct", "containerName": "images"},
			wantID: rg + "/providers/Microsoft.Storage/storageAccounts/acct/blobServices/default/containers/images",
			want:   map[string]any{"name": "images"},
		},
		"ActionGroup": {
			reason: "an action group's id is under microsoft.insights",
			typ:    "azure-native:monitor:ActionGroup",
			inputs: map[string]any{"resourceGroupName": "nimbus-dev", "actionGroupName": "ops"},
			wantID: rg + "/providers/microsoft.insights/actionGroups/ops",
			want:   map[string]any{"enabled": true},
		},
	}
	checkModels(t, cases)
}

func TestAzureStorageEndpoints(t *testing.T) {
	t.Parallel()
	a := register(t, New(Options{}), "azure-native:storage:StorageAccount", "acct", map[string]any{"resourceGroupName": "g", "accountName": "images1a2b"})
	if got := a.Outputs["primaryEndpoints"].ObjectValue()["blob"].StringValue(); got != "https://images1a2b.blob.core.windows.net/" {
		t.Errorf("blob endpoint %q", got)
	}
}

func TestAzureAutonames(t *testing.T) {
	t.Parallel()
	n := register(t, New(Options{}), "azure-native:network:VirtualNetwork", "network", map[string]any{"resourceGroupName": "g"})
	if name := n.Outputs["name"].StringValue(); !strings.HasPrefix(name, "network-") || !strings.HasSuffix(n.ID, "/virtualNetworks/"+name) {
		t.Errorf("autonamed network: name %q id %q", name, n.ID)
	}
}
